"""Printable attendance documents: sign-in sheets, non-attendance charge statements, QR codes.

Pure builders: plain data in, bytes (or SVG text) out; no database and no Flask. Views format dates
and times in UK time before calling them, and send the bytes with `send_file`.

Text is drawn in the fonts that ship with the product (`lms.core.pdffonts`), embedded in each
PDF, so names like "Zoë", "O’Brien", "Ελένη", "مريم" and "李小龍" print as written on any machine.
"""

import io
from dataclasses import dataclass

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core import pdffonts

# --- Data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    name: str
    agency: str
    job_title: str


@dataclass(frozen=True)
class SignInSheet:
    partnership: str
    course_title: str
    course_code: str
    date_text: str  # already in UK time, e.g. "Tuesday 3 November 2026"
    time_text: str  # e.g. "9:30am to 12:30pm"
    location: str  # empty for an online session
    trainers: str
    reference: str  # printed in the footer of every page
    rows: tuple[SheetRow, ...]
    spare_rows: int = 5  # empty rows for people who turn up without a booking


@dataclass(frozen=True)
class StatementLine:
    session_date: str
    course: str
    person: str
    reason: str  # "No-show" or "Late cancellation"
    status: str  # "Raised", "Upheld", "Waived", ...
    amount_pence: int
    payable: bool  # counted in the total


@dataclass(frozen=True)
class Statement:
    partnership: str
    agency: str
    period: str  # e.g. "November 2026"
    lines: tuple[StatementLine, ...]
    note: str = ""


class _Styles:
    """Paragraph styles in the documents' fonts."""

    def __init__(self):
        regular, bold = pdffonts.regular(), pdffonts.bold()
        self.small = ParagraphStyle("small", fontName=regular, fontSize=9, leading=11)
        self.muted = ParagraphStyle("muted", self.small, textColor=colors.HexColor("#505a5f"))
        self.muted_right = ParagraphStyle("muted_right", self.muted, alignment=TA_RIGHT)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
        self.label = ParagraphStyle("label", self.body, fontName=bold)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=20, leading=24, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=bold, fontSize=13, leading=16)
        self.cell = self.small
        self.cell_bold = ParagraphStyle("cell_bold", self.small, fontName=bold)
        self.cell_right = ParagraphStyle("cell_right", self.small, alignment=TA_RIGHT)
        self.cell_bold_right = ParagraphStyle("cell_bold_right", self.cell_bold, alignment=TA_RIGHT)
        self.cell_muted = ParagraphStyle(
            "cell_muted", self.small, textColor=colors.HexColor("#6f777b")
        )
        self.cell_muted_right = ParagraphStyle(
            "cell_muted_right", self.cell_muted, alignment=TA_RIGHT
        )

    def para(self, text: str, style: ParagraphStyle, limit: int | None = None) -> Paragraph:
        return pdffonts.paragraph(text, style, limit)

    def line(self, text: str, style: ParagraphStyle, width: float) -> Paragraph:
        """A paragraph shortened with an ellipsis until it fits on one line of `width`."""
        limit = len(pdffonts.clip(text))
        while True:
            paragraph = self.para(text, style, limit)
            _, height = paragraph.wrap(width, 1000)
            if height <= style.leading or limit <= 1:
                return paragraph
            limit = min(limit - 1, int(limit * 0.9))


# --- Page furniture --------------------------------------------------------------------------

_MARGIN = 15 * mm
_FRAME_WIDTH = A4[0] - 2 * _MARGIN
_GRID = colors.HexColor("#b1b4b6")
_SHADE = colors.HexColor("#f3f2f1")


