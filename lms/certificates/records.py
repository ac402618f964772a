"""A person's training record: every course they completed, every e-learning completion they
hold and every verified training they declared from outside the partnership, with CPD hours,
dates and validity, newest first.

A verified declaration of an e-learning module of the catalogue is recorded as a completion
(source "Declared and verified"), so it appears once, as that completion; only declarations of
training outside the partnership (no module) are listed as declarations. No-shows, cancelled
bookings, withdrawn completions and pending or rejected declarations are not on the record.

Validity: a course's row states what its live certificate states (or, before the certificate is
issued, what it will state); an e-learning completion's is its `expires_on`, the first day it
is no longer valid. Either is "due for renewal" within the partnership's reminder window.
Declared outside training has no validity recorded.

Four queries whatever the length of the record (bookings, completions, declarations and
certificates, each with what they show loaded alongside)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession
from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.core.cells import safe_cell
from lms.core.timefmt import day_span, long_date
from lms.elearning import completions
from lms.elearning.models import Completion, DeclarationStatus, TrainingDeclaration
from lms.elearning.renewals import RenewalStatus
from lms.extensions import db

LIVE = issuing.LIVE
# The intercollegiate framework counts CPD hours over three years.
RECENT_MONTHS = 36

COURSE, ELEARNING, DECLARED = "Course", "E-learning", "Outside the partnership"


@dataclass(frozen=True)
class Row:
    """One line of the record."""

    kind: str  # COURSE, ELEARNING or DECLARED
    title: str
    level: int | None
    mode: str  # face to face or virtual; an e-learning completion's source; "Declared"
    provider: str
    first_day: date
    last_day: date
    hours: Decimal
    status: RenewalStatus | None  # None: no validity recorded (declared outside training)
    valid_until: date | None  # the last valid day; None: does not expire (or not recorded)
    certificate: str = ""  # the live certificate's status, e.g. "Valid"; "" when none

    @property
    def days_text(self) -> str:
        return day_span(self.first_day, self.last_day)

    @property
    def validity_text(self) -> str:
        if self.status is None:
            return "Not recorded"
        if self.valid_until is None:
            return "Does not expire"
        if self.status is RenewalStatus.EXPIRED:
            return f"Expired on {long_date(self.valid_until + timedelta(days=1))}"
        return f"Valid until {long_date(self.valid_until)}"


@dataclass(frozen=True)
class Record:
    """A person's training record as of `today` (in the UK)."""

    person: User
    today: date
    rows: list[Row] = field(default_factory=list)

    @property
    def total_hours(self) -> Decimal:
        return sum((row.hours for row in self.rows), Decimal(0))

    @property
    def recent_since(self) -> date:
        """The first day counted in the last three years."""
        return completions.add_months(self.today, -RECENT_MONTHS) + timedelta(days=1)

    @property
    def recent_hours(self) -> Decimal:
        since = self.recent_since
        return sum((row.hours for row in self.rows if row.last_day >= since), Decimal(0))


def hours_text(hours: Decimal) -> str:
    """Hours as people write them: "3", "6.5", "12"."""
    return f"{hours.normalize():f}"


def status_of(valid_until: date | None, today: date, reminder_days: int) -> RenewalStatus:
    """Valid, due for renewal (its last valid day is within the reminder window) or expired."""
    if valid_until is None:
        return RenewalStatus.VALID
    if valid_until < today:
        return RenewalStatus.EXPIRED
    if valid_until < today + timedelta(days=reminder_days):
        return RenewalStatus.DUE
    return RenewalStatus.VALID


def _certificates(user_id: int) -> tuple[dict[int, Certificate], dict[int, Certificate]]:
    """The person's live certificates, by booking and by completion."""
    by_booking, by_completion = {}, {}
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user_id, LIVE)
    ):
        if certificate.booking_id is not None:
            by_booking[certificate.booking_id] = certificate
        else:
            by_completion[certificate.completion_id] = certificate
    return by_booking, by_completion


