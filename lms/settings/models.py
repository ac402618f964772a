"""One row of policy values; each feature reads the ones it needs."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import TimestampMixin
from lms.extensions import db


class PartnershipSettings(TimestampMixin, db.Model):
    __tablename__ = "partnership_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("approval_hold_days BETWEEN 1 AND 60", name="approval_hold_days_range"),
        sa.CheckConstraint(
            "auto_promotion_days BETWEEN 0 AND 60", name="auto_promotion_days_range"
        ),
        sa.CheckConstraint("offer_hours BETWEEN 1 AND 168", name="offer_hours_range"),
        sa.CheckConstraint("reminder_days BETWEEN 1 AND 30", name="reminder_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # A booking awaiting its coordinator's approval holds its place this long, then lapses.
    approval_hold_days: Mapped[int] = mapped_column(default=5)
    # A freed place goes straight to the first person waiting while the session is more than
    # this many days away; closer than that, they get a time-limited offer instead.
    auto_promotion_days: Mapped[int] = mapped_column(default=3)
    offer_hours: Mapped[int] = mapped_column(default=24)
    reminder_days: Mapped[int] = mapped_column(default=3)
