"""A certificate as a one-page A4 landscape PDF, drawn with reportlab in the shipped fonts, so
every name prints as written (`lms.core.pdffonts`).

It states the partnership's name (and logo, when an admin has uploaded one), the person's name,
the course or module, its level, date(s), CPD hours, mode, who delivered it, how long it is
valid, its verification code, and a QR code that opens the public verify page with the code
filled in.

Made in bulk (a ZIP of a year's certificates), so what repeats is prepared once: the fonts, the
paragraph styles, and the logo (flattened and scaled once per upload, keyed by its sha256). The
QR code is drawn by `lms.certificates.qr`."""

import functools
import io
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from PIL import Image
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from lms.certificates import codes, qr
from lms.certificates.models import Certificate, PartnershipLogo
from lms.core import pdffonts
from lms.core.timefmt import day_span, local, long_date
from lms.core.urls import external_url
from lms.extensions import db

PAGE = landscape(A4)
WIDTH, HEIGHT = PAGE
FRAME = 10 * mm
SIDE = 28 * mm  # left and right edge of the text
COLUMN = WIDTH - 2 * SIDE
QR_SIZE = 34 * mm  # the QR code's square, its quiet zone included
# The logo's box in the top left corner; the partnership's name sits to its right.
LOGO_BOX = (60 * mm, 20 * mm)
# A logo is scaled to at most this many pixels (about 300 dots per inch in its box).
LOGO_PIXELS = (720, 240)
ACCENT = Color(0.11, 0.27, 0.45)
GREY = Color(0.3, 0.3, 0.3)
DOT = " · "


def days_text(certificate: Certificate) -> str:
    return day_span(certificate.first_day, certificate.last_day)


def hours_text(certificate: Certificate) -> str:
    """CPD hours as people write them: "7 CPD hours", "6.5 CPD hours", "1 CPD hour"."""
    hours = f"{Decimal(certificate.cpd_hours).normalize():f}"
    return f"{hours} CPD hour{'' if hours == '1' else 's'}"


def verify_url(certificate: Certificate) -> str:
    """The public verify page with the certificate's code filled in, as an absolute address
    (from the request, or from BASE_URL in background jobs)."""
    return external_url("verify.code", certificate_code=certificate.code)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF as the service prints it: the partnership's name from config, its
    logo from the database (read once per upload) and the verify page's address."""
    return render(
        certificate,
        partnership=current_app.config["PARTNERSHIP_NAME"],
        verify_url=verify_url(certificate),
        logo=db.session.get(PartnershipLogo, 1),
    )


# Fonts and text ------------------------------------------------------------------------------


@functools.cache
def _font() -> str:
    """The one font a certificate is drawn in (DejaVu Sans, weight by size and colour: a second
    embedded font costs a quarter of the time of a certificate), remembering the subsets it has
    embedded: reportlab makes a document's font subset (the characters it uses) in Python for
    every document, and most certificates use the same ones (reportlab keeps ASCII in one fixed
    subset)."""
    name = pdffonts.regular()
    face = pdfmetrics.getFont(name).face
    if not hasattr(face, "_certificate_subsets"):
        face.makeSubset = _remembering(face.makeSubset)
        face._certificate_subsets = True
    return name


def _remembering(make_subset):
    @functools.lru_cache(maxsize=64)
    def from_tuple(subset: tuple) -> bytes:
        return make_subset(list(subset))

    return lambda subset: from_tuple(tuple(subset))


@functools.cache
def _style(strong: bool, size: float, centred: bool = True) -> ParagraphStyle:
    """Text in the certificate's font; `strong` (a name, a title) in the accent colour."""
    return ParagraphStyle(
        f"certificate-{size}-{strong}-{centred}",
        fontName=_font(),
        fontSize=size,
        leading=round(size * 1.22, 1),
        alignment=TA_CENTER if centred else TA_LEFT,
        textColor=ACCENT if strong else black,
    )


@dataclass(frozen=True)
class _Line:
    """Text that fits on one line in the main face: drawn as a string, as its paragraph would
    be, without building one (most names and titles; a paragraph costs ten times more)."""

    text: str
    style: ParagraphStyle
    width: float

    def minWidth(self) -> float:  # noqa: N802 (a flowable's name)
        return pdfmetrics.stringWidth(self.text, self.style.fontName, self.style.fontSize)

    def wrap(self, _width: float, _height: float) -> tuple[float, float]:
        return self.minWidth(), self.style.leading

    def drawOn(self, page, x: float, y: float) -> None:  # noqa: N802 (a flowable's name)
        page.setFillColor(self.style.textColor)
        page.setFont(self.style.fontName, self.style.fontSize)
        baseline = y + self.style.leading - self.style.fontSize
        if self.style.alignment == TA_CENTER:
            page.drawCentredString(x + self.width / 2, baseline, self.text)
        else:
            page.drawString(x, baseline, self.text)


