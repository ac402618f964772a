from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import counting_statements

LONDON = ZoneInfo("Europe/London")


def uk(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def future(days, hour=9, minute=30, hours=3):
    day = (utcnow() + timedelta(days=days)).astimezone(LONDON).date()
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return [(start, start + timedelta(hours=hours))]


def test_anyone_can_browse_upcoming_sessions_without_signing_in(
    client, make_course, make_course_session, make_theme
):
    neglect = make_theme("Neglect")
    course = make_course("Neglect and the Graded Care Profile", theme_ids=[neglect])
    make_course_session(course, dates=future(10), capacity=20, places_taken=5)
    page = client.get("/training").get_data(as_text=True)
    assert "Neglect and the Graded Care Profile" in page
    assert "15 places left" in page
    assert "1 session" in page


def test_drafts_past_and_cancelled_sessions_are_not_listed(
    client, make_course, make_course_session
):
    draft = make_course("Secret draft course", status="draft")
    make_course_session(draft, dates=future(10))
    live = make_course("Live course")
    make_course_session(live, dates=[(uk(2020, 1, 6, 9), uk(2020, 1, 6, 12))])
    make_course_session(live, dates=future(12), status="cancelled")
    page = client.get("/training").get_data(as_text=True)
    assert "Secret draft course" not in page and "0 sessions" in page
    assert client.get("/courses/C001").status_code == 404


def test_admin_sees_a_draft_course_page(client, make_user, make_course, login):
    make_course("Draft course", code="DRAFT1", status="draft")
    login(make_user(roles=(Role.ADMIN,)))
    assert "only administrators can see it" in client.get("/courses/DRAFT1").get_data(as_text=True)


def test_filters_find_a_twilight_neglect_course_with_places_in_a_month(
    client, make_theme, make_course, make_course_session
):
    neglect, abuse = make_theme("Neglect"), make_theme("Domestic abuse")
    wanted = make_course("Neglect: twilight briefing", theme_ids=[neglect])
    other = make_course("Domestic abuse awareness", theme_ids=[abuse])
    make_course_session(
        wanted, dates=future(40, hour=16, minute=30, hours=2), capacity=10, places_taken=3
    )
    make_course_session(wanted, dates=future(41, hour=9, minute=30), capacity=10)
    make_course_session(wanted, dates=future(42, hour=17), capacity=10, places_taken=10)
    make_course_session(other, dates=future(40, hour=16, minute=30), capacity=10)
    month = (utcnow() + timedelta(days=40)).astimezone(LONDON)
    query = f"?theme={neglect}&month={month:%Y-%m}&time=twilight&places=y"
    page = client.get("/training" + query).get_data(as_text=True)
    assert "1 session matches your filters" in page
    assert "Neglect: twilight briefing" in page and "Domestic abuse awareness" not in page
    assert "7 places left" in page


def test_free_text_search_matches_title_summary_code_and_theme(
    client, make_theme, make_course, make_course_session
):
    theme = make_theme("Contextual safeguarding")
    make_course_session(make_course("Harm outside the home", theme_ids=[theme]), dates=future(5))
    make_course_session(make_course("Unrelated course"), dates=future(6))
    page = client.get("/training?q=contextual").get_data(as_text=True)
    assert "Harm outside the home" in page and "Unrelated course" not in page


def test_an_invalid_filter_is_explained_and_all_sessions_shown(
    client, make_course, make_course_session
):
    make_course_session(make_course("A course"), dates=future(5))
    response = client.get("/training?level=9&theme=abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "A course" in page


def test_catalogue_is_paginated(client, make_course, make_course_session):
    course = make_course("Busy course")
    for day in range(25):
        make_course_session(course, dates=future(5 + day))
    page = client.get("/training").get_data(as_text=True)
    assert "25 sessions" in page and "govuk-pagination" in page
    assert client.get("/training?page=2").status_code == 200


def test_session_page_shows_uk_times_venue_access_and_never_the_join_link(
    client, make_course, make_course_session
):
    course = make_course("Across the clock change", mode="virtual")
    online = make_course_session(
        course, dates=[(uk(2099, 3, 30, 9, 30), uk(2099, 3, 30, 12, 30))], virtual=True
    )
    page = client.get(f"/sessions/{online}").get_data(as_text=True)
    assert "Monday 30 March 2099, 9:30am to 12:30pm" in page
    assert "Online" in page and "teams.example" not in page
    face_to_face = make_course_session(dates=future(5))
    page = client.get(f"/sessions/{face_to_face}").get_data(as_text=True)
    assert "Step-free access" in page and "E1 6AN" in page


def test_course_page_lists_its_upcoming_sessions(client, make_course, make_course_session):
    course = make_course("Working together", code="SCP-WT2")
    make_course_session(course, dates=future(5))
    make_course_session(course, dates=[(uk(2020, 1, 6, 9), uk(2020, 1, 6, 12))])
    page = client.get("/courses/scp-wt2").get_data(as_text=True)
    assert "Working together" in page and page.count("places left") == 1


def test_trainers_see_their_own_sessions(
    client, make_user, make_course, make_course_session, login
):
    trainer = make_user(roles=(Role.TRAINER,))
    mine = make_course("Mine to teach")
    make_course_session(mine, dates=future(5), trainer_ids=[trainer.id])
    make_course_session(make_course("Someone else's"), dates=future(6))
    login(trainer)
    page = client.get("/trainer/sessions").get_data(as_text=True)
    assert "Mine to teach" in page and "Someone else" not in page


def test_catalogue_query_count_does_not_grow_with_sessions(
    app, client, make_theme, make_course, make_course_session
):
    theme = make_theme("Neglect")

    def statements() -> int:
        with counting_statements(app) as seen:
            client.get("/training")
            client.get("/courses")
        return len(seen)

    for day in range(3):
        make_course_session(make_course(theme_ids=[theme]), dates=future(5 + day))
    few = statements()
    for day in range(17):
        make_course_session(make_course(theme_ids=[theme]), dates=future(10 + day))
    assert statements() == few
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("course_sessions")))
            == 20
        )
