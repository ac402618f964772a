"""The impact report, every figure counted by hand from the history in
tests/reports/impact_history.py (fewest responses 3), on both databases."""

import io
import json

import openpyxl
import pytest

from lms.accounts.models import TokenKind, User
from lms.accounts.tokens import issue
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import build
from lms.reports.filters import Filters
from lms.reports.periods import financial_year
from lms.reports.tables import TOO_FEW
from tests.conftest import counting_statements
from tests.reports.impact_history import NOW
from tests.reports.test_api import assert_matches
from tests.reports.test_pages import as_number, csv_rows, page_cells, table_part

FEW = TOO_FEW
NONE = (0, 0, None)


def figures(
    *,
    before=NONE,
    after=NONE,
    follow_up=NONE,
    manager=NONE,
    rating=(None, 0),
    knowledge=(None, None, None, 0, 0, 0, 0),
    confidence=(None, None, None, 0, 0, 0, 0),
    changed=(None, 0),
    seen=(None, 0),
) -> dict:
    row = {}
    for stage, (invited, answered, rate) in {
        "before": before,
        "after": after,
        "follow_up": follow_up,
        "manager": manager,
    }.items():
        row |= {
            f"{stage}_invited": invited,
            f"{stage}_answered": answered,
            f"{stage}_rate": rate,
        }
    row |= {"rating": rating[0], "rating_n": rating[1]}
    # No trainer or venue ratings in this history.
    row |= {"trainer_rating": None, "trainer_rating_n": 0}
    row |= {"venue_rating": None, "venue_rating_n": 0}
    for name, values in (("knowledge", knowledge), ("confidence", confidence)):
        keys = ("before", "after", "gain", "gained", "stayed", "fell", "n")
        row |= {f"{name}_{key}": value for key, value in zip(keys, values, strict=True)}
    row |= {"changed": changed[0], "changed_n": changed[1]}
    row |= {"seen": seen[0], "seen_n": seen[1]}
    return row


# Neglect L3: u1-u4 (u5 corrected, u6 withdrawn). Half up: 17/4 = 4.25 -> 4.3.
N3 = figures(
    before=(3, 2, 66.7),
    after=(4, 4, 100.0),
    follow_up=(3, 2, 66.7),
    manager=(3, 2, 66.7),
    rating=(4.0, 4),
    knowledge=(3.8, 6.5, 2.8, 3, 1, 0, 4),
    confidence=(4.3, 5.8, 1.5, 2, 1, 1, 4),
    changed=(FEW, 2),
    seen=(FEW, 2),
)
NE3 = figures(
    after=(2, 2, FEW),
    follow_up=(2, 1, FEW),
    rating=(FEW, 2),
    knowledge=(FEW, FEW, FEW, 1, 0, 0, 1),
    confidence=(FEW, FEW, FEW, 0, 1, 0, 1),
    changed=(FEW, 1),
)
X2 = figures(  # u11's "before" does not count: the booking was cancelled
    after=(1, 1, FEW),
    rating=(FEW, 1),
    knowledge=(FEW, FEW, FEW, 0, 1, 0, 1),
    confidence=(FEW, FEW, FEW, 1, 0, 0, 1),
)
M1 = figures(  # u13's completion was withdrawn
    after=(1, 1, FEW),
    rating=(FEW, 1),
    knowledge=(FEW, FEW, FEW, 1, 0, 0, 1),
    confidence=(FEW, FEW, FEW, 1, 0, 0, 1),
)
# Each response once: knowledge 30/7 = 4.29, 46/7 = 6.57, 16/7 = 2.29; confidence 34/7 = 4.86,
# 42/7 = 6.0, 8/7 = 1.14; rating 32/8.
TOTAL = figures(
    before=(3, 2, 66.7),
    after=(8, 8, 100.0),
    follow_up=(5, 3, 60.0),
    manager=(3, 2, 66.7),
    rating=(4.0, 8),
    knowledge=(4.3, 6.6, 2.3, 5, 2, 0, 7),
    confidence=(4.9, 6.0, 1.1, 4, 2, 1, 7),
    changed=(66.7, 3),
    seen=(FEW, 2),
)
# Neglect: N3 and NE3 (rating 25/6 = 4.17; knowledge 21/5, 35/5, 14/5; confidence 24/5, 30/5).
NEGLECT = figures(
    before=(3, 2, 66.7),
    after=(6, 6, 100.0),
    follow_up=(5, 3, 60.0),
    manager=(3, 2, 66.7),
    rating=(4.2, 6),
    knowledge=(4.2, 7.0, 2.8, 4, 1, 0, 5),
    confidence=(4.8, 6.0, 1.2, 2, 2, 1, 5),
    changed=(66.7, 3),
    seen=(FEW, 2),
)
EXPLOITATION = figures(  # NE3 and X2
    after=(3, 3, 100.0),
    follow_up=(2, 1, FEW),
    rating=(4.0, 3),
    knowledge=(FEW, FEW, FEW, 1, 1, 0, 2),
    confidence=(FEW, FEW, FEW, 1, 1, 0, 2),
    changed=(FEW, 1),
)


