"""Reading and changing the partnership's policy values."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.audit import services as audit
from lms.core.errors import DomainError
from lms.extensions import db
from lms.settings.models import PartnershipSettings

LIMITS = {
    "approval_hold_days": (1, 60, "days a booking waiting for approval holds its place"),
    "auto_promotion_days": (0, 60, "days before a session when freed places become offers"),
    "offer_hours": (1, 168, "hours a person has to accept an offered place"),
    "reminder_days": (1, 30, "days before a session the reminder is sent"),
    "no_show_charge_pence": (0, 100_000, "charge for a no-show, in pence,"),
    "late_cancellation_charge_pence": (0, 100_000, "charge for a late cancellation, in pence,"),
    "dispute_window_days": (1, 90, "days an agency has to dispute a charge"),
    "repeat_no_show_threshold": (0, 20, "number of no-shows in twelve months that needs approval"),
    "attendance_threshold_percent": (
        1,
        100,
        "share of the time a virtual attendee must be present",
    ),
    "late_after_minutes": (1, 120, "minutes after the start from which someone is late"),
    "renewal_reminder_days": (
        1,
        180,
        "days before an e-learning completion expires that its holder is reminded",
    ),
    "follow_up_weeks": (1, 52, "weeks after the course the follow-up is sent"),
    "feedback_reminder_days": (1, 30, "days after an evaluation request that it is reminded"),
    "feedback_link_days": (7, 90, "days a follow-up link works"),
    "fewest_responses": (1, 100, "fewest responses a figure is shown for"),
    "compliance_due_months": (
        1,
        12,
        "number of months before compliance runs out that it is due",
    ),
    "suppress_below": (
        2,
        100,
        "count below which published tables show “fewer than”",
    ),
    "retention_inactive_months": (
        12,
        240,
        "number of months without activity after which an account is erased",
    ),
    "retention_outbox_days": (7, 3650, "number of days sent messages are kept"),
    "retention_comment_months": (
        1,
        240,
        "number of months comments in evaluations are kept",
    ),
    "retention_unmatched_months": (
        1,
        120,
        "number of months e-learning rows that matched nobody are kept",
    ),
    "retention_audit_months": (12, 240, "number of months audit events are kept"),
}
FLAGS = ("exempt_statutory_partners", "certificates_wait_for_evaluation")


def current() -> PartnershipSettings:
    """The settings row, created with the defaults the first time it is needed."""
    row = db.session.get(PartnershipSettings, 1)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = PartnershipSettings(id=1)
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(sa.select(PartnershipSettings).where(PartnershipSettings.id == 1))
    return row


def update(values: dict[str, int | bool | None], *, by) -> PartnershipSettings:
    """Change policy values; each must lie in its range. Audited."""
    row = current()
    names = [*LIMITS, *FLAGS]
    before = {name: getattr(row, name) for name in names}
    for name, value in values.items():
        if name not in LIMITS:
            continue
        low, high, meaning = LIMITS[name]
        if value is None or not low <= value <= high:
            raise DomainError(f"The {meaning} must be from {low} to {high}", field=name)
    for name, value in values.items():
        setattr(row, name, value)
    for flag in FLAGS:
        if flag in values:
            setattr(row, flag, bool(values[flag]))
    after = {name: getattr(row, name) for name in names}
    if after != before:
        audit.record("settings.updated", row, actor=by, before=before, after=after)
    return row
