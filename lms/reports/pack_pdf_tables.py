"""The annual pack's tables as PDF flowables: numbers to the right, the heading row repeated on
every page a table runs onto, and a table too wide for the page shown in parts, each part
repeating the columns that name its rows."""

from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer, Table, TableStyle

from lms.core import pdffonts
from lms.reports import pack_cells
from lms.reports.tables import DATE, TEXT

GRID = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")
MUTED = colors.HexColor("#505a5f")
NUMBER_WIDTH = 19 * mm  # a figure's column, at least
HEADING_SIZE = 7.5
PADDING = 3
LABEL_LIMIT = 300  # characters of a row's label before it is shortened


class Styles:
    def __init__(self):
        regular, bold = pdffonts.regular(), pdffonts.bold()
        self.muted = ParagraphStyle(
            "muted", fontName=regular, fontSize=9, leading=11, textColor=MUTED
        )
        self.muted_right = ParagraphStyle("muted_right", self.muted, alignment=TA_RIGHT)
        self.small = ParagraphStyle("small", fontName=regular, fontSize=10, leading=13)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=24, leading=30)
        self.subtitle = ParagraphStyle("subtitle", fontName=bold, fontSize=16, leading=21)
        self.h1 = ParagraphStyle(
            "h1", fontName=bold, fontSize=18, leading=23, spaceBefore=6, spaceAfter=6
        )
        self.h2 = ParagraphStyle(
            "h2", fontName=bold, fontSize=13, leading=17, spaceBefore=8, spaceAfter=4
        )
        self.h3 = ParagraphStyle(
            "h3", fontName=bold, fontSize=10, leading=13, spaceBefore=4, spaceAfter=2
        )
        self.body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=15, spaceAfter=6)
        self.quote = ParagraphStyle("quote", self.body, leftIndent=8 * mm, spaceAfter=2)
        self.label = ParagraphStyle("label", fontName=bold, fontSize=10, leading=13)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
        self.cell_bold = ParagraphStyle("cell_bold", self.cell, fontName=bold)
        self.heading = ParagraphStyle(
            "heading", self.cell_bold, fontSize=HEADING_SIZE, leading=HEADING_SIZE + 2
        )
        self.heading_right = ParagraphStyle("heading_right", self.heading, alignment=TA_RIGHT)
        self.cell_right = ParagraphStyle("cell_right", self.cell, alignment=TA_RIGHT)
        self.cell_bold_right = ParagraphStyle("cell_bold_right", self.cell_bold, alignment=TA_RIGHT)


def _naming_columns(columns: list[dict[str, Any]]) -> int:
    """How many of the first columns name a row (text or dates), repeated in every part."""
    count = 0
    for column in columns:
        if column["kind"] not in (TEXT, DATE):
            break
        count += 1
    return max(count, 1) if columns else 0


def column_width(column: dict[str, Any]) -> float:
    """A figure's column: wide enough for the longest word of its heading."""
    words = column["label"].split() or [""]
    widest = max(stringWidth(word, pdffonts.bold(), HEADING_SIZE) for word in words)
    return max(NUMBER_WIDTH, widest + 2 * PADDING + 1)


def parts(columns: list[dict[str, Any]], width: float) -> list[tuple[list[dict], list[float]]]:
    """The columns in parts that fit the width, each led by the naming columns, with widths."""
    naming = columns[: _naming_columns(columns)]
    naming_width = min(max(45 * mm, 32 * mm * len(naming)), width * 0.55)
    room = width - naming_width
    chunks: list[list[dict]] = [[]]
    for column in columns[len(naming) :]:
        used = sum(column_width(other) for other in chunks[-1])
        if chunks[-1] and used + column_width(column) > room:
            chunks.append([])
        chunks[-1].append(column)
    laid_out = []
    for chunk in chunks:
        figure_widths = [column_width(column) for column in chunk]
        # One part: the naming columns take the room the figures leave.
        label_width = width - sum(figure_widths) if len(chunks) == 1 else naming_width
        widths = [label_width / len(naming)] * len(naming) + figure_widths
        laid_out.append((naming + chunk, widths))
    return laid_out


def _cell(row, column, styles: Styles, *, bold: bool):
    right = column["kind"] not in (TEXT, DATE)
    style = {
        (False, False): styles.cell,
        (False, True): styles.cell_right,
        (True, False): styles.cell_bold,
        (True, True): styles.cell_bold_right,
    }[(bold, right)]
    return pdffonts.paragraph(pack_cells.text(row, column), style, LABEL_LIMIT)


def _one_table(table: dict[str, Any], columns, widths, styles: Styles) -> Table:
    header = [
        pdffonts.paragraph(
            column["label"],
            styles.heading if column["kind"] in (TEXT, DATE) else styles.heading_right,
        )
        for column in columns
    ]
    data = [header]
    style = [
        # Cells hold paragraphs; this only keeps reportlab's Helvetica out of the file.
        ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
    ]
    total = table.get("total")
    for row in pack_cells.rows_of(table):
        is_total = row is total
        if is_total:
            style.append(("BACKGROUND", (0, len(data)), (-1, len(data)), SHADE))
        data.append([_cell(row, column, styles, bold=is_total) for column in columns])
    flowable = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    flowable.setStyle(TableStyle(style))
    return flowable


def table_flowables(
    table: dict[str, Any], chosen: list[str] | None, styles: Styles, *, width: float
) -> list:
    """The table (in parts when it is too wide), then its summary lines."""
    columns = pack_cells.columns_of(table, chosen)
    story: list = []
    if not table.get("rows"):
        story.append(pdffonts.paragraph("No figures for this year.", styles.small))
    else:
        laid_out = parts(columns, width)
        for number, (part, widths) in enumerate(laid_out, start=1):
            if len(laid_out) > 1:
                story.append(pdffonts.paragraph(f"Part {number} of {len(laid_out)}", styles.h3))
            story += [_one_table(table, part, widths, styles), Spacer(1, 3 * mm)]
    summary = [
        (item["label"], str(item["value"]))
        for item in table.get("summary") or []
        if item.get("value") not in (None, "")
    ]
    if summary and not chosen:
        story.append(
            pdffonts.details_table(
                summary, styles.label, styles.small, label_width=70 * mm, width=width, limit=400
            )
        )
    return story
