"""A person's training record: what is on it, in the page, the CSV and the PDF."""

import csv
import io
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.accounts.models import Role, User
from lms.certificates import records
from lms.elearning.models import DeclarationStatus
from lms.elearning.renewals import RenewalStatus
from lms.extensions import db
from tests.certificates import record_history
from tests.certificates.record_history import training_record  # noqa: F401
from tests.conftest import counting_statements


@pytest.fixture
def history(training_record):  # noqa: F811
    return training_record


def _record(app, user_id: int, today: date, reminder_days: int = 30) -> records.Record:
    with app.app_context():
        person = db.session.get(User, user_id)
        return records.record_of(person, today=today, reminder_days=reminder_days)


def _today() -> date:
    from lms.core.models import utcnow
    from lms.elearning.renewals import today_in_uk

    return today_in_uk(utcnow())


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def _csv(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    blank = lines.index([])
    about = {row[0]: row[1] for row in lines[:blank]}
    headings = lines[blank + 1]
    return about, [dict(zip(headings, row, strict=True)) for row in lines[blank + 2 :]]


def _pdf_text(body: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(body)).pages
    return len(pages), "\n".join(page.extract_text() for page in pages)


# The rules ---------------------------------------------------------------------------------


def test_record_lists_completed_training_newest_first_and_nothing_else(app, history):
    record = _record(app, history.person.id, _today())
    assert [row.title for row in record.rows] == [row["title"] for row in history.expected]
    for row, expected in zip(record.rows, history.expected, strict=True):
        assert row.days_text == expected["days"]
        assert row.kind == expected["kind"]
        assert row.mode == expected["mode"]
        assert records.hours_text(row.hours) == expected["hours"]
        assert row.validity_text == expected["validity"]
        assert row.certificate == expected["certificate"]
    assert record.total_hours == Decimal("15.0")
    assert record.recent_hours == Decimal("12.5")
    assert record.rows[0].level == 3 and record.rows[0].status is RenewalStatus.VALID
    assert record.rows[2].status is RenewalStatus.EXPIRED
    assert record.rows[4].status is None and record.rows[4].provider == "St Mungo's"


def test_a_verified_declaration_of_a_module_is_counted_once(app, history):
    titles = [row.title for row in _record(app, history.person.id, _today()).rows]
    assert titles.count("Declared neglect module") == 1


def test_validity_is_due_for_renewal_within_the_reminder_window_then_expired(app, history):
    y = history.year
    # The two-day course ended on 2 November: its certificate is valid until the day before
    # the third anniversary.
    due = _record(app, history.person.id, date(y + 3, 10, 20), reminder_days=30).rows[0]
    assert due.status is RenewalStatus.DUE
    assert due.validity_text == f"Valid until 1 November {y + 3}"
    still = _record(app, history.person.id, date(y + 3, 11, 1)).rows[0]
    assert still.status is RenewalStatus.DUE
    gone = _record(app, history.person.id, date(y + 3, 11, 2)).rows[0]
    assert gone.status is RenewalStatus.EXPIRED
    assert gone.validity_text == f"Expired on 2 November {y + 3}"
    assert gone.certificate == "Expired"


def test_three_year_total_counts_training_since_the_day_three_years_ago(app, history):
    y = history.year
    # The outside training (15 January, three years before) counts until the day before its
    # third anniversary.
    assert _record(app, history.person.id, date(y, 1, 14)).recent_hours == Decimal("15.0")
    assert _record(app, history.person.id, date(y, 1, 15)).recent_since == date(y - 3, 1, 16)
    assert _record(app, history.person.id, date(y, 1, 15)).recent_hours == Decimal("12.5")


def test_the_record_takes_the_same_number_of_queries_however_long(
    app, history, make_course, make_completed_booking, make_module, make_completion
):
    def statements() -> int:
        with counting_statements(app) as seen:
            _record(app, history.person.id, _today())
        return len(seen)

    before = statements()
    for number in range(3):
        make_completed_booking(history.person.id, course_id=make_course(f"Extra course {number}"))
        make_completion(history.person.id, make_module(), date(history.year, 12, number + 1))
    assert len(_record(app, history.person.id, _today()).rows) == 11
    assert statements() == before <= 12


def test_someone_with_no_training_has_an_empty_record(app, client, make_user, login):
    person = make_user()
    login(person)
    page = client.get(f"/people/{person.id}/training-record").get_data(as_text=True)
    assert "No training recorded yet." in page
    _, text = _pdf_text(client.get(f"/people/{person.id}/training-record.pdf").data)
    assert "No training recorded yet." in text


# The page, the CSV and the PDF -------------------------------------------------------------


def test_page_shows_every_row_and_the_totals(app, client, history, login):
    login(history.person)
    response = client.get(f"/people/{history.person.id}/training-record")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "Your training record" in text and record_history.PERSON in text
    table = _text(page.split('id="training-record"')[1].split("</table>")[0])
    for expected in history.expected:
        assert expected["title"] in table and expected["days"] in table
        assert expected["validity"] in table
    positions = [table.index(expected["title"]) for expected in history.expected]
    assert positions == sorted(positions)
    for title in history.hidden:
        assert title not in page
    assert re.search(r'id="total-hours">\s*15\s*<', page)
    assert re.search(r'id="recent-hours">\s*12.5\s*<', page)
    assert f"/people/{history.person.id}/training-record.pdf" in page
    assert f"/people/{history.person.id}/training-record.csv" in page


def test_csv_has_every_row_and_the_totals(app, client, history, login):
    login(history.person)
    response = client.get(f"/people/{history.person.id}/training-record.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    about, rows = _csv(response.data)
    assert about["Training record"] == record_history.PERSON
    assert about["Agency"] == record_history.AGENCY
    assert about["CPD hours, all training"] == "15"
    assert [value for label, value in about.items() if "three years" in label] == ["12.5"]
    assert [row["Training"] for row in rows] == [row["title"] for row in history.expected]
    for row, expected in zip(rows, history.expected, strict=True):
        assert row["First day"] == expected["first"].isoformat()
        assert row["Last day"] == expected["last"].isoformat()
        assert row["CPD hours"] == expected["hours"]
        assert row["Type"] == expected["kind"]
        assert row["Mode or source"] == expected["mode"]
        assert row["Certificate"] == expected["certificate"]
    assert rows[0]["Valid until"] == date(history.year + 3, 11, 1).isoformat()
    assert rows[0]["Level"] == "3" and rows[0]["Status"] == "Valid"
    assert rows[2]["Status"] == "Expired"
    assert rows[2]["Valid until"] == date(history.year, 11, 30).isoformat()
    assert rows[4]["Provider or trainers"] == "St Mungo's" and rows[4]["Status"] == "Not recorded"
    assert sum(Decimal(row["CPD hours"]) for row in rows) == Decimal("15")


def test_pdf_has_every_row_and_the_totals(app, client, history, login):
    login(history.person)
    response = client.get(f"/people/{history.person.id}/training-record.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    _, text = _pdf_text(response.data)
    flat = " ".join(text.split())
    assert app.config["PARTNERSHIP_NAME"] in flat
    assert record_history.PERSON in flat and record_history.AGENCY in flat
    for expected in history.expected:
        assert expected["title"] in flat
        assert expected["days"] in flat
        assert expected["validity"] in flat
    for title in history.hidden:
        assert title not in flat
    assert re.search(r"Total CPD hours\s+15\b", flat)
    assert "CPD hours, all training 15" in flat
    assert "(three years) 12.5" in flat


def test_a_long_record_runs_over_several_pages_with_the_headings_repeated(
    app, client, make_agency, make_user, login
):
    agency = make_agency()
    person = make_user(name="مريم أحمد", agency_id=agency)
    with app.app_context():
        for number in range(80):
            record_history.declaration(
                person.id,
                agency,
                title=f"Outside course {number:02d} مدرسة",
                provider_name="Zoë 李 O'Brien Training",
                completed_on=date(2020, 1, 1) + timedelta(days=number),
                hours=Decimal("1.5"),
                status=DeclarationStatus.VERIFIED,
            )
        db.session.commit()
    login(person)
    pages, text = _pdf_text(client.get(f"/people/{person.id}/training-record.pdf").data)
    assert pages >= 3
    assert text.count("Provider or trainers") == pages
    assert "Outside course 00" in text and "Outside course 79" in text
    assert f"Page {pages} of {pages}" in text
    flat = " ".join(text.split())
    assert "Zoë 李 O'Brien Training" in flat
    assert re.search(r"Total CPD hours\s+120\b", flat)


def test_a_csv_cell_starting_with_equals_is_neutralised(app, client, make_user, login):
    person = make_user(name='=HYPERLINK("http://evil.example")')
    with app.app_context():
        record_history.declaration(
            person.id,
            person.agency_id,
            title='=cmd|" /C calc"!A0',
            provider_name="+Provider",
            completed_on=date(2025, 5, 5),
            hours=Decimal("1.0"),
            status=DeclarationStatus.VERIFIED,
        )
        db.session.commit()
    login(person)
    about, rows = _csv(client.get(f"/people/{person.id}/training-record.csv").data)
    assert about["Training record"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[0]["Training"] == '\'=cmd|" /C calc"!A0'
    assert rows[0]["Provider or trainers"] == "'+Provider"


def test_names_are_escaped_on_the_page(app, client, make_user, login):
    admin = make_user(roles=(Role.ADMIN,))
    person = make_user(name="<script>alert(1)</script> O'Brien")
    login(admin)
    page = client.get(f"/people/{person.id}/training-record").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien" in page


def test_names_in_any_script_print_as_written_in_the_shipped_fonts(
    app, client, make_agency, make_user, login
):
    agency = make_agency("Ελληνική Υπηρεσία")
    person = make_user(name="مريم أحمد", agency_id=agency)
    with app.app_context():
        record_history.declaration(
            person.id,
            agency,
            title="李小龍 safeguarding",
            provider_name="Zoë O'Brien & Co <b>",
            completed_on=date(2025, 2, 3),
            hours=Decimal("2.0"),
            status=DeclarationStatus.VERIFIED,
        )
        db.session.commit()
    login(person)
    body = client.get(f"/people/{person.id}/training-record.pdf").data
    # Shaped Arabic is drawn in joined letter forms, which NFKC maps back to the letters typed.
    _, text = _pdf_text(body)
    flat = " ".join(unicodedata.normalize("NFKC", text).split())
    for name in ("مريم أحمد", "Ελληνική Υπηρεσία", "李小龍 safeguarding", "Zoë O'Brien & Co <b>"):
        assert name in flat
    fonts = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(font.get_object()["/BaseFont"].split("+")[-1])
    assert fonts <= {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}
    assert "DroidSansFallback" in fonts
