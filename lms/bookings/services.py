"""Booking rules a person meets: booking a place (or a place on the waiting list), cancelling,
and passing a confirmed place to a colleague.

The rest of the booking rules sit beside this module: how a place is held without over-booking
(the session lock, the conditional counter) and who needs approval in `places`; the waiting
list and offers of freed places in `waiting_list`; coordinators' and administrators' decisions
in `decisions`. Every function flushes, never commits; after a DomainError the caller rolls back.
"""

from datetime import datetime, timedelta

from lms.accounts.models import Role, User
from lms.bookings import notify
from lms.bookings.models import Booking, BookingStatus, OfferStatus
from lms.bookings.places import (
    BookingError,
    agency_holding,
    confirmed_booking,
    insert_booking,
    lock_loaded,
    lock_session,
    needs_approval,
    refresh,
    take_place,
    transition,
)
from lms.bookings.queries import has_completed, live_booking
from lms.bookings.waiting_list import open_offer_for, release_place
from lms.catalogue.models import CourseSession, CourseStatus, SessionStatus
from lms.core.errors import required_text
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.settings import services as settings


def check_open(course_session: CourseSession, *, now: datetime) -> None:
    """Refuse a booking the session's state or booking window does not allow (checked again
    under the session's lock, since an administrator may have changed it meanwhile)."""
    course = course_session.course
    if course_session.status is SessionStatus.CANCELLED:
        raise BookingError("This session has been cancelled, so it cannot be booked")
    if course_session.status is SessionStatus.COMPLETED or course_session.ends_at <= now:
        raise BookingError("This session has already taken place, so it cannot be booked")
    if course_session.starts_at <= now:
        raise BookingError("This session has started, so it can no longer be booked")
    if course.status is not CourseStatus.PUBLISHED:
        raise BookingError("This course is not open for booking")
    if course_session.booking_opens_at and now < course_session.booking_opens_at:
        raise BookingError(f"Booking opens on {uk_datetime(course_session.booking_opens_at)}")
    if course_session.booking_closes_at and now >= course_session.booking_closes_at:
        raise BookingError("Booking for this session has closed")


def check_bookable(
    course_session: CourseSession, person: User, *, now: datetime, by: User | None = None
) -> None:
    """Refuse a booking the session's state, window or the person's record does not allow."""
    check_open(course_session, now=now)
    if not person.is_active:
        raise BookingError(f"{person.name}'s account is deactivated")
    if not person.is_email_confirmed and not (by is not None and by.has_role(Role.ADMIN)):
        if by is None or by.id == person.id:
            raise BookingError(
                "Confirm your email address before you book: follow the link we emailed to "
                f"{person.email}, or ask for a new one on your account page"
            )
        raise BookingError(
            f"{person.name} has not confirmed their email address yet, so they cannot be booked"
        )
    existing = live_booking(person, course_session)
    if existing is not None:
        who = (
            "You already have" if by is None or by.id == person.id else f"{person.name} already has"
        )
        raise BookingError(f"{who} a booking for this session: {existing.status.label.lower()}")
    course = course_session.course
    if course.prerequisite_id and not has_completed(person, course.prerequisite_id):
        raise BookingError(f"This course needs {course.prerequisite.title} to be completed first")


