"""Non-attendance charges: raised at close-out under the partnership's policy, disputed by the
agency's coordinator within the window, upheld or waived by an administrator, invoiced monthly.
Also the messages about no-shows and the rule for repeat non-attendance. What the charges pages
and statements list is in `charge_lists`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from lms.accounts.models import Agency, Role, User, UserRole
from lms.attendance.models import ChargeReason, ChargeStatus, NonAttendanceCharge, Outcome
from lms.audit import services as audit
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.errors import DomainError, required_text
from lms.core.timefmt import local, london_to_utc, long_date
from lms.core.urls import external_url
from lms.core.words import plural
from lms.extensions import db
from lms.mail.services import queue_message
from lms.settings import services as settings


class ChargeError(DomainError):
    pass


def is_exempt(agency: Agency) -> bool:
    rules = settings.current()
    return agency.is_charge_exempt or (
        agency.is_statutory_partner and rules.exempt_statutory_partners
    )


def _raise(booking: Booking, reason: ChargeReason, *, now: datetime) -> NonAttendanceCharge | None:
    rules = settings.current()
    amount = (
        rules.no_show_charge_pence
        if reason is ChargeReason.NO_SHOW
        else rules.late_cancellation_charge_pence
    )
    if amount <= 0 or is_exempt(booking.agency):
        return None
    exists = db.session.scalar(
        sa.select(NonAttendanceCharge.id).where(NonAttendanceCharge.booking_id == booking.id)
    )
    if exists is not None:
        return None
    charge = NonAttendanceCharge(
        booking_id=booking.id,
        agency_id=booking.agency_id,
        reason=reason,
        amount_pence=amount,
        raised_at=now,
    )
    db.session.add(charge)
    db.session.flush()
    audit.record(
        "charge.raised", charge, actor=None, after={"reason": reason.value, "amount_pence": amount}
    )
    return charge


def on_session_closed(course_session: CourseSession, *, now: datetime) -> None:
    """At close-out: charge no-shows and late cancellations, tell no-shows and their managers,
    and warn people who reach the repeat non-attendance threshold."""
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.session_id == course_session.id)
    ).all()
    for booking in bookings:
        if booking.status is BookingStatus.CONFIRMED and booking.outcome == Outcome.NO_SHOW.value:
            _raise(booking, ChargeReason.NO_SHOW, now=now)
            _tell_no_show(booking)
            _check_repeat(booking.user, now=now)
        elif booking.status is BookingStatus.CANCELLED and booking.is_late_cancellation:
            _raise(booking, ChargeReason.LATE_CANCELLATION, now=now)


def on_outcome_corrected(booking: Booking, *, before: str | None, now: datetime) -> None:
    """A correction made someone a no-show (charge them) or no longer one (withdraw it)."""
    if booking.outcome == Outcome.NO_SHOW.value:
        _raise(booking, ChargeReason.NO_SHOW, now=now)
        _tell_no_show(booking)
        _check_repeat(booking.user, now=now)
        return
    charge = db.session.scalar(
        sa.select(NonAttendanceCharge).where(
            NonAttendanceCharge.booking_id == booking.id,
            NonAttendanceCharge.reason == ChargeReason.NO_SHOW,
            NonAttendanceCharge.status.in_([ChargeStatus.RAISED, ChargeStatus.DISPUTED]),
        )
    )
    if charge is not None:
        charge.status, charge.decided_at = ChargeStatus.WAIVED, now
        charge.decision_reason = "Attendance corrected: the person attended"
        audit.record(
            "charge.withdrawn",
            charge,
            actor=None,
            after={"status": "waived"},
            reason=charge.decision_reason,
        )


def next_sessions(course_id: int, *, now: datetime) -> list[CourseSession]:
    sessions = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.course_id == course_id, CourseSession.starts_at > now)
        .order_by(CourseSession.starts_at)
    )
    return [session for session in sessions if session.is_bookable(now)][:3]


def _tell_no_show(booking: Booking) -> None:
    from lms.core.models import utcnow

    session = booking.session
    queue_message(
        recipient=booking.user.email,
        user=booking.user,
        kind="no_show",
        subject=f"Sorry we missed you: {session.course.title}",
        context={
            "person": booking.user,
            "session": session,
            "course": session.course,
            "upcoming": next_sessions(session.course_id, now=utcnow()),
            "session_url": lambda s: external_url("catalogue.session", session_id=s.id),
        },
    )
    if booking.user.line_manager_email:
        queue_message(
            recipient=booking.user.line_manager_email,
            kind="no_show_manager",
            subject=f"{booking.user.name} did not attend {session.course.title}",
            context={"person": booking.user, "session": session, "course": session.course},
        )


def no_shows_in_year(person: User, *, now: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(
            Booking.user_id == person.id,
            Booking.outcome == Outcome.NO_SHOW.value,
            CourseSession.starts_at > now - timedelta(days=365),
        )
    )


def needs_approval_for_no_shows(person: User, now: datetime) -> bool:
    """Booking rule: after the threshold of no-shows in twelve months, bookings need approval."""
    threshold = settings.current().repeat_no_show_threshold
    return threshold > 0 and no_shows_in_year(person, now=now) >= threshold


def _check_repeat(person: User, *, now: datetime) -> None:
    threshold = settings.current().repeat_no_show_threshold
    if threshold <= 0 or no_shows_in_year(person, now=now) != threshold:
        return
    coordinators = db.session.scalars(
        sa.select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.COORDINATOR,
            User.agency_id == person.agency_id,
            User.is_active.is_(True),
        )
    ).all()
    for recipient in [person, *coordinators]:
        queue_message(
            recipient=recipient.email,
            user=recipient,
            kind="repeat_no_show",
            subject=f"Bookings for {person.name} now need approval",
            context={"person": person, "recipient": recipient, "threshold": threshold},
        )


@dataclass(frozen=True)
class DisputeWindow:
    """Whether a charge can still be disputed, and until when."""

    last_day: date  # the last UK day a dispute is accepted, all of it
    refusal: str | None  # why it cannot be disputed now; None while it can

    @property
    def is_open(self) -> bool:
        return self.refusal is None


def dispute_window(
    charge: NonAttendanceCharge, *, now: datetime, days: int | None = None
) -> DisputeWindow:
    """The rule for disputes, for the page and the service alike: a raised charge can be
    disputed until the end of the UK day the partnership's window of `days` (by default the
    setting) ends on: raised on 28 November with 14 days, until 12 December inclusive."""
    days = settings.current().dispute_window_days if days is None else days
    last_day = local(charge.raised_at).date() + timedelta(days=days)
    refusal = None
    if charge.status is not ChargeStatus.RAISED:
        refusal = f"This charge is {charge.status.label.lower()}, so it cannot be disputed"
    elif now >= london_to_utc(last_day + timedelta(days=1), time()):
        refusal = (
            f"Charges can be disputed for {plural(days, 'day')} after they are raised: this one "
            f"could be disputed until {long_date(last_day)}"
        )
    return DisputeWindow(last_day, refusal)


def dispute_windows(rows: list[NonAttendanceCharge], *, now: datetime) -> dict[int, DisputeWindow]:
    """Each charge's dispute window, reading the partnership's setting once."""
    days = settings.current().dispute_window_days
    return {charge.id: dispute_window(charge, now=now, days=days) for charge in rows}


def dispute(charge: NonAttendanceCharge, *, by: User, reason: str, now: datetime) -> None:
    """The agency's coordinator disputes a charge, with a reason, within the window."""
    if by.agency_id != charge.agency_id:
        raise ChargeError("You can only dispute your own agency's charges")
    window = dispute_window(charge, now=now)
    if not window.is_open:
        raise ChargeError(window.refusal, field="reason")
    reason = required_text(reason, "Enter the reason for disputing the charge")
    charge.status, charge.dispute_reason = ChargeStatus.DISPUTED, reason
    charge.disputed_at, charge.disputed_by_id = now, by.id
    audit.record(
        "charge.disputed",
        charge,
        actor=by,
        before={"status": "raised"},
        after={"status": "disputed"},
        reason=reason,
    )


