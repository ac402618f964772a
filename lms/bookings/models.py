"""Bookings and what hangs on them: offers of freed places, interest in courses."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, User
from lms.catalogue.models import Course, CourseSession
from lms.core.errors import DomainError
from lms.core.models import enum_type, utcnow
from lms.extensions import db


class BookingStatus(enum.Enum):
    PENDING = "pending"  # waiting for the coordinator's approval; holds a place
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    DECLINED = "declined"  # the coordinator said no
    SUBSTITUTED = "substituted"  # handed to a colleague; not a cancellation

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for approval",
            "confirmed": "Confirmed",
            "waitlisted": "On the waiting list",
            "cancelled": "Cancelled",
            "declined": "Declined",
            "substituted": "Passed to a colleague",
        }[self.value]


LIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
HOLDS_PLACE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
_LIVE_SQL = "status IN ('pending', 'confirmed', 'waitlisted')"


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        # One live booking per person per session, whatever races happen.
        sa.Index(
            "uq_bookings_live_user_session",
            "user_id",
            "session_id",
            unique=True,
            sqlite_where=sa.text(_LIVE_SQL),
            postgresql_where=sa.text(_LIVE_SQL),
        ),
        sa.Index("ix_bookings_session_status", "session_id", "status"),
        # PostgreSQL prices probes of the two-column index above too high to use it when the
        # reports join a year's sessions to their bookings, and scans every booking instead.
        sa.Index("ix_bookings_session_id", "session_id"),
        sa.Index("ix_bookings_agency_status", "agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id"))
    # The person's agency when they booked: statistics count this, not their agency today.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "booking_status"))
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Waiting-list order: when the person joined the list (ties broken by id).
    waitlisted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    pending_expires_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    is_late_cancellation: Mapped[bool] = mapped_column(default=False)
    substitute_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"))
    reminder_sent_at: Mapped[datetime | None]
    # Set when the person completed the course (by attendance); prerequisites look here.
    completed_at: Mapped[datetime | None]
    # Calendar SEQUENCE of this booking's invitation: raised on every change.
    sequence: Mapped[int] = mapped_column(default=0)
    # Set at close-out from the attendance marks: completed, partial or no_show.
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    # An administrator's decision on a booking whose person left early: does it count?
    left_early_counts: Mapped[bool | None]
    is_walk_in: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    session: Mapped[CourseSession] = relationship()
    agency: Mapped[Agency] = relationship()
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])
    substitute_for: Mapped["Booking | None"] = relationship(remote_side=[id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE

    def require_live(self) -> None:
        if not self.is_live:
            raise DomainError(f"This booking is already {self.status.label.lower()}")


class OfferStatus(enum.Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"


class PlaceOffer(db.Model):
    """A freed place held for the first person waiting until they answer or it lapses."""

    __tablename__ = "place_offers"
    __table_args__ = (
        sa.Index(
            "uq_place_offers_open_booking",
            "booking_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_place_offers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(
        enum_type(OfferStatus, "offer_status"), default=OfferStatus.OPEN
    )
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    booking: Mapped[Booking] = relationship()
    session: Mapped[CourseSession] = relationship()


class Interest(db.Model):
    """A person's interest in a course that has no session open for booking."""

    __tablename__ = "interests"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When they were told a session opened; None while they are still waiting to hear.
    notified_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    agency: Mapped[Agency] = relationship()
