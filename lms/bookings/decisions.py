"""Decisions on bookings by coordinators and administrators: approving or declining a booking
waiting for approval, and an administrator confirming a person off the waiting list or adding
them, over capacity only when they confirm it (audited). Flushes, never commits.
"""

from datetime import datetime

from lms.accounts.models import User
from lms.audit import services as audit
from lms.bookings import notify
from lms.bookings.models import Booking, BookingStatus, OfferStatus
from lms.bookings.places import (
    BookingError,
    confirmed_booking,
    insert_booking,
    lock_session,
    refresh,
    take_place,
    transition,
)
from lms.bookings.services import check_bookable
from lms.bookings.waiting_list import open_offer_for, release_place
from lms.catalogue.models import CourseSession
from lms.core.errors import required_text
from lms.extensions import db


def approve(booking: Booking, *, by: User, now: datetime) -> Booking:
    """A coordinator (or an admin) approves a booking waiting for approval."""
    lock_session(booking.session_id)
    booking = refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not waiting for approval"
        )
    booking = transition(
        booking,
        BookingStatus.PENDING,
        status=BookingStatus.CONFIRMED,
        confirmed_at=now,
        decided_by_id=by.id,
        decided_at=now,
    )
    notify.approved(booking)
    return booking


def decline(booking: Booking, *, by: User, reason: str, now: datetime) -> Booking | None:
    """A coordinator (or an admin) declines a booking, with a reason; the place is freed."""
    course_session = lock_session(booking.session_id)
    booking = refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not waiting for approval"
        )
    reason = required_text(reason, "Enter the reason for declining")
    booking = transition(
        booking,
        BookingStatus.PENDING,
        status=BookingStatus.DECLINED,
        decided_by_id=by.id,
        decided_at=now,
        decision_reason=reason,
    )
    notify.declined(booking)
    return release_place(course_session, now=now)


def _check_over_capacity(course_session: CourseSession, *, confirmed: bool) -> bool:
    """Whether a new place takes the session over its capacity; refused unless the
    administrator confirmed it."""
    over = course_session.places_taken >= course_session.capacity
    if over and not confirmed:
        raise BookingError(
            "Confirm that this person gets a place even if the session is full", field="confirm"
        )
    return over


def admin_confirm(
    booking: Booking,
    *,
    by: User,
    reason: str,
    now: datetime,
    over_capacity_confirmed: bool = False,
) -> Booking:
    """An administrator moves a person off the waiting list; over capacity only when they
    confirmed it. Audited."""
    reason = required_text(reason, "Enter the reason for confirming this place")
    course_session = lock_session(booking.session_id)
    booking = refresh(booking)
    if booking.status is not BookingStatus.WAITLISTED:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not on the waiting list"
        )
    offer = open_offer_for(booking)
    # A person offered a freed place already holds it.
    over = offer is None and _check_over_capacity(course_session, confirmed=over_capacity_confirmed)
    booking = transition(
        booking,
        BookingStatus.WAITLISTED,
        status=BookingStatus.CONFIRMED,
        confirmed_at=now,
        decided_by_id=by.id,
        decided_at=now,
        decision_reason=reason,
    )
    if offer is not None:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
    else:
        take_place(course_session.id, over_capacity=True)
    db.session.flush()
    audit.record(
        "booking.confirmed_by_admin",
        booking,
        actor=by,
        before={"status": "waitlisted"},
        after={"status": "confirmed", "over_capacity": over},
        reason=reason,
    )
    notify.promoted(booking)
    return booking


def admin_add(
    course_session: CourseSession,
    person: User,
    *,
    by: User,
    reason: str,
    now: datetime,
    over_capacity_confirmed: bool = False,
) -> Booking:
    """An administrator adds a person with a confirmed place; over capacity only when they
    confirmed it. Audited."""
    reason = required_text(reason, "Enter the reason for adding this person")
    course_session = lock_session(course_session.id)
    check_bookable(course_session, person, now=now, by=by)
    over = _check_over_capacity(course_session, confirmed=over_capacity_confirmed)
    take_place(course_session.id, over_capacity=True)
    booking = insert_booking(
        confirmed_booking(
            course_session,
            person,
            by=by,
            now=now,
            decided_by_id=by.id,
            decided_at=now,
            decision_reason=reason,
        )
    )
    audit.record(
        "booking.added_by_admin",
        booking,
        actor=by,
        after={"status": "confirmed", "over_capacity": over},
        reason=reason,
    )
    notify.booked(booking)
    return booking
