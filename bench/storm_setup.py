"""The database side of the booking storm: the people, the sessions they book, the signed-in
cookies they carry, and what the database holds afterwards.

Sessions are scheduled with the catalogue's own service and the race's starting bookings made
with the booking service, so the rules the app enforces apply. The storm's people are kept
between runs (found again by their addresses); each run books fresh sessions, which it takes off
the catalogue at the end (status cancelled, without messages), so the catalogue and the other
parts of the bench see the scale data as before.
"""

import time as _time
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, session
from flask_login import login_user

from lms.accounts.models import Agency, AgencyMembership, Role, User, UserRole
from lms.accounts.passwords import hash_password
from lms.accounts.services import role_grants
from lms.bookings import queries as booking_queries
from lms.bookings import services as bookings
from lms.bookings.models import HOLDS_PLACE, Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    SessionStatus,
    Venue,
)
from lms.catalogue.sessions import SessionPlan, schedule_session
from lms.core.security import start_session
from lms.core.timefmt import local, london_to_utc
from lms.extensions import db

DOMAIN = "storm.bench.example"
DAYS_AHEAD = 60  # far enough that a freed place goes straight to the first person waiting
MARK = "Booking storm (bench): not a real session."  # its joining instructions


def email(number: int) -> str:
    return f"storm.{number:04d}@{DOMAIN}"


def people(count: int, now: datetime) -> list[User]:
    """`count` practitioners with confirmed addresses, in several agencies; made once, then
    found again. Commits."""
    found = {
        user.email: user
        for user in db.session.scalars(sa.select(User).where(User.email.like(f"%@{DOMAIN}")))
    }
    missing = [number for number in range(count) if email(number) not in found]
    if missing:
        agencies = db.session.scalars(
            sa.select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.id).limit(30)
        ).all()
        unusable = hash_password(f"storm-{now.timestamp()}")  # nobody signs in with it
        for number in missing:
            agency = agencies[number % len(agencies)]
            user = User(
                email=email(number),
                name=f"Storm Practitioner {number:04d}",
                job_title="Social worker",
                agency=agency,
                password_hash=unusable,
                email_confirmed_at=now,
                created_at=now,
                updated_at=now,
            )
            user.role_grants = role_grants({Role.PRACTITIONER}, agency, now=now)
            user.memberships = [
                AgencyMembership(agency=agency, job_title=user.job_title, started_at=now)
            ]
            db.session.add(user)
            found[user.email] = user
        db.session.commit()
    return [found[email(number)] for number in range(count)]


def schedule(capacity: int, now: datetime) -> int:
    """A new face-to-face session `capacity` places big, open for booking with no approval,
    no agency cap and no prerequisite, DAYS_AHEAD days from now. Commits; returns its id."""
    course = db.session.scalars(
        sa.select(Course)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            Course.delivery_mode == DeliveryMode.CLASSROOM,
            Course.approval_required.is_(False),
            Course.prerequisite_id.is_(None),
        )
        .order_by(Course.id)
    ).first()
    venue = db.session.scalars(
        sa.select(Venue)
        .where(Venue.is_active.is_(True), Venue.capacity >= capacity)
        .order_by(Venue.capacity.desc(), Venue.id)
    ).first()
    if course is None or venue is None:
        raise SystemExit(f"the scale data has no open classroom course or venue for {capacity}")
    trainer = db.session.scalar(
        sa.select(UserRole.user_id).where(UserRole.role == Role.TRAINER).limit(1)
    )
    administrator = db.session.scalar(
        sa.select(User).join(UserRole).where(UserRole.role == Role.ADMIN).limit(1)
    )
    day = local(now).date() + timedelta(days=DAYS_AHEAD)
    plan = SessionPlan(
        course_id=course.id,
        dates=[(london_to_utc(day, time(9, 30)), london_to_utc(day, time(16, 0)))],
        capacity=capacity,
        venue_id=venue.id,
        joining_instructions=MARK,
        trainer_ids=[trainer],
    )
    created = schedule_session(plan, by=administrator, now=now, allow_trainer_clash=True)
    db.session.commit()
    return created.id


