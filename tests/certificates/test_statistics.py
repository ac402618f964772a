"""Certificates issued, revoked, replaced and checked per period, by agency and by sector, on a
hand-counted set: the figures, the UK midnight at a period's edge, the filters, and the same
figures on the page, in the downloads, from the command line and from the API.

Summer times are British Summer Time (UTC+1), so 30 June 2025 at 11:30pm UTC is 1 July 00:30 in
the UK: Q2 of 2025-26, not Q1.

Alder Health (health):
- C1 issued 10 April (Q1); checked 5 May and 1 June (Q1); revoked 30 June 23:59 UK (Q1).
- C3 level 3, issued 1 May (Q1); checked 15 June (Q1); replaced 1 July 00:00 UK exactly (Q2)
  by C4, issued then (Q2), checked 1 August (Q2).
- C2 issued 1 July 00:30 UK (Q2); checked twice on 2 July (Q2).
Birch School (education):
- C5 issued 31 March 2025 23:59 UK (2024-25); checked 2 April (Q1).
- C6 issued 30 June 23:00 UK (Q1); checked 15 July (Q2); revoked 1 October 00:30 UK (Q3).
- C7 issued 30 September 23:30 UK (Q2).
Cedar Hospital (health):
- C8 issued 10 August (Q2); checked by a pasted credential 11 August (Q2).
Damson Police (police): C9 issued 5 October (Q3).

By hand, (issued, revoked, replaced, checks, certificates checked):
Q1: Alder 2 1 0 3 2; Birch 1 0 0 1 1; total 3 1 0 4 3.
Q2: Alder 2 0 1 3 2; Birch 1 0 0 1 1; Cedar 1 0 0 1 1; total 4 0 1 5 4.
Q3: Birch 0 1 0 0 0; Damson 1 0 0 0 0.
"""

import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest

from lms.accounts.models import Role, Sector, TokenKind, User
from lms.accounts.tokens import issue
from lms.certificates.models import Certificate, CertificateCheck, CheckMethod
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import build
from lms.reports.filters import parse_args
from tests.reports.conftest import day
from tests.reports.test_pages import as_number, csv_rows, page_cells, table_part

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIGURES = ("issued", "revoked", "replaced", "checks", "certificates_checked")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def certified(
    app,
    make_agency,
    make_user,
    make_course,
    make_course_session,
    make_completed_booking,
    make_certificate,
):
    agencies = {
        "alder": make_agency("Alder Health", sector=Sector.HEALTH),
        "birch": make_agency("Birch School", sector=Sector.EDUCATION),
        "cedar": make_agency("Cedar Hospital", sector=Sector.HEALTH),
        "damson": make_agency("Damson Police", sector=Sector.POLICE),
    }
    people = {name: make_user(agency_id=agency) for name, agency in agencies.items()}
    level_three = make_course("Neglect in depth", level=3)

    # The session C5 was issued for (the reports page offers the years from the first session's).
    march = make_course_session(dates=[day(2025, 3, 31)], status="completed")

    def certificate(agency, issued_at, *, course=None, session=None, **values) -> int:
        person = people[agency]
        booking = make_completed_booking(person.id, session, course_id=course)
        return make_certificate(person.id, booking_id=booking, issued_at=issued_at, **values)

    made = {
        "C1": certificate("alder", utc(2025, 4, 10, 9), revoked_at=utc(2025, 6, 30, 22, 59)),
        "C3": certificate(
            "alder", utc(2025, 5, 1, 9), course=level_three, replaced_at=utc(2025, 6, 30, 23)
        ),
        "C2": certificate("alder", utc(2025, 6, 30, 23, 30)),
        "C5": certificate("birch", utc(2025, 3, 31, 22, 59), session=march),
        "C6": certificate(
            "birch", utc(2025, 6, 30, 22), revoked_at=utc(2025, 9, 30, 23, 30), valid_until=None
        ),
        "C7": certificate("birch", utc(2025, 9, 30, 22, 30)),
        "C8": certificate("cedar", utc(2025, 8, 10, 9)),
        "C9": certificate("damson", utc(2025, 10, 5, 9)),
    }
    with app.app_context():
        old = db.session.get(Certificate, made["C3"])
        values = {
            column.key: getattr(old, column.key)
            for column in Certificate.__table__.columns
            if column.key not in {"id", "code", "credential_id", "replaced_at", "issued_at"}
        }
        new = Certificate(
            **values,
            code="C4C4C4C4C4C4C4C4",
            credential_id="00000000-0000-4000-8000-00000000c4c4",
            issued_at=utc(2025, 6, 30, 23),
        )
        db.session.add(new)
        db.session.flush()
        old.replaced_by_id = new.id
        made["C4"] = new.id
        checks = [
            ("C1", utc(2025, 5, 5, 10)),
            ("C1", utc(2025, 6, 1, 10)),
            ("C3", utc(2025, 6, 15, 10)),
            ("C4", utc(2025, 8, 1, 10)),
            ("C2", utc(2025, 7, 2, 10)),
            ("C2", utc(2025, 7, 2, 11)),
            ("C5", utc(2025, 4, 2, 10)),
            ("C6", utc(2025, 7, 15, 10)),
        ]
        for name, moment in checks:
            db.session.add(
                CertificateCheck(
                    certificate_id=made[name], checked_at=moment, method=CheckMethod.CODE
                )
            )
        db.session.add(
            CertificateCheck(
                certificate_id=made["C8"],
                checked_at=utc(2025, 8, 11, 10),
                method=CheckMethod.CREDENTIAL,
            )
        )
        db.session.commit()
    return agencies


