"""Attendance rules: registers, outcomes, completion, walk-ins and self check-in.

Marking (and correcting) a register never closes its session: that is `lms.attendance.closeout`,
after the last date has ended (run-jobs) or when the trainer says the register is final. At
close-out each booking's outcome (completed, partial, no-show) is fixed by `settle`, charges are
raised and `complete_booking`, the event later features hang on, runs for each booking completed.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.attendance.models import AttendanceMark, Mark, MarkSource, Outcome
from lms.audit import services as audit
from lms.bookings.models import Booking, BookingStatus
from lms.bookings.places import lock_session, take_place
from lms.catalogue.models import CourseSession, SessionDate, SessionStatus
from lms.core.errors import DomainError
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.settings import services as settings

# Called as hook(booking, now=...) when a booking is completed (evaluation, certificate, ...).
BOOKING_COMPLETED: list[Callable] = []
# Called as hook(session, now=...) after a session closes (charges, messages).
SESSION_CLOSED: list[Callable] = []
# Called as hook(booking, before=outcome, now=...) when a correction after close-out changes
# a booking's outcome (charges raised or withdrawn).
OUTCOME_CORRECTED: list[Callable] = []

CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)


class AttendanceError(DomainError):
    pass


class RegisterConflict(AttendanceError):
    """Someone else saved the register since this form was loaded."""


@dataclass(frozen=True)
class Entry:
    booking_id: int
    mark: Mark
    seen_version: int  # 0 when the form showed no mark yet


def register_bookings(session_date: SessionDate) -> list[Booking]:
    """The people on a date's register: every confirmed booking of the session, by name."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .join(User, User.id == Booking.user_id)
            .where(
                Booking.session_id == session_date.session_id,
                Booking.status == BookingStatus.CONFIRMED,
            )
            .order_by(User.name, Booking.id)
        )
    )


def marks_for(session_date: SessionDate) -> dict[int, AttendanceMark]:
    return {
        mark.booking_id: mark
        for mark in db.session.scalars(
            sa.select(AttendanceMark).where(AttendanceMark.session_date_id == session_date.id)
        )
    }


def _check_markable(session_date: SessionDate, now: datetime) -> None:
    if session_date.starts_at > now:
        raise AttendanceError(
            f"This date starts on {uk_datetime(session_date.starts_at)}: "
            "attendance can be marked once it has started"
        )
    if session_date.session.status is SessionStatus.CANCELLED:
        raise AttendanceError("This session was cancelled, so it has no register")


