"""A report's chart drawn on the server as an SVG of horizontal bars, with a text alternative.

No script and no inline styles (the site's content security policy forbids them): only SVG
presentation attributes. Every figure is also written in the chart's description.
"""

from markupsafe import Markup, escape

from lms.core.numbers import decimal_text
from lms.reports.tables import Chart

COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c")  # GOV.UK blue, orange, ...
TEXT_COLOUR = "#0b0c0c"
OUTLINE = "#0b0c0c"  # so the lighter bars stand out from the white page
FONT = 'font-family="arial, sans-serif" font-size="14"'
WIDTH = 760
LABEL_WIDTH = 250  # group labels, right-aligned against the bars
LABEL_CHARS = 28  # per line of a group label; a longer label wraps onto more lines
LINE_HEIGHT = 17
CHAR_WIDTH = 8  # a generous guess at one character's width at 14px
BAR_HEIGHT = 18
BAR_GAP = 2
GROUP_GAP = 14
LEGEND_ROW = 26
KEY_SIZE = 14


def figure(value, unit: str = "") -> str:
    """A bar's value as the table shows it: 1,234 or 81.6%."""
    if value is None:
        return "no figure"
    if unit == "%":
        return f"{decimal_text(value)}%"
    if isinstance(value, float) and not value.is_integer():
        return decimal_text(value)
    return f"{int(value):,}"


def wrap(label: str, limit: int = LABEL_CHARS) -> list[str]:
    """A label in lines that fit beside the bars, broken between words (a word longer than a
    line is broken too): nothing is cut off."""
    lines, line = [], ""
    for word in str(label).split():
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        elif word:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines or [""]


def description(chart: Chart) -> str:
    """Every figure in the chart as sentences, for people who cannot see it."""
    if not chart.groups:
        return "No figures to chart."
    sentences = []
    for label, values in chart.groups:
        parts = ", ".join(
            f"{series} {figure(value, chart.unit)}"
            for series, value in zip(chart.series, values, strict=False)
        )
        sentences.append(f"{label}: {parts}." if parts else f"{label}: no figures.")
    if chart.note:
        sentences.append(chart.note.rstrip(".") + ".")
    return " ".join(sentences)


def _attributes(**attributes) -> str:
    return " ".join(
        f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items()
    )


def _number(value: float) -> str:
    """A coordinate with at most one decimal place and no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(series: tuple[str, ...], top: int) -> tuple[list[str], int]:
    """The key to the colours, wrapped over as many rows as it needs; returns its height."""
    parts, x, y = [], 1, top
    for index, name in enumerate(series):
        width = KEY_SIZE + 6 + CHAR_WIDTH * len(name) + 24
        if x > 1 and x + width > WIDTH:
            x, y = 1, y + LEGEND_ROW
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f"<rect {_attributes(x=x, y=y, width=KEY_SIZE, height=KEY_SIZE, fill=colour)}"
            f' stroke="{OUTLINE}" stroke-width="1"/>'
            f'<text x="{x + KEY_SIZE + 6}" y="{y + KEY_SIZE - 2}">{escape(name)}</text>'
        )
        x += width
    return parts, y - top + LEGEND_ROW


def svg(chart: Chart, *, id: str) -> Markup:
    """The chart as an accessible SVG: bars scaled to the largest value, each one labelled."""
    title_id, desc_id = f"{id}-title", f"{id}-desc"
    parts = [
        f"<title {_attributes(id=title_id)}>{escape(chart.title)}</title>",
        f"<desc {_attributes(id=desc_id)}>{escape(description(chart))}</desc>",
    ]
    series = chart.series
    if not chart.groups:
        height = 40
        parts.append('<text x="0" y="24">No figures to chart</text>')
        return _wrap(parts, title_id, desc_id, height)

    top = 2
    if len(series) > 1:
        legend, legend_height = _legend(series, top)
        parts.extend(legend)
        top += legend_height + 8

    values = [value or 0 for _, group in chart.groups for value in group]
    largest = max([0, *values])
    texts = [figure(value, chart.unit) for _, group in chart.groups for value in group]
    value_room = CHAR_WIDTH * max((len(text) for text in texts), default=1) + 12
    bar_room = WIDTH - LABEL_WIDTH - value_room
    per_group = max(len(series), 1)
    bars_height = per_group * BAR_HEIGHT + (per_group - 1) * BAR_GAP

    y = top
    for label, group in chart.groups:
        lines = wrap(label)
        group_height = max(bars_height, len(lines) * LINE_HEIGHT)
        middle = y + group_height / 2
        for number, line in enumerate(lines):
            baseline = middle + 5 + (number - (len(lines) - 1) / 2) * LINE_HEIGHT
            parts.append(
                f'<text x="{LABEL_WIDTH - 10}" y="{_number(baseline)}" text-anchor="end">'
                f"{escape(line)}</text>"
            )
        bars_top = y + (group_height - bars_height) / 2
        for index, value in enumerate(group):
            bar_y = bars_top + index * (BAR_HEIGHT + BAR_GAP)
            length = bar_room * max(value or 0, 0) / largest if largest > 0 else 0
            name = series[index] if index < len(series) else ""
            colour = COLOURS[index % len(COLOURS)]
            text = figure(value, chart.unit)
            parts.append(
                f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{_number(bar_y)}" '
                f'width="{_number(length)}" height="{BAR_HEIGHT}" fill="{colour}" '
                f'stroke="{OUTLINE}" stroke-width="{1 if length else 0}">'
                f"<title>{escape(f'{label}, {name}: {text}' if name else f'{label}: {text}')}"
                f"</title></rect>"
                f'<text x="{_number(LABEL_WIDTH + length + 6)}" '
                f'y="{_number(bar_y + BAR_HEIGHT - 4)}">'
                f"{escape(text)}</text>"
            )
        y += group_height + GROUP_GAP
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{top}" x2="{LABEL_WIDTH}" y2="{y - GROUP_GAP}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    )
    return _wrap(parts, title_id, desc_id, y - GROUP_GAP + 4)


def _wrap(parts: list[str], title_id: str, desc_id: str, height: float) -> Markup:
    labelled = escape(f"{title_id} {desc_id}")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{labelled}" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" width="100%" {FONT} fill="{TEXT_COLOUR}">'
        + "".join(parts)
        + "</svg>"
    )
