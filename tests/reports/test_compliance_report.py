"""The compliance reports on a hand-counted set: every cell as at a past year-end and as at today,
the same figures on the page (with its chart), in the downloads, from the command line and from
the API; the course filters refused everywhere; a coordinator sees only their agency.

Today is 16 February 2026 (2025-26 has not ended, so it is counted as at today); 2024-25 is
counted as at 31 March 2025. The due window is 3 months. Everyone joined in 2020 unless told.

Requirements:
- "DSL refresher": people tagged designated safeguarding lead; the DSL course, every 24 months.
- "Schools: Level 1": the education sector; the Level 1 module, every 36 months.
- "Health: Level 3 hours": the health sector; 6 CPD hours at level 3 within 3 years (modules of
  3 hours each).
- "Retired rule": the education sector, switched off: never counted.

Agencies: Alder School and Beech School (education), Riverside NHS (health); the PDL viewer is
at Riverside Police (police), where nothing applies.

- E1 (Alder, DSL since 2020): the DSL course on 20 April 2024 (valid to 19 April 2026: compliant
  in 2025, due soon today); Level 1 on 1 May 2022 (valid to 30 April 2025: due soon in 2025,
  overdue today).
- E2 (Alder): nothing: never done.
- C (Alder, the school's coordinator): Level 1 on 15 January 2024: compliant.
- E3 (Beech, tagged DSL on 1 September 2025): Level 1 on 10 January 2025: compliant; the DSL
  refresher applies only today, never done.
- M: at Riverside NHS until moving to Beech School on 1 October 2025; a level 3 module on
  1 May 2024: 3 hours, overdue for the health hours in 2025; today the schools' Level 1,
  never done.
- H1 (NHS, DSL since 2020): level 3 on 1 September 2023 and 2024: 6 hours, compliant (to
  31 August 2026) both days; never did the DSL course.
- H2 (NHS): level 3 on 1 June 2022 and level 2 on 1 January 2024: 3 hours counted in 2025, none
  within the window today: overdue both days.
- H3 (NHS): level 3 on 1 March and 1 April 2023: valid to 28 February 2026: compliant in 2025,
  due soon today.
- H4 (NHS, joined 1 June 2025): nothing: never done, counted today only.

By hand, (applies, compliant incl. due soon, due soon, overdue, never done, rate):

As at 31 March 2025, by sector:
  DSL refresher, Education 1 1 0 0 0 100; Health 1 0 0 0 1 0
  Schools: Level 1, Education (E1 due, E2, C, E3) 4 3 1 0 1 75
  Health: Level 3 hours, Health (M, H1, H2, H3) 4 2 0 2 0 50
  Total 10 6 1 2 2 60
As at 16 February 2026, by sector:
  DSL refresher, Education (E1 due, E3) 2 1 1 0 1 50; Health (H1) 1 0 0 0 1 0
  Schools: Level 1, Education (E1 overdue, E2, C, E3, M) 5 2 0 1 2 40
  Health: Level 3 hours, Health (H1, H2, H3 due, H4) 4 2 1 1 1 50
  Total 12 5 2 2 5 41.7
"""

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import time_machine

from lms.accounts import moves
from lms.accounts.models import Agency, Role, Sector, TokenKind, User
from lms.accounts.tokens import issue
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import build
from lms.reports.definitions import DEFINITIONS
from lms.reports.filters import parse_args
from lms.settings import services as settings
from tests.conftest import uk
from tests.reports.test_pages import as_number, csv_rows, page_cells, table_part

