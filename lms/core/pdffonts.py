"""The fonts every PDF the product makes is drawn in, and text set in them.

The fonts ship with the product, in `lms/fonts/` with their licences, so a document looks the
same whatever the machine has installed: DejaVu Sans (regular and bold) for Latin, Greek,
Cyrillic, Arabic and Hebrew, and Droid Sans Fallback for the characters DejaVu lacks (Chinese,
Japanese, Korean). Both are TrueType fonts, embedded (as subsets) in each PDF.

Arabic and Hebrew words are shaped (joined letter forms) with HarfBuzz, through reportlab's own
support for it, and a run of right-to-left words is laid out right to left. A character no
shipped font can draw (an emoji, say) prints as "?", so a document never shows an empty box.
"""

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

# Streams in binary, as PDF allows: reportlab's default wraps every stream (the page, the fonts,
# the logo) in ASCII85 for 7-bit channels, in pure Python, which doubles the time of a page.
# Process-wide, set here because every module that draws a PDF imports this one (whichever is
# imported first); every PDF the product makes reads the same either way.
rl_config.useA85 = 0

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = ("DejaVuSans", FONT_DIR / "DejaVuSans.ttf")
BOLD = ("DejaVuSans-Bold", FONT_DIR / "DejaVuSans-Bold.ttf")
# For characters the main fonts lack, tried in order; loaded on first need (4 MB).
FALLBACKS = (("DroidSansFallback", FONT_DIR / "DroidSansFallbackFull.ttf"),)


@dataclass(frozen=True)
class Face:
    """A registered font and which characters it can draw."""

    name: str
    covers: Callable[[str], bool]
    shapes: bool  # whether reportlab can shape text in it (HarfBuzz is installed)


def _register(name: str, path: Path) -> Face:
    """Register a shipped TrueType font with reportlab (once per process)."""
    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    glyphs = font.face.charToGlyph
    # reportlab garbles characters beyond U+FFFF (emoji) in the PDF's text layer: not drawn.
    return Face(name, lambda char: ord(char) <= 0xFFFF and ord(char) in glyphs, bool(font.shapable))


@functools.cache
def main_faces() -> tuple[Face, Face]:
    """The regular and bold faces documents are drawn in."""
    return _register(*REGULAR), _register(*BOLD)


@functools.cache
def fallback_faces() -> tuple[Face, ...]:
    """Faces for the characters the main faces lack."""
    return tuple(_register(name, path) for name, path in FALLBACKS)


def regular() -> str:
    """The name of the regular font, for paragraph styles."""
    return main_faces()[0].name


def bold() -> str:
    """The name of the bold font, for paragraph styles."""
    return main_faces()[1].name


_SPACES = re.compile(r"\s+")


def clip(text: str | None, limit: int | None = None) -> str:
    """One line of text, shortened with an ellipsis to at most `limit` characters."""
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", text or ""))
    # Drop control and invisible formatting characters (zero-width space, soft hyphen, ...).
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    text = text.strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _is_rtl(word: str) -> bool:
    """Whether a word is written right to left: its first letter is Arabic, Hebrew, ..."""
    for char in word:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _visual_order(text: str, *, shaped: bool) -> str:
    """Text as drawn left to right: each run of right-to-left words in reverse order, and when
    the words are not shaped (HarfBuzz puts a shaped word's glyphs in order) their letters too.

    Enough for names and short phrases on a left-to-right page; not the full Unicode
    bidirectional algorithm (numbers inside a right-to-left run, say, are not handled).
    """
    words = text.split(" ")
    result: list[str] = []
    run: list[str] = []
    for word in [*words, None]:
        if word is not None and _is_rtl(word):
            run.append(word if shaped else word[::-1])
            continue
        result.extend(reversed(run))
        run = []
        if word is not None:
            result.append(word)
    return " ".join(result)


def _face_for(char: str, main: Face) -> tuple[Face, str]:
    if main.covers(char):
        return main, char
    for face in fallback_faces():
        if face.covers(char):
            return face, char
    return main, "?"


def markup(text: str, main: Face, limit: int | None = None) -> tuple[str, bool]:
    """Paragraph markup for plain text, each character in the first face that can draw it, in
    the order it is drawn; and whether the paragraph needs shaping (right-to-left words, all in
    the main face, which HarfBuzz can shape)."""
    placed = [_face_for(char, main) for char in clip(text, limit)]
    drawn = "".join(char for _face, char in placed)
    right_to_left = any(map(_is_rtl, drawn.split(" ")))
    shaping = right_to_left and main.shapes and all(face is main for face, _char in placed)
    if right_to_left:
        placed = [_face_for(char, main) for char in _visual_order(drawn, shaped=shaping)]
    runs: list[tuple[Face, list[str]]] = []
    for face, char in placed:
        if runs and runs[-1][0] is face:
            runs[-1][1].append(char)
        else:
            runs.append((face, [char]))
    parts = []
    for face, chars in runs:
        run = escape("".join(chars))
        parts.append(run if face is main else f'<font face="{face.name}">{run}</font>')
    return "".join(parts), shaping


def paragraph(text: str, style: ParagraphStyle, limit: int | None = None) -> Paragraph:
    """A paragraph of plain text in a style drawn in one of the main faces, every character in
    a font that has it (or "?"), right-to-left words shaped and in order."""
    regular_face, bold_face = main_faces()
    main = bold_face if style.fontName == bold_face.name else regular_face
    content, shaping = markup(text, main, limit)
    if shaping:
        style = ParagraphStyle(f"{style.name}-shaped", parent=style, shaping=1)
    return Paragraph(content, style)


def details_table(
    pairs,
    label: ParagraphStyle,
    value: ParagraphStyle,
    *,
    label_width: float,
    width: float,
    limit: int | None = None,
) -> Table:
    """A borderless two-column table of labels and their values, as documents head their
    facts (a register's session, a record's person)."""
    data = [[paragraph(name, label), paragraph(text, value, limit)] for name, text in pairs]
    table = Table(data, colWidths=(label_width, width - label_width), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular()),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def numbered_canvas(
    footer: str,
    left: ParagraphStyle,
    right: ParagraphStyle,
    *,
    margin: float,
    width: float,
    limit: int = 150,
) -> type[Canvas]:
    """A canvas that writes `footer` and "Page x of y" at the foot of every page (the pages
    are kept until their count is known)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                half = width / 2
                for text, style, x in (
                    (footer, left, margin),
                    (f"Page {number} of {total}", right, margin + half),
                ):
                    shown = paragraph(text, style, limit=limit)
                    _, height = shown.wrapOn(self, half, 20 * mm)
                    shown.drawOn(self, x, 10 * mm + 11 - height)
                super().showPage()
            super().save()

    return NumberedCanvas
