"""E-learning completions by agency, sector and module, on a small history counted by hand.

Financial year 2025-26 (1 April 2025 to 31 March 2026); four agencies, two of them health:
Alder Road School (education), Riverside Council (local authority), Riverside NHS Trust and
Willow GP Practice (health). Three modules of one provider: L1SC "Level 1 Safeguarding
Children" (level 1), PREV "Prevent awareness" (level 1), L2SC "Level 2 Safeguarding Children
online" (level 2, theme Neglect).

- A was at the school until 1 October 2025, then the council: L1SC on 10 June 2025 (school),
  PREV on 5 November 2025 (council).
- B (council): L1SC on 1 April 2025 (the first day) and again on 1 August 2025; L1SC on
  31 March 2025 is the year before.
- C (NHS): L1SC on 31 March 2026 (the last day); L2SC on 1 April 2026 is the year after.
- D (GP): L1SC on 9 September 2025, withdrawn; L2SC on 10 September 2025.
- E (NHS): PREV on 1 December 2025, declared and verified; L1SC on 15 January 2026 declared and
  still waiting to be checked (not a completion).
- nobody@example.org (no account) did L1SC on 1 July 2025: unmatched, not counted.

Counted in 2025-26: 7 completions by 5 different people (A counts for two agencies), 1 declared.
"""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from lms.accounts.models import AgencyMembership, Role, Sector, User
from lms.core.models import utcnow
from lms.elearning.models import (
    Completion,
    CompletionSource,
    DeclarationStatus,
    TrainingDeclaration,
    UnmatchedCompletion,
)
from lms.extensions import db
from tests.reports.test_pages import as_number, csv_rows, page_cells, table_part


@pytest.fixture
def learning(app, make_agency, make_user, make_provider, make_module, make_theme, make_completion):
    agencies = {
        "school": make_agency("Alder Road School", sector=Sector.EDUCATION),
        "council": make_agency("Riverside Council", sector=Sector.LOCAL_AUTHORITY),
        "nhs": make_agency("Riverside NHS Trust", sector=Sector.HEALTH),
        "gp": make_agency("Willow GP Practice", sector=Sector.HEALTH),
    }
    home = {"A": "council", "B": "council", "C": "nhs", "D": "gp", "E": "nhs"}
    people = {
        name: make_user(name=f"Person {name}", agency_id=agencies[where])
        for name, where in home.items()
    }
    provider = make_provider("Safe Learning Ltd")
    neglect = make_theme("Neglect")
    modules = {
        "L1SC": make_module(
            "Level 1 Safeguarding Children", module_code="L1SC", provider_id=provider
        ),
        "PREV": make_module("Prevent awareness", module_code="PREV", provider_id=provider),
        "L2SC": make_module(
            "Level 2 Safeguarding Children online",
            module_code="L2SC",
            provider_id=provider,
            level=2,
            theme_ids=[neglect],
        ),
    }
    with app.app_context():
        # A moved from the school to the council on 1 October 2025.
        a = db.session.get(User, people["A"].id)
        moved = datetime(2025, 10, 1, 9, tzinfo=UTC)
        a.memberships[0].started_at = moved
        a.memberships.append(
            AgencyMembership(
                agency_id=agencies["school"],
                job_title="Teacher",
                started_at=datetime(2020, 1, 6, tzinfo=UTC),
                ended_at=moved,
            )
        )
        for person in people.values():  # everyone else joined long ago
            user = db.session.get(User, person.id)
            if user.id != a.id:
                user.memberships[0].started_at = datetime(2020, 1, 6, tzinfo=UTC)
        db.session.commit()
    held = [
        ("A", "L1SC", date(2025, 6, 10)),
        ("A", "PREV", date(2025, 11, 5)),
        ("B", "L1SC", date(2025, 4, 1)),
        ("B", "L1SC", date(2025, 8, 1)),
        ("B", "L1SC", date(2025, 3, 31)),
        ("C", "L1SC", date(2026, 3, 31)),
        ("C", "L2SC", date(2026, 4, 1)),
        ("D", "L1SC", date(2025, 9, 9)),
        ("D", "L2SC", date(2025, 9, 10)),
    ]
    ids = {(p, m, d): make_completion(people[p].id, modules[m], d) for p, m, d in held}
    with app.app_context():
        withdrawn = db.session.get(Completion, ids[("D", "L1SC", date(2025, 9, 9))])
        withdrawn.withdrawn_at = utcnow()
        e = people["E"]
        for module, day, status in [
            ("PREV", date(2025, 12, 1), DeclarationStatus.VERIFIED),
            ("L1SC", date(2026, 1, 15), DeclarationStatus.PENDING),
        ]:
            declaration = TrainingDeclaration(
                user_id=e.id,
                agency_id=agencies["nhs"],
                course_id=modules[module],
                completed_on=day,
                hours=Decimal("1.5"),
                evidence=b"%PDF-1.4 certificate",
                evidence_type="application/pdf",
                evidence_name="certificate.pdf",
                status=status,
            )
            db.session.add(declaration)
            db.session.flush()
            if status is DeclarationStatus.VERIFIED:
                from lms.catalogue.models import Course
                from lms.elearning import completions

                completions.record(
                    db.session.get(User, e.id),
                    db.session.get(Course, modules[module]),
                    day,
                    source=CompletionSource.SELF_DECLARED,
                    declaration_id=declaration.id,
                )
        db.session.add(
            UnmatchedCompletion(
                email="nobody@example.org",
                name="No Body",
                course_id=modules["L1SC"],
                completed_on=date(2025, 7, 1),
                source=CompletionSource.IMPORT,
            )
        )
        db.session.commit()
    coordinator = make_user(
        name="Coordinator council", roles=(Role.COORDINATOR,), agency_id=agencies["council"]
    )
    pdl = make_user(name="PDL viewer", roles=(Role.PDL_VIEWER,), agency_id=agencies["council"])
    return {"agencies": agencies, "coordinator": coordinator, "pdl": pdl, "modules": modules}


