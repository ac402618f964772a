"""A pack table's chart in the PDF: horizontal bars drawn with reportlab.graphics, one row per
group with its label beside the bars (so a long list of labels wraps and runs over pages), each
bar with its figure, and a key to the colours when there is more than one series.

The labels are paragraphs in the embedded fonts, so any agency's name prints as written; the
bars' figures are drawn in the same font. A chart of more than `MOST_GROUPS` groups shows the
first of them and says so. A bar with no figure (hidden in the publication version, or nothing
to divide by) is drawn empty and labelled; in the publication version a small count is never
drawn, whatever the figures hold: its bar is empty and says "fewer than 5"."""

from typing import Any

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Table, TableStyle

from lms.core import pdffonts
from lms.reports.charts import COLOURS, figure
from lms.reports.pack_cells import is_number
from lms.reports.pack_pdf_tables import Styles
from lms.reports.suppression import fewer_than, is_small

MOST_GROUPS = 20
BAR_HEIGHT = 8
BAR_GAP = 2
FIGURE_SIZE = 7
KEY_SIZE = 8
OUTLINE = colors.HexColor("#0b0c0c")


def _bar_figure(value: Any, unit: str, *, publication: bool) -> str:
    if is_number(value):
        return figure(value, unit)
    if isinstance(value, str):
        return value
    return "not shown" if publication else "no figure"


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose starting font is the embedded one (not reportlab's Helvetica)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = pdffonts.regular()
    drawing.initialFontSize = FIGURE_SIZE
    return drawing


def hidden(groups: list, suppress_below: int | None) -> list:
    """The groups with each small count replaced by the text standing for it (publication)."""
    if not suppress_below:
        return groups
    return [
        [
            label,
            [
                fewer_than(suppress_below) if is_small(value, suppress_below) else value
                for value in values
            ],
        ]
        for label, values in groups
    ]


def _bars(values, largest: float, unit: str, *, width: float, publication: bool) -> Drawing:
    """One group's bars, one per series, with each bar's figure after it."""
    font = pdffonts.regular()
    texts = [_bar_figure(value, unit, publication=publication) for value in values]
    room = max((stringWidth(text, font, FIGURE_SIZE) for text in texts), default=0) + 6
    height = len(values) * BAR_HEIGHT + (len(values) - 1) * BAR_GAP + 2
    drawing = _drawing(width, height)
    for index, (value, text) in enumerate(zip(values, texts, strict=True)):
        y = height - 1 - (index + 1) * BAR_HEIGHT - index * BAR_GAP
        number = max(value, 0) if is_number(value) else 0
        length = (width - room) * number / largest if largest > 0 else 0
        colour = colors.HexColor(COLOURS[index % len(COLOURS)])
        drawing.add(
            Rect(
                0,
                y,
                length,
                BAR_HEIGHT,
                fillColor=colour,
                strokeColor=OUTLINE,
                strokeWidth=0.5 if length else 0,
            )
        )
        drawing.add(String(length + 3, y + 1.5, text, fontName=font, fontSize=FIGURE_SIZE))
    return drawing


def _key(series: list[str], styles: Styles, width: float) -> Table:
    """The colours' key: a swatch and a name per series, on one row."""
    cells, widths = [], []
    share = width / max(len(series), 1)
    for index, name in enumerate(series):
        swatch = _drawing(KEY_SIZE, KEY_SIZE)
        swatch.add(
            Rect(
                0,
                0,
                KEY_SIZE,
                KEY_SIZE,
                fillColor=colors.HexColor(COLOURS[index % len(COLOURS)]),
                strokeColor=OUTLINE,
                strokeWidth=0.5,
            )
        )
        cells += [swatch, pdffonts.paragraph(name, styles.cell, 80)]
        widths += [KEY_SIZE + 4, share - KEY_SIZE - 4]
    key = Table([cells], colWidths=widths, hAlign="LEFT")
    key.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return key


def notes(chart: dict[str, Any]) -> list[str]:
    """What a reader must know about the chart: its own note, and whether groups were left off."""
    found = [chart["note"]] if chart.get("note") else []
    groups = chart.get("groups") or []
    if len(groups) > MOST_GROUPS:
        found.append(f"The first {MOST_GROUPS} of {len(groups)} are shown; the table has them all.")
    return found


def flowables(
    chart: dict[str, Any] | None,
    styles: Styles,
    *,
    width: float,
    publication: bool,
    suppress_below: int | None = None,
) -> list:
    """The chart's title, key, bars and notes; nothing when the table has no chart. In the
    publication version, counts below `suppress_below` are not drawn."""
    if not chart:
        return []
    story: list = [pdffonts.paragraph(f"Chart: {chart.get('title', '')}", styles.h3)]
    groups = hidden(
        (chart.get("groups") or [])[:MOST_GROUPS], suppress_below if publication else None
    )
    if not groups:
        story.append(pdffonts.paragraph("No figures to chart.", styles.small))
        return story
    series = list(chart.get("series") or [])
    if len(series) > 1:
        story.append(_key(series, styles, width))
    unit = chart.get("unit") or ""
    numbers = [value for _label, values in groups for value in values if is_number(value)]
    largest = max([0, *numbers])
    label_width = 55 * mm
    rows = [
        [
            pdffonts.paragraph(str(label), styles.cell, 200),
            _bars(values, largest, unit, width=width - label_width - 8, publication=publication),
        ]
        for label, values in groups
    ]
    bars = Table(rows, colWidths=(label_width, width - label_width), hAlign="LEFT")
    bars.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), pdffonts.regular()),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEAFTER", (0, 0), (0, -1), 0.75, OUTLINE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story.append(bars)
    story += [pdffonts.paragraph(note, styles.muted, 400) for note in notes(chart)]
    return story
