"""The retention schedule: personal data kept no longer than the partnership's settings say.

`apply(now)` is run by `run-jobs`. Each step works in batches of `BATCH` rows, found by key
from where the last batch ended, and commits each batch, so memory stays bounded whatever the
size of the tables and a run stopped half-way loses nothing done. Running it again at once
changes nothing. Each step that changed something adds one audit event with its count.

- Inactive accounts: erased (anonymised by `lms.privacy.erasure.erase_person`; the rows the
  statistics count stay) once nothing has happened on them for `retention_inactive_months`.
  Accounts holding a role in force other than practitioner (administrator, trainer, PDL viewer,
  coordinator of their own agency) are never erased by the schedule: an administrator takes the
  role away first. So the last administrator is never erased.
- Outbox: messages sent, or given up on, more than `retention_outbox_days` ago are deleted
  with their attachments (a chase keeps its date; its link to the message is cleared).
- Evaluation comments: free text answered more than `retention_comment_months` ago is removed
  as an administrator's redaction removes it (nobody named as remover); ratings stay.
- E-learning rows that matched nobody (open or dismissed) are deleted
  `retention_unmatched_months` after they arrived; so are the error reports (which hold the
  same addresses) of imports uploaded that long ago, and the bytes of files uploaded that long
  ago and never imported.
- Audit events older than `retention_audit_months` are deleted, except the attendance trail
  (`KEPT_ACTIONS`: kept as long as the registers, which are never deleted), the record that an
  account was created (the removal of unconfirmed accounts relies on it) and erasures."""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Role, User, UserRole
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.catalogue.models import SessionDate
from lms.compliance.models import Chase
from lms.elearning.completions import add_months
from lms.elearning.models import (
    Completion,
    ElearningImport,
    ImportProblem,
    TrainingDeclaration,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from lms.feedback.models import Answer, Response
from lms.mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from lms.settings import services as settings
from lms.settings.models import PartnershipSettings

BATCH = 1000
# Audit events kept whatever their age: the attendance trail, account creation, erasures.
KEPT_ACTIONS = ("session.register_final", "user.created")
KEPT_PREFIXES = ("attendance.",)
KEPT_CONTAINING = ("erase",)
# Roles that keep an account from being erased by the schedule while in force.
PROTECTED_ROLES = (Role.ADMIN, Role.TRAINER, Role.PDL_VIEWER)


def months_before(now: datetime, months: int) -> datetime:
    """The same moment `months` earlier (the month's last day when it is shorter)."""
    return datetime.combine(add_months(now.date(), -months), now.timetz())


PERIODS = (
    "retention_inactive_months",
    "retention_outbox_days",
    "retention_comment_months",
    "retention_unmatched_months",
    "retention_audit_months",
)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def months_in_words(months: int) -> str:
    """'6 years' for 72, '18 months' for 18, '1 year' for 12."""
    return _count(months // 12, "year") if months % 12 == 0 else _count(months, "month")


def periods_in_words() -> dict[str, str]:
    """The schedule's periods as the privacy notice states them, read without writing (the
    defaults while the settings were never saved)."""
    row = db.session.get(PartnershipSettings, 1)
    table = PartnershipSettings.__table__
    values = {
        name: getattr(row, name) if row is not None else table.c[name].default.arg
        for name in PERIODS
    }
    return {
        name: _count(value, "day") if name.endswith("_days") else months_in_words(value)
        for name, value in values.items()
    }


def apply(now: datetime) -> dict[str, int]:
    """Apply every period of the retention schedule once; commits batch by batch."""
    row = settings.current()
    periods = {
        "inactive": row.retention_inactive_months,
        "outbox": row.retention_outbox_days,
        "comment": row.retention_comment_months,
        "unmatched": row.retention_unmatched_months,
        "audit": row.retention_audit_months,
    }
    db.session.commit()
    unmatched_cutoff = months_before(now, periods["unmatched"])
    return {
        "inactive accounts erased": erase_inactive(now, periods["inactive"]),
        "sent messages deleted": delete_messages(now, periods["outbox"]),
        "evaluation comments removed": remove_comments(now, periods["comment"]),
        "unmatched e-learning rows deleted": delete_unmatched(unmatched_cutoff),
        "e-learning import error rows deleted": delete_import_problems(unmatched_cutoff),
        "e-learning files never imported cleared": clear_uploads(unmatched_cutoff),
        "audit events deleted": delete_audit_events(now, periods["audit"]),
    }


def _in_batches(next_ids: Callable[[int], list[int]], act: Callable[[list[int]], int]) -> int:
    """Call `act` on each batch of ids `next_ids(after)` gives, committing each; the total."""
    done, after = 0, 0
    while ids := next_ids(after):
        done += act(ids)
        db.session.commit()
        after = ids[-1]
    return done


def _audited(action: str, count: int, *, reason: str, cutoff: datetime) -> int:
    """One audit event for a step that changed something, on the settings it followed."""
    if count:
        audit.record(
            f"retention.{action}",
            settings.current(),
            actor=None,
            after={"count": count, "older_than": cutoff.isoformat()},
            reason=reason,
        )
        db.session.commit()
    return count


def _ids(query: sa.Select, key, after: int) -> list[int]:
    return list(db.session.scalars(query.where(key > after).order_by(key).limit(BATCH)))


def _delete_in_batches(model, query: sa.Select) -> int:
    """Delete the rows of `model` whose ids `query` selects, a batch at a time; the count."""

    def delete(ids: list[int]) -> int:
        return db.session.execute(
            sa.delete(model).where(model.id.in_(ids)),
            execution_options={"synchronize_session": False},
        ).rowcount

    return _in_batches(lambda after: _ids(query, model.id, after), delete)


# Inactive accounts ---------------------------------------------------------------------------


def inactive_people(cutoff: datetime) -> sa.Select:
    """Ids of accounts not erased, made before `cutoff`, with no sign-in, booking (made, or of a
    session with a date), completion held or declaration since, and no protected role in force.

    Each test is a correlated NOT EXISTS on an indexed column: PostgreSQL makes them anti-joins
    whatever the size, and SQLite looks each person up (a held completion through the index of
    held completions, whose condition is repeated here)."""
    protected = sa.or_(
        UserRole.role.in_(PROTECTED_ROLES),
        sa.and_(UserRole.role == Role.COORDINATOR, UserRole.agency_id == User.agency_id),
    )
    return sa.select(User.id).where(
        User.erased_at.is_(None),
        User.created_at < cutoff,
        sa.or_(User.last_signed_in_at.is_(None), User.last_signed_in_at < cutoff),
        ~sa.exists().where(UserRole.user_id == User.id, protected),
        ~sa.exists().where(
            Booking.user_id == User.id,
            sa.or_(
                Booking.created_at >= cutoff,
                sa.exists().where(
                    SessionDate.session_id == Booking.session_id, SessionDate.starts_at >= cutoff
                ),
            ),
        ),
        ~sa.exists().where(
            Completion.user_id == User.id,
            Completion.withdrawn_at.is_(None),
            sa.or_(Completion.completed_on >= cutoff.date(), Completion.recorded_at >= cutoff),
        ),
        ~sa.exists().where(
            TrainingDeclaration.user_id == User.id, TrainingDeclaration.submitted_at >= cutoff
        ),
    )


def erase_inactive(now: datetime, months: int) -> int:
    """Erase every account inactive for `months` (see `inactive_people`)."""
    cutoff = months_before(now, months)
    reason = f"No activity for {months} months (retention schedule)"
    query = inactive_people(cutoff)

    def erase(ids: list[int]) -> int:
        # Imported only when someone is to be erased.
        from lms.privacy.erasure import erase_person

        return sum(erase_person(user_id, by=None, now=now, reason=reason) for user_id in ids)

    erased = _in_batches(lambda after: _ids(query, User.id, after), erase)
    return _audited("inactive_accounts_erased", erased, reason=reason, cutoff=cutoff)


# Outbox --------------------------------------------------------------------------------------


def delete_messages(now: datetime, days: int) -> int:
    """Delete messages sent (or given up on) more than `days` ago, with their attachments."""
    cutoff = now - timedelta(days=days)
    # When a message was sent or, given up on, last tried (when it was next due); None while
    # it is still to be sent. One expression, so the search walks the ids in order rather than
    # sorting every old message again for each batch.
    finished_at = sa.case(
        (
            OutboxMessage.status == MessageStatus.SENT,
            sa.func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at),
        ),
        (OutboxMessage.status == MessageStatus.FAILED, OutboxMessage.next_attempt_at),
        else_=None,
    )
    query = sa.select(OutboxMessage.id).where(finished_at < cutoff)

    def delete(ids: list[int]) -> int:
        db.session.execute(
            sa.update(Chase).where(Chase.message_id.in_(ids)).values(message_id=None),
            execution_options={"synchronize_session": False},
        )
        db.session.execute(
            sa.delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        return db.session.execute(
            sa.delete(OutboxMessage).where(OutboxMessage.id.in_(ids)),
            execution_options={"synchronize_session": False},
        ).rowcount

    deleted = _in_batches(lambda after: _ids(query, OutboxMessage.id, after), delete)
    return _audited(
        "messages_deleted",
        deleted,
        reason=f"Sent more than {days} days ago (retention schedule)",
        cutoff=cutoff,
    )


# Evaluation comments -------------------------------------------------------------------------


def remove_comments(now: datetime, months: int) -> int:
    """Remove the text of comments answered more than `months` ago, as a redaction does."""
    cutoff = months_before(now, months)
    query = (
        sa.select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.text.is_not(None),
            Answer.text != "",
            Answer.redacted_at.is_(None),
            Response.answered_at < cutoff,
        )
    )

    def remove(ids: list[int]) -> int:
        return db.session.execute(
            sa.update(Answer)
            .where(Answer.id.in_(ids), Answer.redacted_at.is_(None))
            .values(text=None, redacted_at=now, redacted_by_id=None),
            execution_options={"synchronize_session": False},
        ).rowcount

    removed = _in_batches(lambda after: _ids(query, Answer.id, after), remove)
    return _audited(
        "comments_removed",
        removed,
        reason=f"Given more than {months} months ago (retention schedule)",
        cutoff=cutoff,
    )


# E-learning rows that matched nobody -----------------------------------------------------------


def delete_unmatched(cutoff: datetime) -> int:
    """Delete open or dismissed unmatched completions that arrived before `cutoff`."""
    query = sa.select(UnmatchedCompletion.id).where(
        UnmatchedCompletion.status.in_([UnmatchedStatus.OPEN, UnmatchedStatus.DISMISSED]),
        UnmatchedCompletion.received_at < cutoff,
    )
    deleted = _delete_in_batches(UnmatchedCompletion, query)
    return _audited(
        "unmatched_deleted",
        deleted,
        reason="Matched nobody (retention schedule)",
        cutoff=cutoff,
    )


def delete_import_problems(cutoff: datetime) -> int:
    """Delete the error reports (rejected and unmatched rows) of imports uploaded before
    `cutoff`: they hold the addresses of people without accounts. The import's counts stay."""
    query = (
        sa.select(ImportProblem.id)
        .join(ElearningImport, ElearningImport.id == ImportProblem.import_id)
        .where(ElearningImport.uploaded_at < cutoff)
    )
    deleted = _delete_in_batches(ImportProblem, query)
    return _audited(
        "import_problems_deleted",
        deleted,
        reason="Error reports of old e-learning imports (retention schedule)",
        cutoff=cutoff,
    )


def clear_uploads(cutoff: datetime) -> int:
    """Forget the bytes of files uploaded before `cutoff` and never imported (their page then
    asks for the file again, as for any file no longer kept)."""
    query = sa.select(ElearningImport.id).where(
        ElearningImport.imported_at.is_(None),
        ElearningImport.content.is_not(None),
        ElearningImport.uploaded_at < cutoff,
    )

    def clear(ids: list[int]) -> int:
        return db.session.execute(
            sa.update(ElearningImport)
            .where(ElearningImport.id.in_(ids), ElearningImport.content.is_not(None))
            .values(content=None),
            execution_options={"synchronize_session": False},
        ).rowcount

    cleared = _in_batches(lambda after: _ids(query, ElearningImport.id, after), clear)
    return _audited(
        "uploads_cleared",
        cleared,
        reason="Uploaded and never imported (retention schedule)",
        cutoff=cutoff,
    )


# Audit events --------------------------------------------------------------------------------


def kept_events():
    """The condition for audit events kept whatever their age."""
    return sa.or_(
        AuditEvent.action.in_(KEPT_ACTIONS),
        *(AuditEvent.action.startswith(prefix, autoescape=True) for prefix in KEPT_PREFIXES),
        *(AuditEvent.action.contains(word, autoescape=True) for word in KEPT_CONTAINING),
    )


def delete_audit_events(now: datetime, months: int) -> int:
    """Delete audit events older than `months`, except those `kept_events` names."""
    cutoff = months_before(now, months)
    query = sa.select(AuditEvent.id).where(AuditEvent.at < cutoff, ~kept_events())
    deleted = _delete_in_batches(AuditEvent, query)
    return _audited(
        "audit_events_deleted",
        deleted,
        reason=f"Older than {months} months (retention schedule)",
        cutoff=cutoff,
    )
