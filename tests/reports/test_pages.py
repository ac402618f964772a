"""The reports pages, downloads and command line on the hand-counted history: the same figures
everywhere, restricted for coordinators, bad input refused in the page, constant query counts."""

import csv
import io
import json
from datetime import datetime
from html.parser import HTMLParser

import openpyxl
import pytest
import sqlalchemy as sa

from lms.core.models import utcnow
from lms.extensions import db
from lms.reports.build import REPORTS
from tests.conftest import counting_statements, uk

NAMES = sorted(REPORTS)


class _Cells(HTMLParser):
    """The text of every cell of the page's figures table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell, self._inside = [], None, None, False

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "table" and "govuk-table" in classes:
            self._inside = True
        elif self._inside and tag == "tr":
            self._row = []
        elif self._inside and tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._inside = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def page_cells(html: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def as_number(text: str):
    """A cell as a page, a CSV file or a workbook shows it, as one comparable value."""
    if isinstance(text, datetime):
        return text.date().isoformat()
    if text is None or isinstance(text, int | float):
        return None if text is None else float(text)
    try:
        return datetime.strptime(text, "%d %B %Y").date().isoformat()
    except ValueError:
        pass
    text = text.replace("£", "").replace("%", "").replace(",", "").strip()
    if text in ("", "–"):
        return None
    try:
        return float(text)
    except ValueError:
        return text


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def table_part(rows: list[list[str]]) -> list[list[str]]:
    """A CSV download's table: the rows after the blank line that ends the block naming the
    report, period and filters."""
    return rows[rows.index([]) + 1 :]


@pytest.fixture
def pdl_client(client, login, history):
    login(history.pdl)
    return client


def evaluated(app, history):
    """Straight-after evaluations answered by P1 and P2 (tests/reports/test_impact.py counts
    the awkward cases), every figure shown (fewest responses 1)."""
    from lms.bookings.models import Booking
    from lms.feedback import questions, responses
    from lms.feedback.models import Stage
    from lms.settings.services import current

    with app.app_context():
        current().fewest_responses = 1
        for person, session, figures in (
            ("P1", "S1", {"rating": 5, "knowledge": 8, "knowledge_before": 4}),
            ("P2", "S2", {"rating": 4, "knowledge": 6, "knowledge_before": 6}),
        ):
            booking = db.session.scalar(
                sa.select(Booking).filter_by(
                    user_id=history.people[person].id, session_id=history.sessions[session]
                )
            )
            booking.completed_at = booking.session.ends_at
            response, _, _ = responses.invite(
                Stage.AFTER,
                responses.Subject(booking=booking),
                now=utcnow(),
                expires_at=utcnow(),
            )
            response.question_set_id = questions.current_set(Stage.AFTER).id
            response.answered_at = utcnow()
            for column, value in figures.items():
                setattr(response, column, value)
        db.session.commit()


@pytest.mark.parametrize("name", NAMES)
def test_page_downloads_and_command_line_give_the_same_figures(
    app, pdl_client, runner, history, make_requirement, name
):
    if name == "impact":
        evaluated(app, history)
    if name.startswith("compliance-"):  # counted as at 31 March 2026: P2 and P3 meet it
        make_requirement("Level 1 for everyone", satisfied_by="level", level=1)
        with app.app_context():
            from lms.accounts.models import User

            db.session.execute(sa.update(User).values(created_at=uk(2020, 1, 1)))
            db.session.commit()
    query = "?period=2025-26&by=theme"
    page = pdl_client.get(f"/reports/{name}{query}")
    assert page.status_code == 200
    download = pdl_client.get(f"/reports/{name}.csv{query}")
    assert download.headers["Content-Disposition"] == (f'attachment; filename="{name}-2025-26.csv"')
    assert download.data.startswith("\ufeff".encode())  # so Excel reads it as UTF-8
    whole = csv_rows(download.get_data(as_text=True).removeprefix("\ufeff"))
    table = table_part(whole)
    args = ["report", name, "--period", "2025-26", "--by", "theme", "--format", "csv"]
    printed = runner.invoke(args=args)
    assert printed.exit_code == 0, printed.output
    assert csv_rows(printed.output) == whole
    shown = page_cells(page.get_data(as_text=True))
    assert [[as_number(cell) for cell in row] for row in shown[1:]] == [
        [as_number(cell) for cell in row] for row in table[1:]
    ]
    workbook = openpyxl.load_workbook(
        io.BytesIO(pdl_client.get(f"/reports/{name}.xlsx{query}").data)
    )
    sheet = workbook.active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values.index(table[0])
    assert [[as_number(value) for value in row] for row in values[header + 1 :]] == [
        [as_number(cell) for cell in row] for row in table[1:]
    ]
    with app.app_context():
        from lms.accounts.models import TokenKind, User
        from lms.accounts.tokens import issue

        secret = issue(db.session.get(User, history.pdl.id), TokenKind.API, now=utcnow())
        db.session.commit()
    answer = pdl_client.get(
        f"/api/v1/reports/{name}?period=2025-26"
        + ("&by=theme" if name in ("programme", "impact") else ""),
        headers={"Authorization": f"Bearer {secret}"},
    ).json
    keys = [column["key"] for column in answer["columns"]]
    records = answer["rows"] + ([answer["total"]] if answer["total"] else [])
    assert [[as_number(record[key]) for key in keys] for record in records] == [
        [as_number(cell) for cell in row] for row in table[1:]
    ]


def test_the_command_line_prints_json_and_refuses_bad_input(runner, history):
    printed = runner.invoke(
        args=["report", "attendance-by-sector", "--period", "2025-26", "--format", "json"]
    )
    assert printed.exit_code == 0, printed.output
    figures = json.loads(printed.output)
    assert figures["period"] == "2025-26"
    assert figures["total"]["booked"] == 13 and figures["total"]["places_wasted"] == 3
    health = next(row for row in figures["rows"] if row["sector"] == "Health")
    assert (health["attended"], health["attendance_rate"], health["charged_pence"]) == (
        1,
        20.0,
        50.0,
    )
    refused = runner.invoke(args=["report", "programme", "--period", "2025-27"])
    assert refused.exit_code == 1
    assert "2025-27 is not a financial year: write it as 2025-26" in refused.output
    refused = runner.invoke(args=["report", "programme", "--level", "7"])
    assert refused.exit_code == 1 and "The level must be 1, 2, 3 or 4" in refused.output
    text = runner.invoke(args=["report", "programme", "--period", "2025-26"])
    assert "Total" in text.output and "56.5%" in text.output


def test_three_clicks_from_the_reports_page(pdl_client, history):
    index = pdl_client.get("/reports").get_data(as_text=True)
    assert "Places wasted" in index and "No-shows plus late cancellations" in index
    chosen = pdl_client.get(
        "/reports?report=attendance-by-sector&period=2025-26&level=3&theme=neglect"
    )
    assert chosen.status_code == 302
    page = pdl_client.get(chosen.headers["Location"]).get_data(as_text=True)
    rows = {row[0]: row for row in page_cells(page)[1:]}
    assert rows["Health"][1:3] == ["2", "0"]  # booked, attended
    assert rows["Total"][1] == "6" and rows["Total"][8] == "2"  # booked, places wasted
    assert "<svg" in page and 'role="img"' in page
    assert "/reports/attendance-by-agency?" in page  # which agencies wasted them: one click


def test_bad_filters_are_explained_in_the_page_and_show_no_figures(pdl_client, history):
    page = pdl_client.get("/reports/programme?period=2025-27").get_data(as_text=True)
    assert "There is a problem" in page
    assert "2025-27 is not a financial year: write it as 2025-26" in page
    assert "govuk-table__cell" not in page
    page = pdl_client.get("/reports/programme?level=9").get_data(as_text=True)
    assert "Select the level from the list" in page
    page = pdl_client.get(
        "/reports/programme?start=1&start=4&start=2025&end=31&end=3&end=2025x"
    ).get_data(as_text=True)
    assert "To must be a real date" in page
    refused = pdl_client.get("/reports/programme.csv?period=2025-27")
    assert refused.status_code == 302 and "/reports/programme?" in refused.headers["Location"]
    assert pdl_client.get("/reports/not-a-report").status_code == 404


def test_a_coordinator_sees_only_their_agency(client, login, history):
    login(history.coordinators["council"])
    school = history.agencies["school"]
    page = client.get(f"/reports/attendance-by-agency?period=2025-26&agency={school}")
    rows = page_cells(page.get_data(as_text=True))
    assert [row[0] for row in rows[1:]] == ["Riverside Council", "Total"]
    assert rows[1][2:4] == ["4", "3"]
    programme = page_cells(client.get("/reports/programme?period=2025-26").get_data(as_text=True))
    assert programme[-1][0] == "Total" and programme[-1][6] == "4"  # the council's bookings
    csv_text = client.get("/reports/attendance-by-sector.csv?period=2025-26").get_data(as_text=True)
    assert [row[0] for row in table_part(csv_rows(csv_text))[1:]] == ["Local authority", "Total"]


def test_a_coordinators_staff_list(client, login, history):
    login(history.coordinators["school"])
    page = client.get("/reports/staff?period=2025-26").get_data(as_text=True)
    rows = {row[0]: row for row in page_cells(page)[1:]}
    assert set(rows) == {"Coordinator school", "Person P1", "Person P6", "Person P9"}
    assert rows["Person P1"][2:4] == ["1", "1"] and rows["Person P1"][-1] == "Now at another agency"
    assert 'role="img"' in page and "Person P1: Booked 1, Attended 1, No-shows 0" in page
    council = client.get("/reports/staff.csv?period=2025-26").get_data(as_text=True)
    assert "Person P6" in council


def test_pdl_viewers_do_not_get_a_staff_list(pdl_client):
    assert pdl_client.get("/reports/staff").status_code == 403


def test_query_count_of_report_pages_does_not_grow_with_data(
    app, pdl_client, history, make_agency, make_user, make_course, make_course_session
):
    from tests.reports.conftest import day

    def statements() -> int:
        with counting_statements(app) as seen:
            for name in NAMES:
                assert pdl_client.get(f"/reports/{name}?period=2025-26").status_code == 200
        return len(seen)

    statements()  # the partnership's settings row is made the first time it is read
    few = statements()
    from lms.bookings.models import Booking, BookingStatus

    for number in range(6):
        agency = make_agency(f"More agency {number}")
        person = make_user(agency_id=agency)
        session = make_course_session(make_course(), dates=[day(2025, 6, number + 1)])
        with app.app_context():
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session,
                    agency_id=agency,
                    status=BookingStatus.CONFIRMED,
                    outcome="completed",
                )
            )
            db.session.commit()
    assert statements() == few
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 24


def test_a_csv_download_names_its_report_period_and_filters_and_opens_in_excel(
    client, login, history
):
    login(history.coordinators["council"])
    download = client.get("/reports/attendance-by-agency.csv?period=2025-26+Q1&theme=neglect")
    assert download.data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel keeps "£"
    rows = csv_rows(download.get_data(as_text=True).removeprefix("\ufeff"))
    assert rows[: rows.index([])] == [
        ["Report", "Attendance by agency"],
        ["Period", "2025-26 Q1 (1 April 2025 to 30 June 2025)"],
        ["Theme", "Neglect"],
        ["Agency", "Riverside Council"],  # a coordinator's figures are always their agency's
    ]
    assert "Amount charged (£)" in table_part(rows)[0]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/attendance-by-agency.xlsx?period=2025-26+Q1").data)
    ).active
    assert [sheet.cell(row=n, column=1).value for n in (1, 2, 3)] == [
        "Attendance by agency",
        "Period: 2025-26 Q1 (1 April 2025 to 30 June 2025)",
        "Agency: Riverside Council",
    ]


class _FormFields(HTMLParser):
    """What a browser sends for the page's GET form: each field's name and current value."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._first, self._chosen = [], None, None, None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("method") == "get"
        if not self._inside:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select, self._first, self._chosen = attrs["name"], None, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self._first = value if self._first is None else self._first
            if "selected" in attrs:
                self._chosen = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        if tag == "select" and self._select:
            chosen = self._chosen if self._chosen is not None else self._first
            self.fields.append((self._select, chosen))
            self._select = None