NOW = datetime(2026, 2, 16, 12, 0, tzinfo=UTC)
FIGURES = ("applies", "compliant", "due", "overdue", "never", "compliance_rate")
BY_SECTOR_2025 = [
    ["DSL refresher", "Education", "1", "1", "0", "0", "0", "100.0%"],
    ["DSL refresher", "Health", "1", "0", "0", "0", "1", "0.0%"],
    ["Health: Level 3 hours", "Health", "4", "2", "0", "2", "0", "50.0%"],
    ["Schools: Level 1", "Education", "4", "3", "1", "0", "1", "75.0%"],
    ["Total", "", "10", "6", "1", "2", "2", "60.0%"],
]
BY_SECTOR_TODAY = [
    ["DSL refresher", "Education", "2", "1", "1", "0", "1", "50.0%"],
    ["DSL refresher", "Health", "1", "0", "0", "0", "1", "0.0%"],
    ["Health: Level 3 hours", "Health", "4", "2", "1", "1", "1", "50.0%"],
    ["Schools: Level 1", "Education", "5", "2", "0", "1", "2", "40.0%"],
    ["Total", "", "12", "5", "2", "2", "5", "41.7%"],
]
BY_AGENCY_2025 = [
    ["DSL refresher", "Alder School", "Education", "1", "1", "0", "0", "0", "100.0%"],
    ["DSL refresher", "Riverside NHS", "Health", "1", "0", "0", "0", "1", "0.0%"],
    ["Health: Level 3 hours", "Riverside NHS", "Health", "4", "2", "0", "2", "0", "50.0%"],
    ["Schools: Level 1", "Alder School", "Education", "3", "2", "1", "0", "1", "66.7%"],
    ["Schools: Level 1", "Beech School", "Education", "1", "1", "0", "0", "0", "100.0%"],
    ["Total", "", "", "10", "6", "1", "2", "2", "60.0%"],
]
BY_AGENCY_TODAY = [
    ["DSL refresher", "Alder School", "Education", "1", "1", "1", "0", "0", "100.0%"],
    ["DSL refresher", "Beech School", "Education", "1", "0", "0", "0", "1", "0.0%"],
    ["DSL refresher", "Riverside NHS", "Health", "1", "0", "0", "0", "1", "0.0%"],
    ["Health: Level 3 hours", "Riverside NHS", "Health", "4", "2", "1", "1", "1", "50.0%"],
    ["Schools: Level 1", "Alder School", "Education", "3", "1", "0", "1", "1", "33.3%"],
    ["Schools: Level 1", "Beech School", "Education", "2", "1", "0", "0", "1", "50.0%"],
    ["Total", "", "", "12", "5", "2", "2", "5", "41.7%"],
]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(
    app,
    make_agency,
    make_user,
    make_course,
    make_course_session,
    make_completed_booking,
    make_module,
    make_completion,
    make_requirement,
    make_role_tag,
    tag_person,
):
    agencies = {
        "alder": make_agency("Alder School", sector=Sector.EDUCATION),
        "beech": make_agency("Beech School", sector=Sector.EDUCATION),
        "nhs": make_agency("Riverside NHS", sector=Sector.HEALTH),
        "police": make_agency("Riverside Police", sector=Sector.POLICE),
    }
    joined = uk(2020, 1, 1)
    found = {
        "E1": make_user(name="E1", agency_id=agencies["alder"], joined=joined),
        "E2": make_user(name="E2", agency_id=agencies["alder"], joined=joined),
        "C": make_user(
            name="C", agency_id=agencies["alder"], joined=joined, roles=(Role.COORDINATOR,)
        ),
        "E3": make_user(name="E3", agency_id=agencies["beech"], joined=joined),
        "M": make_user(name="M", agency_id=agencies["nhs"], joined=joined),
        "H1": make_user(name="H1", agency_id=agencies["nhs"], joined=joined),
        "H2": make_user(name="H2", agency_id=agencies["nhs"], joined=joined),
        "H3": make_user(name="H3", agency_id=agencies["nhs"], joined=joined),
        "H4": make_user(name="H4", agency_id=agencies["nhs"], joined=uk(2025, 6, 1)),
        "PDL": make_user(name="PDL", agency_id=agencies["police"], roles=(Role.PDL_VIEWER,)),
    }
    dsl = make_role_tag()
    for name, when in (("E1", joined), ("H1", joined), ("E3", uk(2025, 9, 1))):
        tag_person(found[name].id, dsl, set_at=when)
    dsl_course = make_course("DSL refresher course")
    level_one = make_module("Level 1 Safeguarding", level=1)
    level_two = make_module("Level 2 Safeguarding", level=2)
    level_three = [make_module(f"Level 3 part {n}", level=3) for n in range(1, 5)]
    make_requirement("DSL refresher", course_ids=[dsl_course], tag_ids=[dsl], renew_months=24)
    make_requirement(
        "Schools: Level 1", course_ids=[level_one], sectors=["education"], renew_months=36
    )
    make_requirement(
        "Health: Level 3 hours",
        satisfied_by="hours",
        level=3,
        hours=6,
        within_years=3,
        sectors=["health"],
    )
    make_requirement("Retired rule", course_ids=[level_one], sectors=["education"], active=False)

    start = uk(2024, 4, 20)
    ran = make_course_session(
        dsl_course, dates=[(start, start + timedelta(hours=7))], status="completed"
    )
    make_completed_booking(found["E1"].id, ran)
    for name, module, day in [
        ("E1", level_one, date(2022, 5, 1)),
        ("C", level_one, date(2024, 1, 15)),
        ("E3", level_one, date(2025, 1, 10)),
        ("M", level_three[0], date(2024, 5, 1)),
        ("H1", level_three[0], date(2023, 9, 1)),
        ("H1", level_three[1], date(2024, 9, 1)),
        ("H2", level_three[0], date(2022, 6, 1)),
        ("H2", level_two, date(2024, 1, 1)),
        ("H3", level_three[2], date(2023, 3, 1)),
        ("H3", level_three[3], date(2023, 4, 1)),
    ]:
        make_completion(found[name].id, module, day)
    with app.app_context():
        mover = db.session.get(User, found["M"].id)
        moves.move(
            mover,
            db.session.get(Agency, agencies["beech"]),
            job_title="Teaching assistant",
            by=None,
            now=uk(2025, 10, 1),
        )
        db.session.commit()
    return found, agencies


