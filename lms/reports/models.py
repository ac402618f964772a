"""The annual report pack's snapshots, and the quotes chosen for a year's pack.

A snapshot freezes every figure of a year's pack when it is taken, as JSON, so the pack
downloads the same later, however the registers are corrected since; a newer snapshot of the
same year shows what changed. The exact figures are stored; the publication version is derived
from them by the suppression rules with the threshold stored alongside, so it is the same too."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.models import utcnow
from lms.extensions import db


class ReportSnapshot(db.Model):
    __tablename__ = "report_snapshots"
    __table_args__ = (
        sa.CheckConstraint("suppress_below BETWEEN 2 AND 100", name="suppress_below_range"),
        sa.Index("ix_report_snapshots_year_taken", "year", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[str] = mapped_column(sa.String(7))  # the financial year's code: 2025-26
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Counts from 1 to suppress_below - 1 are shown as "fewer than N" in the publication version.
    suppress_below: Mapped[int]
    figures: Mapped[str] = mapped_column(sa.Text)  # canonical JSON (sorted keys)
    digest: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of `figures`

    taken_by: Mapped[User | None] = relationship()


class PackQuote(db.Model):
    """A practitioner's quote (a free-text answer given with consent) chosen for a year's pack."""

    __tablename__ = "pack_quotes"
    __table_args__ = (sa.UniqueConstraint("year", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[str] = mapped_column(sa.String(7))
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_answers.id", ondelete="CASCADE"))
    chosen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)