def table(app, by, **filters):
    with app.app_context():
        return build.run("impact", Filters(financial_year(2025), **filters), now=NOW, by=by)


def test_every_figure_by_course(app, impact_history):
    from lms.feedback.models import Response

    with app.app_context():
        versions = {
            key: db.session.get(Response, impact_history.responses[key]).question_set.version
            for key in ("u4", "u1")
        }
    assert versions == {"u4": 1, "u1": 2}  # u4 answered the old version and still counts
    found = table(app, "course")
    assert [row["group"] for row in found.rows] == [
        "Exploitation L2 (X2)",
        "Neglect and exploitation (NE3)",
        "Neglect L3 (N3)",
        "Safeguarding basics (M1)",
    ]
    assert [{k: v for k, v in row.items() if k != "group"} for row in found.rows] == [
        X2,
        NE3,
        N3,
        M1,
    ]
    assert found.total == TOTAL | {"group": "Total"}
    assert found.summary[:8] == [
        ("Responses: before", "2 of 3 invited (66.7%)"),
        ("Responses: straight after", "8 of 8 invited (100.0%)"),
        ("Responses: follow-up", "3 of 5 invited (60.0%)"),
        ("Responses: managers", "2 of 3 invited (66.7%)"),
        ("Mean overall rating", "4.0 out of 5 (8 people)"),
        (
            "Knowledge before and after (1-10)",
            "4.3 → 6.6, mean gain +2.3 (7 people: 5 gained, 2 stayed, 0 fell)",
        ),
        (
            "Confidence before and after (1-10)",
            "4.9 → 6.0, mean gain +1.1 (7 people: 4 gained, 2 stayed, 1 fell)",
        ),
        ("Practitioners reporting changed practice at follow-up", "66.7% (3 people)"),
    ]
    assert found.summary[8] == (
        "Managers agreeing they have seen a change",
        "too few responses (2 people; at least 3 needed)",
    )
    # The chart leaves out the three courses whose gain rests on too few people.
    assert found.chart.groups == [("Neglect L3 (N3)", (3.8, 6.5, 4.3, 5.8))]
    assert found.chart.note.startswith("3 groups with too few people")


def test_every_figure_by_theme_counts_a_two_theme_course_under_each(app, impact_history):
    found = table(app, "theme")
    assert [row["group"] for row in found.rows] == ["Exploitation", "Neglect", "No theme"]
    assert [{k: v for k, v in row.items() if k != "group"} for row in found.rows] == [
        EXPLOITATION,
        NEGLECT,
        M1,
    ]
    assert found.total == TOTAL | {"group": "Total"}  # each response once
    assert ("Note", "A course with several themes counts under each of them") in found.summary


def test_fewest_responses_one_shows_every_figure(app, impact_history):
    from lms.settings.services import current

    with app.app_context():
        current().fewest_responses = 1
        db.session.commit()
    found = table(app, "course")
    ne3 = found.rows[1]
    assert (ne3["after_rate"], ne3["rating"], ne3["knowledge_gain"]) == (100.0, 4.5, 3.0)
    assert found.total["seen"] == 100.0


def test_sector_and_agency_filters(app, impact_history):
    from lms.accounts.models import Agency, Sector

    education = table(app, "sector", sector=Sector.EDUCATION)
    assert [row["group"] for row in education.rows] == ["Education"]
    # Agency A: u1, u2, u7, u10, u12 straight after.
    assert education.total["after_answered"] == 5 and education.total["knowledge_n"] == 5
    with app.app_context():
        agency = db.session.get(Agency, impact_history.agencies["B"])
        by_agency = build.run(
            "impact", Filters(financial_year(2025), agency=agency), now=NOW, by="agency"
        )
    assert [(r["group"], r["sector"]) for r in by_agency.rows] == [("Birch NHS Trust", "Health")]
    # u3 and u4 straight after; u3's and u9's follow-ups; u3's manager.
    row = by_agency.rows[0]
    assert (row["after_answered"], row["follow_up_invited"], row["follow_up_answered"]) == (
        2,
        2,
        1,
    )
    assert (row["manager_invited"], row["manager_answered"], row["before_invited"]) == (1, 1, 1)


def shown_as(value) -> object:
    """A figure as the page, CSV, workbook and command compare it."""
    return as_number(str(value)) if value is FEW else value