def table(app, name, period, **args):
    with app.app_context():
        now = utcnow()
        return build.run(name, parse_args({"period": period, **args}, now=now), now=now)


def cells(found) -> list[list[str]]:
    """The table as the page shows it."""
    from lms.reports.tables import kind_of, show

    return [
        [show(row.get(column.key), kind_of(row, column)) for column in found.columns]
        for row in found.all_rows()
    ]


def test_as_at_a_past_year_end_every_cell(app, people):
    by_sector = table(app, "compliance-by-sector", "2024-25")
    assert cells(by_sector) == BY_SECTOR_2025
    assert by_sector.title == "Compliance by sector as at 31 March 2025"
    assert dict(by_sector.summary)["As at"] == "31 March 2025, the period's last day"
    by_agency = table(app, "compliance-by-agency", "2024-25")
    assert cells(by_agency) == BY_AGENCY_2025
    assert by_agency.total["compliance_rate"] == 60.0


def test_as_at_today_while_the_period_runs_every_cell(app, people):
    by_sector = table(app, "compliance-by-sector", "2025-26")
    assert cells(by_sector) == BY_SECTOR_TODAY
    assert dict(by_sector.summary) == {
        "As at": "16 February 2026, today: the period has not ended yet",
        "Due soon": "Compliant, but it runs out within 3 months",
    }
    assert cells(table(app, "compliance-by-agency", "2025-26")) == BY_AGENCY_TODAY
    # A quarter that ended counts as at its last day: the mover was still at the NHS then.
    quarter = table(app, "compliance-by-agency", "2025-26 Q2", agency=str(people[1]["nhs"]))
    assert cells(quarter) == [
        ["DSL refresher", "Riverside NHS", "Health", "1", "0", "0", "0", "1", "0.0%"],
        ["Health: Level 3 hours", "Riverside NHS", "Health", "5", "2", "0", "2", "1", "40.0%"],
        ["Total", "", "", "6", "2", "0", "2", "2", "33.3%"],
    ]


def test_the_due_window_is_the_partnerships_setting(app, people):
    with app.app_context():
        settings.current().compliance_due_months = 1
        db.session.commit()
    by_sector = table(app, "compliance-by-sector", "2025-26")
    # E1's DSL refresher (to 19 April) and H3's hours (to 28 February): only H3 is due.
    assert cells(by_sector)[0][2:5] == ["2", "1", "0"]
    assert cells(by_sector)[2][2:5] == ["4", "2", "1"]
    assert dict(by_sector.summary)["Due soon"] == "Compliant, but it runs out within 1 month"


