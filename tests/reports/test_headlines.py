"""The annual pack's headline facts, counted on the hand-counted history
(tests/reports/conftest.py), and the sentences written from them."""

from datetime import UTC, datetime

import sqlalchemy as sa

from lms.accounts.models import Sector, User
from lms.catalogue.models import Course
from lms.extensions import db
from lms.reports import build, headlines
from lms.reports.filters import Filters
from lms.reports.periods import financial_year
from tests.reports.conftest import NOW

YEAR = financial_year(2025)


def facts_of(app):
    with app.app_context():
        return headlines.facts(YEAR, now=NOW)


def test_facts_are_counted_as_the_reports_count_them(app, history):
    found = facts_of(app)
    # S1, S2, S4 and S5 ran (S5 across 31 March counts in the year it started); S3 was cancelled.
    assert found["sessions_run"] == 4
    assert (found["sessions_classroom"], found["sessions_virtual"]) == (2, 2)
    assert "sessions_blended" not in found
    assert (found["level_3_sessions"], found["level_3_courses"], found["level_3_topics"]) == (
        2,
        2,
        1,
    )
    assert (found["level_2_sessions"], found["level_2_courses"], found["level_2_topics"]) == (
        2,
        1,
        1,
    )
    # P1 (twice, for two agencies), P5, P2, P10, P9, P4, P11 (partial), P3 (partial), P6.
    assert found["people_attended"] == 9
    assert (found["agencies_attended"], found["sectors_attended"]) == (4, 4)
    # Booked: 4 on S1 (P7 cancelled in time), 5 on S2, 2 on S4, 2 on S5; wasted: P2 and P7
    # no-shows, P3's late cancellation.
    assert (found["booked"], found["places_wasted"], found["places_wasted_rate"]) == (13, 3, 23.1)
    assert (found["elearning_completions"], found["elearning_people"]) == (2, 2)
    assert found["evaluation_responses"] == 0
    assert "compliance_assessed" not in found  # no requirements
    # 2024-25 had S7 with P8 attending.
    assert found["previous_year"] == "2024-25"
    assert (found["previous_sessions_run"], found["previous_people_attended"]) == (1, 1)


def test_the_sentences_for_the_hand_counted_year(app, history):
    assert headlines.sentences(facts_of(app), year="2025-26") == [
        "In 2025-26 we ran 4 sessions: 2 face to face and 2 virtual.",
        "At Level 2 we ran 2 sessions of 1 course on 1 topic.",
        "At Level 3 we ran 2 sessions of 2 courses on 1 topic.",
        "They were attended by 9 practitioners from 4 agencies in 4 sectors.",
        "Compared with 2024-25, sessions run were up from 1 to 4, and practitioners attending up "
        "from 1 to 9.",
        "3 of the 13 places booked were wasted by no-shows and late cancellations (23.1%).",
        "There were 2 e-learning completions by 2 people.",
        "No evaluation responses were received.",
    ]


def test_compliance_is_stated_when_requirements_exist(app, history, make_requirement):
    with app.app_context():  # the accounts existed all year
        db.session.execute(sa.update(User).values(created_at=datetime(2025, 1, 1, tzinfo=UTC)))
        db.session.commit()
        module = db.session.scalar(sa.select(Course.id).where(Course.module_code == "L1SC"))
    make_requirement("Level 1 e-learning", course_ids=[module], sectors=[Sector.HEALTH])
    found = facts_of(app)
    # The NHS staff on 31 March 2026: P3, P4, P7 and P11; only P3 completed the module.
    assert (found["compliance_on"], found["compliance_assessed"], found["compliance_met"]) == (
        "2026-03-31",
        4,
        1,
    )
    assert headlines.sentences(found, year="2025-26")[-1] == (
        "On 31 March 2026, 1 of the 4 training requirements applying to people was met (25.0%)."
    )


