"""Printable register documents: the sign-in sheet and the QR code for self check-in. (The
agencies' statement of non-attendance charges is in `charge_statement`; the page layout both
share in `print_layout`.)

Pure builders: plain data in, bytes (or SVG text) out; no database and no Flask. Views format dates
and times in UK time before calling them, and send the bytes with `send_file`.
"""

import io
from dataclasses import dataclass

import segno
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from lms.attendance.print_layout import SHADE, Styles, build_pdf, details, grid_style


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


# No., name, agency, job title, signature: 180 mm, the width between the margins.
_SHEET_COLUMNS = (11 * mm, 46 * mm, 42 * mm, 36 * mm, 45 * mm)
_SIGNATURE_HEIGHT = 7.5 * mm  # room to sign; a row is taller only when a name wraps


def sign_in_sheet(sheet: SignInSheet) -> bytes:
    """An A4 sign-in sheet for one session: one row per booked person, then spare rows."""
    styles = Styles()
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
        details(
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
    style = grid_style()
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
        style += [("SPAN", (0, here), (-1, here)), ("BACKGROUND", (0, here), (-1, here), SHADE)]
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
    return build_pdf(
        story,
        title=f"Sign-in sheet: {course}, {sheet.date_text}",
        author=sheet.partnership,
        footer_left=f"Ref. {sheet.reference}" if sheet.reference else course,
        running_header=f"Sign-in sheet (continued): {course}, {sheet.date_text}",
        styles=styles,
    )


# --- QR codes -------------------------------------------------------------------------------------


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