def test_sector_and_agency_filters_choose_people_by_their_agency_on_the_day(app, people):
    _, agencies = people
    health = table(app, "compliance-by-sector", "2025-26", sector="health")
    assert cells(health) == [
        BY_SECTOR_TODAY[1],
        BY_SECTOR_TODAY[2],
        ["Total", "", "5", "2", "1", "1", "2", "40.0%"],
    ]
    assert health.filters == {"Sector": "Health"}
    beech = table(app, "compliance-by-agency", "2024-25", agency=str(agencies["beech"]))
    assert cells(beech) == [BY_AGENCY_2025[4], ["Total", "", "", "1", "1", "0", "0", "0", "100.0%"]]


def test_the_course_filters_are_refused(app, runner, people):
    with pytest.raises(DomainError) as refused:
        table(app, "compliance-by-sector", "2025-26", theme="", level="3")
    assert refused.value.message == (
        "The level filter does not apply to compliance by sector: clear it to see the figures"
    )
    printed = runner.invoke(
        args=["report", "compliance-by-agency", "--mode", "virtual", "--audience", "adults"]
    )
    assert printed.exit_code == 1
    assert (
        "The delivery mode and audience filters do not apply to compliance by agency: clear "
        "them to see the figures" in printed.output
    )


def test_no_requirements_no_rows_and_no_totals(app, make_user):
    make_user()
    found = table(app, "compliance-by-sector", "2025-26")
    assert (found.rows, found.total, found.chart.groups) == ([], None, [])


def test_page_chart_downloads_command_and_api_hold_the_same_figures(
    app, client, login, runner, people
):
    found, _ = people
    login(found["PDL"])
    page = client.get("/reports/compliance-by-agency?period=2025-26")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = page_cells(html)
    assert shown[0] == [
        "Requirement",
        "Agency",
        "Sector",
        "People it applies to",
        "Compliant (including due soon)",
        "Due soon",
        "Overdue",
        "Never done",
        "Compliance rate",
    ]
    assert shown[1:] == BY_AGENCY_TODAY
    assert "Compliance by agency as at 16 February 2026" in html
    assert "16 February 2026, today: the period has not ended yet" in html
    assert 'role="img"' in html and "Schools: Level 1: Alder School: Compliance rate 33.3%" in html
    assert 'name="theme"' not in html and 'name="sector"' in html  # only its own filters

    download = client.get("/reports/compliance-by-agency.csv?period=2025-26")
    whole = csv_rows(download.get_data(as_text=True).removeprefix("\ufeff"))
    assert [[as_number(cell) for cell in row] for row in table_part(whole)[1:]] == [
        [as_number(cell) for cell in row] for row in BY_AGENCY_TODAY
    ]
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/compliance-by-agency.xlsx?period=2025-26").data)
    )
    values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][0] == "Compliance by agency as at 16 February 2026"
    header = values.index(table_part(whole)[0])
    assert [[as_number(value) for value in row] for row in values[header + 1 :]] == [
        [as_number(cell) for cell in row] for row in BY_AGENCY_TODAY
    ]

    printed = runner.invoke(args=["report", "compliance-by-agency", "--period", "2025-26"])
    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert lines[0] == "Compliance by agency as at 16 February 2026, 2025-26 financial year"
    assert "As at: 16 February 2026, today: the period has not ended yet" in lines
    assert [line.split() for line in lines if line.startswith("Schools") and "Alder" in line] == [
        ["Schools:", "Level", "1", "Alder", "School", "Education", "3", "1", "0", "1", "1", "33.3%"]
    ]
    assert lines[-1].split() == ["Total", "12", "5", "2", "2", "5", "41.7%"]
    as_csv = runner.invoke(
        args=["report", "compliance-by-agency", "--period", "2025-26", "--format", "csv"]
    )
    assert csv_rows(as_csv.output) == whole

    with app.app_context():
        secret = issue(db.session.get(User, found["PDL"].id), TokenKind.API, now=utcnow())
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    answer = client.get("/api/v1/reports/compliance-by-sector?period=2024-25", headers=headers)
    assert answer.status_code == 200, answer.json
    keys = [column["key"] for column in answer.json["columns"]]
    assert [[as_number(row[key]) for key in keys] for row in answer.json["rows"]] == [
        [as_number(cell) for cell in row] for row in BY_SECTOR_2025[:-1]
    ]
    assert [answer.json["total"][key] for key in FIGURES] == [10, 6, 1, 2, 2, 60.0]
    assert {"label": "As at", "value": "31 March 2025, the period's last day"} in (
        answer.json["summary"]
    )
    refused = client.get("/api/v1/reports/compliance-by-sector?theme=neglect", headers=headers)
    assert refused.status_code == 400
    assert refused.json["error"] == (
        "Unknown parameter 'theme'. The compliance-by-sector report accepts: period, sector, "
        "agency."
    )