def table(app, name, period, **args):
    with app.app_context():
        chosen = parse_args({"period": period, **args}, now=NOW)
        return build.run(name, chosen, now=NOW)


def figures(rows, label) -> dict:
    return {row[label]: tuple(row[name] for name in FIGURES) for row in rows}


def test_by_agency_in_two_quarters_counts_by_the_uk_day(app, certified):
    first = table(app, "certificates-by-agency", "2025-26 Q1")
    assert figures(first.rows, "agency") == {
        "Alder Health": (2, 1, 0, 3, 2),
        "Birch School": (1, 0, 0, 1, 1),
    }
    assert [row["sector"] for row in first.rows] == ["Health", "Education"]
    assert tuple(first.total[name] for name in FIGURES) == (3, 1, 0, 4, 3)
    assert first.total["agency"] == "Total"
    second = table(app, "certificates-by-agency", "2025-26 Q2")
    assert figures(second.rows, "agency") == {
        "Alder Health": (2, 0, 1, 3, 2),
        "Birch School": (1, 0, 0, 1, 1),
        "Cedar Hospital": (1, 0, 0, 1, 1),
    }
    assert tuple(second.total[name] for name in FIGURES) == (4, 0, 1, 5, 4)
    third = table(app, "certificates-by-agency", "2025-26 Q3")
    assert figures(third.rows, "agency") == {
        "Birch School": (0, 1, 0, 0, 0),
        "Damson Police": (1, 0, 0, 0, 0),
    }
    earlier = table(app, "certificates-by-agency", "2024-25")
    assert figures(earlier.rows, "agency") == {"Birch School": (1, 0, 0, 0, 0)}


def test_a_day_range_ends_at_uk_midnight(app, certified):
    # 30 June alone: C1 revoked at 23:59 and C6 issued at 23:00 (UK); not C2 (1 July 00:30 UK).
    day = table(app, "certificates-by-agency", "2025-06-30..2025-06-30")
    assert figures(day.rows, "agency") == {
        "Alder Health": (0, 1, 0, 0, 0),
        "Birch School": (1, 0, 0, 0, 0),
    }
    july = table(app, "certificates-by-agency", "2025-07-01..2025-07-01")
    assert figures(july.rows, "agency") == {"Alder Health": (2, 0, 1, 0, 0)}


def test_by_sector_adds_the_agencies_of_a_sector(app, certified):
    first = table(app, "certificates-by-sector", "2025-26 Q1")
    assert figures(first.rows, "sector") == {
        "Education": (1, 0, 0, 1, 1),
        "Health": (2, 1, 0, 3, 2),
    }
    second = table(app, "certificates-by-sector", "2025-26 Q2")
    assert figures(second.rows, "sector") == {
        "Education": (1, 0, 0, 1, 1),
        "Health": (3, 0, 1, 4, 3),
    }
    assert tuple(second.total[name] for name in FIGURES) == (4, 0, 1, 5, 4)
    assert second.total["sector"] == "Total"
    year = table(app, "certificates-by-sector", "2025-26")
    assert figures(year.rows, "sector") == {
        "Education": (2, 1, 0, 2, 2),
        "Health": (5, 1, 1, 7, 5),
        "Police": (1, 0, 0, 0, 0),
    }
    assert tuple(year.total[name] for name in FIGURES) == (8, 2, 1, 9, 7)


