"""Training requirements by role, the role tags coordinators set on their staff, and the
reminders compliance sends.

A requirement says who it applies to (any of its sectors, agencies, job-title words and role
tags; a kind left empty does not narrow), what satisfies it (any of a set of courses or
modules; training at a level or above, on any of a set of themes; or a number of CPD hours at a
level or above within a number of years) and how often it must be renewed. Compliance itself is
never stored: `status.py` derives it from attendance, e-learning and verified declared training.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, Sector, User
from lms.catalogue.models import Course, Theme
from lms.core.models import TimestampMixin, enum_type, utcnow
from lms.extensions import db


class Satisfied(enum.Enum):
    """What satisfies a requirement."""

    COURSES = "courses"  # any one of its courses or modules
    LEVEL = "level"  # training at its level or above, on any of its themes (or any theme)
    HOURS = "hours"  # its CPD hours at its level or above within its years

    @property
    def label(self) -> str:
        return {
            Satisfied.COURSES: "Any of a set of courses or modules",
            Satisfied.LEVEL: "Training at a level, on chosen themes",
            Satisfied.HOURS: "CPD hours at a level within a number of years",
        }[self]


requirement_agencies = sa.Table(
    "requirement_agencies",
    db.metadata,
    sa.Column(
        "requirement_id",
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("agency_id", sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
)
requirement_tags = sa.Table(
    "requirement_tags",
    db.metadata,
    sa.Column(
        "requirement_id",
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("tag_id", sa.ForeignKey("role_tags.id", ondelete="CASCADE"), primary_key=True),
)
requirement_courses = sa.Table(
    "requirement_courses",
    db.metadata,
    sa.Column(
        "requirement_id",
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)
requirement_themes = sa.Table(
    "requirement_themes",
    db.metadata,
    sa.Column(
        "requirement_id",
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class RequirementSector(db.Model):
    __tablename__ = "requirement_sectors"

    requirement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "sector"), primary_key=True)


class RoleTag(TimestampMixin, db.Model):
    """A role a coordinator marks on a person, such as "Designated safeguarding lead"."""

    __tablename__ = "role_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")


class PersonTag(db.Model):
    """A role tag set on a person, by whom and when."""

    __tablename__ = "person_tags"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        sa.ForeignKey("role_tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tag: Mapped[RoleTag] = relationship()
    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])


class TrainingRequirement(TimestampMixin, db.Model):
    __tablename__ = "training_requirements"
    __table_args__ = (
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name="level_range"),
        sa.CheckConstraint(
            "renew_months IS NULL OR renew_months BETWEEN 1 AND 120", name="renew_months_range"
        ),
        sa.CheckConstraint("hours IS NULL OR hours > 0", name="hours_positive"),
        sa.CheckConstraint(
            "within_years IS NULL OR within_years BETWEEN 1 AND 10", name="within_years_range"
        ),
        sa.CheckConstraint(
            "satisfied_by <> 'hours' OR (hours IS NOT NULL AND within_years IS NOT NULL)",
            name="hours_need_hours_and_years",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # A requirement shipped with the demo, modelled on published guidance: the partnership must
    # confirm (edit and save) it before relying on it.
    is_example: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    # Who it applies to: a person matches when each kind given matches (any of its values);
    # a kind left empty does not narrow. Job-title words match case-insensitively, one a line.
    sector_rows: Mapped[list["RequirementSector"]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementSector.sector"
    )
    job_title_words: Mapped[str] = mapped_column(sa.Text, default="")
    agencies: Mapped[list[Agency]] = relationship(secondary=requirement_agencies)
    tags: Mapped[list[RoleTag]] = relationship(secondary=requirement_tags)

    # What satisfies it.
    satisfied_by: Mapped[Satisfied] = mapped_column(enum_type(Satisfied, "satisfied_by"))
    courses: Mapped[list[Course]] = relationship(secondary=requirement_courses)
    level: Mapped[int | None]
    themes: Mapped[list[Theme]] = relationship(secondary=requirement_themes)
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    within_years: Mapped[int | None]
    # Verified training declared from outside the partnership has no level: it counts towards
    # an hours requirement only when this is set.
    outside_training_counts: Mapped[bool] = mapped_column(default=False)

    # How often: renewed every this many months after the training; None: once is enough.
    # (An hours requirement is renewed by its rolling window instead.)
    renew_months: Mapped[int | None]

    @property
    def sectors(self) -> list[Sector]:
        return [row.sector for row in self.sector_rows]

    @sectors.setter
    def sectors(self, sectors) -> None:
        wanted = list(dict.fromkeys(sectors))
        self.sector_rows = [
            next((row for row in self.sector_rows if row.sector is sector), None)
            or RequirementSector(sector=sector)
            for sector in wanted
        ]

    @property
    def job_titles(self) -> list[str]:
        """The job-title words, one a line, as written."""
        return [line.strip() for line in self.job_title_words.splitlines() if line.strip()]


class DueNotice(db.Model):
    """Told once: a person was told their compliance with a requirement runs out on
    `valid_until` (its last valid day). Training again moves the date, so they are told again
    next time."""

    __tablename__ = "compliance_due_notices"
    __table_args__ = (sa.UniqueConstraint("user_id", "requirement_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"), index=True
    )
    valid_until: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Chase(db.Model):
    """A coordinator chased a person about a requirement (one message each, in the outbox)."""

    __tablename__ = "compliance_chases"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_requirements.id", ondelete="CASCADE"), index=True
    )
    chased_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    chased_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
