"""What the charges pages and the monthly statements list: charges narrowed by agency, month
and status, a page at a time, their totals counted by the database, the months there are
statements for, and each charge's evidence and history."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.attendance.models import AttendanceMark, ChargeReason, ChargeStatus, NonAttendanceCharge
from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.catalogue.models import CourseSession, SessionDate
from lms.core.timefmt import local, london_to_utc, uk_date, uk_datetime
from lms.extensions import db

PER_PAGE = 50
PAYABLE = [status for status in ChargeStatus if status.payable]


@dataclass(frozen=True)
class ChargeFilter:
    """Which charges a list or a statement holds: an agency's, raised in a UK month, in a status
    (None for any)."""

    agency_id: int | None = None
    month: date | None = None
    status: ChargeStatus | None = None

    def conditions(self) -> list:
        conditions = []
        if self.agency_id is not None:
            conditions.append(NonAttendanceCharge.agency_id == self.agency_id)
        if self.month is not None:
            start, end = month_bounds(self.month)
            conditions += [
                NonAttendanceCharge.raised_at >= start,
                NonAttendanceCharge.raised_at < end,
            ]
        if self.status is not None:
            conditions.append(NonAttendanceCharge.status == self.status)
        return conditions


@dataclass(frozen=True)
class Totals:
    count: int
    payable_pence: int  # raised, upheld and invoiced charges; disputed and waived ones are not


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC moments a UK calendar month starts and the next one starts."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return london_to_utc(first, time()), london_to_utc(following, time())


def charges_query(f: ChargeFilter) -> sa.Select:
    """The charges, newest first, with what a list shows of each loaded alongside."""
    return (
        sa.select(NonAttendanceCharge)
        .options(
            selectinload(NonAttendanceCharge.booking).selectinload(Booking.user),
            selectinload(NonAttendanceCharge.booking)
            .selectinload(Booking.session)
            .selectinload(CourseSession.course),
            selectinload(NonAttendanceCharge.agency),
        )
        .where(*f.conditions())
        .order_by(NonAttendanceCharge.raised_at.desc(), NonAttendanceCharge.id.desc())
    )


def charges(f: ChargeFilter) -> list[NonAttendanceCharge]:
    """Every charge the filter holds, newest first (a month's statement)."""
    return list(db.session.scalars(charges_query(f)))


def totals(f: ChargeFilter) -> Totals:
    """How many charges the filter holds and the amount payable, summed by the database."""
    payable = sa.case(
        (NonAttendanceCharge.status.in_(PAYABLE), NonAttendanceCharge.amount_pence), else_=0
    )
    count, pence = db.session.execute(
        sa.select(
            sa.func.count(NonAttendanceCharge.id),
            sa.cast(sa.func.coalesce(sa.func.sum(payable), 0), sa.BigInteger),
        ).where(*f.conditions())
    ).one()
    return Totals(count, pence)


def statement_months(agency_id: int | None, *, now: datetime) -> list[date]:
    """The UK months from the first charge's (the agency's, when given) to this one, newest
    first: the months there can be a statement for."""
    query = sa.select(sa.func.min(NonAttendanceCharge.raised_at))
    if agency_id is not None:
        query = query.where(NonAttendanceCharge.agency_id == agency_id)
    first = db.session.scalar(query)
    this_month = local(now).date().replace(day=1)
    month = min(local(first).date().replace(day=1), this_month) if first else this_month
    months = []
    while month <= this_month:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months[::-1]


def history_for(rows: list[NonAttendanceCharge]) -> dict[int, list[AuditEvent]]:
    """The audit events of each charge, newest first, in one query."""
    events: dict[int, list[AuditEvent]] = {charge.id: [] for charge in rows}
    found = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == NonAttendanceCharge.__name__,
            AuditEvent.object_id.in_(list(events)),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    for event in found:
        events[event.object_id].append(event)
    return events


def evidence_for(rows: list[NonAttendanceCharge]) -> dict[int, list[str]]:
    """What each charge rests on, in words: the register marks of a no-show (who marked them,
    when, from what), or when a late cancellation was made against the cutoff."""
    booking_ids = [charge.booking_id for charge in rows]
    marks = db.session.execute(
        sa.select(AttendanceMark, SessionDate.starts_at, User.name)
        .join(SessionDate, SessionDate.id == AttendanceMark.session_date_id)
        .outerjoin(User, User.id == AttendanceMark.marked_by_id)
        .where(AttendanceMark.booking_id.in_(booking_ids))
        .order_by(SessionDate.starts_at)
    ).all()
    by_booking: dict[int, list[str]] = {}
    for mark, day, marker in marks:
        source = mark.source.value.replace("_", " ")
        by_booking.setdefault(mark.booking_id, []).append(
            f"{uk_date(day)}: marked {mark.mark.label.lower()} by {marker or 'the system'} "
            f"on {uk_datetime(mark.marked_at)} ({source})"
        )
    evidence = {}
    for charge in rows:
        booking = charge.booking
        if charge.reason is ChargeReason.LATE_CANCELLATION:
            cutoff = booking.session.cancellation_cutoff_at
            evidence[charge.id] = [
                f"Cancelled on {uk_datetime(booking.cancelled_at)}, after the cutoff of "
                f"{uk_datetime(cutoff)}"
                + (f": “{booking.cancellation_reason}”" if booking.cancellation_reason else "")
            ]
        else:
            evidence[charge.id] = by_booking.get(booking.id, [])
    return evidence
