"""Recording audit events."""

from typing import Any

from lms.audit.models import AuditEvent
from lms.extensions import db


def record(
    action: str,
    obj: Any,
    *,
    actor: Any | None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event for a change to obj made by actor (None for the system)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=f"{actor.name} (user {actor.id})" if actor is not None else "system",
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event


def events_for(obj: Any) -> list[AuditEvent]:
    """The audit events recorded for one object, newest first."""
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.object_type == type(obj).__name__, AuditEvent.object_id == obj.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