def book_place(course_session: CourseSession, person: User, *, by: User, now: datetime) -> Booking:
    """Book a place for a person, or a place on the waiting list when the session is full.
    Courses needing approval (and people whose record needs it) get a pending booking that
    holds its place until the coordinator decides or it lapses."""
    # Everything that reads only is done before the lock, so that the bookings of one session,
    # which pass the lock one at a time, each hold it briefly (bench/ANALYSIS.md, the storm).
    check_bookable(course_session, person, now=now, by=by)
    approval = needs_approval(course_session, person, by, now)
    hold = timedelta(days=settings.current().approval_hold_days) if approval else None
    course_session.venue, course_session.dates  # noqa: B018 - loaded now, for the message
    course_session = lock_loaded(course_session)
    check_open(course_session, now=now)
    booking = Booking(
        user=person,
        session=course_session,
        agency_id=person.agency_id,
        booked_by=by,
        created_at=now,
    )
    if take_place(course_session.id):
        cap = course_session.agency_cap
        if cap is not None and agency_holding(course_session.id, person.agency_id) >= cap:
            raise BookingError(
                f"{person.agency.name} already has the most places allowed for one agency "
                f"on this session ({cap})"
            )
        if approval:
            booking.status = BookingStatus.PENDING
            booking.pending_expires_at = min(now + hold, course_session.starts_at)
        else:
            booking.status = BookingStatus.CONFIRMED
            booking.confirmed_at = now
    else:
        booking.status = BookingStatus.WAITLISTED
        booking.waitlisted_at = now
    insert_booking(booking)
    notify.booked(booking)
    return booking


def cancel_booking(booking: Booking, *, by: User, reason: str, now: datetime) -> Booking | None:
    """Cancel a booking; after the session's cutoff a place-holding booking is a late
    cancellation. The freed place goes to the first person waiting, who is returned."""
    course_session = lock_session(booking.session_id)
    booking = refresh(booking)
    booking.require_live()
    reason = required_text(reason, "Enter the reason for cancelling")
    if course_session.starts_at <= now:
        raise BookingError("This session has started, so the booking can no longer be cancelled")
    held = booking.holds_place
    was_waiting = booking.status is BookingStatus.WAITLISTED
    booking = transition(
        booking,
        booking.status,
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_id=by.id,
        cancellation_reason=reason,
        is_late_cancellation=bool(
            held
            and course_session.cancellation_cutoff_at
            and now > course_session.cancellation_cutoff_at
        ),
    )
    offer = open_offer_for(booking)
    if offer is not None:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
    db.session.flush()
    notify.cancelled(booking, by=by, was_waiting=was_waiting)
    if held or offer is not None:
        return release_place(course_session, now=now)
    return None


def substitute(booking: Booking, colleague: User, *, by: User, now: datetime) -> Booking:
    """Hand a confirmed place to a colleague in the same agency, up to the start. Not a
    cancellation: the place never becomes free and nobody is charged."""
    course_session = lock_session(booking.session_id)
    booking = refresh(booking)
    if booking.status is not BookingStatus.CONFIRMED:
        raise BookingError("Only a confirmed place can be passed to a colleague")
    if course_session.starts_at <= now:
        raise BookingError("This session has started, so the place can no longer be passed on")
    if colleague.id == booking.user_id:
        raise BookingError("Choose a colleague other than the person booked", field="colleague")
    if colleague.agency_id != booking.agency_id or not colleague.is_active:
        raise BookingError(
            f"{colleague.name} is not an active member of {booking.agency.name}", field="colleague"
        )
    if not colleague.is_email_confirmed:
        raise BookingError(
            f"{colleague.name} has not confirmed their email address yet, so the place cannot "
            "be passed to them",
            field="colleague",
        )
    if live_booking(colleague, course_session) is not None:
        raise BookingError(
            f"{colleague.name} already has a booking for this session", field="colleague"
        )
    course = course_session.course
    if course.prerequisite_id and not has_completed(colleague, course.prerequisite_id):
        raise BookingError(
            f"{colleague.name} has not completed {course.prerequisite.title}, "
            "which this course needs",
            field="colleague",
        )
    booking = transition(
        booking,
        BookingStatus.CONFIRMED,
        status=BookingStatus.SUBSTITUTED,
        cancelled_at=now,
        cancelled_by_id=by.id,
    )
    replacement = insert_booking(
        confirmed_booking(course_session, colleague, by=by, now=now, substitute_for=booking)
    )
    notify.substituted(booking, replacement)
    return replacement
