"""Booking rules: places, waiting lists, approvals, cancellations, offers and substitutions.

Places are never over-booked: a place is taken by one conditional UPDATE of the session's
counter (`places_taken < capacity`), and on PostgreSQL the session row is locked first so that
bookings and cancellations of one session run one after another. SQLite serialises writers at
that same UPDATE. A unique partial index allows one live booking per person per session.

`places_taken` counts the places held: confirmed bookings, bookings waiting for approval and
open offers of a freed place. Every function here flushes, never commits; after a DomainError
the caller rolls back (a place may already have been taken in the transaction).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role, User
from lms.audit import services as audit
from lms.bookings import notify
from lms.bookings.models import HOLDS_PLACE, LIVE, Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.catalogue.models import CourseSession, CourseStatus, SessionStatus
from lms.core.errors import DomainError, required_text
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.settings import services as settings

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


def _refresh(booking: Booking) -> Booking:
    return db.session.scalar(
        sa.select(Booking).where(Booking.id == booking.id).execution_options(populate_existing=True)
    )


def _transition(booking: Booking, expected: BookingStatus, **values) -> Booking:
    """Move a booking on from the status it was seen in, with one conditional UPDATE, so that of
    two requests racing on the same booking only one acts; the other gets a clear refusal."""
    result = db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id, Booking.status == expected)
        .values(**values, sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    booking = _refresh(booking)
    if result.rowcount != 1:
        raise BookingError(
            f"This booking has just changed: it is now {booking.status.label.lower()}"
        )
    return booking


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


def _take_place(session_id: int, *, over_capacity: bool = False) -> bool:
    """Take one place if one is free (or regardless, when an administrator decided so)."""
    condition = sa.true() if over_capacity else CourseSession.places_taken < CourseSession.capacity
    result = db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session_id, condition)
        .values(places_taken=CourseSession.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _give_back_place(session_id: int) -> None:
    db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session_id, CourseSession.places_taken > 0)
        .values(places_taken=CourseSession.places_taken - 1)
        .execution_options(synchronize_session=False)
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


def check_bookable(
    course_session: CourseSession, person: User, *, now: datetime, by: User | None = None
) -> None:
    """Refuse a booking the session's state, window or the person's record does not allow."""
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
    if course.prerequisite_id and not has_completed(person, course.prerequisite_id):
        raise BookingError(f"This course needs {course.prerequisite.title} to be completed first")


def decides_for(actor: User, person: User) -> bool:
    """Administrators, and the coordinators of the person's agency, approve their bookings."""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency_id == person.agency_id


def _needs_approval(course_session: CourseSession, person: User, by: User, now: datetime) -> bool:
    if decides_for(by, person) and by.id != person.id:
        return False
    if course_session.course.approval_required:
        return True
    return any(rule(person, now) for rule in NEEDS_APPROVAL)


def _agency_holding(session_id: int, agency_id: int, *, excluding: int | None = None) -> int:
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


def _confirmed(course_session: CourseSession, person: User, *, by: User, now: datetime, **extra):
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


def _insert(booking: Booking) -> Booking:
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


def book_place(course_session: CourseSession, person: User, *, by: User, now: datetime) -> Booking:
    """Book a place for a person, or a place on the waiting list when the session is full.
    Courses needing approval (and people whose record needs it) get a pending booking that
    holds its place until the coordinator decides or it lapses."""
    course_session = lock_session(course_session.id)
    check_bookable(course_session, person, now=now, by=by)
    booking = Booking(
        user=person,
        session=course_session,
        agency_id=person.agency_id,
        booked_by=by,
        created_at=now,
    )
    if _take_place(course_session.id):
        cap = course_session.agency_cap
        if cap is not None and _agency_holding(course_session.id, person.agency_id) >= cap:
            raise BookingError(
                f"{person.agency.name} already has the most places allowed for one agency "
                f"on this session ({cap})"
            )
        if _needs_approval(course_session, person, by, now):
            booking.status = BookingStatus.PENDING
            hold = timedelta(days=settings.current().approval_hold_days)
            booking.pending_expires_at = min(now + hold, course_session.starts_at)
        else:
            booking.status = BookingStatus.CONFIRMED
            booking.confirmed_at = now
    else:
        booking.status = BookingStatus.WAITLISTED
        booking.waitlisted_at = now
    _insert(booking)
    notify.booked(booking)
    return booking


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
        if cap is None or _agency_holding(course_session.id, candidate.agency_id) < cap:
            return candidate
    return None