def _one_line(text: str, style: ParagraphStyle, width: float, limit: int) -> _Line | None:
    """The text as a _Line when it is left to right, every character in the main face, and
    fits the width in this style; otherwise None."""
    plain = pdffonts.clip(text, limit)
    if any(ord(char) >= 0x590 for char in plain):  # Hebrew, Arabic and beyond: a paragraph
        return None
    if not all(map(pdffonts.main_faces()[0].covers, plain)):
        return None
    if pdfmetrics.stringWidth(plain, style.fontName, style.fontSize) > width:
        return None
    return _Line(plain, style, width)


def _fitted(
    text: str, *, strong: bool, sizes, width: float, height: float, limit: int, centred=True
):
    """The text in the largest size that fits the box (a line, or a paragraph wrapped over
    lines); shortened with an ellipsis when even the smallest does not. Returns what to draw
    (it has drawOn) and its height."""
    line = _one_line(text, _style(strong, sizes[0], centred), width, limit)
    if line is not None:
        return line, line.style.leading
    for size in sizes:
        paragraph = pdffonts.paragraph(text, _style(strong, size, centred), limit=limit)
        _width, used = paragraph.wrap(width, HEIGHT)
        if used <= height and paragraph.minWidth() <= width:
            return paragraph, used
    while limit > 8:
        limit = limit * 2 // 3
        paragraph = pdffonts.paragraph(text, _style(strong, sizes[-1], centred), limit=limit)
        _width, used = paragraph.wrap(width, HEIGHT)
        if used <= height and paragraph.minWidth() <= width:
            break
    return paragraph, used


def _centred(page, text: str, y: float, *, size: float, colour=black) -> None:
    """A line of the certificate's own wording (never a name or title: those are fitted)."""
    page.setFillColor(colour)
    page.setFont(_font(), size)
    page.drawCentredString(WIDTH / 2, y, text)


# The logo ---------------------------------------------------------------------------------------


class _PreparedLogo(ImageReader):
    """The logo as a JPEG, flattened onto white and scaled once. reportlab names an image by a
    digest of its pixels on every drawing; the upload's sha256 stands for them, so drawing it
    costs no more than copying the JPEG into the page."""

    def __init__(self, jpeg: bytes, sha256: str):
        super().__init__(io.BytesIO(jpeg))
        # Each drawing reads the JPEG from its own file object: threads may draw at once.
        self.jpeg_fh = lambda: io.BytesIO(jpeg)
        self._key = sha256.encode()
        self._dataA = None  # flattened: no transparency

    def getRGBData(self):  # noqa: N802 (reportlab's name)
        return self._key


@functools.lru_cache(maxsize=4)
def _prepared_logo(sha256: str, content: bytes) -> _PreparedLogo:
    with Image.open(io.BytesIO(content)) as image:
        image.thumbnail(LOGO_PIXELS)
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=92, subsampling=0)
    return _PreparedLogo(out.getvalue(), sha256)


_LOGOS: dict[str, _PreparedLogo] = {}


def _logo_reader(logo) -> _PreparedLogo:
    """The prepared logo for this upload; its content is read only the first time."""
    reader = _LOGOS.get(logo.sha256)
    if reader is None:
        reader = _prepared_logo(logo.sha256, bytes(logo.content))
        _LOGOS.clear()  # one logo at a time
        _LOGOS[logo.sha256] = reader
    return reader


# The page ---------------------------------------------------------------------------------------


def _frame(page) -> None:
    page.setStrokeColor(ACCENT)
    page.setLineWidth(2.5)
    page.rect(FRAME, FRAME, WIDTH - 2 * FRAME, HEIGHT - 2 * FRAME)
    page.setLineWidth(0.6)
    page.rect(
        FRAME + 2.5 * mm, FRAME + 2.5 * mm, WIDTH - 2 * FRAME - 5 * mm, HEIGHT - 2 * FRAME - 5 * mm
    )