def test_the_filters_narrow_the_certificates_counted(app, certified):
    alder = table(app, "certificates-by-agency", "2025-26", agency=str(certified["alder"]))
    assert figures(alder.rows, "agency") == {"Alder Health": (4, 1, 1, 6, 4)}
    assert tuple(alder.total[name] for name in FIGURES) == (4, 1, 1, 6, 4)
    health = table(app, "certificates-by-agency", "2025-26 Q2", sector="health")
    assert set(figures(health.rows, "agency")) == {"Alder Health", "Cedar Hospital"}
    # Only C3 and its replacement C4 are of the level 3 course.
    deep = table(app, "certificates-by-agency", "2025-26", level="3")
    assert figures(deep.rows, "agency") == {"Alder Health": (2, 0, 1, 2, 2)}


def test_a_period_without_certificates_has_no_rows_and_no_totals(app, certified):
    for name in ("certificates-by-agency", "certificates-by-sector"):
        empty = table(app, name, "2030-31")
        assert (empty.rows, empty.total) == ([], None)
        assert empty.chart.groups == []


def test_a_check_on_the_verify_page_counts_in_the_report(app, client, make_user, make_certificate):
    person = make_user()
    made = make_certificate(person.id)
    with app.app_context():
        code = db.session.get(Certificate, made).code
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get(f"/verify/{code.lower()}").status_code == 200
    assert client.get("/verify/0000000000000000").status_code == 404  # counts nothing
    with app.app_context():
        now = utcnow()
        chosen = parse_args({"period": "2000-04-01..2100-12-31"}, now=now)
        found = build.run("certificates-by-agency", chosen, now=now)
        (row,) = (row for row in found.rows if row["agency_id"] == person.agency_id)
    assert (row["checks"], row["certificates_checked"], row["issued"]) == (2, 1, 1)


def test_page_downloads_command_line_and_api_agree(
    app, client, login, make_user, runner, certified
):
    viewer = make_user(roles=(Role.PDL_VIEWER,))
    login(viewer)
    query = "?period=2025-26&quarter=2"
    page = client.get(f"/reports/certificates-by-agency{query}", follow_redirects=True)
    assert page.status_code == 200
    shown = page_cells(page.get_data(as_text=True))
    expected = [
        ["Alder Health", "Health", "2", "0", "1", "3", "2"],
        ["Birch School", "Education", "1", "0", "0", "1", "1"],
        ["Cedar Hospital", "Health", "1", "0", "0", "1", "1"],
        ["Total", "", "4", "0", "1", "5", "4"],
    ]
    assert shown[0] == [
        "Agency",
        "Sector",
        "Issued",
        "Revoked",
        "Replaced",
        "Checks on the verify page",
        "Certificates checked",
    ]
    assert shown[1:] == expected
    download = client.get(f"/reports/certificates-by-agency.csv{query}")
    whole = csv_rows(download.get_data(as_text=True).removeprefix("\ufeff"))
    assert table_part(whole)[1:] == expected
    printed = runner.invoke(
        args=["report", "certificates-by-agency", "--period", "2025-26 Q2", "--format", "csv"]
    )
    assert printed.exit_code == 0, printed.output
    assert csv_rows(printed.output) == whole
    as_json = runner.invoke(
        args=["report", "certificates-by-sector", "--period", "2025-26 Q2", "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    assert "Certificates by sector" in json.loads(as_json.output).values()
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/reports/certificates-by-agency.xlsx{query}").data)
    )
    values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    header = values.index(table_part(whole)[0])
    assert [[as_number(value) for value in row] for row in values[header + 1 :]] == [
        [as_number(cell) for cell in row] for row in expected
    ]
    with app.app_context():
        secret = issue(db.session.get(User, viewer.id), TokenKind.API, now=utcnow())
        db.session.commit()
    answer = client.get(
        "/api/v1/reports/certificates-by-sector?period=2025-26+Q2",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200, answer.json
    rows = {row["sector"]: row for row in answer.json["rows"]}
    assert tuple(rows["Health"][key] for key in FIGURES) == (3, 0, 1, 4, 3)
    assert answer.json["total"]["certificates_checked"] == 4


def test_the_reports_page_lists_them_with_their_definitions(client, login, make_user):
    login(make_user(roles=(Role.PDL_VIEWER,)))
    index = client.get("/reports").get_data(as_text=True)
    assert "Certificates by agency" in index and "Certificates by sector" in index
    assert "Checks on the verify page" in index
    assert "A certificate checked three times counts three checks" in index


def test_the_api_document_describes_them(client):
    document = client.get("/api/v1/openapi.json").json
    for name in ("certificates-by-agency", "certificates-by-sector"):
        operation = document["paths"][f"/reports/{name}"]["get"]
        assert operation["summary"].startswith("Certificates by")
