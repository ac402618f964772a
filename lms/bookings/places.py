"""Holding places: the steps every booking rule is built from, and who needs approval.

Places are never over-booked: a place is taken by one conditional UPDATE of the session's
counter (`places_taken < capacity`), and on PostgreSQL the session row is locked first so that
bookings and cancellations of one session run one after another. SQLite serialises writers at
that same UPDATE. A unique partial index allows one live booking per person per session.

`places_taken` counts the places held: confirmed bookings, bookings waiting for approval and
open offers of a freed place. Every function here and in the rules built on it (`services`,
`waiting_list`, `decisions`) flushes, never commits; after a DomainError the caller rolls back
(a place may already have been taken in the transaction).
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role, User
from lms.bookings.models import HOLDS_PLACE, Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.catalogue.models import CourseSession
from lms.core.errors import DomainError
from lms.extensions import db

# Extra reasons a booking needs approval, added by other features: rule(person, now) -> bool.
NEEDS_APPROVAL: list[Callable] = []


class BookingError(DomainError):
    pass


def lock_session(session_id: int) -> CourseSession:
    """The session, re-read and (on PostgreSQL) locked until the transaction ends."""
    return db.session.scalar(
        sa.select(CourseSession)
        .where(CourseSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# A session's own columns that booking rules read; `lock_loaded` re-reads only these.
SESSION_STATE = (
    "status",
    "starts_at",
    "ends_at",
    "booking_opens_at",
    "booking_closes_at",
    "capacity",
    "places_taken",
    "agency_cap",
)


def lock_loaded(course_session: CourseSession) -> CourseSession:
    """Lock a session already loaded (on PostgreSQL, until the transaction ends) and re-read its
    own state, keeping its course, venue and dates as loaded: so the work done under the lock
    (the booking's message) reads nothing more from the database."""
    db.session.refresh(course_session, attribute_names=SESSION_STATE, with_for_update=True)
    return course_session


def refresh(booking: Booking) -> Booking:
    """The booking as the database holds it now, not as this transaction last read it."""
    return db.session.scalar(
        sa.select(Booking).where(Booking.id == booking.id).execution_options(populate_existing=True)
    )


def transition(booking: Booking, expected: BookingStatus, **values) -> Booking:
    """Move a booking on from the status it was seen in, with one conditional UPDATE, so that of
    two requests racing on the same booking only one acts; the other gets a clear refusal."""
    result = db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id, Booking.status == expected)
        .values(**values, sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    booking = refresh(booking)
    if result.rowcount != 1:
        raise BookingError(
            f"This booking has just changed: it is now {booking.status.label.lower()}"
        )
    return booking


def take_place(session_id: int, *, over_capacity: bool = False) -> bool:
    """Take one place if one is free (or regardless, when an administrator decided so)."""
    condition = sa.true() if over_capacity else CourseSession.places_taken < CourseSession.capacity
    result = db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session_id, condition)
        .values(places_taken=CourseSession.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back_place(session_id: int) -> None:
    """Give one place back to the session's counter (which never goes below zero)."""
    db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session_id, CourseSession.places_taken > 0)
        .values(places_taken=CourseSession.places_taken - 1)
        .execution_options(synchronize_session=False)
    )


def decides_for(actor: User, person: User) -> bool:
    """Administrators, and the coordinators of the person's agency, approve their bookings."""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency_id == person.agency_id


def needs_approval(course_session: CourseSession, person: User, by: User, now: datetime) -> bool:
    """Whether a place booked by `by` for `person` waits for approval: the course needs it or a
    rule in NEEDS_APPROVAL does, unless someone who decides for the person booked it."""
    if decides_for(by, person) and by.id != person.id:
        return False
    if course_session.course.approval_required:
        return True
    return any(rule(person, now) for rule in NEEDS_APPROVAL)


def agency_holding(session_id: int, agency_id: int, *, excluding: int | None = None) -> int:
    """Places held in a session by one agency's people: bookings holding a place, open offers."""
    holders = (
        sa.select(sa.func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == session_id,
            Booking.agency_id == agency_id,
            Booking.status.in_([status.value for status in HOLDS_PLACE]),
        )
    )
    if excluding is not None:
        holders = holders.where(Booking.id != excluding)
    offers = (
        sa.select(sa.func.count())
        .select_from(PlaceOffer)
        .join(Booking, Booking.id == PlaceOffer.booking_id)
        .where(
            PlaceOffer.session_id == session_id,
            PlaceOffer.status == OfferStatus.OPEN,
            Booking.agency_id == agency_id,
        )
    )
    return db.session.scalar(holders) + db.session.scalar(offers)


def confirmed_booking(
    course_session: CourseSession, person: User, *, by: User, now: datetime, **extra
) -> Booking:
    """A confirmed booking made now, under the person's current agency."""
    return Booking(
        user=person,
        session=course_session,
        agency_id=person.agency_id,
        status=BookingStatus.CONFIRMED,
        booked_by=by,
        created_at=now,
        confirmed_at=now,
        **extra,
    )


def insert_booking(booking: Booking) -> Booking:
    """Add a booking inside a savepoint, so a duplicate (the unique live-booking index) is a
    clear refusal rather than a broken transaction."""
    name = booking.user.name
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError:
        raise BookingError(f"{name} already has a booking for this session") from None
    return booking
