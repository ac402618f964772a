"""A person's training record as an A4 (landscape) PDF: the partnership, the person, their
agency and CPD hour totals, then a table of their training that runs over as many pages as it
needs, its heading row repeated on each. Every text is drawn through `lms.core.pdffonts`, so
any name prints as written and nothing in it is read as markup."""

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from lms.certificates.records import Record, about, hours_text
from lms.core import pdffonts

PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
# Dates, training, type and mode, provider, hours, validity, certificate: 267 mm.
COLUMNS = (36 * mm, 70 * mm, 42 * mm, 40 * mm, 15 * mm, 38 * mm, 26 * mm)
HEADINGS = (
    "Date(s)",
    "Training",
    "Type",
    "Provider or trainers",
    "CPD hours",
    "Validity",
    "Certificate",
)
GRID = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")
MUTED = colors.HexColor("#505a5f")


class _Styles:
    def __init__(self):
        regular, bold = pdffonts.regular(), pdffonts.bold()
        self.muted = ParagraphStyle(
            "muted", fontName=regular, fontSize=9, leading=11, textColor=MUTED
        )
        self.muted_right = ParagraphStyle("muted_right", self.muted, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=20, leading=24)
        self.name = ParagraphStyle("name", fontName=bold, fontSize=14, leading=18)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
        self.label = ParagraphStyle("label", self.body, fontName=bold)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)
        self.cell_muted = ParagraphStyle("cell_muted", self.cell, textColor=MUTED)
        self.cell_bold = ParagraphStyle("cell_bold", self.cell, fontName=bold)
        self.cell_right = ParagraphStyle("cell_right", self.cell, alignment=TA_RIGHT)
        self.cell_bold_right = ParagraphStyle("cell_bold_right", self.cell_bold, alignment=TA_RIGHT)


def _details(pairs, styles: _Styles) -> Table:
    return pdffonts.details_table(
        pairs, styles.label, styles.body, label_width=80 * mm, width=WIDTH, limit=300
    )


def _table(record: Record, styles: _Styles) -> Table:
    cell = pdffonts.paragraph
    data: list[list] = [
        [
            cell(h, styles.cell_bold_right if h == "CPD hours" else styles.cell_bold)
            for h in HEADINGS
        ]
    ]
    style = [
        # Cells hold paragraphs; this only keeps reportlab's Helvetica out of the file.
        ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in record.rows:
        kind = row.kind if row.level is None else f"{row.kind}, level {row.level}"
        kind_and_mode = [cell(kind, styles.cell, 120), cell(row.mode, styles.cell_muted, 120)]
        data.append(
            [
                cell(row.days_text, styles.cell),
                cell(row.title, styles.cell, 200),
                kind_and_mode,
                cell(row.provider, styles.cell, 200),
                cell(hours_text(row.hours), styles.cell_right),
                cell(row.validity_text, styles.cell),
                cell(row.certificate or "None", styles.cell),
            ]
        )
    if not record.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
        data.append([cell("No training recorded yet.", styles.cell)] + [""] * 6)
    last = len(data)
    style += [("SPAN", (0, last), (3, last)), ("BACKGROUND", (0, last), (-1, last), SHADE)]
    data.append(
        [
            cell("Total CPD hours", styles.cell_bold_right),
            "",
            "",
            "",
            cell(hours_text(record.total_hours), styles.cell_bold_right),
            "",
            "",
        ]
    )
    table = Table(data, colWidths=COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def render(record: Record, *, partnership: str) -> bytes:
    """The record's PDF."""
    styles = _Styles()
    person = record.person
    pairs = about(record, partnership=partnership)[1:]
    story = [
        pdffonts.paragraph(partnership, styles.muted, limit=200),
        Spacer(1, 2 * mm),
        pdffonts.paragraph("Training record", styles.title),
        pdffonts.paragraph(person.name, styles.name, limit=200),
        Spacer(1, 3 * mm),
        _details([pair for pair in pairs if pair[0] != "Partnership"], styles),
        Spacer(1, 4 * mm),
        _table(record, styles),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=20 * mm,
        title=pdffonts.clip(f"Training record: {person.name}", 200),
        author=pdffonts.clip(partnership, 200),
        creator="lms",
        initialFontName=pdffonts.regular(),
    )
    footer = f"Training record: {person.name} – {person.agency.name}"
    doc.build(
        story,
        canvasmaker=pdffonts.numbered_canvas(
            footer, styles.muted, styles.muted_right, margin=MARGIN, width=WIDTH, limit=120
        ),
    )
    return buffer.getvalue()
