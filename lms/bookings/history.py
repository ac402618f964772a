"""Administrators' decisions on a session's bookings, as its bookings page lists them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.extensions import db

# What each decision did, with {person} the person the booking is for and {actor} who decided.
_SENTENCES = {
    "booking.added_by_admin": "{person} added with a confirmed place by {actor}",
    "booking.confirmed_by_admin": "{person} given a place from the waiting list by {actor}",
}


@dataclass(frozen=True)
class Decision:
    at: datetime
    text: str
    reason: str | None


def describe(event: AuditEvent, booking: Booking) -> str:
    """One decision in words, naming the person it is about and who took it."""
    action = event.action.removeprefix("booking.").replace("_", " ")
    template = _SENTENCES.get(event.action, "{person}: " + action + " by {actor}")
    text = template.format(person=booking.user.name, actor=event.actor_label)
    if (event.after or {}).get("over_capacity"):
        text += ", over the session's capacity"
    return text


def session_decisions(bookings: Sequence[Booking]) -> list[Decision]:
    """The audited decisions on these bookings, newest first."""
    by_id = {booking.id: booking for booking in bookings}
    if not by_id:
        return []
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "Booking", AuditEvent.object_id.in_(by_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return [
        Decision(event.at, describe(event, by_id[event.object_id]), event.reason)
        for event in events
    ]
