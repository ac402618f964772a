"""Virtual attendance import: a Teams or Zoom report for one session date becomes a proposal
(minutes per booked person, matched by email then name; the session's trainers recognised the
same way), which the trainer reviews, a page at a time, and applies. Only each person's total
minutes and when they first joined are kept, never the raw join and leave log."""

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance import services
from lms.attendance.meeting_reports import ReportError, parse_report
from lms.attendance.models import ImportBatch, Mark, MarkSource
from lms.catalogue.models import SessionDate, SessionStatus
from lms.core.text import single_line
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.settings import services as settings

KIND = "virtual_attendance"


class ReportImportError(services.AttendanceError):
    pass


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    return " ".join(folded.replace(",", " ").split())


PER_PAGE = 100  # people, and report rows to match, on one page of the review


def proposed_mark(
    minutes: int,
    scheduled: int,
    threshold_percent: int,
    *,
    joined_after_seconds: int | None = None,
    late_after_minutes: int = 15,
) -> Mark:
    """Attended when present for the threshold share of the scheduled time, late when they also
    first joined more than `late_after_minutes` after the start; left early below the share."""
    if minutes <= 0:
        return Mark.ABSENT
    if minutes * 100 < scheduled * threshold_percent:
        return Mark.LEFT_EARLY
    if joined_after_seconds is not None and joined_after_seconds > late_after_minutes * 60:
        return Mark.LATE
    return Mark.ATTENDED


def _people_index(people: list[tuple[User, object]]) -> tuple[dict, dict]:
    by_email = {user.email.lower(): item for user, item in people}
    by_name: dict[str, list] = {}
    for user, item in people:
        by_name.setdefault(_name_key(user.name), []).append(item)
    return by_email, by_name