def decide(
    charge: NonAttendanceCharge, *, uphold: bool, by: User, reason: str, now: datetime
) -> None:
    """An administrator upholds or waives a charge, with a reason. Audited."""
    reason = required_text(reason, "Enter the reason for the decision")
    if charge.status not in (ChargeStatus.RAISED, ChargeStatus.DISPUTED):
        raise ChargeError(f"This charge is already {charge.status.label.lower()}")
    before = charge.status.value
    charge.status = ChargeStatus.UPHELD if uphold else ChargeStatus.WAIVED
    charge.decided_at, charge.decided_by_id, charge.decision_reason = now, by.id, reason
    audit.record(
        "charge.decided",
        charge,
        actor=by,
        before={"status": before},
        after={"status": charge.status.value},
        reason=reason,
    )


def register_hooks() -> None:
    """Hang the charge rules on close-out and the approval rule on bookings (once)."""
    from lms.attendance import services as attendance
    from lms.bookings import places

    if on_session_closed not in attendance.SESSION_CLOSED:
        attendance.SESSION_CLOSED.append(on_session_closed)
    if on_outcome_corrected not in attendance.OUTCOME_CORRECTED:
        attendance.OUTCOME_CORRECTED.append(on_outcome_corrected)
    if needs_approval_for_no_shows not in places.NEEDS_APPROVAL:
        places.NEEDS_APPROVAL.append(needs_approval_for_no_shows)