def _numbered_canvas(footer_left: Paragraph, styles: _Styles) -> type[Canvas]:
    """A canvas class that writes the footer, with "Page x of y", once the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # keeps the page until the page count is known
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            page_text = styles.para(f"Page {number} of {total}", styles.muted_right)
            half = _FRAME_WIDTH / 2
            for paragraph, x in ((footer_left, _MARGIN), (page_text, _MARGIN + half)):
                _, height = paragraph.wrapOn(self, half, 20 * mm)
                paragraph.drawOn(self, x, 10 * mm + 11 - height)

    return NumberedCanvas


def _build(
    story: list,
    *,
    title: str,
    author: str,
    footer_left: str,
    running_header: str,
    styles: _Styles,
) -> bytes:
    """Lay out a story on A4 portrait pages with a running header and numbered footer."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=20 * mm,
        title=pdffonts.clip(title),
        author=pdffonts.clip(author),
        creator="lms",
        # Not Helvetica, reportlab's default: every font in the file is an embedded one.
        initialFontName=pdffonts.regular(),
    )
    header = styles.line(running_header, styles.muted, _FRAME_WIDTH)

    def later_page(canvas: Canvas, _doc) -> None:
        _, height = header.wrapOn(canvas, _FRAME_WIDTH, _MARGIN)
        header.drawOn(canvas, _MARGIN, A4[1] - 9 * mm - height)

    footer = styles.line(footer_left, styles.muted, _FRAME_WIDTH / 2 - 5 * mm)
    canvasmaker = _numbered_canvas(footer, styles)
    doc.build(story, onLaterPages=later_page, canvasmaker=canvasmaker)
    return buffer.getvalue()


def _details(pairs, styles: _Styles) -> Table:
    return pdffonts.details_table(
        pairs, styles.label, styles.body, label_width=28 * mm, width=_FRAME_WIDTH
    )


def _grid_style() -> list[tuple]:
    """Table style for a ruled table with a shaded heading row."""
    return [
        # Cells hold paragraphs; this only keeps reportlab's Helvetica out of the file.
        ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]


# --- Sign-in sheet ---------------------------------------------------------------------------

# No., name, agency, job title, signature: 180 mm, the width between the margins.
_SHEET_COLUMNS = (11 * mm, 46 * mm, 42 * mm, 36 * mm, 45 * mm)
_SIGNATURE_HEIGHT = 7.5 * mm  # room to sign; a row is taller only when a name wraps


