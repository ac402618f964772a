"""A certificate as a one-page A4 landscape PDF, drawn with reportlab in the shipped fonts, so
every name prints as written."""

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from lms.certificates import codes
from lms.certificates.models import Certificate
from lms.core import pdffonts
from lms.core.numbers import decimal_text
from lms.core.timefmt import long_date

PAGE = landscape(A4)


def days_text(certificate: Certificate) -> str:
    if certificate.first_day == certificate.last_day:
        return long_date(certificate.first_day)
    return f"{long_date(certificate.first_day)} to {long_date(certificate.last_day)}"


def render(certificate: Certificate, *, partnership: str, verify_url: str) -> bytes:
    """The certificate's PDF; `verify_url` is the public verify page with its code filled in."""
    regular, bold = pdffonts.regular(), pdffonts.bold()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=1)
    page.setTitle(f"Certificate: {certificate.course_title}")
    page.setAuthor(partnership)
    width, height = PAGE
    lines = [
        (partnership, ParagraphStyle("p", fontName=bold, fontSize=16, leading=20)),
        ("Certificate of completion", ParagraphStyle("h", fontName=bold, fontSize=30, leading=36)),
        ("This certifies that", ParagraphStyle("t", fontName=regular, fontSize=14, leading=18)),
        (certificate.person_name, ParagraphStyle("n", fontName=bold, fontSize=26, leading=32)),
        ("completed", ParagraphStyle("t2", fontName=regular, fontSize=14, leading=18)),
        (certificate.course_title, ParagraphStyle("c", fontName=bold, fontSize=20, leading=25)),
    ]
    details = [
        f"Level {certificate.level} · {certificate.mode} · {days_text(certificate)}",
        f"CPD hours: {decimal_text(certificate.cpd_hours)}",
    ]
    if certificate.delivered_by:
        details.append(f"Delivered by {certificate.delivered_by}")
    if certificate.valid_until is not None:
        details.append(f"Valid until {long_date(certificate.valid_until)}")
    small = ParagraphStyle("d", fontName=regular, fontSize=12, leading=16)
    lines += [(text, small) for text in details]
    lines += [
        (f"Verification code {codes.display(certificate.code)}", small),
        (f"Check it at {verify_url}", small),
    ]
    y = height - 25 * mm
    for text, style in lines:
        paragraph = pdffonts.paragraph(text, style, limit=300)
        _w, h = paragraph.wrap(width - 50 * mm, height)
        y -= h + 4
        paragraph.drawOn(page, 25 * mm, y)
    page.showPage()
    page.save()
    return buffer.getvalue()