def test_the_page_explains_a_course_filter_it_does_not_take(client, login, people):
    found, _ = people
    login(found["PDL"])
    page = client.get("/reports/compliance-by-sector?period=2025-26&level=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "There is a problem" in html
    assert "The level filter does not apply to compliance by sector" in html
    assert "govuk-table__cell" not in html
    refused = client.get("/reports/compliance-by-sector.csv?period=2025-26&level=3")
    assert refused.status_code == 302


def test_links_from_another_report_leave_out_the_course_filters(client, login, people):
    found, _ = people
    login(found["PDL"])
    html = client.get("/reports/programme?period=2025-26&level=3&sector=health").get_data(
        as_text=True
    )
    assert 'href="/reports/compliance-by-sector?period=2025-26&amp;sector=health"' in html
    assert 'href="/reports/attendance-by-sector?period=2025-26&amp;level=3&amp;sector=health"' in (
        html
    )


def test_a_coordinator_sees_only_their_agency(client, login, people):
    found, agencies = people
    login(found["C"])
    page = client.get(f"/reports/compliance-by-agency?period=2025-26&agency={agencies['beech']}")
    assert page_cells(page.get_data(as_text=True))[1:] == [
        BY_AGENCY_TODAY[0],
        BY_AGENCY_TODAY[4],
        ["Total", "", "", "4", "2", "1", "1", "1", "50.0%"],
    ]
    download = client.get("/reports/compliance-by-sector.csv?period=2025-26&sector=health")
    rows = csv_rows(download.get_data(as_text=True).removeprefix("\ufeff"))
    assert ["Agency", "Alder School"] in rows
    assert table_part(rows)[1:] == [
        ["DSL refresher", "Education", "1", "1", "1", "0", "0", "100.0"],
        ["Schools: Level 1", "Education", "3", "1", "0", "1", "1", "33.3"],
        ["Total", "", "4", "2", "1", "1", "1", "50.0"],
    ]


def test_the_definitions_and_the_api_document_describe_them(client, login, people):
    found, _ = people
    terms = dict(DEFINITIONS)
    assert "the last day of the period, or today" in terms["Compliance: the day counted"]
    assert "people due soon count as compliant" in terms["Compliant, due soon, overdue, never done"]
    login(found["PDL"])
    index = client.get("/reports").get_data(as_text=True)
    assert "Compliance by sector" in index and "Compliance by agency" in index
    assert "pairs of a person and a requirement" in index
    document = client.get("/api/v1/openapi.json").json
    for name in ("compliance-by-sector", "compliance-by-agency"):
        operation = document["paths"][f"/reports/{name}"]["get"]
        assert operation["summary"].startswith("Compliance by")
        names = [
            document["components"]["parameters"][item["$ref"].rsplit("/", 1)[1]]["name"]
            for item in operation["parameters"]
        ]
        assert names == ["period", "sector", "agency"]
    period = document["components"]["parameters"]["report_compliance_period"]
    assert "as at the period's last day, or today" in period["description"]


def test_the_command_help_names_them(runner):
    printed = runner.invoke(args=["report", "--help"])
    assert "compliance-by-sector" in printed.output and "compliance-by-agency" in printed.output