def book(session_id: int, persons: list[User], now: datetime) -> list[int]:
    """Book each person in turn with the booking service, as the page would (its messages are
    rendered in a request context). Commits."""
    ids = []
    with current_app.test_request_context():
        for offset, person in enumerate(persons):
            course_session = db.session.get(CourseSession, session_id)
            at = now + timedelta(milliseconds=offset)
            ids.append(bookings.book_place(course_session, person, by=person, now=at).id)
            db.session.commit()
    return ids


def take_off_catalogue() -> None:
    """The storm's sessions, of this run and of any run stopped half-way, leave the catalogue
    (without messages: nobody real booked them). Commits."""
    db.session.execute(
        sa.update(CourseSession)
        .where(
            CourseSession.joining_instructions == MARK,
            CourseSession.status == SessionStatus.SCHEDULED,
        )
        .values(status=SessionStatus.CANCELLED, cancellation_reason="Bench storm session")
    )
    db.session.commit()


def cookies(app: Flask, persons: list[User], user_agent: str) -> dict[int, str]:
    """Each person's session cookie as signing in leaves it (`accounts.views._sign_in`: a
    cleared session, `login_user`, `start_session`), signed with the server's SECRET_KEY: the
    sign-in form's rate limit is per address, and the bench has one."""
    serializer = app.session_interface.get_signing_serializer(app)
    signed = {}
    for person in persons:
        with app.test_request_context("/", headers={"User-Agent": user_agent}):
            session.clear()
            login_user(person)
            start_session(remember=False)
            signed[person.id] = (
                f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(dict(session))}"
            )
    return signed


def flashes(app: Flask, cookie: str) -> list[tuple[str, str]]:
    """The messages a response left for the next page (what the person would read there)."""
    value = cookie.partition("=")[2]
    return app.session_interface.get_signing_serializer(app).loads(value).get("_flashes", [])


@dataclass
class Held:
    """A session's bookings as the database holds them after a storm."""

    capacity: int
    places_taken: int
    by_status: dict[str, list[Booking]] = field(default_factory=dict)
    open_offers: int = 0
    positions: list[int] = field(default_factory=list)  # waiting_position of each person waiting
    people_booked_twice: int = 0

    def count(self, status: BookingStatus) -> int:
        return len(self.by_status.get(status.value, []))

    @property
    def holding(self) -> int:
        """Places held by the rules (`bookings.services`): bookings holding one, open offers."""
        return sum(self.count(status) for status in HOLDS_PLACE) + self.open_offers

    def waiting(self) -> list[Booking]:
        """The waiting list in the app's order: first waiting first."""
        return sorted(
            self.by_status.get(BookingStatus.WAITLISTED.value, []),
            key=lambda b: (b.waitlisted_at, b.id),
        )


def settle(session_id: int, *, quiet: float = 3.0, longest: float = 120.0) -> None:
    """Wait until the session's bookings stop changing: a request the bench gave up on (a
    timeout) may still be queued in the server, and the checks read the final state."""
    started, last, since = _time.monotonic(), None, _time.monotonic()
    while _time.monotonic() - started < longest:
        db.session.remove()
        now = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(Booking.sequence)).where(
                Booking.session_id == session_id
            )
        ).one()
        if now != last:
            last, since = now, _time.monotonic()
        elif _time.monotonic() - since >= quiet:
            return
        _time.sleep(0.5)


def held(session_id: int) -> Held:
    db.session.expire_all()
    course_session = db.session.get(CourseSession, session_id)
    rows = db.session.scalars(sa.select(Booking).where(Booking.session_id == session_id)).all()
    result = Held(course_session.capacity, course_session.places_taken)
    for booking in rows:
        result.by_status.setdefault(booking.status.value, []).append(booking)
    live = [b.user_id for b in rows if b.is_live]
    result.people_booked_twice = len(live) - len(set(live))
    result.open_offers = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PlaceOffer)
        .where(PlaceOffer.session_id == session_id, PlaceOffer.status == OfferStatus.OPEN)
    )
    result.positions = [booking_queries.waiting_position(b) for b in result.waiting()]
    return result


def now_utc() -> datetime:
    return datetime.now(UTC)
