"""Attendance marks per booking and session date, non-attendance charges, import batches."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, User
from lms.bookings.models import Booking
from lms.catalogue.models import SessionDate
from lms.core.models import enum_type, utcnow
from lms.extensions import db


class Mark(enum.Enum):
    ATTENDED = "attended"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {
            "attended": "Attended",
            "late": "Late",
            "left_early": "Left early",
            "absent": "Absent",
        }[self.value]


class MarkSource(enum.Enum):
    REGISTER = "register"
    SELF_CHECK_IN = "self_check_in"
    IMPORT = "import"
    WALK_IN = "walk_in"


class AttendanceMark(db.Model):
    """Whether a booked person came to one date of a session."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        sa.UniqueConstraint("booking_id", "session_date_id"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    session_date_id: Mapped[int] = mapped_column(sa.ForeignKey("session_dates.id"), index=True)
    mark: Mapped[Mark] = mapped_column(enum_type(Mark, "mark"))
    # Minutes present, for virtual sessions (from the platform's attendance report).
    minutes: Mapped[int | None]
    source: Mapped[MarkSource] = mapped_column(enum_type(MarkSource, "mark_source"))
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Raised on every change; a register saved over a newer version is a conflict.
    version: Mapped[int] = mapped_column(default=1)

    booking: Mapped[Booking] = relationship()
    session_date: Mapped[SessionDate] = relationship()


class Outcome(enum.Enum):
    """What a confirmed booking came to once its session closed."""

    COMPLETED = "completed"  # attended (or late) every date
    PARTIAL = "partial"  # attended some dates, or left early without an admin's decision
    NO_SHOW = "no_show"  # absent on every date


class ChargeReason(enum.Enum):
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"

    @property
    def label(self) -> str:
        return {"no_show": "No-show", "late_cancellation": "Late cancellation"}[self.value]


class ChargeStatus(enum.Enum):
    RAISED = "raised"
    DISPUTED = "disputed"
    UPHELD = "upheld"
    WAIVED = "waived"
    INVOICED = "invoiced"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def payable(self) -> bool:
        return self in (ChargeStatus.RAISED, ChargeStatus.UPHELD, ChargeStatus.INVOICED)


class NonAttendanceCharge(db.Model):
    __tablename__ = "non_attendance_charges"
    __table_args__ = (
        sa.UniqueConstraint("booking_id"),
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        sa.Index("ix_non_attendance_charges_agency_raised_at", "agency_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"))
    # The agency recorded on the booking, which is charged.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    reason: Mapped[ChargeReason] = mapped_column(enum_type(ChargeReason, "charge_reason"))
    amount_pence: Mapped[int]
    status: Mapped[ChargeStatus] = mapped_column(
        enum_type(ChargeStatus, "charge_status"), default=ChargeStatus.RAISED
    )
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispute_reason: Mapped[str | None] = mapped_column(sa.Text)
    disputed_at: Mapped[datetime | None]
    disputed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    booking: Mapped[Booking] = relationship()
    agency: Mapped[Agency] = relationship()
    disputed_by: Mapped[User | None] = relationship(foreign_keys=[disputed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ImportBatch(db.Model):
    """An uploaded file (here, a virtual attendance report) and what became of it."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    session_date_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session_dates.id"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    # The parsed totals per person (name, email, minutes), kept until applied; never the raw log.
    proposal: Mapped[list | None] = mapped_column(sa.JSON)
    applied_at: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list | None] = mapped_column(sa.JSON)