BY_AGENCY = [
    ["Alder Road School", "Education", 1, 1, 0],
    ["Riverside Council", "Local authority", 3, 2, 0],
    ["Riverside NHS Trust", "Health", 2, 2, 1],
    ["Willow GP Practice", "Health", 1, 1, 0],
    ["Total", "", 7, 5, 1],
]
BY_SECTOR = [
    ["Education", 1, 1, 0],
    ["Health", 3, 3, 1],
    ["Local authority", 3, 2, 0],
    ["Total", 7, 5, 1],
]
BY_MODULE = [
    ["Level 1 Safeguarding Children", "L1SC", "Safe Learning Ltd", "Level 1", 4, 3, 0],
    ["Level 2 Safeguarding Children online", "L2SC", "Safe Learning Ltd", "Level 2", 1, 1, 0],
    ["Prevent awareness", "PREV", "Safe Learning Ltd", "Level 1", 2, 2, 1],
    ["Total", "", "", "", 7, 5, 1],
]


def _comparable(rows) -> list[list]:
    return [[as_number(cell) for cell in row] for row in rows]


def _everywhere(app, client, runner, pdl, name: str, query: str) -> dict[str, list[list]]:
    """The report's table rows (after the header) as the page, CSV, XLSX, command line and API
    give them."""
    found = {}
    page = client.get(f"/reports/{name}?{query}")
    assert page.status_code == 200
    found["page"] = page_cells(page.get_data(as_text=True))[1:]
    csv_text = client.get(f"/reports/{name}.csv?{query}").get_data(as_text=True)
    found["csv"] = table_part(csv_rows(csv_text.removeprefix("\ufeff")))[1:]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/{name}.xlsx?{query}").data))
    values = [list(row) for row in sheet.active.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row[-1] == "Of which declared and verified")
    found["xlsx"] = values[header + 1 :]
    args = ["report", name, "--format", "csv"]
    for part in query.split("&"):
        key, _, value = part.partition("=")
        args += [f"--{key}", value.replace("+", " ")]
    printed = runner.invoke(args=args)
    assert printed.exit_code == 0, printed.output
    found["cli"] = table_part(csv_rows(printed.output))[1:]
    with app.app_context():
        from lms.accounts.models import TokenKind
        from lms.accounts.tokens import issue

        secret = issue(db.session.get(User, pdl.id), TokenKind.API, now=utcnow())
        db.session.commit()
    answer = client.get(
        f"/api/v1/reports/{name}?{query}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 200, answer.json
    keys = [column["key"] for column in answer.json["columns"]]
    records = answer.json["rows"] + [answer.json["total"]]
    found["api"] = [[record[key] for key in keys] for record in records]
    return {where: _comparable(rows) for where, rows in found.items()}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("elearning-by-agency", BY_AGENCY),
        ("elearning-by-sector", BY_SECTOR),
        ("elearning-by-module", BY_MODULE),
    ],
)
def test_counted_by_hand_in_the_page_downloads_command_line_and_api(
    app, client, login, runner, learning, name, expected
):
    login(learning["pdl"])
    found = _everywhere(app, client, runner, learning["pdl"], name, "period=2025-26")
    for where, rows in found.items():
        assert rows == _comparable(expected), where


def test_the_period_is_the_completion_date_both_ends_included(app, client, login, learning):
    login(learning["pdl"])

    def total(query: str) -> list[str]:
        rows = page_cells(client.get(f"/reports/elearning-by-sector?{query}").get_data(True))
        return rows[-1][1:]

    assert total("period=2025-26+Q1") == ["2", "2", "0"]  # B on 1 April, A on 10 June
    assert total("period=2025-04-01..2025-04-01") == ["1", "1", "0"]
    assert total("period=2026-03-31..2026-04-01") == ["2", "1", "0"]  # C, both days
    assert total("period=2024-25") == ["1", "1", "0"]  # B on 31 March 2025
    assert total("period=2026-27+Q1") == ["1", "1", "0"]  # C's L2SC on 1 April 2026


