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
        sa.CheckConstraint(
            "no_show_charge_pence >= 0 AND late_cancellation_charge_pence >= 0",
            name="charges_not_negative",
        ),
        sa.CheckConstraint(
            "attendance_threshold_percent BETWEEN 1 AND 100", name="attendance_threshold_range"
        ),
        sa.CheckConstraint("late_after_minutes BETWEEN 1 AND 120", name="late_after_minutes_range"),
        sa.CheckConstraint(
            "renewal_reminder_days BETWEEN 1 AND 180", name="renewal_reminder_days_range"
        ),
        sa.CheckConstraint("follow_up_weeks BETWEEN 1 AND 52", name="follow_up_weeks_range"),
        sa.CheckConstraint(
            "feedback_reminder_days BETWEEN 1 AND 30", name="feedback_reminder_days_range"
        ),
        sa.CheckConstraint("feedback_link_days BETWEEN 7 AND 90", name="feedback_link_days_range"),
        sa.CheckConstraint("fewest_responses BETWEEN 1 AND 100", name="fewest_responses_range"),
        sa.CheckConstraint(
            "compliance_due_months BETWEEN 1 AND 12", name="compliance_due_months_range"
        ),
        sa.CheckConstraint("suppress_below BETWEEN 2 AND 100", name="suppress_below_range"),
        sa.CheckConstraint(
            "retention_inactive_months BETWEEN 12 AND 240", name="retention_inactive_months_range"
        ),
        sa.CheckConstraint(
            "retention_outbox_days BETWEEN 7 AND 3650", name="retention_outbox_days_range"
        ),
        sa.CheckConstraint(
            "retention_comment_months BETWEEN 1 AND 240", name="retention_comment_months_range"
        ),
        sa.CheckConstraint(
            "retention_unmatched_months BETWEEN 1 AND 120", name="retention_unmatched_months_range"
        ),
        sa.CheckConstraint(
            "retention_audit_months BETWEEN 12 AND 240", name="retention_audit_months_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # A booking awaiting its coordinator's approval holds its place this long, then lapses.
    approval_hold_days: Mapped[int] = mapped_column(default=5)
    # A freed place goes straight to the first person waiting while the session is more than
    # this many days away; closer than that, they get a time-limited offer instead.
    auto_promotion_days: Mapped[int] = mapped_column(default=3)
    offer_hours: Mapped[int] = mapped_column(default=24)
    reminder_days: Mapped[int] = mapped_column(default=3)
    # Non-attendance charges, in pence (0 disables a charge).
    no_show_charge_pence: Mapped[int] = mapped_column(default=0)
    late_cancellation_charge_pence: Mapped[int] = mapped_column(default=0)
    exempt_statutory_partners: Mapped[bool] = mapped_column(default=True)
    dispute_window_days: Mapped[int] = mapped_column(default=14)
    # After this many no-shows in twelve months a person's bookings need approval (0: never).
    repeat_no_show_threshold: Mapped[int] = mapped_column(default=3)
    # Share of the scheduled time a virtual attendee must be present to count as attended.
    attendance_threshold_percent: Mapped[int] = mapped_column(default=75)
    # Someone arriving (or joining online) more than this many minutes after the start is late.
    late_after_minutes: Mapped[int] = mapped_column(default=15)
    # An e-learning completion's holder is reminded this many days before it expires.
    renewal_reminder_days: Mapped[int] = mapped_column(default=30)
    # Evaluation: the follow-up (and the line manager's survey) is sent this many weeks after
    # the course; a request not answered is reminded once after `feedback_reminder_days`; a
    # follow-up link works for `feedback_link_days`.
    follow_up_weeks: Mapped[int] = mapped_column(default=8)
    feedback_reminder_days: Mapped[int] = mapped_column(default=7)
    feedback_link_days: Mapped[int] = mapped_column(default=28)
    # A percentage or average resting on fewer responses than this is shown as "too few
    # responses" rather than a misleading figure.
    fewest_responses: Mapped[int] = mapped_column(default=10)
    # A certificate is issued only once the person has answered the evaluation straight after.
    certificates_wait_for_evaluation: Mapped[bool] = mapped_column(default=True)
    # Compliance with a requirement is "due" within this many months of running out.
    compliance_due_months: Mapped[int] = mapped_column(default=3, server_default="3")
    # Published tables (the annual pack's publication version) show counts from 1 to
    # suppress_below - 1 as "fewer than N", with secondary suppression so no total reveals them.
    suppress_below: Mapped[int] = mapped_column(default=5, server_default="5")
    # The retention schedule, applied by run-jobs. An account with no sign-in, booking or
    # completion for this long is erased (anonymised; its training still counts).
    retention_inactive_months: Mapped[int] = mapped_column(default=72, server_default="72")
    # Messages sent (or given up on) this long ago are deleted from the outbox.
    retention_outbox_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # Free text written in evaluations is removed this long after it was given; the ratings stay.
    retention_comment_months: Mapped[int] = mapped_column(default=36, server_default="36")
    # E-learning rows that never matched anyone are deleted this long after they arrived.
    retention_unmatched_months: Mapped[int] = mapped_column(default=12, server_default="12")
    # Audit events older than this are deleted.
    retention_audit_months: Mapped[int] = mapped_column(default=84, server_default="84")