def _course_rows(user_id, certificates, *, today, reminder_days) -> list[Row]:
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.user_id == user_id,
            Booking.completed_at.is_not(None),
            Booking.status != BookingStatus.CANCELLED,
        )
        .options(
            selectinload(Booking.session).selectinload(CourseSession.dates),
            selectinload(Booking.session).selectinload(CourseSession.trainers),
            selectinload(Booking.session)
            .selectinload(CourseSession.course)
            .selectinload(Course.provider),
        )
    )
    rows = []
    for booking in bookings:
        course_session = booking.session
        course = course_session.course
        first, last = issuing.session_days(course_session)
        certificate = certificates.get(booking.id)
        if certificate is not None:
            valid_until = certificate.valid_until
        else:  # what the certificate will state once issued
            valid_until = issuing.last_valid_day(
                completions.expires_on(course.certificate_validity_months, last)
            )
        rows.append(
            Row(
                kind=COURSE,
                title=course.title,
                level=course.level,
                mode="Virtual" if course_session.is_virtual else "Face to face",
                provider=issuing.delivered_by(course, course_session),
                first_day=first,
                last_day=last,
                hours=course.cpd_hours,
                status=status_of(valid_until, today, reminder_days),
                valid_until=valid_until,
                certificate=certificate.status(today).label if certificate else "",
            )
        )
    return rows


def _elearning_rows(user_id, certificates, *, today, reminder_days) -> list[Row]:
    held = db.session.scalars(
        sa.select(Completion)
        .where(Completion.user_id == user_id, Completion.withdrawn_at.is_(None))
        .options(selectinload(Completion.course).selectinload(Course.provider))
    )
    rows = []
    for completion in held:
        course = completion.course
        expires = completion.expires_on
        valid_until = None if expires is None else expires - timedelta(days=1)
        certificate = certificates.get(completion.id)
        rows.append(
            Row(
                kind=ELEARNING,
                title=course.title,
                level=course.level,
                mode=completion.source.label,
                provider=issuing.delivered_by(course, None),
                first_day=completion.completed_on,
                last_day=completion.completed_on,
                hours=course.cpd_hours,
                status=status_of(valid_until, today, reminder_days),
                valid_until=valid_until,
                certificate=certificate.status(today).label if certificate else "",
            )
        )
    return rows


def _declared_rows(user_id) -> list[Row]:
    declarations = db.session.scalars(
        sa.select(TrainingDeclaration).where(
            TrainingDeclaration.user_id == user_id,
            TrainingDeclaration.status == DeclarationStatus.VERIFIED,
            TrainingDeclaration.course_id.is_(None),
        )
    )
    return [
        Row(
            kind=DECLARED,
            title=declaration.title,
            level=None,
            mode="Declared and verified",
            provider=declaration.provider_name,
            first_day=declaration.completed_on,
            last_day=declaration.completed_on,
            hours=declaration.hours,
            status=None,
            valid_until=None,
        )
        for declaration in declarations
    ]


def record_of(person: User, *, today: date, reminder_days: int) -> Record:
    """A person's training record as of `today`, newest training first."""
    by_booking, by_completion = _certificates(person.id)
    rows = [
        *_course_rows(person.id, by_booking, today=today, reminder_days=reminder_days),
        *_elearning_rows(person.id, by_completion, today=today, reminder_days=reminder_days),
        *_declared_rows(person.id),
    ]
    rows.sort(key=lambda row: (row.last_day, row.first_day, row.title), reverse=True)
    return Record(person=person, today=today, rows=rows)


# The spreadsheet ---------------------------------------------------------------------------

CSV_HEADINGS = (
    "First day",
    "Last day",
    "Training",
    "Type",
    "Level",
    "Mode or source",
    "Provider or trainers",
    "CPD hours",
    "Status",
    "Valid until",
    "Certificate",
)


def about(record: Record, *, partnership: str) -> list[tuple[str, str]]:
    """What a download says above its table."""
    person = record.person
    return [
        ("Training record", person.name),
        ("Agency", person.agency.name),
        ("Partnership", partnership),
        ("As of", long_date(record.today)),
        ("CPD hours, all training", hours_text(record.total_hours)),
        (
            f"CPD hours since {long_date(record.recent_since)} (three years)",
            hours_text(record.recent_hours),
        ),
    ]


def to_csv(record: Record, *, partnership: str) -> str:
    """The record as CSV text: who and the totals, a blank line, then a row per training.
    Dates as 2026-11-30; no cell can run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in about(record, partnership=partnership):
        writer.writerow([safe_cell(label), safe_cell(value)])
    writer.writerow([])
    writer.writerow(CSV_HEADINGS)
    for row in record.rows:
        writer.writerow(
            safe_cell(value)
            for value in (
                row.first_day.isoformat(),
                row.last_day.isoformat(),
                row.title,
                row.kind,
                "" if row.level is None else row.level,
                row.mode,
                row.provider,
                hours_text(row.hours),
                row.status.label if row.status else "Not recorded",
                row.valid_until.isoformat() if row.valid_until else "",
                row.certificate,
            )
        )
    return out.getvalue()