def sign_in_sheet(sheet: SignInSheet) -> bytes:
    """An A4 sign-in sheet for one session: one row per booked person, then spare rows."""
    styles = _Styles()
    course = (
        f"{sheet.course_title} ({sheet.course_code})" if sheet.course_code else sheet.course_title
    )
    booked = len(sheet.rows)
    spare = max(sheet.spare_rows, 0)
    several = any(mark in sheet.trainers for mark in (",", " and ", "&"))
    trainer_label = "Trainers" if several else "Trainer"
    story: list = [
        styles.para(sheet.partnership, styles.muted, limit=200),
        Spacer(1, 2 * mm),
        styles.para("Sign-in sheet", styles.title),
        styles.para(course, styles.subtitle, limit=150),
        Spacer(1, 3 * mm),
        _details(
            [
                ("Date", sheet.date_text),
                ("Time", sheet.time_text),
                ("Venue", sheet.location.strip() or "Online"),
                (trainer_label, sheet.trainers.strip() or "To be confirmed"),
                ("Booked", "1 person" if booked == 1 else f"{booked} people"),
            ],
            styles,
        ),
        Spacer(1, 3 * mm),
        styles.para(
            "Please sign next to your name. If your name is not listed, write your name, agency "
            "and job title in a spare row at the end and sign.",
            styles.body,
        ),
        Spacer(1, 3 * mm),
    ]

    def heading(text: str) -> Paragraph:
        return styles.para(text, styles.cell_bold)

    data: list[list] = [[heading(h) for h in ("No.", "Name", "Agency", "Job title", "Signature")]]
    style = _grid_style()
    for number, row in enumerate(sheet.rows, start=1):
        data.append(
            [
                styles.para(str(number), styles.cell),
                styles.para(row.name, styles.cell, limit=90),
                styles.para(row.agency, styles.cell, limit=90),
                styles.para(row.job_title, styles.cell, limit=70),
                Spacer(1, _SIGNATURE_HEIGHT),
            ]
        )
    if not sheet.rows:
        style += [("SPAN", (0, 1), (-1, 1))]
        data.append([styles.para("No one is booked on this session.", styles.cell)])
    if spare:
        here = len(data)
        style += [("SPAN", (0, here), (-1, here)), ("BACKGROUND", (0, here), (-1, here), _SHADE)]
        data.append([heading("Walk-ins: not booked? Add your details below.")])
        for number in range(booked + 1, booked + spare + 1):
            blank = Paragraph("", styles.cell)
            data.append(
                [
                    styles.para(str(number), styles.cell),
                    blank,
                    blank,
                    blank,
                    Spacer(1, _SIGNATURE_HEIGHT),
                ]
            )
    table = Table(data, colWidths=_SHEET_COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    story.append(table)
    return _build(
        story,
        title=f"Sign-in sheet: {course}, {sheet.date_text}",
        author=sheet.partnership,
        footer_left=f"Ref. {sheet.reference}" if sheet.reference else course,
        running_header=f"Sign-in sheet (continued): {course}, {sheet.date_text}",
        styles=styles,
    )


# --- Non-attendance charge statement ---------------------------------------------------------

# Date, course, person, reason, status, amount: 180 mm.
_STATEMENT_COLUMNS = (22 * mm, 43 * mm, 34 * mm, 32 * mm, 21 * mm, 28 * mm)


def format_pounds(pence: int) -> str:
    """An amount of money in pence as pounds, e.g. 5000 -> "£50.00", 123456 -> "£1,234.56"."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def charge_statement(statement: Statement) -> bytes:
    """An A4 statement of one agency's non-attendance charges for a period, with the total due."""
    styles = _Styles()
    story: list = [
        styles.para(statement.partnership, styles.muted, limit=200),
        Spacer(1, 2 * mm),
        styles.para("Non-attendance charges", styles.title),
        styles.para(statement.agency, styles.subtitle, limit=200),
        Spacer(1, 3 * mm),
        _details([("Period", statement.period)], styles),
        Spacer(1, 4 * mm),
    ]
    headings = ("Date", "Course", "Person", "Reason", "Status", "Amount")
    data: list[list] = [
        [
            styles.para(h, styles.cell_bold_right if h == "Amount" else styles.cell_bold)
            for h in headings
        ]
    ]
    style = _grid_style()
    for line in statement.lines:
        text = styles.cell if line.payable else styles.cell_muted
        money = styles.cell_right if line.payable else styles.cell_muted_right
        data.append(
            [
                styles.para(line.session_date, text, limit=40),
                styles.para(line.course, text, limit=120),
                styles.para(line.person, text, limit=80),
                styles.para(line.reason, text, limit=40),
                styles.para(line.status, text, limit=30),
                styles.para(format_pounds(line.amount_pence), money),
            ]
        )
    if not statement.lines:
        style += [("SPAN", (0, 1), (-1, 1))]
        data.append([styles.para("No non-attendance charges in this period.", styles.cell)])
    total = sum(line.amount_pence for line in statement.lines if line.payable)
    last = len(data)
    style += [
        ("SPAN", (0, last), (-2, last)),
        ("BACKGROUND", (0, last), (-1, last), _SHADE),
    ]
    data.append(
        [
            styles.para("Total payable", styles.cell_bold_right),
            "",
            "",
            "",
            "",
            styles.para(format_pounds(total), styles.cell_bold_right),
        ]
    )
    table = Table(data, colWidths=_STATEMENT_COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    story.append(table)
    if any(not line.payable for line in statement.lines):
        story += [
            Spacer(1, 3 * mm),
            styles.para(
                "Charges in grey are not payable (for example, waived) and are not in the total.",
                styles.muted,
            ),
        ]
    if statement.note.strip():
        story += [Spacer(1, 3 * mm), styles.para(statement.note, styles.body, limit=2000)]
    return _build(
        story,
        title=f"Non-attendance charges: {statement.agency}, {statement.period}",
        author=statement.partnership,
        footer_left=f"{statement.agency}: {statement.period}",
        running_header=(
            f"Non-attendance charges (continued): {statement.agency}, {statement.period}"
        ),
        styles=styles,
    )


# --- QR codes --------------------------------------------------------------------------------


def _qr(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("A QR code needs a URL.")
    return segno.make_qr(url, error="m")


def qr_svg(url: str, title: str = "QR code for the attendance link") -> str:
    """An SVG QR code for a URL, to inline in HTML: no XML declaration, a <title>, scalable."""
    svg = _qr(url).svg_inline(title=title, omitsize=True, light="#fff", dark="#000", border=4)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def qr_png(url: str, scale: int = 8) -> bytes:
    """A PNG QR code for a URL, each module `scale` pixels square."""
    if scale < 1:
        raise ValueError("The scale must be at least 1.")
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=4, light="#fff", dark="#000")
    return buffer.getvalue()
