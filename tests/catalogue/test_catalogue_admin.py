"""Administrators build the programme through the pages; bad input is explained, nothing saved."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.catalogue.models import Course, CourseSession, CourseStatus, SessionStatus, Theme, Venue
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import count, post_form

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    return client


def course_form(**overrides):
    data = {
        "code": "scp-neg2",
        "title": "Neglect and the Graded Care Profile",
        "summary": "Recognising and responding to neglect.",
        "learning_outcomes": "Recognise neglect\nUse GCP2",
        "level": "2",
        "delivery_mode": "classroom",
        "audience": "children",
        "cpd_hours": "3.5",
        "provider_id": "",
        "prerequisite_id": "",
        "certificate_validity_months": "36",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_draft_course_then_publishes_it(app, admin_client, make_theme):
    theme = make_theme("Neglect")
    response = post_form(
        admin_client, "/admin/courses/new", {**course_form(), "theme_ids": [str(theme)]}
    )
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert (course.code, course.status, [t.name for t in course.themes]) == (
            "SCP-NEG2",
            CourseStatus.DRAFT,
            ["Neglect"],
        )
        course_id = course.id
    assert "/courses/SCP-NEG2" not in admin_client.get("/courses").get_data(as_text=True)
    post_form(
        admin_client,
        f"/admin/courses/{course_id}/publish",
        {},
        token_from=f"/admin/courses/{course_id}",
    )
    assert "Neglect and the Graded Care Profile" in admin_client.get("/courses").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"level": "7"}, "Not a valid choice"),
        ({"cpd_hours": "lots"}, "Not a valid decimal"),
        ({"title": ""}, "Enter the course title"),
        ({"code": "NO SPACES!"}, "letters, numbers or hyphens"),
        ({"provider_id": "9999"}, "Select the provider from the list"),
    ],
)
def test_bad_course_input_is_explained_and_nothing_saved(app, admin_client, overrides, message):
    page = post_form(admin_client, "/admin/courses/new", course_form(**overrides)).get_data(
        as_text=True
    )
    assert message in page and "There is a problem" in page
    assert count(app, Course) == 0


def test_archiving_a_course_with_future_sessions_explains_why_not(
    app, admin_client, make_course, make_course_session
):
    course = make_course()
    make_course_session(course)
    response = post_form(
        admin_client,
        f"/admin/courses/{course}/archive",
        {},
        token_from=f"/admin/courses/{course}",
        follow_redirects=True,
    )
    assert "1 scheduled session still to run" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Course, course).status is CourseStatus.PUBLISHED


def session_form(course, venue, day, **overrides):
    data = {
        "course_id": str(course),
        "dates-0-day": [str(day.day), str(day.month), str(day.year)],
        "dates-0-starts": "09:30",
        "dates-0-ends": "12:30",
        "venue_id": str(venue),
        "capacity": "20",
        "cancellation_notice_hours": "48",
    }
    data.update(overrides)
    return data


@pytest.fixture
def next_month():
    return (utcnow() + timedelta(days=30)).astimezone(LONDON).date()


def test_admin_schedules_a_session_in_uk_time(
    app, admin_client, make_course, make_venue, next_month
):
    course, venue = make_course(), make_venue()
    response = post_form(
        admin_client, "/admin/sessions/new", session_form(course, venue, next_month)
    )
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(sa.select(CourseSession))
        assert session.starts_at.astimezone(LONDON).strftime("%H:%M") == "09:30"
        assert session.starts_at - session.cancellation_cutoff_at == timedelta(hours=48)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dates-0-day": ["31", "2", "2030"]}, "Date of day 1 must be a real date"),
        ({"dates-0-day": ["12", "", ""]}, "Date of day 1 must include a month and year"),
        ({"dates-0-day": ["12"]}, "Date of day 1 must include a month and year"),
        ({"dates-0-starts": "9 o'clock"}, "must be a time like 09:30"),
        ({"dates-0-ends": ""}, "Enter the end time of day 1"),
        ({"dates-0-starts": "14:00", "dates-0-ends": "12:00"}, "must be after the start time"),
        ({"capacity": "0"}, "must be 1 or more"),
        ({"capacity": "ten"}, "Not a valid integer"),
        ({"agency_cap": "50"}, "any one agency"),
        ({"venue_id": ""}, "Select the venue for this face-to-face course"),
    ],
)
def test_bad_session_input_is_explained_and_nothing_saved(
    app, admin_client, make_course, make_venue, next_month, overrides, message
):
    response = post_form(
        admin_client,
        "/admin/sessions/new",
        session_form(make_course(), make_venue(), next_month, **overrides),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    assert 'value="20"' in page or overrides.get("capacity")
    assert count(app, CourseSession) == 0


def test_a_date_in_the_past_is_refused(app, admin_client, make_course, make_venue):
    last_week = (utcnow() - timedelta(days=7)).astimezone(LONDON).date()
    page = post_form(
        admin_client, "/admin/sessions/new", session_form(make_course(), make_venue(), last_week)
    ).get_data(as_text=True)
    assert "is in the past" in page
    assert count(app, CourseSession) == 0


def test_a_virtual_session_needs_an_https_join_link(app, admin_client, make_course, next_month):
    course = make_course(mode="virtual")
    form = session_form(
        course, "", next_month, platform="zoom", join_link="http://zoom.example/j/1"
    )
    assert "starting with https://" in post_form(
        admin_client, "/admin/sessions/new", form
    ).get_data(as_text=True)
    form["join_link"] = "https://zoom.example/j/1"
    assert post_form(admin_client, "/admin/sessions/new", form).status_code == 302


def test_a_trainer_clash_asks_for_confirmation(
    app, admin_client, make_user, make_course, make_venue, make_course_session, next_month
):
    trainer = make_user(roles=(Role.TRAINER,), name="Tomasz Nowak")
    start = utcnow().replace(microsecond=0)
    from datetime import datetime

    day_start = datetime(next_month.year, next_month.month, next_month.day, 9, 0, tzinfo=LONDON)
    make_course_session(
        dates=[(day_start, day_start + timedelta(hours=4))], trainer_ids=[trainer.id]
    )
    form = session_form(make_course(), make_venue(), next_month, trainer_ids=[str(trainer.id)])
    page = post_form(admin_client, "/admin/sessions/new", form).get_data(as_text=True)
    assert "Tomasz Nowak teaches" in page and "Schedule it anyway" in page
    assert count(app, CourseSession) == 1
    assert (
        post_form(admin_client, "/admin/sessions/new", {**form, "confirm_clash": "y"}).status_code
        == 302
    )
    assert count(app, CourseSession) == 2
    assert start


def test_lowering_capacity_below_places_taken_is_refused(
    app, admin_client, make_course, make_course_session
):
    session_id = make_course_session(make_course(), capacity=20, places_taken=15)
    page = admin_client.get(f"/admin/sessions/{session_id}").get_data(as_text=True)
    assert 'value="20"' in page
    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        day = session.starts_at.astimezone(LONDON)
        form = session_form(session.course_id, session.venue_id, day.date(), capacity="10")
        form["dates-0-starts"] = day.strftime("%H:%M")
        form["dates-0-ends"] = session.ends_at.astimezone(LONDON).strftime("%H:%M")
    page = post_form(admin_client, f"/admin/sessions/{session_id}", form).get_data(as_text=True)
    assert "15 places are already taken" in page
    with app.app_context():
        assert db.session.get(CourseSession, session_id).capacity == 20


def test_cancel_and_copy_a_session(app, admin_client, make_course, make_course_session, next_month):
    session_id = make_course_session(make_course(), capacity=12)
    page = post_form(admin_client, f"/admin/sessions/{session_id}/cancel", {"reason": ""}).get_data(
        as_text=True
    )
    assert "Enter the reason for cancelling" in page
    assert (
        post_form(
            admin_client, f"/admin/sessions/{session_id}/cancel", {"reason": "Trainer unwell"}
        ).status_code
        == 302
    )
    later = next_month + timedelta(days=14)
    copy = {
        "dates-0-day": [str(later.day), str(later.month), str(later.year)],
        "dates-0-starts": "13:30",
        "dates-0-ends": "16:30",
    }
    assert post_form(admin_client, f"/admin/sessions/{session_id}/copy", copy).status_code == 302
    with app.app_context():
        statuses = db.session.execute(
            sa.select(CourseSession.status, CourseSession.capacity).order_by(CourseSession.id)
        ).all()
    assert statuses == [(SessionStatus.CANCELLED, 12), (SessionStatus.SCHEDULED, 12)]


def test_reference_data_is_managed_with_clear_messages(app, admin_client, make_theme):
    make_theme("Neglect")
    page = post_form(
        admin_client, "/admin/themes/new", {"name": "NEGLECT", "description": ""}
    ).get_data(as_text=True)
    assert "A theme with this name already exists" in page
    assert count(app, Theme) == 1
    venue = {
        "name": "Civic Centre",
        "address": "1 High Street",
        "postcode": "not a postcode",
        "capacity": "40",
        "accessibility_notes": "",
        "agency_id": "",
    }
    assert "Enter a real postcode" in post_form(admin_client, "/admin/venues/new", venue).get_data(
        as_text=True
    )
    assert (
        post_form(admin_client, "/admin/venues/new", {**venue, "postcode": "e1 6an"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Venue.postcode)) == "E1 6AN"
    provider = {
        "name": "Beacon Training",
        "contact_email": "",
        "contract_starts_on": ["1", "4", "2026"],
        "contract_ends_on": ["31", "3", "2026"],
    }
    assert "contract end date must be" in post_form(
        admin_client, "/admin/providers/new", provider
    ).get_data(as_text=True)
    assert admin_client.get("/admin/unknown/new").status_code == 404


def test_the_venue_list_counts_places_in_words(admin_client, make_venue):
    make_venue(capacity=1, name="Quiet room")
    make_venue(capacity=2, name="Small room")
    page = admin_client.get("/admin/sessions/new").get_data(as_text=True)
    assert "Quiet room (1 place)<" in page
    assert "Small room (2 places)<" in page
