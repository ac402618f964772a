"""The scheduling rules, tested on the services directly."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.catalogue import services, sessions
from lms.catalogue.models import Course, CourseSession, CourseStatus, Platform, SessionStatus
from lms.catalogue.sessions import SessionPlan
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.extensions import db

LONDON = ZoneInfo("Europe/London")


def uk(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def day():
    return (utcnow() + timedelta(days=20)).astimezone(LONDON).date()


@pytest.fixture
def admin(make_user):
    return make_user(roles=(Role.ADMIN,))


def plan(course_id, day, **overrides):
    values = {
        "course_id": course_id,
        "dates": [(uk(day, 9, 30), uk(day, 16, 30))],
        "capacity": 20,
        "venue_id": None,
    }
    values.update(overrides)
    return SessionPlan(**values)


def schedule(app, admin, the_plan, **kwargs):
    with app.app_context():
        session = sessions.schedule_session(
            the_plan, by=db.session.get(User, admin.id), now=utcnow(), **kwargs
        )
        db.session.commit()
        return session.id


def refused(app, admin, the_plan, message, **kwargs):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession))
        with pytest.raises(DomainError, match=message):
            sessions.schedule_session(
                the_plan, by=db.session.get(User, admin.id), now=utcnow(), **kwargs
            )
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession)) == before


def test_schedules_a_face_to_face_session_with_derived_fields(
    app, admin, make_course, make_venue, day
):
    course, venue = make_course(), make_venue(capacity=30)
    session_id = schedule(
        app, admin, plan(course, day, venue_id=venue, dates=[(uk(day, 16, 30), uk(day, 18, 30))])
    )
    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        assert session.is_twilight and session.starts_at == uk(day, 16, 30)
        assert session.cancellation_cutoff_at == uk(day, 16, 30) - timedelta(hours=48)
        assert session.booking_closes_at == session.starts_at
        assert session.status is SessionStatus.SCHEDULED and session.places_taken == 0


def test_daytime_is_before_four_pm_uk_time(app, admin, make_course, make_venue, day):
    session_id = schedule(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(), dates=[(uk(day, 15, 59), uk(day, 18))]),
    )
    with app.app_context():
        assert db.session.get(CourseSession, session_id).is_twilight is False


def test_a_multi_day_session_keeps_its_dates_in_order(app, admin, make_course, make_venue, day):
    later = day + timedelta(days=7)
    session_id = schedule(
        app,
        admin,
        plan(
            make_course(),
            day,
            venue_id=make_venue(),
            dates=[(uk(later, 9), uk(later, 12)), (uk(day, 9), uk(day, 12))],
        ),
    )
    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        assert [d.starts_at for d in session.dates] == [uk(day, 9), uk(later, 9)]
        assert (session.starts_at, session.ends_at) == (uk(day, 9), uk(later, 12))


def test_an_end_before_its_start_is_refused(app, admin, make_course, make_venue, day):
    refused(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(), dates=[(uk(day, 12), uk(day, 9))]),
        "must end after it starts",
    )


def test_dates_in_the_past_are_refused_for_a_new_session(app, admin, make_course, make_venue):
    yesterday = (utcnow() - timedelta(days=1)).astimezone(LONDON).date()
    refused(app, admin, plan(make_course(), yesterday, venue_id=make_venue()), "is in the past")


def test_overlapping_dates_are_refused(app, admin, make_course, make_venue, day):
    dates = [(uk(day, 9), uk(day, 12)), (uk(day, 11), uk(day, 14))]
    refused(app, admin, plan(make_course(), day, venue_id=make_venue(), dates=dates), "overlap")


@pytest.mark.parametrize("capacity", [0, -3, None])
def test_capacity_below_one_is_refused(app, admin, make_course, make_venue, day, capacity):
    refused(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(), capacity=capacity),
        "must be 1 or more",
    )


def test_an_agency_cap_above_capacity_is_refused(app, admin, make_course, make_venue, day):
    refused(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(), capacity=10, agency_cap=11),
        "any one agency",
    )


def test_capacity_above_the_venues_is_refused(app, admin, make_course, make_venue, day):
    refused(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(capacity=12), capacity=20),
        "holds 12 people",
    )


def test_a_venue_for_one_holds_1_person(app, admin, make_course, make_venue, day):
    venue_id = make_venue(capacity=1, name="Quiet room")
    the_plan = plan(make_course(), day, venue_id=venue_id, capacity=2)
    refused(app, admin, the_plan, r"^Quiet room holds 1 person\. Lower the number of places$")


def test_a_virtual_session_needs_a_secure_join_link(app, admin, make_course, day):
    course = make_course(mode="virtual")
    refused(
        app, admin, plan(course, day, platform=Platform.ZOOM, join_link=""), "Enter the join link"
    )
    refused(
        app,
        admin,
        plan(course, day, platform=Platform.ZOOM, join_link="http://zoom.example/j/1"),
        "starting with https://",
    )
    refused(
        app,
        admin,
        plan(course, day, platform=Platform.ZOOM, join_link="javascript:alert(1)"),
        "starting with https://",
    )
    refused(
        app,
        admin,
        plan(course, day, platform=None, join_link="https://zoom.example/j/1"),
        "Select the online platform",
    )
    assert schedule(
        app, admin, plan(course, day, platform=Platform.ZOOM, join_link="https://zoom.example/j/1")
    )


def test_face_to_face_needs_a_venue_and_elearning_has_no_sessions(
    app, admin, make_course, make_venue, day
):
    refused(app, admin, plan(make_course(), day), "Select the venue")
    refused(
        app,
        admin,
        plan(make_course(mode="elearning"), day, venue_id=make_venue()),
        "E-learning courses",
    )
    refused(
        app, admin, plan(make_course(mode="virtual"), day, venue_id=make_venue()), "has no venue"
    )


def test_a_trainer_already_teaching_is_warned_and_the_admin_may_confirm(
    app, admin, make_user, make_course, make_venue, day
):
    trainer = make_user(roles=(Role.TRAINER,), name="Tomasz Nowak")
    first = plan(make_course("Neglect"), day, venue_id=make_venue(), trainer_ids=[trainer.id])
    schedule(app, admin, first)
    clash = plan(
        make_course("Exploitation"),
        day,
        venue_id=make_venue(),
        trainer_ids=[trainer.id],
        dates=[(uk(day, 15), uk(day, 17))],
    )
    refused(app, admin, clash, "Tomasz Nowak teaches Neglect on")
    assert schedule(app, admin, clash, allow_trainer_clash=True)


def test_only_trainers_can_be_assigned(app, admin, make_user, make_course, make_venue, day):
    practitioner = make_user()
    refused(
        app,
        admin,
        plan(make_course(), day, venue_id=make_venue(), trainer_ids=[practitioner.id]),
        "Select trainers",
    )


def test_capacity_cannot_be_lowered_below_places_taken(
    app, admin, make_course, make_course_session, day
):
    session_id = make_course_session(
        make_course(), capacity=20, places_taken=12, dates=[(uk(day, 9), uk(day, 12))]
    )
    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        new_plan = sessions.plan_from(session)
        new_plan.capacity = 10
        with pytest.raises(DomainError, match="12 places are already taken"):
            sessions.update_session(
                session, new_plan, by=db.session.get(User, admin.id), now=utcnow()
            )
        db.session.rollback()
        assert db.session.get(CourseSession, session_id).capacity == 20


def test_an_edit_raises_the_calendar_sequence_and_is_audited(
    app, admin, make_course, make_course_session, day
):
    session_id = make_course_session(make_course(), capacity=20, dates=[(uk(day, 9), uk(day, 12))])
    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        new_plan = sessions.plan_from(session, [(uk(day, 10), uk(day, 13))])
        sessions.update_session(session, new_plan, by=db.session.get(User, admin.id), now=utcnow())
        db.session.commit()
        assert session.sequence == 1 and session.starts_at == uk(day, 10)
        from lms.audit.services import events_for

        assert [event.action for event in events_for(session)] == ["session.updated"]


def test_copying_keeps_everything_but_the_dates(
    app, admin, make_user, make_course, make_course_session, day
):
    trainer = make_user(roles=(Role.TRAINER,))
    original = make_course_session(
        make_course(),
        capacity=15,
        agency_cap=3,
        dates=[(uk(day, 9), uk(day, 12))],
        trainer_ids=[trainer.id],
    )
    later = day + timedelta(days=14)
    with app.app_context():
        copy = sessions.copy_session(
            db.session.get(CourseSession, original),
            [(uk(later, 9), uk(later, 12))],
            by=db.session.get(User, admin.id),
            now=utcnow(),
        )
        db.session.commit()
        assert (copy.capacity, copy.agency_cap, [t.id for t in copy.trainers]) == (
            15,
            3,
            [trainer.id],
        )
        assert copy.starts_at == uk(later, 9) and copy.places_taken == 0


def test_cancelling_needs_a_reason_and_calls_the_hooks(
    app, admin, make_course, make_course_session, day
):
    session_id = make_course_session(make_course(), dates=[(uk(day, 9), uk(day, 12))])
    called = []
    sessions.SESSION_CANCELLED.append(lambda session, by, now: called.append(session.id))
    try:
        with app.app_context():
            session = db.session.get(CourseSession, session_id)
            actor = db.session.get(User, admin.id)
            with pytest.raises(DomainError, match="Enter the reason"):
                sessions.cancel_session(session, reason="  ", by=actor, now=utcnow())
            assert called == []
            sessions.cancel_session(session, reason="Trainer unwell", by=actor, now=utcnow())
            db.session.commit()
            assert session.status is SessionStatus.CANCELLED and session.sequence == 1
            assert session.cancellation_reason == "Trainer unwell"
    finally:
        sessions.SESSION_CANCELLED.pop()
    assert called == [session_id]


def test_archiving_a_course_with_future_sessions_is_refused(
    app, admin, make_course, make_course_session, day
):
    course_id = make_course()
    session_id = make_course_session(course_id, dates=[(uk(day, 9), uk(day, 12))])
    with app.app_context():
        course, actor = db.session.get(Course, course_id), db.session.get(User, admin.id)
        with pytest.raises(DomainError, match="1 scheduled session still to run"):
            services.archive_course(course, by=actor, now=utcnow())
        assert course.status is CourseStatus.PUBLISHED
        sessions.cancel_session(
            db.session.get(CourseSession, session_id), reason="Low demand", by=actor, now=utcnow()
        )
        services.archive_course(course, by=actor, now=utcnow())
        assert course.status is CourseStatus.ARCHIVED


def test_course_rules(app, admin, make_theme, make_course):
    theme = make_theme("Neglect")
    existing = make_course(code="SCP-NEG2")
    with app.app_context():
        actor = db.session.get(User, admin.id)

        def details(**overrides):
            values = dict(
                code="SCP-NEW1",
                title="New course",
                summary="About it.",
                learning_outcomes="One\nTwo",
                level=2,
                delivery_mode=services.DeliveryMode.CLASSROOM,
                audience=services.Audience.CHILDREN,
                cpd_hours=services.Decimal("3"),
                provider_id=None,
                theme_ids=[theme],
            )
            values.update(overrides)
            return services.CourseDetails(**values)

        for overrides, message in [
            ({"code": "scp-neg2"}, "already exists"),
            ({"code": "no spaces!"}, "letters, numbers or hyphens"),
            ({"level": 5}, "from 1 to 4"),
            ({"cpd_hours": services.Decimal("-1")}, "from 0 to 100"),
            ({"theme_ids": [99999]}, "Select themes"),
            ({"summary": " "}, "Enter a summary"),
            ({"prerequisite_id": 99999}, "Select the prerequisite"),
            ({"certificate_validity_months": 0}, "from 1 to 120"),
        ]:
            with pytest.raises(DomainError, match=message):
                services.save_course(None, details(**overrides), by=actor)
            db.session.rollback()
        course = services.save_course(None, details(prerequisite_id=existing), by=actor)
        assert course.status is CourseStatus.DRAFT and course.code == "SCP-NEW1"
        with pytest.raises(DomainError, match="cannot require itself"):
            services.save_course(
                db.session.get(Course, existing),
                details(code="SCP-NEG2", prerequisite_id=course.id),
                by=actor,
            )
