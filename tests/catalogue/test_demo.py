import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts import demo as accounts_demo
from lms.accounts.models import User
from lms.catalogue import demo
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Provider,
    SessionDate,
    SessionStatus,
    Theme,
    Venue,
    course_themes,
    session_trainers,
)
from lms.core.timefmt import local
from lms.extensions import db

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MODELS = [Theme, Provider, Venue, Course, CourseSession, SessionDate]
TABLES = [model.__table__ for model in MODELS] + [course_themes, session_trainers]


def seed(app, now=NOW) -> str:
    with app.app_context():
        summary = demo.seed(now=now)
        db.session.commit()
        return summary


def seed_accounts(app) -> None:
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        db.session.commit()


def row_counts(app) -> dict:
    with app.app_context():
        return {
            str(table): db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in TABLES
        }


def all_sessions() -> list[CourseSession]:
    return list(
        db.session.scalars(
            sa.select(CourseSession).options(
                selectinload(CourseSession.course),
                selectinload(CourseSession.venue),
                selectinload(CourseSession.dates),
                selectinload(CourseSession.trainers),
            )
        )
    )


def test_demo_catalogue_covers_the_programme(app):
    seed_accounts(app)
    summary = seed(app)
    assert summary.startswith("15 themes, 5 providers, 8 venues, ")
    with app.app_context():
        courses = list(db.session.scalars(sa.select(Course)))
        assert len(courses) >= 25
        statuses = [course.status for course in courses]
        assert statuses.count(CourseStatus.DRAFT) == 2
        assert statuses.count(CourseStatus.ARCHIVED) == 1
        unused = db.session.scalars(
            sa.select(Theme.name).where(~Theme.id.in_(sa.select(course_themes.c.theme_id)))
        ).all()
        assert unused == []
        assert all(1 <= len(course.themes) <= 3 for course in courses)
        published = [c for c in courses if c.status is CourseStatus.PUBLISHED]
        assert all(3 <= len(course.outcomes) <= 5 for course in published)
        assert {course.delivery_mode for course in courses} == set(DeliveryMode)
        assert any(course.prerequisite is not None for course in courses)
        assert any(course.approval_required for course in courses)
        assert any(not provider.is_active for provider in db.session.scalars(sa.select(Provider)))
        capacities = db.session.scalars(sa.select(Venue.capacity)).all()
        assert all(16 <= capacity <= 60 for capacity in capacities)


def test_demo_sessions_follow_the_scheduling_rules(app):
    seed_accounts(app)
    seed(app)
    with app.app_context():
        sessions = all_sessions()
        past = [s for s in sessions if s.starts_at <= NOW]
        future = [s for s in sessions if s.starts_at > NOW]
        assert past and future
        assert all(s.status is SessionStatus.COMPLETED for s in past)
        assert all(s.ends_at <= NOW for s in past)
        assert min(s.starts_at for s in sessions) >= NOW - timedelta(days=470)
        assert max(s.ends_at for s in sessions) <= NOW + timedelta(days=200)

        upcoming = [s for s in future if s.status is SessionStatus.SCHEDULED]
        assert {s.is_twilight for s in upcoming} == {True, False}
        assert {s.is_virtual for s in upcoming} == {True, False}
        assert any(not s.is_full for s in upcoming)
        cancelled = [s for s in sessions if s.status is SessionStatus.CANCELLED]
        assert cancelled and all(s.starts_at > NOW for s in cancelled)
        assert all(s.cancellation_reason and s.cancelled_at <= NOW for s in cancelled)
        assert any(len(s.dates) == 2 for s in sessions)

        for s in sessions:
            assert s.course.delivery_mode is not DeliveryMode.ELEARNING
            assert s.course.status is not CourseStatus.DRAFT
            assert 0 <= s.places_taken <= s.capacity
            assert s.sequence == 0 and s.booking_closes_at == s.starts_at
            assert s.cancellation_cutoff_at == s.starts_at - timedelta(hours=48)
            assert s.agency_cap is None or 1 <= s.agency_cap <= s.capacity
            for day in s.dates:
                assert local(day.starts_at).weekday() < 5
                assert local(day.starts_at).strftime("%H:%M") in {
                    "09:30",
                    "13:30",
                    "16:00",
                    "16:30",
                }
            if s.is_virtual:
                assert s.course.delivery_mode is not DeliveryMode.CLASSROOM
                assert s.platform is not None and s.join_link.startswith("https://")
            else:
                assert s.course.delivery_mode is not DeliveryMode.VIRTUAL
                assert s.platform is None and s.join_link is None
                assert s.capacity <= s.venue.capacity


def test_the_demo_trainer_teaches_without_clashes(app):
    seed_accounts(app)
    seed(app)
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.email == demo.DEMO_TRAINER_EMAIL))
        sessions = all_sessions()
        taught = sorted(
            (day.starts_at, day.ends_at)
            for s in sessions
            if trainer in s.trainers
            for day in s.dates
        )
        assert len(taught) >= len(sessions) // 5
        for (_, previous_end), (next_start, _) in zip(taught, taught[1:], strict=False):
            assert next_start >= previous_end
        assert all(s.trainers in ([], [trainer]) for s in sessions)


def test_the_demo_catalogue_without_accounts_has_no_trainers(app):
    seed(app)
    assert row_counts(app)[str(session_trainers)] == 0


def test_seeding_again_adds_nothing_even_on_a_later_day(app):
    seed_accounts(app)
    started = time.perf_counter()
    seed(app)
    assert time.perf_counter() - started < 5
    first = row_counts(app)
    assert seed(app) == "0 themes, 0 providers, 0 venues, 0 courses, 0 sessions added"
    assert row_counts(app) == first
    later = NOW + timedelta(days=40)
    assert seed(app, later) == "0 themes, 0 providers, 0 venues, 0 courses, 0 sessions added"
    assert row_counts(app) == first


def test_the_demo_is_the_same_every_time(app):
    seed(app)
    with app.app_context():
        first = [
            (s.course.code, s.starts_at, s.capacity, s.places_taken, s.join_link)
            for s in all_sessions()
        ]
        for table in reversed(db.metadata.sorted_tables):
            if table in TABLES:
                db.session.execute(table.delete())
        db.session.commit()
    seed(app)
    with app.app_context():
        again = [
            (s.course.code, s.starts_at, s.capacity, s.places_taken, s.join_link)
            for s in all_sessions()
        ]
    assert sorted(again) == sorted(first)


def test_a_twilight_neglect_session_with_places_runs_in_each_coming_month(app):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from lms.catalogue import demo
    from lms.catalogue.models import CourseSession, SessionStatus, Theme, course_themes
    from lms.core.timefmt import local
    from lms.extensions import db

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with app.app_context():
        demo.seed(now=now)
        db.session.commit()
        neglect = db.session.scalar(sa.select(Theme.id).where(Theme.name == "Neglect"))
        sessions = db.session.scalars(
            sa.select(CourseSession).where(
                CourseSession.course_id.in_(
                    sa.select(course_themes.c.course_id).where(course_themes.c.theme_id == neglect)
                ),
                CourseSession.is_twilight.is_(True),
                CourseSession.status == SessionStatus.SCHEDULED,
                CourseSession.places_taken < CourseSession.capacity,
                CourseSession.starts_at > now,
            )
        ).all()
        months = {local(session.starts_at).strftime("%Y-%m") for session in sessions}
    assert {"2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"} <= months
