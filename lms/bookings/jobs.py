"""Background work on bookings, run by `run-jobs` (each safe to run again at any time), and the
hooks through which a session's change or cancellation reaches its bookings."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.bookings import notify
from lms.bookings.models import (
    LIVE,
    Booking,
    BookingStatus,
    Interest,
    OfferStatus,
    PlaceOffer,
)
from lms.bookings.places import lock_session
from lms.bookings.waiting_list import fill_free_places, release_place
from lms.catalogue import sessions as scheduling
from lms.catalogue.models import Course, CourseSession, CourseStatus, SessionStatus
from lms.extensions import db
from lms.settings import services as settings


def _claim(model, row_id: int, condition, values: dict) -> bool:
    """Change a row only if it still meets the condition, so two runs never both act on it."""
    result = db.session.execute(
        sa.update(model)
        .where(model.id == row_id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def lapse_pending_approvals(*, now: datetime) -> int:
    """Bookings not approved within the hold period lose their place to the next person."""
    due = db.session.scalars(
        sa.select(Booking.id).where(
            Booking.status == BookingStatus.PENDING, Booking.pending_expires_at <= now
        )
    ).all()
    lapsed = 0
    for booking_id in due:
        booking = db.session.get(Booking, booking_id)
        course_session = lock_session(booking.session_id)
        if not _claim(
            Booking,
            booking_id,
            Booking.status == BookingStatus.PENDING,
            {
                "status": BookingStatus.CANCELLED,
                "cancelled_at": now,
                "cancellation_reason": "Not approved in time",
            },
        ):
            continue
        db.session.refresh(booking)
        notify.approval_lapsed(booking)
        release_place(course_session, now=now)
        db.session.commit()
        lapsed += 1
    return lapsed


def expire_offers(*, now: datetime) -> int:
    """Offers not answered in time lapse; the place goes to the next person waiting."""
    due = db.session.scalars(
        sa.select(PlaceOffer.id).where(
            PlaceOffer.status == OfferStatus.OPEN, PlaceOffer.expires_at <= now
        )
    ).all()
    lapsed = 0
    for offer_id in due:
        offer = db.session.get(PlaceOffer, offer_id)
        course_session = lock_session(offer.session_id)
        if not _claim(
            PlaceOffer,
            offer_id,
            PlaceOffer.status == OfferStatus.OPEN,
            {
                "status": OfferStatus.LAPSED,
                "answered_at": now,
            },
        ):
            continue
        booking = offer.booking
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
        booking.cancellation_reason = "Did not answer the offer of a place in time"
        db.session.flush()
        notify.offer_lapsed(booking)
        release_place(course_session, now=now)
        db.session.commit()
        lapsed += 1
    return lapsed


def send_reminders(*, now: datetime) -> int:
    """One reminder per confirmed booking, the configured number of days before the start."""
    horizon = now + timedelta(days=settings.current().reminder_days)
    due = db.session.scalars(
        sa.select(Booking.id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            CourseSession.starts_at <= horizon,
        )
    ).all()
    sent = 0
    for booking_id in due:
        if _claim(
            Booking, booking_id, Booking.reminder_sent_at.is_(None), {"reminder_sent_at": now}
        ):
            notify.reminder(db.session.get(Booking, booking_id))
            sent += 1
        db.session.commit()
    return sent


def tell_interested(*, now: datetime) -> int:
    """People who registered interest hear once when the course has a session open for booking."""
    interests = db.session.scalars(
        sa.select(Interest)
        .join(Course, Course.id == Interest.course_id)
        .where(Interest.notified_at.is_(None), Course.status == CourseStatus.PUBLISHED)
    ).all()
    told = 0
    for interest in interests:
        open_sessions = [
            session
            for session in db.session.scalars(
                sa.select(CourseSession)
                .where(CourseSession.course_id == interest.course_id, CourseSession.starts_at > now)
                .order_by(CourseSession.starts_at)
            )
            if session.is_bookable(now)
        ]
        if open_sessions and _claim(
            Interest, interest.id, Interest.notified_at.is_(None), {"notified_at": now}
        ):
            notify.interest_open(interest, open_sessions[:5])
            told += 1
        db.session.commit()
    return told


def on_session_cancelled(course_session: CourseSession, *, by, now: datetime) -> None:
    """Cancel every live booking of a cancelled session and tell each person."""
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.session_id == course_session.id, Booking.status.in_(LIVE))
    ).all()
    db.session.execute(
        sa.update(PlaceOffer)
        .where(PlaceOffer.session_id == course_session.id, PlaceOffer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.WITHDRAWN, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    for booking in bookings:
        had_place = booking.confirmed_at is not None  # only they were sent an invitation
        booking.status, booking.cancelled_at, booking.cancelled_by_id = (
            BookingStatus.CANCELLED,
            now,
            by.id,
        )
        booking.cancellation_reason = (
            f"The session was cancelled: {course_session.cancellation_reason}"
        )
        booking.sequence += 1
        db.session.flush()
        notify.session_cancelled(booking, had_place=had_place)
    course_session.places_taken = 0


def on_session_changed(course_session: CourseSession, *, by, now: datetime, before: dict) -> None:
    """Tell everyone booked or waiting of the change (confirmed people get an updated
    invitation, and a cancellation for any date taken off), remind them again before new dates,
    and give any places added to the people waiting."""
    old_dates = [
        (datetime.fromisoformat(start), datetime.fromisoformat(end))
        for start, end in before["dates"]
    ]
    moved = old_dates != [(d.starts_at, d.ends_at) for d in course_session.dates]
    withdrawn = [
        (number, start, end)
        for number, (start, end) in enumerate(old_dates, start=1)
        if number > len(course_session.dates)
    ]
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.session_id == course_session.id, Booking.status.in_(LIVE))
    ).all()
    for booking in bookings:
        booking.sequence += 1
        if moved:
            booking.reminder_sent_at = None
        notify.session_changed(booking, withdrawn_days=withdrawn)
    db.session.flush()
    fill_free_places(course_session, now=now)


def register_hooks() -> None:
    """Hang the booking rules on the catalogue's session hooks (once per process)."""
    if on_session_cancelled not in scheduling.SESSION_CANCELLED:
        scheduling.SESSION_CANCELLED.append(on_session_cancelled)
    if on_session_changed not in scheduling.SESSION_CHANGED:
        scheduling.SESSION_CHANGED.append(on_session_changed)


def run(*, now: datetime) -> dict:
    """The bookings' share of run-jobs."""
    return {
        "pending approvals lapsed": lapse_pending_approvals(now=now),
        "offers lapsed": expire_offers(now=now),
        "reminders sent": send_reminders(now=now),
        "interested people told": tell_interested(now=now),
    }