def _header(page, partnership: str, logo) -> float:
    """The logo (if any) and the partnership's name across the top; returns the y below."""
    box_width, box_height = LOGO_BOX
    top = HEIGHT - 20 * mm
    left = SIDE
    if logo is not None:
        reader = _logo_reader(logo)
        pixels_wide, pixels_high = reader.getSize()
        scale = min(box_width / pixels_wide, box_height / pixels_high)
        width, height = pixels_wide * scale, pixels_high * scale
        page.drawImage(reader, left, top - height, width, height)
        left += width + 8 * mm
    name, used = _fitted(
        partnership,
        strong=False,
        sizes=(16, 14, 12, 10),
        width=WIDTH - SIDE - left,
        height=box_height,
        limit=200,
        centred=logo is None,
    )
    name.drawOn(page, left, top - (box_height + used) / 2 if logo is not None else top - used)
    return top - box_height


def render(certificate: Certificate, *, partnership: str, verify_url: str, logo=None) -> bytes:
    """The certificate's PDF; `verify_url` is the public verify page with its code filled in,
    `logo` the PartnershipLogo (anything with `sha256` and `content`) or None."""
    buffer = io.BytesIO()
    # Not compressed: a ZIP of certificates compresses them anyway, and compressing each one's
    # font costs a third of the time of drawing it (a certificate is about 60 KB).
    page = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=0)
    page.setTitle(pdffonts.clip(f"Certificate: {certificate.course_title}", 250))
    page.setAuthor(pdffonts.clip(partnership, 200))
    page.setSubject(f"Verification code {codes.display(certificate.code)}")
    _frame(page)
    y = _header(page, partnership, logo) - 12 * mm

    _centred(page, "Certificate of completion", y - 26, size=32, colour=ACCENT)
    y -= 26 + 9 * mm
    _centred(page, "This is to certify that", y - 12, size=13, colour=GREY)
    y -= 12 + 4 * mm
    name, used = _fitted(
        certificate.person_name,
        strong=True,
        sizes=(26, 22, 18, 15),
        width=COLUMN,
        height=20 * mm,
        limit=200,
    )
    name.drawOn(page, SIDE, y - used)
    y -= used + 4 * mm
    _centred(page, "has completed", y - 12, size=13, colour=GREY)
    y -= 12 + 4 * mm
    title, used = _fitted(
        certificate.course_title,
        strong=True,
        sizes=(20, 17, 14, 12),
        width=COLUMN,
        height=23 * mm,
        limit=200,
    )
    title.drawOn(page, SIDE, y - used)
    y -= used + 4 * mm

    y -= 2 * mm
    facts = DOT.join(
        [
            f"Level {certificate.level}",
            certificate.mode,
            days_text(certificate),
            hours_text(certificate),
        ]
    )
    facts_line, used = _fitted(
        facts, strong=False, sizes=(12, 11, 10), width=COLUMN, height=12 * mm, limit=200
    )
    facts_line.drawOn(page, SIDE, y - used)
    y -= used + 1.5 * mm
    if certificate.delivered_by:
        delivered, used = _fitted(
            f"Delivered by {certificate.delivered_by}",
            strong=False,
            sizes=(11, 10, 9),
            width=COLUMN,
            height=10 * mm,
            limit=300,
        )
        delivered.drawOn(page, SIDE, y - used)
        y -= used + 1.5 * mm
    if certificate.valid_until is not None:
        _centred(page, f"Valid until {long_date(certificate.valid_until)}", y - 11, size=11)

    _footer(page, certificate, verify_url)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _footer(page, certificate: Certificate, url: str) -> None:
    """The verification code and address at the bottom left, the QR code at the bottom right."""
    bottom = FRAME + 8 * mm
    qr_x = WIDTH - SIDE - QR_SIZE + 4 * mm
    qr.draw(page, url, qr_x, bottom, QR_SIZE)
    page.setFillColor(GREY)
    page.setFont(_font(), 10)
    page.drawString(SIDE, bottom + 20 * mm, "Verification code")
    page.setFillColor(ACCENT)
    page.setFont(_font(), 16)
    page.drawString(SIDE, bottom + 13 * mm, codes.display(certificate.code))
    page.setFillColor(black)
    page.setFont(_font(), 10)
    page.drawString(SIDE, bottom + 8 * mm, "To check that it is valid, scan the QR code or go to")
    address, used = _fitted(
        url,
        strong=False,
        sizes=(10, 9, 8, 7),
        width=qr_x - SIDE - 8 * mm,
        height=5 * mm,
        limit=300,
        centred=False,
    )
    address.drawOn(page, SIDE, bottom + 7 * mm - used)
    page.setFillColor(GREY)
    page.setFont(_font(), 9)
    page.drawString(
        SIDE, bottom - 1.5 * mm, f"Issued {long_date(local(certificate.issued_at).date())}"
    )
