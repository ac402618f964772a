"""Virtual attendance import: a Teams or Zoom report for one session date becomes a proposal
(minutes per booked person, matched by email then name), which the trainer reviews and applies.
Only each person's total minutes are kept, never the raw join and leave log."""

import hashlib
import unicodedata
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance import services
from lms.attendance.models import ImportBatch, Mark, MarkSource
from lms.attendance.reports import ReportError, parse_report
from lms.bookings.models import Booking
from lms.catalogue.models import SessionDate, SessionStatus
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.settings import services as settings

KIND = "virtual_attendance"


class ReportImportError(services.AttendanceError):
    pass


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    return " ".join(folded.replace(",", " ").split())


def proposed_mark(minutes: int, scheduled: int, threshold_percent: int) -> Mark:
    """Attended when present for the threshold share of the scheduled time; left early below."""
    if minutes <= 0:
        return Mark.ABSENT
    return Mark.ATTENDED if minutes * 100 >= scheduled * threshold_percent else Mark.LEFT_EARLY


def upload(
    session_date: SessionDate, data: bytes, file_name: str, *, by: User, now: datetime
) -> ImportBatch:
    """Read a report for a session date and store what it proposes for review."""
    services._check_markable(session_date, now)
    digest = hashlib.sha256(data).hexdigest()
    try:
        report = parse_report(data, window=(session_date.starts_at, session_date.ends_at))
    except ReportError as error:
        raise ReportImportError(str(error), field="report") from None
    bookings = services.register_bookings(session_date)
    by_email = {b.user.email: b for b in bookings}
    by_name: dict[str, list[Booking]] = {}
    for booking in bookings:
        by_name.setdefault(_name_key(booking.user.name), []).append(booking)
    rows = []
    for attendee in report.attendees:
        booking = by_email.get((attendee.email or "").lower())
        if booking is None:
            named = by_name.get(_name_key(attendee.name), [])
            booking = named[0] if len(named) == 1 else None
        rows.append(
            {
                "name": attendee.name,
                "email": attendee.email,
                "minutes": attendee.minutes,
                "role": attendee.role,
                "booking_id": booking.id if booking else None,
            }
        )
    batch = ImportBatch(
        kind=KIND,
        session_date_id=session_date.id,
        uploaded_by_id=by.id,
        uploaded_at=now,
        file_name=(file_name or "report.csv")[:255],
        sha256=digest,
        proposal=rows,
        rows=len(rows),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def earlier_import(batch: ImportBatch) -> ImportBatch | None:
    """The same file applied to the same date before, if it was."""
    return db.session.scalar(
        sa.select(ImportBatch).where(
            ImportBatch.id != batch.id,
            ImportBatch.kind == KIND,
            ImportBatch.session_date_id == batch.session_date_id,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.applied_at.is_not(None),
        )
    )


def review(batch: ImportBatch) -> dict:
    """What the trainer sees before applying: each booked person's minutes and proposed mark,
    and the report's rows that matched nobody."""
    session_date = db.session.get(SessionDate, batch.session_date_id)
    scheduled = session_date.minutes
    threshold = settings.current().attendance_threshold_percent
    minutes: dict[int, int] = {}
    for row in batch.proposal or []:
        if row["booking_id"]:
            minutes[row["booking_id"]] = minutes.get(row["booking_id"], 0) + row["minutes"]
    people = [
        {
            "booking": booking,
            "minutes": minutes.get(booking.id, 0),
            "mark": proposed_mark(minutes.get(booking.id, 0), scheduled, threshold),
        }
        for booking in services.register_bookings(session_date)
    ]
    unmatched = [
        (index, row) for index, row in enumerate(batch.proposal or []) if not row["booking_id"]
    ]
    return {
        "people": people,
        "unmatched": unmatched,
        "scheduled": scheduled,
        "threshold": threshold,
    }


def apply(batch: ImportBatch, matches: dict[int, int], *, by: User, now: datetime) -> int:
    """Apply a reviewed import: the trainer's matches for unmatched rows first, then a mark and
    minutes for every booked person. Applying the same file again changes nothing."""
    if batch.applied_at is not None:
        raise ReportImportError(f"This report was applied on {uk_datetime(batch.applied_at)}")
    session_date = db.session.get(SessionDate, batch.session_date_id)
    on_register = {b.id for b in services.register_bookings(session_date)}
    rows = [dict(row) for row in batch.proposal or []]
    for index, booking_id in matches.items():
        if booking_id not in on_register or not 0 <= index < len(rows):
            raise ReportImportError("Match report rows only to people on this register")
        rows[index]["booking_id"] = booking_id
    batch.proposal = rows
    db.session.flush()
    changed = 0
    closed = session_date.session.status is SessionStatus.COMPLETED
    for person in review(batch)["people"]:
        result = services.set_mark(
            session_date,
            person["booking"],
            person["mark"],
            by=by,
            now=now,
            source=MarkSource.IMPORT,
            minutes=person["minutes"],
        )
        changed += result is not None
        if result is not None and closed:
            services.resettle(person["booking"], now=now)
    batch.applied_at = now
    batch.added = changed
    batch.duplicates = len(rows) - changed if earlier_import(batch) else 0
    db.session.flush()
    return changed