def submitted(page: str, **changes) -> str:
    """The query string a browser makes when the filter form is sent with these changes."""
    from urllib.parse import urlencode

    parser = _FormFields()
    parser.feed(page)
    fields = [(name, changes.get(name, value)) for name, value in parser.fields]
    return urlencode(fields)


def test_the_filter_form_leads_to_a_clean_address(pdl_client, history):
    page = pdl_client.get("/reports/programme?period=2025-26").get_data(as_text=True)
    query = submitted(page, quarter="1", level="3")
    assert "start=&start=" in query  # what the browser sends: every field, empty or not

    sent = pdl_client.get(f"/reports/programme?{query}")
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/reports/programme?period=2025-26+Q1&level=3"
    shown = pdl_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "2025-26 Q1 (1 April 2025 to 30 June 2025)" in shown
    assert "start=" not in shown and "quarter=" not in shown  # the app's own links are clean too
    assert 'href="/reports/programme.csv?period=2025-26+Q1&amp;level=3"' in shown

    dates = submitted(page).replace("start=&start=&start=", "start=1&start=4&start=2025")
    dates = dates.replace("end=&end=&end=", "end=30&end=6&end=2025")
    sent = pdl_client.get(f"/reports/attendance-by-sector?{dates}")
    assert sent.headers["Location"] == "/reports/attendance-by-sector?period=2025-04-01..2025-06-30"

    chosen = pdl_client.get(f"/reports?report=trend&{submitted(page)}")
    assert chosen.headers["Location"] == "/reports/trend?period=2025-26"

    themed = pdl_client.get("/reports/programme?period=2025-26&by=theme").get_data(as_text=True)
    assert 'href="/reports/programme.csv?period=2025-26&amp;by=theme"' in themed
    assert 'href="/reports/trend?period=2025-26"' in themed  # the grouping is programme's own


def test_a_form_with_a_mistake_keeps_what_was_typed(pdl_client, history):
    page = pdl_client.get("/reports/programme?period=2025-26").get_data(as_text=True)
    query = submitted(page).replace("start=&start=&start=", "start=31&start=2&start=2026")
    query = query.replace("end=&end=&end=", "end=1&end=3&end=2026")
    sent = pdl_client.get(f"/reports/programme?{query}")
    assert sent.status_code == 302  # only the empty fields go
    assert "start=31&start=2&start=2026" in sent.headers["Location"]
    shown = pdl_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "From must be a real date" in shown and 'value="31"' in shown