def _find(attendee, by_email: dict, by_name: dict, *, name_only_without_email: bool = False):
    """The person a report row is: by email, else by a name only one person has."""
    found = by_email.get((attendee.email or "").lower())
    if found is None and not (name_only_without_email and attendee.email):
        named = by_name.get(_name_key(attendee.name), [])
        found = named[0] if len(named) == 1 else None
    return found


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
    booked = _people_index([(b.user, b) for b in services.register_bookings(session_date)])
    trainers = _people_index([(t, t) for t in session_date.session.trainers])
    rows = []
    for attendee in report.attendees:
        booking = _find(attendee, *booked)
        trainer = None if booking else _find(attendee, *trainers, name_only_without_email=True)
        first = attendee.intervals[0][0] if attendee.intervals else None
        rows.append(
            {
                "name": attendee.name,
                "email": attendee.email,
                "minutes": attendee.minutes,
                "role": attendee.role,
                "booking_id": booking.id if booking else None,
                "trainer_id": trainer.id if trainer else None,
                "joined_after_seconds": (
                    int((first - session_date.starts_at).total_seconds()) if first else None
                ),
                "waiting_only": attendee.waiting_only,
            }
        )
    batch = ImportBatch(
        kind=KIND,
        session_date_id=session_date.id,
        uploaded_by_id=by.id,
        uploaded_at=now,
        file_name=_file_name(file_name),
        sha256=digest,
        proposal=rows,
        rows=len(rows),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _file_name(name: str | None) -> str:
    """The name the file had on the uploader's computer, without folders or control characters."""
    name = single_line(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "report.csv"


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


@dataclass(frozen=True)
class Page:
    """One page of the review, with what the GOV.UK pagination macro asks of a page."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, *, left_edge=1, right_edge=1, left_current=1, right_current=2):
        """Page numbers to link to, with None where a run of them is left out."""
        shown = [
            n
            for n in range(1, self.pages + 1)
            if n <= left_edge
            or n > self.pages - right_edge
            or self.page - left_current <= n <= self.page + right_current
        ]
        for index, number in enumerate(shown):
            if index and number - shown[index - 1] > 1:
                yield None
            yield number

    def slice(self, items: list) -> list:
        return items[(self.page - 1) * PER_PAGE : self.page * PER_PAGE]


def _chosen(row: dict) -> int | None:
    """The booking a report row counts for: the system's match, else the trainer's choice."""
    return row.get("booking_id") or row.get("choice")


def _to_match(rows: list[dict]) -> list[tuple[int, dict]]:
    """Report rows that matched nobody booked and are not a trainer: the trainer decides."""
    return [
        (index, row)
        for index, row in enumerate(rows)
        if not row.get("booking_id") and not row.get("trainer_id")
    ]


def review(batch: ImportBatch, page: int = 1) -> dict:
    """What the trainer sees before applying, a page at a time: each booked person's minutes and
    proposed mark, the report's rows that matched nobody (with any choice already made), the
    session's trainers, and the pages that still have rows nobody has decided about."""
    session_date = db.session.get(SessionDate, batch.session_date_id)
    scheduled = session_date.minutes
    rules = settings.current()
    rows = batch.proposal or []
    totals: dict[int, int] = {}
    joined: dict[int, int] = {}
    waiting: dict[int, bool] = {}
    for row in rows:
        if booking_id := _chosen(row):
            totals[booking_id] = totals.get(booking_id, 0) + row["minutes"]
            if (after := row.get("joined_after_seconds")) is not None:
                joined[booking_id] = min(joined.get(booking_id, after), after)
            waiting[booking_id] = waiting.get(booking_id, True) and bool(row.get("waiting_only"))
    people = [
        {
            "booking": booking,
            "minutes": totals.get(booking.id, 0),
            "waiting_only": waiting.get(booking.id, False),
            "mark": proposed_mark(
                totals.get(booking.id, 0),
                scheduled,
                rules.attendance_threshold_percent,
                joined_after_seconds=joined.get(booking.id),
                late_after_minutes=rules.late_after_minutes,
            ),
        }
        for booking in services.register_bookings(session_date)
    ]
    to_match = _to_match(rows)
    pages = max(1, math.ceil(len(to_match) / PER_PAGE), math.ceil(len(people) / PER_PAGE))
    current = Page(min(max(page, 1), pages), pages)
    undecided = [n for n, (_index, row) in enumerate(to_match) if "choice" not in row]
    return {
        "all_people": people,
        "people": current.slice(people),
        "unmatched": current.slice(to_match),
        "trainers": [row for row in rows if row.get("trainer_id")],
        "page": current,
        "undecided_pages": sorted({n // PER_PAGE + 1 for n in undecided}),
        "scheduled": scheduled,
        "threshold": rules.attendance_threshold_percent,
        "late_after": rules.late_after_minutes,
    }


def record_choices(batch: ImportBatch, choices: dict[int, int | None]) -> None:
    """Keep the trainer's decisions for the report rows of one page (a booking, or None for
    nobody booked), so moving between pages loses none of them."""
    if batch.applied_at is not None:
        raise ReportImportError(f"This report was applied on {uk_datetime(batch.applied_at)}")
    session_date = db.session.get(SessionDate, batch.session_date_id)
    on_register = {b.id for b in services.register_bookings(session_date)}
    rows = [dict(row) for row in batch.proposal or []]
    decidable = {index for index, _row in _to_match(rows)}
    for index, booking_id in choices.items():
        if index not in decidable or (booking_id is not None and booking_id not in on_register):
            raise ReportImportError("Match report rows only to people on this register")
        rows[index]["choice"] = booking_id
    batch.proposal = rows
    db.session.flush()


def apply(batch: ImportBatch, choices: dict[int, int | None], *, by: User, now: datetime) -> int:
    """Apply a reviewed import: this page's decisions, then a mark and minutes for every booked
    person. Refused, changing nothing, while rows on other pages are undecided. Applying the same
    file again changes nothing; after close-out the changes are corrections."""
    record_choices(batch, choices)
    reviewed = review(batch)
    if pages := reviewed["undecided_pages"]:
        listed = ", ".join(str(n) for n in pages)
        raise ReportImportError(
            f"Some report rows match nobody booked and have not been checked yet, on page "
            f"{listed}. Choose who each is, or “Not someone booked”, then apply the report"
        )
    session_date = db.session.get(SessionDate, batch.session_date_id)
    closed = session_date.session.status is SessionStatus.COMPLETED
    changed = 0
    for person in reviewed["all_people"]:
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
    batch.duplicates = len(batch.proposal or []) - changed if earlier_import(batch) else 0
    db.session.flush()
    return changed
