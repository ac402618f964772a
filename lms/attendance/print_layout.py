"""The A4 layout of the attendance documents: paragraph styles in the shipped fonts, a running
header on later pages, a footer with "Page x of y", a details table and ruled tables.

Text is drawn in the fonts that ship with the product (`lms.core.pdffonts`), embedded in each
PDF, so names like "Zoë", "O’Brien", "Ελένη", "مريم" and "李小龍" print as written on any machine.
"""

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from lms.core import pdffonts


class Styles:
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


MARGIN = 15 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")


def _numbered_canvas(footer_left: Paragraph, styles: Styles) -> type[Canvas]:
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
            half = FRAME_WIDTH / 2
            for paragraph, x in ((footer_left, MARGIN), (page_text, MARGIN + half)):
                _, height = paragraph.wrapOn(self, half, 20 * mm)
                paragraph.drawOn(self, x, 10 * mm + 11 - height)

    return NumberedCanvas


def build_pdf(
    story: list,
    *,
    title: str,
    author: str,
    footer_left: str,
    running_header: str,
    styles: Styles,
) -> bytes:
    """Lay out a story on A4 portrait pages with a running header and numbered footer."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=20 * mm,
        title=pdffonts.clip(title),
        author=pdffonts.clip(author),
        creator="lms",
        # Not Helvetica, reportlab's default: every font in the file is an embedded one.
        initialFontName=pdffonts.regular(),
    )
    header = styles.line(running_header, styles.muted, FRAME_WIDTH)

    def later_page(canvas: Canvas, _doc) -> None:
        _, height = header.wrapOn(canvas, FRAME_WIDTH, MARGIN)
        header.drawOn(canvas, MARGIN, A4[1] - 9 * mm - height)

    footer = styles.line(footer_left, styles.muted, FRAME_WIDTH / 2 - 5 * mm)
    canvasmaker = _numbered_canvas(footer, styles)
    doc.build(story, onLaterPages=later_page, canvasmaker=canvasmaker)
    return buffer.getvalue()


def details(pairs, styles: Styles) -> Table:
    """The (label, value) facts under a document's heading, across the width of the page."""
    return pdffonts.details_table(
        pairs, styles.label, styles.body, label_width=28 * mm, width=FRAME_WIDTH
    )


def grid_style() -> list[tuple]:
    """Table style for a ruled table with a shaded heading row."""
    return [
        # Cells hold paragraphs; this only keeps reportlab's Helvetica out of the file.
        ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
