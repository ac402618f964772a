"""The programme: themes, providers, venues, courses and their scheduled sessions."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, User
from lms.core.models import TimestampMixin, enum_type
from lms.extensions import db


class DeliveryMode(enum.Enum):
    CLASSROOM = "classroom"
    VIRTUAL = "virtual"
    ELEARNING = "elearning"
    BLENDED = "blended"

    @property
    def label(self) -> str:
        return {
            "classroom": "Face to face",
            "virtual": "Virtual (live online)",
            "elearning": "E-learning",
            "blended": "Blended",
        }[self.value]


class Audience(enum.Enum):
    CHILDREN = "children"
    ADULTS = "adults"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "children": "Children and families",
            "adults": "Adults at risk",
            "both": "Children and adults",
        }[self.value]


class CourseStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SessionStatus(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Platform(enum.Enum):
    TEAMS = "teams"
    ZOOM = "zoom"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"teams": "Microsoft Teams", "zoom": "Zoom", "other": "Other online platform"}[
            self.value
        ]


course_themes = sa.Table(
    "course_themes",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

session_trainers = sa.Table(
    "session_trainers",
    db.metadata,
    sa.Column(
        "session_id", sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class Theme(db.Model):
    """A partnership priority: neglect, exploitation, domestic abuse, ..."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)


