"""Close-out: when a session's register becomes final and what follows.

Marking a register never closes a session: marks made during a session, and corrections to them,
change nothing irreversible. A session closes (each booking's outcome fixed, attenders completed,
no-shows charged and told) only when every confirmed booking is marked on every date and either
its last date has ended, which `run-jobs` notices by itself, or a trainer says the register is
final once the last date has started. The close is claimed by a conditional UPDATE, so two runs,
or a run and a trainer, never close a session twice.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance import services
from lms.attendance.models import AttendanceMark, Mark
from lms.attendance.services import AttendanceError, register_bookings, settle, unmarked
from lms.audit import services as audit
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession, SessionDate, SessionStatus
from lms.core.timefmt import uk_datetime
from lms.extensions import db


def close_out(course_session: CourseSession, *, now: datetime) -> bool:
    """Close a scheduled session whose register is complete: fix each booking's outcome,
    complete those attended, and run the close-out hooks (charges, messages). False when the
    register is incomplete or the session is not (or no longer) scheduled."""
    if course_session.status is not SessionStatus.SCHEDULED or unmarked(course_session):
        return False
    closed = db.session.execute(
        sa.update(CourseSession)
        .where(
            CourseSession.id == course_session.id, CourseSession.status == SessionStatus.SCHEDULED
        )
        .values(status=SessionStatus.COMPLETED)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        return False
    db.session.refresh(course_session)
    for booking in register_bookings(course_session.dates[0]):
        settle(booking, now=now)
    for hook in services.SESSION_CLOSED:
        hook(course_session, now=now)
    return True


def close_ended_sessions(*, now: datetime) -> int:
    """run-jobs: close every scheduled session whose last date has ended and whose register is
    complete; one commit per session. Returns how many closed; running it again closes none."""
    missing_mark = (
        sa.select(Booking.id)
        .join(SessionDate, SessionDate.session_id == Booking.session_id)
        .where(
            Booking.session_id == CourseSession.id,
            Booking.status == BookingStatus.CONFIRMED,
            ~sa.exists().where(
                AttendanceMark.booking_id == Booking.id,
                AttendanceMark.session_date_id == SessionDate.id,
            ),
        )
    )
    due = db.session.scalars(
        sa.select(CourseSession.id)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.ends_at <= now,
            ~missing_mark.exists(),
        )
        .order_by(CourseSession.ends_at, CourseSession.id)
    ).all()
    count = 0
    for session_id in due:
        course_session = db.session.get(CourseSession, session_id)
        if course_session.dates and course_session.dates[-1].ends_at <= now:
            count += close_out(course_session, now=now)
        db.session.commit()
    return count


def refusal(
    course_session: CourseSession, *, now: datetime, missing: list | None = None
) -> str | None:
    """Why the register cannot be made final now, or None when it can (`missing`: the
    session's `unmarked` list, when the caller has it already)."""
    if course_session.status is SessionStatus.CANCELLED:
        return "This session was cancelled, so it has no register to close"
    if course_session.status is not SessionStatus.SCHEDULED:
        return "This session is already closed: its register is final"
    last = course_session.dates[-1]
    if last.starts_at > now:
        return (
            "The register can be made final once the last date has started, on "
            f"{uk_datetime(last.starts_at)}"
        )
    missing = unmarked(course_session) if missing is None else missing
    if missing:
        names = ", ".join(sorted({booking.user.name for _date, booking in missing}))
        return f"Mark everyone on every date before making the register final. Not marked: {names}"
    return None


def finalise(course_session: CourseSession, *, by: User, now: datetime) -> None:
    """The trainer says the register is final: close the session now, before its end."""
    if reason := refusal(course_session, now=now):
        raise AttendanceError(reason)
    if not close_out(course_session, now=now):
        raise AttendanceError("Someone else closed this session a moment ago")
    audit.record("session.register_final", course_session, actor=by)


@dataclass(frozen=True)
class Closing:
    """How and when a session's register becomes final, for the register page."""

    closed: bool
    ends_at: datetime
    missing: int  # marks still to set, over every date
    refusal: str | None  # why the trainer cannot make the register final now
    absent: tuple[str, ...]  # people marked absent on every date: no-shows at close-out


def closing(course_session: CourseSession, *, now: datetime) -> Closing:
    """What the register page and the confirmation page say about closing the session."""
    missing = unmarked(course_session)
    scheduled = course_session.status is SessionStatus.SCHEDULED
    absent: tuple[str, ...] = ()
    if scheduled and not missing:
        marks: dict[int, set] = {}
        for session_date in course_session.dates:
            for booking_id, mark in services.marks_for(session_date).items():
                marks.setdefault(booking_id, set()).add(mark.mark)
        absent = tuple(
            booking.user.name
            for booking in register_bookings(course_session.dates[0])
            if marks.get(booking.id) == {Mark.ABSENT}
        )
    return Closing(
        closed=course_session.status is SessionStatus.COMPLETED,
        ends_at=course_session.dates[-1].ends_at,
        missing=len(missing),
        refusal=refusal(course_session, now=now, missing=missing),
        absent=absent,
    )