@pytest.mark.parametrize("by", ["course", "theme"])
def test_page_downloads_command_and_api_agree(app, client, login, runner, impact_history, by):
    login(impact_history.pdl)
    query = f"?period=2025-26&by={by}"
    page = client.get(f"/reports/impact{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    whole = csv_rows(
        client.get(f"/reports/impact.csv{query}").get_data(as_text=True).removeprefix("\ufeff")
    )
    csv_table = [[as_number(cell) for cell in row] for row in table_part(whole)[1:]]
    assert [[as_number(cell) for cell in row] for row in page_cells(html)[1:]] == csv_table
    printed = runner.invoke(
        args=["report", "impact", "--period", "2025-26", "--by", by, "--format", "csv"]
    )
    assert printed.exit_code == 0, printed.output
    assert csv_rows(printed.output) == whole
    text = runner.invoke(args=["report", "impact", "--period", "2025-26", "--by", by])
    assert "too few responses" in text.output and "4.3 → 6.6, mean gain +2.3" in text.output
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/reports/impact.xlsx{query}").data)
    ).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values.index(table_part(whole)[0])
    assert [[as_number(v) for v in row] for row in values[header + 1 :]] == csv_table
    with app.app_context():
        secret = issue(db.session.get(User, impact_history.pdl.id), TokenKind.API, now=utcnow())
        db.session.commit()
    answer = client.get(
        f"/api/v1/reports/impact{query}", headers={"Authorization": f"Bearer {secret}"}
    ).json
    keys = [column["key"] for column in answer["columns"]]
    records = answer["rows"] + [answer["total"]]
    from_api = [
        [
            as_number("too few responses" if key in record.get("too_few", ()) else record[key])
            for key in keys
        ]
        for record in records
    ]
    assert from_api == csv_table
    # The hand counts, as the downloads hold them.
    expected_total = TOTAL | {"group": "Total"}
    assert csv_table[-1] == [
        as_number(str(expected_total[key])) if expected_total[key] is not None else None
        for key in keys
        if key != "sector"
    ]
    assert "too few responses" in json.dumps(whole)
    assert answer["rows"][0]["too_few"]  # null plus the flag
    document = client.get("/api/v1/openapi.json").json
    served = client.get(
        f"/api/v1/reports/impact{query}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert_matches(document, "/reports/impact", 200, served)


def test_the_query_count_does_not_grow_with_the_data(
    app, client, login, impact_history, make_user, make_completed_booking, make_response
):
    login(impact_history.pdl)

    def statements() -> int:
        with counting_statements(app) as seen:
            for by in ("course", "theme", "level", "agency", "sector"):
                assert client.get(f"/reports/impact?period=2025-26&by={by}").status_code == 200
        return len(seen)

    statements()
    few = statements()
    for _ in range(4):
        person = make_user(agency_id=impact_history.agencies["C"])
        booking = make_completed_booking(person.id, impact_history.sessions["S2"])
        make_response("after", booking_id=booking, rating=5, knowledge=7, knowledge_before=3)
    assert statements() == few
    page = client.get("/reports/impact?period=2025-26&by=course").get_data(as_text=True)
    assert "Neglect and exploitation (NE3)" in page


def test_the_done_when_question_from_one_page(client, login, impact_history):
    """For Level 3 neglect training in 2025-26: how many responded, how much did knowledge and
    confidence rise, what share of practitioners (and managers) report changed practice."""
    login(impact_history.pdl)
    page = client.get("/reports/impact?period=2025-26&level=3&theme=neglect&by=course")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for line in (
        "6 of 6 invited (100.0%)",
        "3 of 5 invited (60.0%)",
        "4.2 → 7.0, mean gain +2.8 (5 people: 4 gained, 1 stayed, 0 fell)",
        "4.8 → 6.0, mean gain +1.2 (5 people: 2 gained, 2 stayed, 1 fell)",
        "66.7% (3 people)",
        "too few responses (2 people; at least 3 needed)",
    ):
        assert line in html, line
    rows = page_cells(html)
    assert [row[0] for row in rows[1:]] == [
        "Neglect and exploitation (NE3)",
        "Neglect L3 (N3)",
        "Total",
    ]


def test_a_coordinator_sees_their_agency_only(client, login, make_user, impact_history):
    from lms.accounts.models import Role

    coordinator = make_user(
        roles=(Role.COORDINATOR,), agency_id=impact_history.agencies["A"], name="Coordinator A"
    )
    login(coordinator)
    page = client.get(
        f"/reports/impact?period=2025-26&by=agency&agency={impact_history.agencies['B']}"
    ).get_data(as_text=True)
    assert [row[0] for row in page_cells(page)[1:]] == ["Alder School", "Total"]


def test_the_definitions_page_explains_the_terms(client, login, impact_history):
    login(impact_history.pdl)
    page = client.get("/reports").get_data(as_text=True)
    for term in ("Invitation", "Mean gain", "Changed practice", "Too few responses"):
        assert term in page
