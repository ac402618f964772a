"""The QR code printed on a certificate: segno's matrix drawn as one path of the dark runs of
each row. reportlab's own QR widget manages about 16 codes a second; this, several hundred."""

import re

import segno
from reportlab.lib.colors import black, white

# The mask, chosen rather than searched for: every mask is valid and read alike by scanners,
# and scoring all eight (segno's default) takes four times as long as making the code.
MASK = 4
# Error correction: medium (15% of the code may be lost: a fold, a smudge on a printout).
ERROR = "m"
_DARK_RUN = re.compile(b"\x01+")


def runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR code of the text as (modules per side, dark runs): each run is (row, first
    column, length), row 0 at the top."""
    matrix = segno.make(text, error=ERROR, micro=False, mask=MASK).matrix
    found = [
        (row, run.start(), run.end() - run.start())
        for row, modules in enumerate(matrix)
        for run in _DARK_RUN.finditer(bytes(modules))
    ]
    return len(matrix), found


def draw(page, text: str, x: float, y: float, size: float) -> None:
    """The QR code of the text in a square of `size` at (x, y) on a reportlab canvas, a quiet
    zone of four modules inside it; drawn in module units (1 unit = 1 module, rows counted down
    from the top) as one filled path."""
    count, dark = runs(text)
    module = size / (count + 8)
    page.saveState()
    page.setFillColor(white)
    page.rect(x, y, size, size, stroke=0, fill=1)
    page.transform(module, 0, 0, -module, x + 4 * module, y + size - 4 * module)
    page.setFillColor(black)
    # The path written out directly: reportlab's path object formats each number in Python,
    # which costs more than making the code.
    page.addLiteral(
        " ".join(f"{column} {row} {length} 1 re" for row, column, length in dark) + " f"
    )
    page.restoreState()