class Provider(TimestampMixin, db.Model):
    """A commissioned training provider."""

    __tablename__ = "providers"
    __table_args__ = (
        sa.CheckConstraint(
            "contract_ends_on IS NULL OR contract_starts_on IS NULL "
            "OR contract_ends_on >= contract_starts_on",
            name="contract_ends_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contract_starts_on: Mapped[date | None]
    contract_ends_on: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    # The columns of this provider's e-learning completion files, remembered from the last
    # import: field name -> column heading, and "completed_values" (statuses that count).
    import_mapping: Mapped[dict | None] = mapped_column(sa.JSON)


class Venue(TimestampMixin, db.Model):
    """A partner building where face-to-face sessions are held."""

    __tablename__ = "venues"
    __table_args__ = (sa.CheckConstraint("capacity >= 1", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    address: Mapped[str] = mapped_column(sa.Text)
    postcode: Mapped[str] = mapped_column(sa.String(10))
    capacity: Mapped[int]
    accessibility_notes: Mapped[str] = mapped_column(sa.Text, default="")
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    agency: Mapped[Agency | None] = relationship()

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in [self.name, self.address, self.postcode] if part)


class Course(TimestampMixin, db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="level_1_to_4"),
        sa.CheckConstraint("cpd_hours >= 0", name="cpd_hours_not_negative"),
        sa.CheckConstraint(
            "certificate_validity_months IS NULL OR certificate_validity_months > 0",
            name="certificate_validity_positive",
        ),
        sa.CheckConstraint(
            "prerequisite_id IS NULL OR prerequisite_id <> id", name="not_own_prerequisite"
        ),
        # An e-learning module is known by its provider's code in that provider's files.
        sa.UniqueConstraint("provider_id", "module_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    learning_outcomes: Mapped[str] = mapped_column(sa.Text, default="")
    level: Mapped[int]
    delivery_mode: Mapped[DeliveryMode] = mapped_column(enum_type(DeliveryMode, "delivery_mode"))
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, "audience"))
    cpd_hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    approval_required: Mapped[bool] = mapped_column(default=False)
    prerequisite_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"))
    # Also how long an e-learning completion stays valid (None: it never expires).
    certificate_validity_months: Mapped[int | None]
    # E-learning modules: the provider's code for it, the xAPI activity id its statements name,
    # and the provider's page for the course.
    module_code: Mapped[str | None] = mapped_column(sa.String(100))
    activity_id: Mapped[str | None] = mapped_column(sa.String(500), unique=True)
    course_url: Mapped[str | None] = mapped_column(sa.String(500))
    # People booked on it are asked to rate their knowledge and confidence before the day.
    evaluation_before: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CourseStatus] = mapped_column(
        enum_type(CourseStatus, "course_status"), default=CourseStatus.DRAFT, index=True
    )

    provider: Mapped[Provider | None] = relationship()
    prerequisite: Mapped["Course | None"] = relationship(remote_side=[id])
    themes: Mapped[list[Theme]] = relationship(secondary=course_themes, order_by=Theme.name)
    sessions: Mapped[list["CourseSession"]] = relationship(
        back_populates="course", order_by="CourseSession.starts_at"
    )

    @property
    def outcomes(self) -> list[str]:
        lines = self.learning_outcomes.splitlines()
        return [line.strip("-• ").strip() for line in lines if line.strip()]


class CourseSession(TimestampMixin, db.Model):
    """One scheduled delivery of a course, over one or more dates (shown to users as "session")."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("places_taken >= 0", name="places_taken_not_negative"),
        sa.CheckConstraint(
            "agency_cap IS NULL OR (agency_cap >= 1 AND agency_cap <= capacity)",
            name="agency_cap_within_capacity",
        ),
        sa.CheckConstraint(
            "venue_id IS NOT NULL OR platform IS NOT NULL", name="venue_or_platform"
        ),
        sa.Index("ix_course_sessions_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    platform: Mapped[Platform | None] = mapped_column(enum_type(Platform, "platform"))
    # Shown only to confirmed attendees and trainers, never in the catalogue, feeds or API.
    join_link: Mapped[str | None] = mapped_column(sa.String(500))
    joining_instructions: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int]
    # Confirmed places, kept by the booking rules with one conditional UPDATE per booking.
    places_taken: Mapped[int] = mapped_column(default=0)
    agency_cap: Mapped[int | None]
    booking_opens_at: Mapped[datetime | None]
    booking_closes_at: Mapped[datetime | None]
    cancellation_cutoff_at: Mapped[datetime | None]
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Start of the first date and end of the last, kept with the dates, for listing and reports.
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # Twilight sessions start at 16:00 UK time or later; kept with the dates (SQLite cannot
    # convert time zones in a query).
    is_twilight: Mapped[bool] = mapped_column(default=False)
    # Calendar SEQUENCE: raised on every change so subscribed calendars update.
    sequence: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="sessions")
    venue: Mapped[Venue | None] = relationship()
    dates: Mapped[list["SessionDate"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionDate.starts_at"
    )
    trainers: Mapped[list[User]] = relationship(secondary=session_trainers, order_by=User.name)

    @property
    def is_virtual(self) -> bool:
        return self.venue_id is None

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    @property
    def location(self) -> str:
        return "Online" if self.venue is None else self.venue.full_address

    @property
    def cancellation_notice(self) -> str:
        """The cancellation and its reason in one sentence, however the reason was typed."""
        reason = one_sentence(self.cancellation_reason or "")
        if not reason:
            return "This session has been cancelled."
        return f"This session has been cancelled: {reason}"

    def is_bookable(self, now: datetime) -> bool:
        """Open for booking: scheduled, published, not started, inside the booking window."""
        if self.status is not SessionStatus.SCHEDULED:
            return False
        if self.course.status is not CourseStatus.PUBLISHED:
            return False
        if self.starts_at <= now:
            return False
        if self.booking_opens_at and now < self.booking_opens_at:
            return False
        return not (self.booking_closes_at and now >= self.booking_closes_at)


def one_sentence(text: str) -> str:
    """Text ending in exactly one full stop, or in the "?" or "!" it ends with; empty stays
    empty. "Snow.." and "Snow ." become "Snow."."""
    text = " ".join(text.split()).rstrip(" .…")
    if not text or text.endswith(("?", "!")):
        return text
    return f"{text}."


class SessionDate(db.Model):
    """One day (or part of a day) of a session."""

    __tablename__ = "session_dates"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.UniqueConstraint("session_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    session: Mapped[CourseSession] = relationship(back_populates="dates")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