ONE_OF_EACH = {
    "sessions_run": 1,
    "sessions_virtual": 1,
    "level_1_sessions": 1,
    "level_1_courses": 1,
    "level_1_topics": 0,
    "people_attended": 1,
    "agencies_attended": 1,
    "sectors_attended": 1,
    "booked": 1,
    "places_wasted": 0,
    "places_wasted_rate": 0.0,
    "elearning_completions": 1,
    "elearning_people": 1,
    "evaluation_responses": 1,
    "rating": 4.0,
    "rating_n": 1,
    "changed_share": None,
    "changed_n": 0,
    "fewest_responses": 1,
}


def test_one_of_each_is_singular_and_nothing_is_said_of_what_did_not_happen():
    assert headlines.sentences(ONE_OF_EACH, year="2025-26") == [
        "In 2025-26 we ran 1 session, all virtual.",
        "At Level 1 we ran 1 session of 1 course.",
        "They were attended by 1 practitioner from 1 agency in 1 sector.",
        "No booked places were wasted by no-shows or late cancellations.",
        "There was 1 e-learning completion by 1 person.",
        "We received 1 evaluation response.",
        "Practitioners rated their training 4.0 out of 5 on average (1 person answered).",
    ]


def test_a_year_with_nothing_says_so_plainly():
    nothing = {
        "sessions_run": 0,
        "people_attended": 0,
        "booked": 0,
        "places_wasted": 0,
        "elearning_completions": 0,
        "evaluation_responses": 0,
    }
    assert headlines.sentences(nothing, year="2026-27") == [
        "In 2026-27 no sessions ran.",
        "No e-learning completions were recorded.",
        "No evaluation responses were received.",
    ]


def test_hidden_counts_read_as_the_publication_writes_them():
    found = ONE_OF_EACH | {
        "sessions_run": 40,
        "sessions_classroom": 38,
        "sessions_virtual": "fewer than 5",
        "level_1_sessions": 40,
        "level_1_courses": 12,
        "level_1_topics": 9,
        "people_attended": 412,
        "agencies_attended": 61,
        "sectors_attended": 7,
        "previous_year": "2024-25",
        "previous_sessions_run": "fewer than 5",
        "previous_people_attended": 380,
        "booked": 450,
        "places_wasted": "fewer than 5",
        "places_wasted_rate": "withheld",
        "evaluation_responses": 300,
        "rating": "withheld",
        "rating_n": "fewer than 5",
        "changed_share": 62.5,
        "changed_n": 80,
        "fewest_responses": 10,
    }
    assert headlines.sentences(found, year="2025-26") == [
        "In 2025-26 we ran 40 sessions: 38 face to face and fewer than 5 virtual.",
        "At Level 1 we ran 40 sessions of 12 courses on 9 topics.",
        "They were attended by 412 practitioners from 61 agencies in 7 sectors.",
        "Compared with 2024-25, sessions run were fewer than 5 then, 40 now, and practitioners "
        "attending up from 380 to 412.",
        "Fewer than 5 of the 450 places booked were wasted by no-shows and late cancellations.",
        "There was 1 e-learning completion by 1 person.",
        "We received 300 evaluation responses.",
        "The average rating of the training is withheld, as fewer than 5 people answered.",
        "At follow-up, 62.5% reported changed practice (80 people answered).",
    ]


def test_too_few_answers_for_a_figure_are_said_so():
    found = ONE_OF_EACH | {"rating": None, "rating_n": 3, "fewest_responses": 10}
    assert headlines.sentences(found)[-1] == (
        "The average rating of the training is not given: too few answered (3 people "
        "answered; at least 10 needed)."
    )


def test_evaluation_facts_are_the_impact_reports_totals(app, impact_history):
    found = facts_of(app)
    with app.app_context():
        total = build.run("impact", Filters(period=YEAR), now=NOW, by="level").total
    answered = sum(
        total[f"{stage}_answered"] for stage in ("before", "after", "follow_up", "manager")
    )
    assert found["evaluation_responses"] == answered > 0
    assert (found["rating"], found["rating_n"]) == (total["rating"], total["rating_n"])
    assert (found["changed_share"], found["changed_n"]) == (total["changed"], total["changed_n"])
    assert found["fewest_responses"] == 3
    # u1 5, u2 4, u3 3, u4 4, u7 5, u8 4, u10 3, u12 4 straight after (the rest do not count).
    assert (found["rating"], found["rating_n"]) == (4.0, 8)