def release_place(
    course_session: CourseSession, *, now: datetime, by: User | None = None
) -> Booking | None:
    """A held place was given up: promote the first person waiting while the session is far
    enough away, or offer it to them for a limited time when it is close; no promotion once the
    session has started. Returns the booking promoted or offered the place."""
    if course_session.status is not SessionStatus.SCHEDULED or course_session.starts_at <= now:
        _give_back_place(course_session.id)
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
            waiting = _refresh(waiting)
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
    _give_back_place(course_session.id)
    return None


def _place_given(course_session: CourseSession, booking: Booking, now: datetime) -> dict:
    """What a person waiting becomes when a place is theirs: confirmed, or waiting for approval
    when the course (or their record) needs it and nobody who decides for them booked it."""
    person = booking.user
    if _needs_approval(course_session, person, booking.booked_by or person, now):
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
    while _first_waiting(course_session) is not None and _take_place(course_session.id):
        booking = release_place(course_session, now=now)
        if booking is None:
            break
        moved.append(booking)
    return moved


def cancel_booking(booking: Booking, *, by: User, reason: str, now: datetime) -> Booking | None:
    """Cancel a booking; after the session's cutoff a place-holding booking is a late
    cancellation. The freed place goes to the first person waiting, who is returned."""
    course_session = lock_session(booking.session_id)
    booking = _refresh(booking)
    booking.require_live()
    reason = required_text(reason, "Enter the reason for cancelling")
    if course_session.starts_at <= now:
        raise BookingError("This session has started, so the booking can no longer be cancelled")
    held = booking.holds_place
    was_waiting = booking.status is BookingStatus.WAITLISTED
    booking = _transition(
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


def accept_offer(offer: PlaceOffer, person: User, *, now: datetime) -> Booking:
    """Claim an offered place before the offer lapses."""
    offer = _answerable(offer, person, now)
    offer = _claim_offer(offer, OfferStatus.ACCEPTED, now)
    booking = _transition(
        offer.booking, BookingStatus.WAITLISTED, **_place_given(offer.session, offer.booking, now)
    )
    db.session.flush()
    _tell_given(booking)
    return booking


def decline_offer(offer: PlaceOffer, person: User, *, now: datetime) -> Booking | None:
    """Turn an offered place down; it goes to the next person waiting."""
    offer = _answerable(offer, person, now)
    offer = _claim_offer(offer, OfferStatus.DECLINED, now)
    _transition(
        offer.booking,
        BookingStatus.WAITLISTED,
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_id=person.id,
        cancellation_reason="Turned down the offered place",
    )
    db.session.flush()
    return release_place(offer.session, now=now)


def approve(booking: Booking, *, by: User, now: datetime) -> Booking:
    """A coordinator (or an admin) approves a booking waiting for approval."""
    lock_session(booking.session_id)
    booking = _refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not waiting for approval"
        )
    booking = _transition(
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
    booking = _refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not waiting for approval"
        )
    reason = required_text(reason, "Enter the reason for declining")
    booking = _transition(
        booking,
        BookingStatus.PENDING,
        status=BookingStatus.DECLINED,
        decided_by_id=by.id,
        decided_at=now,
        decision_reason=reason,
    )
    notify.declined(booking)
    return release_place(course_session, now=now)


def substitute(booking: Booking, colleague: User, *, by: User, now: datetime) -> Booking:
    """Hand a confirmed place to a colleague in the same agency, up to the start. Not a
    cancellation: the place never becomes free and nobody is charged."""
    course_session = lock_session(booking.session_id)
    booking = _refresh(booking)
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
    booking = _transition(
        booking,
        BookingStatus.CONFIRMED,
        status=BookingStatus.SUBSTITUTED,
        cancelled_at=now,
        cancelled_by_id=by.id,
    )
    replacement = _insert(
        _confirmed(course_session, colleague, by=by, now=now, substitute_for=booking)
    )
    notify.substituted(booking, replacement)
    return replacement


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
    booking = _refresh(booking)
    if booking.status is not BookingStatus.WAITLISTED:
        raise BookingError(
            f"This booking is {booking.status.label.lower()}, not on the waiting list"
        )
    offer = open_offer_for(booking)
    # A person offered a freed place already holds it.
    over = offer is None and _check_over_capacity(course_session, confirmed=over_capacity_confirmed)
    booking = _transition(
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
        _take_place(course_session.id, over_capacity=True)
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
    _take_place(course_session.id, over_capacity=True)
    booking = _insert(
        _confirmed(
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
