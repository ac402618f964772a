import io
import struct
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from lms.attendance.charge_statement import (
    Statement,
    StatementLine,
    charge_statement,
    format_pounds,
)
from lms.attendance.documents import SheetRow, SignInSheet, qr_png, qr_svg, sign_in_sheet
from lms.core import pdffonts

URL = "https://lms.example.org/attend/3f9c2a"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, each line stripped of spaces at either end."""
    assert data.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(data)).pages
    return ["\n".join(line.strip() for line in page.extract_text().splitlines()) for page in pages]


def flat(text: str) -> str:
    """Text with each run of white space (including where a cell wraps) as one space."""
    return " ".join(text.split())


def lines_of(data: bytes) -> list[str]:
    return [line for page in pdf_pages(data) for line in page.splitlines()]


def make_sheet(rows=(), **changes) -> SignInSheet:
    values = dict(
        partnership="Northshire Safeguarding Partnership",
        course_title="Safeguarding Adults: Level 2",
        course_code="SA2",
        date_text="Tuesday 3 November 2026",
        time_text="9:30am to 12:30pm",
        location="Room 4, Civic Centre",
        trainers="Ann Lee and Bob Roe",
        reference="S-2026-0042",
        rows=tuple(rows),
    )
    return SignInSheet(**(values | changes))


def people(count: int) -> tuple[SheetRow, ...]:
    return tuple(
        SheetRow(f"Person {number}", f"Agency {number}", "Social worker")
        for number in range(1, count + 1)
    )


# --- Sign-in sheet ---------------------------------------------------------------------------


def test_sign_in_sheet_shows_the_session_and_everyone_booked():
    rows = (
        SheetRow("Siobhan O'Brien", "Northshire Police", "Detective Constable"),
        SheetRow("Zoë Adeyemi", "Children’s Services", "Social worker"),
    )
    (page,) = pdf_pages(sign_in_sheet(make_sheet(rows)))
    text = flat(page)

    for expected in (
        "Northshire Safeguarding Partnership",
        "Sign-in sheet",
        "Safeguarding Adults: Level 2 (SA2)",
        "Tuesday 3 November 2026",
        "9:30am to 12:30pm",
        "Room 4, Civic Centre",
        "Trainers",
        "Ann Lee and Bob Roe",
        "2 people",
        "Siobhan O'Brien",
        "Northshire Police",
        "Detective Constable",
        "Zoë Adeyemi",
        "Children’s Services",
        "Signature",
        "Ref. S-2026-0042",
        "Page 1 of 1",
    ):
        assert expected in text


def test_online_session_says_online_and_one_trainer():
    page = pdf_pages(sign_in_sheet(make_sheet(people(1), location="", trainers="Ann Lee")))[0]

    assert "Online" in page
    assert "Trainer\nAnn Lee" in page
    assert "1 person" in page


def test_spare_rows_follow_the_booked_rows_for_walk_ins():
    lines = lines_of(sign_in_sheet(make_sheet(people(2), spare_rows=3)))

    assert "Walk-ins: not booked? Add your details below." in lines
    walk_ins = lines[lines.index("Walk-ins: not booked? Add your details below.") + 1 :]
    assert walk_ins[:3] == ["3", "4", "5"]
    assert "6" not in walk_ins


def test_five_spare_rows_by_default_and_none_when_asked():
    default = lines_of(sign_in_sheet(make_sheet(people(1))))
    none = lines_of(sign_in_sheet(make_sheet(people(1), spare_rows=0)))

    assert "6" in default and "7" not in default
    assert not any("Walk-ins" in line for line in none)
    assert "2" not in none


def test_sheet_with_no_one_booked_still_has_spare_rows():
    data = sign_in_sheet(make_sheet(()))
    lines = lines_of(data)

    assert data.startswith(b"%PDF")
    assert "No one is booked on this session." in lines
    assert "0 people" in lines
    assert [line for line in lines if line in {"1", "2", "3", "4", "5", "6"}] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]


def test_sheet_with_no_rows_at_all_builds():
    pages = pdf_pages(sign_in_sheet(make_sheet((), spare_rows=0)))

    assert len(pages) == 1
    assert "No one is booked on this session." in pages[0]


def test_long_register_runs_over_several_numbered_pages_each_with_the_table_header():
    pages = pdf_pages(sign_in_sheet(make_sheet(people(120))))
    total = len(pages)

    assert total >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Ref. S-2026-0042" in page
        assert "No.\nName\nAgency\nJob title\nSignature" in page
    for later in pages[1:]:
        assert "Sign-in sheet (continued): Safeguarding Adults: Level 2 (SA2)" in later
    text = "\n".join(pages)
    assert all(f"Person {number}\n" in text for number in range(1, 121))
    assert "125" in pages[-1].splitlines()


def test_long_names_and_agencies_are_wrapped_or_shortened_not_lost():
    rows = (
        SheetRow("X" * 5000, "Northshire " * 400, "J" * 300),
        SheetRow(
            "Bartholomew-Fitzwilliam Montgomery-Smythe",
            "North Yorkshire County Council Adult Social Care and Health Directorate",
            "Senior Practitioner, Safeguarding Adults Review Coordinator",
        ),
    )
    pages = pdf_pages(sign_in_sheet(make_sheet(rows, course_title="C" * 1000, reference="R" * 500)))
    text = "\n".join(pages)

    assert len(pages) == 1
    assert "…" in text
    assert "X" * 5000 not in text.replace("\n", "")
    assert "Bartholomew-Fitzwilliam" in text and "Montgomery-Smythe" in text
    assert "Directorate" in text
    assert "Page 1 of 1" in text


def test_text_is_printed_literally_and_on_one_line():
    rows = (SheetRow("Ann\nLee\t", 'Health <& Care> "Trust"', "Nurse\u200b"),)

    lines = lines_of(sign_in_sheet(make_sheet(rows)))

    assert "Ann Lee" in lines
    assert 'Health <& Care> "Trust"' in flat("\n".join(lines))
    assert "Nurse" in lines


def test_characters_no_shipped_font_can_draw_print_as_question_marks():
    rows = (SheetRow("Zoë 李 O'Brien", "Agency", "Nurse 😀"),)
    lines = lines_of(sign_in_sheet(make_sheet(rows)))

    assert "Zoë 李 O'Brien" in lines
    assert "Nurse ?" in lines


# --- Names in any script, in fonts that ship with the product ----------------------------------

# One name in each script a partnership's staff list has: Latin, Greek, Arabic, Chinese.
NAMES = ("Zoë O'Brien", "Ελένη Παπαδοπούλου", "مريم أحمد", "李小龍")


def sheet_of_names() -> bytes:
    return sign_in_sheet(make_sheet(tuple(SheetRow(name, "Agency", "Nurse") for name in NAMES)))


def statement_of_names() -> bytes:
    return charge_statement(make_statement([line(name) for name in NAMES]))


@pytest.mark.parametrize("build", [sheet_of_names, statement_of_names])
def test_names_in_latin_greek_arabic_and_chinese_print_as_written(build):
    # Shaped Arabic is drawn in its joined letter forms (presentation forms), which NFKC maps
    # back to the letters typed.
    text = flat(unicodedata.normalize("NFKC", "\n".join(pdf_pages(build()))))

    for name in NAMES:
        assert name in text


@pytest.mark.parametrize("build", [sheet_of_names, statement_of_names])
def test_every_font_is_a_shipped_truetype_font_embedded_in_the_file(build):
    fonts = {}
    for page in PdfReader(io.BytesIO(build())).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"].split("+")[-1]] = font

    # No base-14 font (Helvetica, Times, ...): those are not embedded and cover Latin-1 only.
    assert set(fonts) == {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}
    for font in fonts.values():
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"]


def test_arabic_letters_are_joined_and_a_name_reads_right_to_left():
    text = "\n".join(pdf_pages(sheet_of_names()))

    # Joined forms of مريم and أحمد (initial, medial, final), in the order they are read.
    assert "\ufee3\ufeae\ufef3\ufee2 \u0623\ufea3\ufee4\ufeaa" in text


def test_the_fonts_and_their_licences_ship_as_package_data():
    shipped = {path.name for path in pdffonts.FONT_DIR.iterdir()}
    patterns = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]["lms"]
    declared = {
        path.name for pattern in patterns for path in (PYPROJECT.parent / "lms").glob(pattern)
    }

    assert {
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DroidSansFallbackFull.ttf",
        "LICENSE-DejaVu.txt",
        "LICENSE-DroidSansFallback.txt",
    } <= shipped
    assert shipped <= declared
    for _name, path in (pdffonts.REGULAR, pdffonts.BOLD, *pdffonts.FALLBACKS):
        assert path.parent == pdffonts.FONT_DIR and path.is_file()


# --- Non-attendance charge statement ---------------------------------------------------------


def line(person="Siobhan O'Brien", status="Upheld", amount=5000, payable=True, **changes):
    values = dict(
        session_date="3 Nov 2026",
        course="Safeguarding Adults: Level 2",
        person=person,
        reason="No-show",
        status=status,
        amount_pence=amount,
        payable=payable,
    )
    return StatementLine(**(values | changes))


def make_statement(lines, **changes) -> Statement:
    values = dict(
        partnership="Northshire Safeguarding Partnership",
        agency="Northshire Police",
        period="November 2026",
        lines=tuple(lines),
    )
    return Statement(**(values | changes))


def test_statement_totals_only_payable_charges():
    lines = (
        line("Siobhan O'Brien"),
        line("Zoë Adeyemi", status="Raised", reason="Late cancellation"),
        line("Sam Patel", status="Waived", payable=False),
    )
    data = charge_statement(make_statement(lines, note="Please pay within 30 days."))
    (page,) = pdf_pages(data)
    text = flat(page)

    for expected in (
        "Northshire Safeguarding Partnership",
        "Non-attendance charges",
        "Northshire Police",
        "November 2026",
        "3 Nov 2026",
        "Safeguarding Adults: Level 2",
        "Siobhan O'Brien",
        "Zoë Adeyemi",
        "Late cancellation",
        "Waived",
        "Total payable £100.00",
        "Please pay within 30 days.",
        "not in the total",
        "Page 1 of 1",
    ):
        assert expected in text
    assert page.splitlines().count("£50.00") == 3
    assert "£150.00" not in text


def test_statement_with_no_charges_totals_nothing():
    (page,) = pdf_pages(charge_statement(make_statement(())))

    assert "No non-attendance charges in this period." in page
    assert "Total payable\n£0.00" in page  # each on a line of its own
    assert "not in the total" not in page


def test_long_statement_runs_over_pages_with_the_total_at_the_end():
    lines = [line(f"Person {number}", amount=2500) for number in range(1, 101)]
    lines.append(line("Waived Person", status="Waived", amount=2500, payable=False))
    pages = pdf_pages(charge_statement(make_statement(lines)))

    assert len(pages) >= 2
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Date\nCourse\nPerson\nReason\nStatus\nAmount" in pages[-1]
    assert "Total payable\n£2,500.00" in pages[-1]  # the amount does not wrap


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "£0.00"), (5, "£0.05"), (5000, "£50.00"), (123456, "£1,234.56"), (-250, "-£2.50")],
)
def test_format_pounds(pence, text):
    assert format_pounds(pence) == text


# --- QR codes --------------------------------------------------------------------------------


def test_qr_svg_can_be_inlined_in_html_and_has_a_title():
    svg = qr_svg(URL)
    root = ET.fromstring(svg)

    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert root.get("role") == "img"
    assert root.find("title").text == "QR code for the attendance link"
    size = segno.make_qr(URL, error="m").symbol_size(border=4)[0]
    assert size > 0
    assert root.get("viewBox") == f"0 0 {size} {size}"


def test_qr_png_is_scaled():
    png = qr_png(URL, scale=5)
    width, height = struct.unpack(">II", png[16:24])

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert width == height == 5 * segno.make_qr(URL, error="m").symbol_size(border=4)[0]


def test_qr_refuses_an_empty_url_or_scale():
    with pytest.raises(ValueError):
        qr_svg("")
    with pytest.raises(ValueError):
        qr_png(URL, scale=0)
