"""The certificate PDF: what it states, names in any script, long titles, the QR code, the logo."""

import io
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

import segno
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.units import mm

from lms.certificates import pdf, qr
from lms.certificates.models import Certificate

URL = "https://training.example.org/verify/ABCD1234EFGH5678"
PARTNERSHIP = "Northshire Safeguarding Children Partnership"


def certificate(**changes) -> Certificate:
    values = dict(
        code="ABCD1234EFGH5678",
        person_name="Mary O'Brien",
        course_title="Safeguarding Children: Level 3 Multi-agency Working",
        course_code="SC3",
        level=3,
        cpd_hours=Decimal("6.5"),
        mode="Face to face",
        first_day=date(2026, 3, 3),
        last_day=date(2026, 3, 4),
        delivered_by="Ann Lee, Bob Roe",
        valid_until=date(2029, 3, 4),
        issued_at=datetime(2026, 3, 4, 17, tzinfo=UTC),
    )
    return Certificate(**(values | changes))


def render(made=None, *, url=URL, logo=None) -> bytes:
    return pdf.render(made or certificate(), partnership=PARTNERSHIP, verify_url=url, logo=logo)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return unicodedata.normalize("NFKC", " ".join(reader.pages[0].extract_text().split()))


def test_it_states_everything_a_certificate_should():
    data = render()
    text = text_of(data)
    for expected in (
        PARTNERSHIP,
        "Certificate of completion",
        "Mary O'Brien",
        "Safeguarding Children: Level 3 Multi-agency Working",
        "Level 3",
        "Face to face",
        "3 March 2026 to 4 March 2026",
        "6.5 CPD hours",
        "Delivered by Ann Lee, Bob Roe",
        "Valid until 4 March 2029",
        "ABCD-1234-EFGH-5678",
        URL,
    ):
        assert expected in text, expected
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595


def test_one_day_no_expiry_and_no_provider():
    text = text_of(
        render(certificate(last_day=date(2026, 3, 3), valid_until=None, delivered_by=""))
    )
    assert "3 March 2026" in text and "to 4 March" not in text
    assert "Valid until" not in text and "Delivered by" not in text


def test_names_in_any_script_print_as_written():
    for name in ("Zoë 李", "Siobhán O'Brien", "محمد علي", "Åsa Øberg-Łukasz", "<b>Tom</b> & Co"):
        assert unicodedata.normalize("NFKC", name) in text_of(render(certificate(person_name=name)))


def test_long_names_and_titles_are_shortened_to_fit_the_page():
    made = certificate(
        person_name="Featherstonehaugh-Wolfeschlegelsteinhausenbergerdorff " * 4,
        course_title="Safeguarding children and young people in a very long course title " * 3,
        delivered_by="Trainer One, Trainer Two, Trainer Three, " * 7,
    )
    text = text_of(render(made, logo=None))
    assert "..." in text  # the ellipsis, as NFKC writes it
    assert "Featherstonehaugh" in text and "ABCD-1234-EFGH-5678" in text
    for value, sizes, box in (
        (made.person_name, (26, 22, 18, 15), 20 * mm),
        (made.course_title, (20, 17, 14, 12), 23 * mm),
        ("Short enough", (26, 22), 20 * mm),
    ):
        drawn, height = pdf._fitted(
            value, strong=True, sizes=sizes, width=pdf.COLUMN, height=box, limit=200
        )
        assert height <= box
        assert drawn.wrap(pdf.COLUMN, pdf.HEIGHT)[0] <= pdf.COLUMN
        assert drawn.minWidth() <= pdf.COLUMN


def _qr_modules(data: bytes) -> set[tuple[int, int]]:
    """The dark modules the page draws: the QR code is one path of runs in module units
    (integer x, y, length and a height of 1), rows counted down from the top."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    dark = set()
    for operands, operator in page.get_contents().operations:
        if operator != b"re":
            continue
        x, y, width, height = (float(value) for value in operands)
        if height == 1 and all(value == int(value) for value in (x, y, width)):
            dark.update((int(y), int(x) + step) for step in range(int(width)))
    return dark


def test_the_qr_code_is_the_verify_address():
    data = render(url=URL)
    matrix = segno.make(URL, error="m", micro=False, mask=qr.MASK).matrix
    expected = {
        (row, column)
        for row, line in enumerate(matrix)
        for column, module in enumerate(line)
        if module
    }
    assert _qr_modules(data) == expected
    other = segno.make(URL.replace("ABCD", "ABCE"), error="m", mask=qr.MASK).matrix
    assert expected != {(r, c) for r, line in enumerate(other) for c, m in enumerate(line) if m}


def _logo_bytes(kind="PNG") -> bytes:
    image = Image.new("RGBA", (400, 120), (0, 0, 0, 0))
    image.paste((20, 80, 160, 255), (10, 10, 200, 110))
    out = io.BytesIO()
    image.convert("RGB" if kind == "JPEG" else "RGBA").save(out, kind)
    return out.getvalue()


class Logo:
    def __init__(self, content: bytes, sha256: str):
        self.content, self.sha256 = content, sha256


def _images(data: bytes) -> list:
    page = PdfReader(io.BytesIO(data)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    return [
        xobjects[name].get_object()
        for name in xobjects
        if xobjects[name].get_object()["/Subtype"] == "/Image"
    ]


def test_the_logo_is_drawn_when_there_is_one():
    assert _images(render()) == []
    for kind, key in (("PNG", "a" * 64), ("JPEG", "b" * 64)):
        images = _images(render(logo=Logo(_logo_bytes(kind), key)))
        assert len(images) == 1
        assert images[0]["/Width"] == 400 and images[0]["/Height"] == 120


def test_many_certificates_in_a_row_each_state_their_own_facts():
    names = ["Ann Lee", "Zoë 李", "Bob Roe"]
    for name in names:
        code = f"{name[:1].upper()}BCD1234EFGH5678"
        text = text_of(render(certificate(person_name=name, code=code)))
        assert unicodedata.normalize("NFKC", name) in text and pdf.codes.display(code) in text


def test_hours_are_written_as_people_write_them():
    assert pdf.hours_text(certificate(cpd_hours=Decimal("7.0"))) == "7 CPD hours"
    assert pdf.hours_text(certificate(cpd_hours=Decimal("1"))) == "1 CPD hour"
    assert pdf.hours_text(certificate(cpd_hours=Decimal("0.5"))) == "0.5 CPD hours"
    assert "7 CPD hours" in text_of(render(certificate(cpd_hours=Decimal("7.0"))))


def test_outside_a_request_the_verify_address_comes_from_base_url(app, make_user, make_certificate):
    """Certificates made by run-jobs (a ZIP built in the background) link to the service's
    configured address, with the partnership's name from config."""
    certificate_id = make_certificate(make_user(name="Zoë 李").id)
    app.config["BASE_URL"] = "https://training.northshire.example"
    app.config["PARTNERSHIP_NAME"] = "Northshire Partnership"
    with app.app_context():
        made = pdf.db.session.get(Certificate, certificate_id)
        url = pdf.verify_url(made)
        assert url == f"https://training.northshire.example/verify/{made.code}"
        text = text_of(pdf.certificate_pdf(made))
    assert url in text and "Northshire Partnership" in text and "Zoë 李" in text


def test_certificates_drawn_at_once_in_threads_each_carry_the_whole_logo():
    from concurrent.futures import ThreadPoolExecutor

    logo = Logo(_logo_bytes(), "c" * 64)
    alone = _images(render(logo=logo))[0].get_data()
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda _n: render(logo=logo), range(12)))
    assert all(_images(data)[0].get_data() == alone for data in made)