def test_filters_narrow_by_level_sector_theme_and_agency(app, client, login, runner, learning):
    login(learning["pdl"])
    rows = page_cells(
        client.get("/reports/elearning-by-agency?period=2025-26&level=1").get_data(True)
    )
    assert [row[0] for row in rows[1:]] == [
        "Alder Road School",
        "Riverside Council",
        "Riverside NHS Trust",
        "Total",
    ]
    assert rows[-1][2:] == ["6", "4", "1"]
    health = page_cells(
        client.get("/reports/elearning-by-module?period=2025-26&sector=health").get_data(True)
    )
    assert [row[0] for row in health[1:]] == [
        "Level 1 Safeguarding Children",
        "Level 2 Safeguarding Children online",
        "Prevent awareness",
        "Total",
    ]
    assert [row[4:] for row in health[1:]] == [["1", "1", "0"]] * 2 + [
        ["1", "1", "1"],
        ["3", "3", "1"],
    ]
    printed = runner.invoke(
        args=["report", "elearning-by-module", "--period", "2025-26", "--theme", "neglect"]
    )
    assert printed.exit_code == 0, printed.output
    assert "Level 2 Safeguarding Children online" in printed.output
    assert "Prevent awareness" not in printed.output and "Theme: Neglect" in printed.output
    school = learning["agencies"]["school"]
    printed = runner.invoke(
        args=["report", "elearning-by-agency", "--period", "2025-26", "--agency", str(school)]
    )
    lines = printed.output.splitlines()
    assert lines[-2].split() == ["Alder", "Road", "School", "Education", "1", "1", "0"]
    assert lines[-1].split() == ["Total", "1", "1", "0"]


def test_a_coordinator_sees_only_the_completions_recorded_for_their_agency(client, login, learning):
    login(learning["coordinator"])
    school = learning["agencies"]["school"]
    rows = page_cells(
        client.get(f"/reports/elearning-by-agency?period=2025-26&agency={school}").get_data(True)
    )
    assert rows[1:] == [
        ["Riverside Council", "Local authority", "3", "2", "0"],
        ["Total", "", "3", "2", "0"],
    ]
    modules = client.get("/reports/elearning-by-module.csv?period=2025-26").get_data(True)
    table = table_part(csv_rows(modules.removeprefix("\ufeff")))
    assert [row[0] for row in table[1:]] == [
        "Level 1 Safeguarding Children",
        "Prevent awareness",
        "Total",
    ]
    assert table[-1][4:] == ["3", "2", "0"]


def test_an_empty_period_and_the_definitions(client, login, learning):
    login(learning["pdl"])
    page = client.get("/reports/elearning-by-module?period=2025-01-01..2025-03-30").get_data(True)
    assert page_cells(page)[1:] == [["No figures for this period and these filters."]]
    assert "No figures to chart" in page
    assert 'name="level"' in page and 'name="mode"' not in page  # e-learning is one mode
    assert 'name="mode"' in client.get("/reports/programme").get_data(True)
    index = client.get("/reports").get_data(True)
    assert "E-learning completions by agency" in index
    assert "the person&#39;s agency on the day they completed it" in index
    assert "declarations still waiting to be checked" in index


def test_the_api_lists_and_describes_the_new_reports(app, client, learning):
    from lms.reports.openapi import openapi_part

    paths = openapi_part()["paths"]
    for name in ("elearning-by-agency", "elearning-by-sector", "elearning-by-module"):
        operation = paths[f"/reports/{name}"]["get"]
        assert operation["summary"].startswith("E-learning completions by")
    assert paths["/reports/elearning-by-agency"]["get"]["operationId"] == (
        "getElearningByAgencyReport"
    )


@pytest.mark.parametrize(
    "name", ["elearning-by-agency", "elearning-by-sector", "elearning-by-module"]
)
def test_the_bench_floor_counts_the_same_as_the_report(app, learning, name):
    from bench import floors
    from bench import reports as bench_reports
    from lms.reports import build
    from lms.reports.filters import parse_args

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    with app.app_context():
        chosen = parse_args({"period": "2025-26"}, now=now)
        found = db.session.execute(
            floors.statement((name, None)), floors.parameters(name, chosen, now)
        ).mappings()
        rows = [dict(row) for row in found]
        table = build.run(name, chosen, now=now)
        bench_reports._check(bench_reports.Case(name), table, rows)  # Mismatch if they differ
        assert [row["completions"] for row in rows if row["part"] == "total"] == [7]