def set_mark(
    session_date: SessionDate,
    booking: Booking,
    mark: Mark,
    *,
    by: User | None,
    now: datetime,
    source: MarkSource = MarkSource.REGISTER,
    minutes: int | None = None,
    seen_version: int | None = None,
) -> AttendanceMark | None:
    """Record one person's attendance on one date. A change to a mark already set is audited;
    a mark changed by someone else since `seen_version` is a conflict."""
    existing = db.session.scalar(
        sa.select(AttendanceMark).where(
            AttendanceMark.booking_id == booking.id,
            AttendanceMark.session_date_id == session_date.id,
        )
    )
    if existing is None:
        if seen_version:
            raise RegisterConflict(booking.user.name)
        row = AttendanceMark(
            booking_id=booking.id,
            session_date_id=session_date.id,
            mark=mark,
            minutes=minutes,
            source=source,
            marked_by_id=by.id if by else None,
            marked_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            raise RegisterConflict(booking.user.name) from None
        return row
    if seen_version is not None and existing.version != seen_version:
        raise RegisterConflict(booking.user.name)
    if existing.mark is mark and (minutes is None or existing.minutes == minutes):
        return None
    before = {"mark": existing.mark.value, "minutes": existing.minutes}
    changed = db.session.execute(
        sa.update(AttendanceMark)
        .where(AttendanceMark.id == existing.id, AttendanceMark.version == existing.version)
        .values(
            mark=mark,
            minutes=minutes if minutes is not None else existing.minutes,
            source=source,
            marked_by_id=by.id if by else None,
            marked_at=now,
            version=AttendanceMark.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise RegisterConflict(booking.user.name)
    db.session.refresh(existing)
    audit.record(
        "attendance.changed",
        existing,
        actor=by,
        before=before,
        after={"mark": mark.value, "minutes": existing.minutes, "booking_id": booking.id},
    )
    return existing


def save_register(
    session_date: SessionDate, entries: list[Entry], *, by: User, now: datetime
) -> CourseSession:
    """Save a register; if anyone else saved it meanwhile, nothing is saved and the people
    they changed are named. Never closes the session; after close-out a change is a correction
    whose outcome and charges are settled again."""
    _check_markable(session_date, now)
    bookings = {booking.id: booking for booking in register_bookings(session_date)}
    conflicts, changed = [], []
    for entry in entries:
        booking = bookings.get(entry.booking_id)
        if booking is None:
            raise AttendanceError("That person is not on this register")
        try:
            if set_mark(
                session_date, booking, entry.mark, by=by, now=now, seen_version=entry.seen_version
            ):
                changed.append(booking)
        except RegisterConflict as conflict:
            conflicts.append(str(conflict))
    if conflicts:
        names = ", ".join(conflicts)
        raise RegisterConflict(
            f"Someone else saved this register while you were editing it, changing: {names}. "
            "Nothing was saved. Your marks are still on the form: check them against the "
            "latest register and save again"
        )
    db.session.flush()
    if session_date.session.status is SessionStatus.COMPLETED:
        for booking in changed:
            resettle(booking, now=now)
    return session_date.session


def resettle(booking: Booking, *, now: datetime) -> None:
    """A mark corrected after close-out: fix the booking's outcome again and let the charge
    rules raise or withdraw what the correction calls for."""
    before = booking.outcome
    after = settle(booking, now=now)
    if after is not Outcome.COMPLETED and booking.completed_at is not None:
        booking.completed_at = None
    if before != after.value:
        for hook in OUTCOME_CORRECTED:
            hook(booking, before=before, now=now)


def mark_everyone_present(session_date: SessionDate, *, by: User, now: datetime) -> int:
    """Mark every unmarked person on the register as attended; returns how many."""
    _check_markable(session_date, now)
    marked = marks_for(session_date)
    count = 0
    for booking in register_bookings(session_date):
        if booking.id not in marked:
            set_mark(session_date, booking, Mark.ATTENDED, by=by, now=now)
            count += 1
    db.session.flush()
    return count


def unmarked(course_session: CourseSession) -> list[tuple[SessionDate, Booking]]:
    """Confirmed bookings still missing a mark for a date that has started."""
    missing = []
    for session_date in course_session.dates:
        marked = marks_for(session_date)
        missing += [
            (session_date, b) for b in register_bookings(session_date) if b.id not in marked
        ]
    return missing


def _outcome(booking: Booking, marks: list[AttendanceMark]) -> Outcome:
    values = [mark.mark for mark in marks]
    if all(value is Mark.ABSENT for value in values):
        return Outcome.NO_SHOW
    if all(value in (Mark.ATTENDED, Mark.LATE) for value in values):
        return Outcome.COMPLETED
    only_left_early = all(value in (Mark.ATTENDED, Mark.LATE, Mark.LEFT_EARLY) for value in values)
    if only_left_early and booking.left_early_counts:
        return Outcome.COMPLETED
    return Outcome.PARTIAL


def settle(booking: Booking, *, now: datetime) -> Outcome:
    """Fix a booking's outcome from its marks; completing it runs the completion hooks once."""
    marks = list(
        db.session.scalars(sa.select(AttendanceMark).where(AttendanceMark.booking_id == booking.id))
    )
    outcome = _outcome(booking, marks)
    booking.outcome = outcome.value
    if outcome is Outcome.COMPLETED and booking.completed_at is None:
        complete_booking(booking, now=now)
    db.session.flush()
    return outcome


def complete_booking(booking: Booking, *, now: datetime) -> None:
    """A person completed a course: the one event evaluations and certificates hang on."""
    booking.completed_at = now
    db.session.flush()
    for hook in BOOKING_COMPLETED:
        hook(booking, now=now)


def decide_left_early(booking: Booking, *, counts: bool, by: User, now: datetime) -> Outcome:
    """An administrator decides whether leaving early still counts as completing the course."""
    if booking.outcome != Outcome.PARTIAL.value:
        raise AttendanceError("Only a booking marked partial after close-out needs a decision")
    booking.left_early_counts = counts
    audit.record("attendance.left_early_decided", booking, actor=by, after={"counts": counts})
    return settle(booking, now=now)


def check_in_token(session_date: SessionDate) -> str:
    """The secret in a date's self check-in QR code (derived, so nothing is stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"check-in:{session_date.id}".encode(), hashlib.sha256).hexdigest()[:32]


def self_check_in(
    session_date: SessionDate, person: User, token: str, *, now: datetime
) -> AttendanceMark | None:
    """A person scanning the trainer's QR code during the session marks themselves attended."""
    if not hmac.compare_digest(token or "", check_in_token(session_date)):
        raise AttendanceError("This check-in code is not valid. Ask the trainer to show it again")
    if not session_date.starts_at - CHECK_IN_OPENS_BEFORE <= now <= session_date.ends_at:
        raise AttendanceError(
            "Check-in is open only during the session, from 30 minutes before it starts"
        )
    booking = db.session.scalar(
        sa.select(Booking).where(
            Booking.session_id == session_date.session_id,
            Booking.user_id == person.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )
    if booking is None:
        raise AttendanceError(
            "You do not have a confirmed place on this session. Speak to the trainer"
        )
    late_after = timedelta(minutes=settings.current().late_after_minutes)
    mark = Mark.LATE if now > session_date.starts_at + late_after else Mark.ATTENDED
    return set_mark(
        session_date, booking, mark, by=person, now=now, source=MarkSource.SELF_CHECK_IN
    )


def add_walk_in(session_date: SessionDate, person: User, *, by: User, now: datetime) -> Booking:
    """Someone came on the day: a booking made then, over capacity if need be, marked attended."""
    _check_markable(session_date, now)
    course_session = lock_session(session_date.session_id)
    if course_session.status is not SessionStatus.SCHEDULED:
        raise AttendanceError("This session is closed, so nobody can be added")
    existing = db.session.scalar(
        sa.select(Booking).where(
            Booking.session_id == course_session.id,
            Booking.user_id == person.id,
            Booking.status.in_(
                [BookingStatus.CONFIRMED, BookingStatus.PENDING, BookingStatus.WAITLISTED]
            ),
        )
    )
    if existing is not None and existing.status is BookingStatus.CONFIRMED:
        raise AttendanceError(f"{person.name} is already on the register")
    held = existing is not None and existing.status is BookingStatus.PENDING
    if existing is not None:
        existing.status, existing.confirmed_at = BookingStatus.CONFIRMED, now
        booking = existing
    else:
        booking = Booking(
            user_id=person.id,
            session_id=course_session.id,
            agency_id=person.agency_id,
            status=BookingStatus.CONFIRMED,
            booked_by_id=by.id,
            created_at=now,
            confirmed_at=now,
            is_walk_in=True,
        )
        db.session.add(booking)
    if not held:
        take_place(course_session.id, over_capacity=True)
    db.session.flush()
    set_mark(session_date, booking, Mark.ATTENDED, by=by, now=now, source=MarkSource.WALK_IN)
    return booking


def awaiting_decision() -> list[Booking]:
    """Partial bookings whose person left early and no administrator has decided about yet."""
    left_early = sa.select(AttendanceMark.booking_id).where(AttendanceMark.mark == Mark.LEFT_EARLY)
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.outcome == Outcome.PARTIAL.value,
                Booking.left_early_counts.is_(None),
                Booking.id.in_(left_early),
            )
            .order_by(Booking.id.desc())
        )
    )
