"""A term of upcoming sessions for the page benchmark.

seed-scale writes history only (its last session is two days before it ran), so its catalogue
lists nothing. The bench adds about half a year of scheduled sessions after today, each with a
trainer, one date and confirmed bookings (places taken = confirmed bookings, as the booking
rules keep it), so /training and a session page show what a busy partnership's would. Run again
later, it tops the number up to the same count of sessions still to start. It also adds the
PDL viewer who reads the reports page under load (seed-scale makes none).
"""

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Agency, AgencyMembership, Role, User, UserRole
from lms.accounts.passwords import hash_password
from lms.accounts.services import role_grants
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    Platform,
    SessionDate,
    SessionStatus,
    Venue,
    session_trainers,
)
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, is_twilight
from lms.core.timefmt import local, london_to_utc
from lms.extensions import db
from lms.scale.figures import DAY_SLOTS, PASSWORD, TWILIGHT_RATE, TWILIGHT_SLOTS

SESSIONS = 200  # about half a year at seed-scale's pace (4,000 sessions in ten years)
WEEKS = 26
FULL_RATE = 0.3
PDL_VIEWER = "pdl.viewer@bench.example"


def ensure_pdl_viewer(now: datetime | None = None) -> str:
    """A PDL viewer who signs in with the scale data's password; made once. Commits."""
    if db.session.scalar(sa.select(User.id).where(User.email == PDL_VIEWER)) is None:
        now = now or datetime.now(UTC)
        agency = db.session.scalars(sa.select(Agency).order_by(Agency.id)).first()
        user = User(
            email=PDL_VIEWER,
            name="Bench PDL Viewer",
            job_title="Partnership development lead",
            agency=agency,
            password_hash=hash_password(PASSWORD),
            email_confirmed_at=now,
            created_at=now,
            updated_at=now,
        )
        user.role_grants = role_grants({Role.PDL_VIEWER}, agency, now=now)
        user.memberships = [
            AgencyMembership(agency=agency, job_title=user.job_title, started_at=now)
        ]
        db.session.add(user)
        db.session.commit()
    return PDL_VIEWER


def upcoming(now: datetime) -> sa.Select:
    return sa.select(sa.func.count()).where(
        CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at > now
    )


def ensure(now: datetime | None = None, *, count: int = SESSIONS, seed: int = 2026) -> int:
    """Add scheduled sessions until `count` are still to start; return how many were added.
    Commits."""
    now = now or datetime.now(UTC)
    missing = count - db.session.scalar(upcoming(now))
    if missing <= 0:
        return 0
    rng = random.Random(seed + missing)
    courses = db.session.scalars(
        sa.select(Course.id).where(Course.status == CourseStatus.PUBLISHED)
    ).all()
    venues = dict(db.session.execute(sa.select(Venue.id, Venue.capacity)).all())
    trainers = db.session.scalars(
        sa.select(UserRole.user_id).where(UserRole.role == Role.TRAINER)
    ).all()
    people = db.session.execute(
        sa.select(User.id, User.agency_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRACTITIONER, User.is_active.is_(True))
    ).all()
    session_id, date_id, booking_id = (
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) + 1
        for model in (CourseSession, SessionDate, Booking)
    )
    sessions, dates, taught, bookings = [], [], [], []
    first_day = local(now).date() + timedelta(days=1)
    for _ in range(missing):
        day = first_day + timedelta(days=rng.randrange(WEEKS * 7))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start_clock, end_clock = rng.choice(
            TWILIGHT_SLOTS if rng.random() < TWILIGHT_RATE else DAY_SLOTS
        )
        starts_at, ends_at = london_to_utc(day, start_clock), london_to_utc(day, end_clock)
        virtual = rng.random() < 0.35
        venue_id = None if virtual else rng.choice(list(venues))
        capacity = rng.randint(16, 40) if virtual else min(rng.randint(16, 40), venues[venue_id])
        taken = capacity if rng.random() < FULL_RATE else rng.randint(0, capacity - 1)
        created = now - timedelta(days=rng.randint(7, 60))
        sessions.append(
            {
                "id": session_id,
                "course_id": rng.choice(courses),
                "venue_id": venue_id,
                "platform": Platform.TEAMS if virtual else None,
                "join_link": f"https://teams.example/meet/u{session_id}" if virtual else None,
                "capacity": capacity,
                "places_taken": taken,
                "cancellation_cutoff_at": starts_at - DEFAULT_CANCELLATION_NOTICE,
                "status": SessionStatus.SCHEDULED,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "is_twilight": is_twilight(starts_at),
                "created_at": created,
                "updated_at": created,
            }
        )
        dates.append(
            {"id": date_id, "session_id": session_id, "starts_at": starts_at, "ends_at": ends_at}
        )
        taught.append({"session_id": session_id, "user_id": rng.choice(trainers)})
        for user_id, agency_id in rng.sample(people, taken):
            booked_at = created + (now - created) * rng.random()
            bookings.append(
                {
                    "id": booking_id,
                    "user_id": user_id,
                    "session_id": session_id,
                    "agency_id": agency_id,
                    "status": BookingStatus.CONFIRMED,
                    "booked_by_id": user_id,
                    "created_at": booked_at,
                    "confirmed_at": booked_at,
                }
            )
            booking_id += 1
        session_id += 1
        date_id += 1
    for table, rows in (
        (CourseSession.__table__, sessions),
        (SessionDate.__table__, dates),
        (session_trainers, taught),
        (Booking.__table__, bookings),
    ):
        db.session.execute(sa.insert(table), rows)
    if db.session.get_bind().dialect.name == "postgresql":
        for name in ("course_sessions", "session_dates", "bookings"):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
            )
    db.session.commit()
    return missing
