"""Lists of bookings for pages: a person's, a session's, an agency's; waiting-list positions;
demand from interest."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import Agency, User
from lms.bookings.models import LIVE, Booking, BookingStatus, Interest, OfferStatus, PlaceOffer
from lms.catalogue.models import Course, CourseSession
from lms.extensions import db

_WITH_SESSION = (
    selectinload(Booking.session).selectinload(CourseSession.course),
    selectinload(Booking.session).selectinload(CourseSession.venue),
    selectinload(Booking.session).selectinload(CourseSession.dates),
)


def bookings_of(person: User) -> sa.Select:
    return (
        sa.select(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(Booking.user_id == person.id)
        .options(*_WITH_SESSION)
        .order_by(CourseSession.starts_at.desc(), Booking.id.desc())
    )


def open_offers_for(person: User) -> list[PlaceOffer]:
    return list(
        db.session.scalars(
            sa.select(PlaceOffer)
            .join(Booking, Booking.id == PlaceOffer.booking_id)
            .where(Booking.user_id == person.id, PlaceOffer.status == OfferStatus.OPEN)
            .order_by(PlaceOffer.expires_at)
        )
    )


def interests_of(person: User) -> list[Interest]:
    return list(
        db.session.scalars(
            sa.select(Interest)
            .where(Interest.user_id == person.id)
            .order_by(Interest.created_at.desc())
        )
    )


def colleagues_of(coordinator: User) -> list[sa.Row]:
    """The active people of the coordinator's agency, as (id, name) rows by name: only what the
    colleague select shows, since loading whole accounts was most of a session page's cost."""
    return list(
        db.session.execute(
            sa.select(User.id, User.name)
            .where(User.agency_id == coordinator.agency_id, User.is_active.is_(True))
            .order_by(User.name)
        )
    )


STATUS_ORDER = sa.case(
    {
        BookingStatus.CONFIRMED.value: 0,
        BookingStatus.PENDING.value: 1,
        BookingStatus.WAITLISTED.value: 2,
    },
    value=sa.cast(Booking.status, sa.String),
    else_=3,
)


def session_bookings(course_session: CourseSession) -> list[Booking]:
    """Everyone booked on a session: confirmed, waiting for approval, the waiting list in its
    order, then the rest."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == course_session.id)
            .options(selectinload(Booking.user), selectinload(Booking.agency))
            .order_by(STATUS_ORDER, Booking.waitlisted_at, Booking.id)
        )
    )


def agency_bookings(agency_id: int, *, now, live_only: bool = True) -> list[Booking]:
    """Bookings made under an agency for sessions still to come."""
    query = (
        sa.select(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(Booking.agency_id == agency_id, CourseSession.ends_at > now)
        .options(selectinload(Booking.user), *_WITH_SESSION)
        .order_by(CourseSession.starts_at, Booking.id)
    )
    if live_only:
        query = query.where(Booking.status.in_(LIVE))
    return list(db.session.scalars(query))


def pending_for_agency(agency_id: int) -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.agency_id == agency_id, Booking.status == BookingStatus.PENDING)
            .options(selectinload(Booking.user), *_WITH_SESSION)
            .order_by(Booking.pending_expires_at)
        )
    )


def demand_by_course() -> list[tuple]:
    """Registered interest not yet answered, per course: (course, people, agencies)."""
    rows = db.session.execute(
        sa.select(
            Course, sa.func.count(Interest.id), sa.func.count(sa.distinct(Interest.agency_id))
        )
        .join(Interest, Interest.course_id == Course.id)
        .where(Interest.notified_at.is_(None))
        .group_by(Course.id)
        .order_by(sa.func.count(Interest.id).desc(), Course.title)
    )
    return [tuple(row) for row in rows]


def demand_by_agency(course_id: int) -> list[tuple[str, int]]:
    rows = db.session.execute(
        sa.select(Agency.name, sa.func.count(Interest.id))
        .join(Interest, Interest.agency_id == Agency.id)
        .where(Interest.course_id == course_id, Interest.notified_at.is_(None))
        .group_by(Agency.name)
        .order_by(sa.func.count(Interest.id).desc(), Agency.name)
    )
    return [tuple(row) for row in rows]


def waiting_count_column(session_id) -> sa.ScalarSelect:
    """`waiting_count` as a column of another query (by the session's id: correlated to a column,
    SQLite scans every booking)."""
    return (
        sa.select(sa.func.count())
        .select_from(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .scalar_subquery()
    )


def waiting_count(session_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
    )


def live_booking(person: User, course_session: CourseSession) -> Booking | None:
    return db.session.scalar(
        sa.select(Booking).where(
            Booking.user_id == person.id,
            Booking.session_id == course_session.id,
            Booking.status.in_(LIVE),
        )
    )


def has_completed(person: User, course_id: int) -> bool:
    """Whether the person completed a course (a completed booking on one of its sessions)."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .where(
                Booking.user_id == person.id,
                CourseSession.course_id == course_id,
                Booking.completed_at.is_not(None),
            )
        )
    )


def waiting_position(booking: Booking) -> int | None:
    """1 for the first person waiting, and so on; None when not on the waiting list."""
    if booking.status is not BookingStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED,
            sa.or_(
                Booking.waitlisted_at < booking.waitlisted_at,
                (Booking.waitlisted_at == booking.waitlisted_at) & (Booking.id < booking.id),
            ),
        )
    )
    return ahead + 1


def waiting_positions(bookings: list[Booking]) -> dict[int, int]:
    """Waiting-list positions read off a session's bookings already in waiting-list order
    (as `session_bookings` returns them), without a query per person."""
    waiting = [booking for booking in bookings if booking.status is BookingStatus.WAITLISTED]
    return {booking.id: number for number, booking in enumerate(waiting, start=1)}


def registers_to_finish(sessions, *, now) -> list[CourseSession]:
    """Sessions whose last date has started but whose registers are not complete yet."""
    return [s for s in sessions if s.status.value == "scheduled" and s.dates[-1].starts_at <= now]
