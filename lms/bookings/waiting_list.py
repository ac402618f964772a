"""The waiting list and offers of freed places.

A place given up goes to the first person waiting (within their agency's cap): straight away
while the session is far enough off, or as an offer they accept or decline before it lapses
when it is close. Built on `places`; flushes, never commits.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.bookings import notify
from lms.bookings.models import Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.bookings.places import (
    BookingError,
    agency_holding,
    give_back_place,
    lock_session,
    needs_approval,
    refresh,
    take_place,
    transition,
)
from lms.catalogue.models import CourseSession, SessionStatus
from lms.extensions import db
from lms.settings import services as settings


def _first_waiting(course_session: CourseSession) -> Booking | None:
    """The first person waiting who has no open offer and whose agency is under its cap."""
    query = (
        sa.select(Booking)
        .where(
            Booking.session_id == course_session.id,
            Booking.status == BookingStatus.WAITLISTED,
            ~sa.exists().where(
                PlaceOffer.booking_id == Booking.id, PlaceOffer.status == OfferStatus.OPEN
            ),
        )
        .order_by(Booking.waitlisted_at, Booking.id)
    )
    for candidate in db.session.scalars(query):
        cap = course_session.agency_cap
        if cap is None or agency_holding(course_session.id, candidate.agency_id) < cap:
            return candidate
    return None


def release_place(
    course_session: CourseSession, *, now: datetime, by: User | None = None
) -> Booking | None:
    """A held place was given up: promote the first person waiting while the session is far
    enough away, or offer it to them for a limited time when it is close; no promotion once the
    session has started. Returns the booking promoted or offered the place."""
    if course_session.status is not SessionStatus.SCHEDULED or course_session.starts_at <= now:
        give_back_place(course_session.id)
        return None
    rules = settings.current()
    while (waiting := _first_waiting(course_session)) is not None:
        if course_session.starts_at - now > timedelta(days=rules.auto_promotion_days):
            values = _place_given(course_session, waiting, now)
            promoted = db.session.execute(
                sa.update(Booking)
                .where(Booking.id == waiting.id, Booking.status == BookingStatus.WAITLISTED)
                .values(**values, sequence=Booking.sequence + 1)
                .execution_options(synchronize_session=False)
            )
            if promoted.rowcount != 1:
                continue  # someone else moved this person first; try the next
            waiting = refresh(waiting)
            _tell_given(waiting)
            return waiting
        offer = PlaceOffer(
            booking=waiting,
            session_id=course_session.id,
            offered_at=now,
            expires_at=min(now + timedelta(hours=rules.offer_hours), course_session.starts_at),
        )
        db.session.add(offer)
        db.session.flush()
        notify.offered(offer)
        return waiting
    give_back_place(course_session.id)
    return None


def _place_given(course_session: CourseSession, booking: Booking, now: datetime) -> dict:
    """What a person waiting becomes when a place is theirs: confirmed, or waiting for approval
    when the course (or their record) needs it and nobody who decides for them booked it."""
    person = booking.user
    if needs_approval(course_session, person, booking.booked_by or person, now):
        hold = timedelta(days=settings.current().approval_hold_days)
        return {
            "status": BookingStatus.PENDING,
            "pending_expires_at": min(now + hold, course_session.starts_at),
        }
    return {"status": BookingStatus.CONFIRMED, "confirmed_at": now}


def _tell_given(booking: Booking) -> None:
    if booking.status is BookingStatus.PENDING:
        notify.booked(booking)  # the person and the approvers hear
    else:
        notify.promoted(booking)


def fill_free_places(course_session: CourseSession, *, now: datetime) -> list[Booking]:
    """After places were added to a session, give them to the people waiting."""
    moved = []
    while _first_waiting(course_session) is not None and take_place(course_session.id):
        booking = release_place(course_session, now=now)
        if booking is None:
            break
        moved.append(booking)
    return moved


def open_offer_for(booking: Booking) -> PlaceOffer | None:
    return db.session.scalar(
        sa.select(PlaceOffer).where(
            PlaceOffer.booking_id == booking.id, PlaceOffer.status == OfferStatus.OPEN
        )
    )


def _answerable(offer: PlaceOffer, person: User, now: datetime) -> PlaceOffer:
    lock_session(offer.session_id)
    offer = db.session.scalar(
        sa.select(PlaceOffer)
        .where(PlaceOffer.id == offer.id)
        .execution_options(populate_existing=True)
    )
    if offer.booking.user_id != person.id:
        raise BookingError("This place was offered to someone else")
    if offer.status is OfferStatus.ACCEPTED:
        raise BookingError("You have already accepted this place")
    if offer.status is not OfferStatus.OPEN or offer.expires_at <= now:
        raise BookingError(
            "This offer has lapsed or been withdrawn, so the place has gone to someone else"
        )
    return offer


def _claim_offer(offer: PlaceOffer, status: OfferStatus, now: datetime) -> PlaceOffer:
    result = db.session.execute(
        sa.update(PlaceOffer)
        .where(
            PlaceOffer.id == offer.id,
            PlaceOffer.status == OfferStatus.OPEN,
            PlaceOffer.expires_at > now,
        )
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    offer = db.session.scalar(
        sa.select(PlaceOffer)
        .where(PlaceOffer.id == offer.id)
        .execution_options(populate_existing=True)
    )
    if result.rowcount != 1:
        raise BookingError("This offer has just been answered or has lapsed")
    return offer


def accept_offer(offer: PlaceOffer, person: User, *, now: datetime) -> Booking:
    """Claim an offered place before the offer lapses."""
    offer = _answerable(offer, person, now)
    offer = _claim_offer(offer, OfferStatus.ACCEPTED, now)
    booking = transition(
        offer.booking, BookingStatus.WAITLISTED, **_place_given(offer.session, offer.booking, now)
    )
    db.session.flush()
    _tell_given(booking)
    return booking


def decline_offer(offer: PlaceOffer, person: User, *, now: datetime) -> Booking | None:
    """Turn an offered place down; it goes to the next person waiting."""
    offer = _answerable(offer, person, now)
    offer = _claim_offer(offer, OfferStatus.DECLINED, now)
    transition(
        offer.booking,
        BookingStatus.WAITLISTED,
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_id=person.id,
        cancellation_reason="Turned down the offered place",
    )
    db.session.flush()
    return release_place(offer.session, now=now)
