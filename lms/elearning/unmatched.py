"""The unmatched queue: completions for addresses nobody has an account with. Admins list and
search them, match one to a person by hand, or dismiss it with a reason; rows attach by
themselves when someone confirms an address in the queue (see `completions.attach_waiting`).

A row is decided once: matching and dismissing move it from open with a conditional UPDATE, so
two admins deciding the same row at once cannot both succeed."""

from dataclasses import dataclass

import sqlalchemy as sa

from lms.accounts.models import User
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.catalogue.models import Course, DeliveryMode, Provider
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.core.text import multi_line
from lms.elearning import completions
from lms.elearning.models import Completion, UnmatchedCompletion, UnmatchedStatus
from lms.extensions import db

REASON_LIMIT = 1000
CANDIDATES_SHOWN = 20


class UnmatchedError(DomainError):
    pass


@dataclass(frozen=True)
class QueueFilter:
    """What the admin narrowed the queue to: a status (None: every status), a module, a
    provider, and a search over the address and the name as the provider wrote them."""

    status: UnmatchedStatus | None = UnmatchedStatus.OPEN
    course_id: int | None = None
    provider_id: int | None = None
    search: str = ""


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _narrowed(query: sa.Select, chosen: QueueFilter, *, with_status: bool = True) -> sa.Select:
    if with_status and chosen.status is not None:
        query = query.where(UnmatchedCompletion.status == chosen.status)
    if chosen.course_id:
        query = query.where(UnmatchedCompletion.course_id == chosen.course_id)
    if chosen.provider_id:
        query = query.where(
            UnmatchedCompletion.course_id.in_(
                sa.select(Course.id).where(Course.provider_id == chosen.provider_id)
            )
        )
    search = " ".join((chosen.search or "").split()).lower()
    if search:
        pattern = _like(search)
        query = query.where(
            sa.or_(
                sa.func.lower(UnmatchedCompletion.email).like(pattern, escape="\\"),
                sa.func.lower(UnmatchedCompletion.name).like(pattern, escape="\\"),
            )
        )
    return query


def queue(chosen: QueueFilter) -> sa.Select:
    """The rows chosen, the most recently received first."""
    query = sa.select(UnmatchedCompletion).order_by(
        UnmatchedCompletion.received_at.desc(), UnmatchedCompletion.id.desc()
    )
    return _narrowed(query, chosen)


def counts(chosen: QueueFilter) -> dict[UnmatchedStatus, int]:
    """How many rows of each status the other filters (module, provider, search) leave."""
    query = _narrowed(
        sa.select(UnmatchedCompletion.status, sa.func.count()).group_by(UnmatchedCompletion.status),
        chosen,
        with_status=False,
    )
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in UnmatchedStatus}


def modules() -> list[Course]:
    """Every e-learning module, archived ones too (old rows may name them), by title."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .where(Course.delivery_mode == DeliveryMode.ELEARNING)
            .order_by(Course.title, Course.id)
        )
    )


def providers() -> list[Provider]:
    """The providers of e-learning modules, by name."""
    return list(
        db.session.scalars(
            sa.select(Provider)
            .where(
                Provider.id.in_(
                    sa.select(Course.provider_id).where(
                        Course.delivery_mode == DeliveryMode.ELEARNING
                    )
                )
            )
            .order_by(Provider.name)
        )
    )


def candidates(search: str) -> list[User]:
    """Accounts whose email or name contains the search, for matching a row by hand."""
    search = " ".join((search or "").split()).lower()
    if not search:
        return []
    pattern = _like(search)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                sa.or_(
                    User.email.like(pattern, escape="\\"),
                    sa.func.lower(User.name).like(pattern, escape="\\"),
                )
            )
            .order_by(User.name, User.id)
            .limit(CANDIDATES_SHOWN)
        )
    )


def _take(row: UnmatchedCompletion, status: UnmatchedStatus, *, by: User) -> None:
    """Move the row from open to `status`, or refuse if it was decided already (perhaps a
    moment ago by someone else)."""
    now = utcnow()
    changed = db.session.execute(
        sa.update(UnmatchedCompletion)
        .where(
            UnmatchedCompletion.id == row.id,
            UnmatchedCompletion.status == UnmatchedStatus.OPEN,
        )
        .values(status=status, decided_by_id=by.id, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    if changed != 1:
        raise UnmatchedError(
            f"This completion has already been {row.status.label.lower()}. Nothing was changed"
        )


def match(row: UnmatchedCompletion, person: User, *, by: User) -> tuple[Completion, bool]:
    """Match an open row to a person by hand: it becomes their completion, counted for the
    agency they were in on the day (or the one they already hold that day). Returns the
    completion and whether it was new."""
    if not person.is_active:
        raise UnmatchedError(
            f"{person.name}'s account is deactivated. Reactivate it first, or choose someone else"
        )
    _take(row, UnmatchedStatus.MATCHED, by=by)
    already = completions.held(person.id, row.course_id, row.completed_on)
    completion = completions.match_unmatched(row, person, by=by)
    return completion, already is None


def others_for_address(row: UnmatchedCompletion) -> list[UnmatchedCompletion]:
    """The other open rows for the same address, the oldest completion first."""
    return list(
        db.session.scalars(
            sa.select(UnmatchedCompletion)
            .where(
                UnmatchedCompletion.email == row.email,
                UnmatchedCompletion.status == UnmatchedStatus.OPEN,
                UnmatchedCompletion.id != row.id,
            )
            .order_by(UnmatchedCompletion.completed_on, UnmatchedCompletion.id)
        )
    )


def match_address(row: UnmatchedCompletion, person: User, *, by: User) -> int:
    """Match a row and every other open row for its address to a person; returns how many
    completions were added (rows for a completion they already held add none)."""
    added = 0
    for each in [row, *others_for_address(row)]:
        added += match(each, person, by=by)[1]
    return added


def dismiss(row: UnmatchedCompletion, reason: str | None, *, by: User) -> None:
    """Dismiss an open row with a reason (it stays, marked, for the record); audited."""
    reason = multi_line(reason or "").strip()
    if not reason:
        raise UnmatchedError("Enter why this completion is dismissed", field="reason")
    if len(reason) > REASON_LIMIT:
        raise UnmatchedError(
            f"The reason must be {REASON_LIMIT} characters or fewer", field="reason"
        )
    _take(row, UnmatchedStatus.DISMISSED, by=by)
    audit.record(
        "elearning.unmatched_dismissed",
        row,
        actor=by,
        before={"status": UnmatchedStatus.OPEN.value},
        after={"status": UnmatchedStatus.DISMISSED.value, "email": row.email},
        reason=reason,
    )


def dismissal_reason(row: UnmatchedCompletion) -> str:
    """Why a dismissed row was dismissed, from the audit trail (the row holds no reason)."""
    return (
        db.session.scalar(
            sa.select(AuditEvent.reason)
            .where(
                AuditEvent.action == "elearning.unmatched_dismissed",
                AuditEvent.object_type == "UnmatchedCompletion",
                AuditEvent.object_id == row.id,
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        or ""
    )
