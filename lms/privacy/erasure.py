"""Erasure: a person's name, address, job title, line manager and the free text they wrote are
removed or replaced, while every row the statistics count stays, attached to an anonymous
stand-in (their `users` row, renamed "Erased person <id>"), so every report of every period
gives the same figures before and after. What happens to each table is `erasure_map.ERASURE`.

The job title is the one detail the figures read: a training requirement with job-title words
applies to a person whose title contains one of them (`lms.compliance.status.applies`). So the
title (on the account, each agency membership and each move request) becomes the requirement
words it contained, joined by "; " ("Senior social worker, Team B" with the word "social worker"
becomes "social worker"), or "" when it contained none: every requirement applies exactly as
before, and the rest of the title, which could identify the person, is gone.

Certificates are revoked with `erasure_map.CERTIFICATE_REASON` (the certificate statistics leave
those revocations out) and show the stand-in's name. An erased account can never sign in or
reset its password, and no mail is queued to it. The audit trail keeps every event; those the
person made show the stand-in as actor.

Last, `erasure_scrub.scrub` replaces the name and address wherever else they were copied."""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import (
    AgencyMembership,
    AgencyMoveRequest,
    AgencyRequest,
    EmailToken,
    PasswordResetRequest,
    PasswordResetToken,
    PersonalToken,
    SignInAttempt,
    User,
)
from lms.attendance.models import NonAttendanceCharge
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.compliance.models import TrainingRequirement
from lms.core.errors import DomainError
from lms.core.text import single_line
from lms.elearning.models import ElearningImport, TrainingDeclaration, UnmatchedCompletion
from lms.extensions import db
from lms.feedback.models import Answer, Response
from lms.mail.models import OutboxAttachment, OutboxMessage
from lms.privacy import erasure_scrub
from lms.privacy.erasure_map import (
    CERTIFICATE_REASON,
    UNUSABLE_PASSWORD,
    erased_email,
    erased_name,
)
from lms.reports.models import PackQuote

REASON_MAX = 500
OUTSIDE_TITLE = "Training outside the partnership"


class ErasureError(DomainError):
    pass


def erase_person(user_id: int, *, by: "User | None", now: datetime, reason: str) -> bool:
    """Erase a person (see the module's docstring). True when erased now, False when already
    erased (nothing changes). `by` None means the retention schedule did it. Audited as
    "person.erased"; flushes, never commits."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ErasureError("There is no such person")
    if user.erased_at is not None:
        return False
    reason = single_line(reason or "").strip()
    if not reason:
        raise ErasureError("Enter why the person is being erased", field="reason")
    if len(reason) > REASON_MAX:
        raise ErasureError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    if by is not None and by.id == user.id:
        raise ErasureError("You cannot erase your own account", field="reason")
    name, email = user.name, user.email.lower()
    db.session.flush()
    names, emails = _former_details(user)
    _certificates(user, now)
    _job_titles(user)
    _free_text(user, email, by=by, now=now)
    _secrets(user, email)
    _messages(user, email)
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .values(actor_label=erased_name(user.id))
    )
    db.session.execute(
        sa.update(User)
        .where(sa.func.lower(User.line_manager_email) == email)
        .values(line_manager_email=None)
    )
    user.name = erased_name(user.id)
    user.email = erased_email(user.id)
    user.line_manager_email = None
    user.password_hash = UNUSABLE_PASSWORD
    user.end_sessions()
    user.erased_at = now
    audit.record(
        "person.erased",
        user,
        actor=by,
        after={"erased_at": now.isoformat()},
        reason=reason,
    )
    db.session.flush()
    erasure_scrub.scrub(
        [
            erasure_scrub.Needle(each, erased_email(user.id), is_email=True)
            for each in sorted({email} | emails, key=len, reverse=True)
        ]
        + [
            erasure_scrub.Needle(each, erased_name(user.id), is_email=False)
            for each in sorted({name} | names, key=len, reverse=True)
        ],
        namesakes=_namesakes(user, {name} | names),
    )
    db.session.expire_all()
    return True


def _namesakes(user: User, names: set[str]) -> frozenset[int]:
    """Everyone else who has (in any letter case) one of the person's names."""
    lowered = [each.lower() for each in names]
    return frozenset(
        db.session.scalars(
            sa.select(User.id).where(sa.func.lower(User.name).in_(lowered), User.id != user.id)
        )
    )


def _former_details(user: User) -> tuple[set[str], set[str]]:
    """The names and addresses the person had before, as the audit trail of their account and
    their email-change links record them."""
    names, emails = set(), set()
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "User", AuditEvent.object_id == user.id
        )
    )
    for event in events:
        for change in (event.before, event.after):
            if isinstance(change, dict):
                if isinstance(change.get("name"), str) and change["name"].strip():
                    names.add(change["name"])
                if isinstance(change.get("email"), str) and "@" in change["email"]:
                    emails.add(change["email"].lower())
    emails.update(
        each.lower()
        for each in db.session.scalars(
            sa.select(EmailToken.email).where(EmailToken.user_id == user.id)
        )
        if each and "@" in each
    )
    return names, emails


def _certificates(user: User, now: datetime) -> None:
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id)
    ):
        issuing.revoke(certificate, CERTIFICATE_REASON, now=now)
        certificate.person_name = erased_name(user.id)


def requirement_words() -> list[str]:
    """Every job-title word of every training requirement (active or not), lower case."""
    words = set()
    for requirement in db.session.scalars(sa.select(TrainingRequirement)):
        words.update(word.lower() for word in requirement.job_titles)
    return sorted(words)


def kept_title(title: str | None, words: list[str]) -> str:
    """The requirement words the title contains, without those inside a longer one kept."""
    lowered = (title or "").lower()
    found = [word for word in words if word in lowered]
    kept = [word for word in found if not any(word != other and word in other for other in found)]
    result = "; ".join(sorted(kept))
    # Joining must not make a word appear that the title did not contain.
    if {word for word in words if word in result} != set(found):
        result = "\n".join(sorted(kept))
    return result


def _job_titles(user: User) -> None:
    words = requirement_words()
    user.job_title = kept_title(user.job_title, words)
    for model in (AgencyMembership, AgencyMoveRequest):
        for row in db.session.scalars(sa.select(model).where(model.user_id == user.id)):
            row.job_title = kept_title(row.job_title, words)


def _free_text(user: User, email: str, *, by: User | None, now: datetime) -> None:
    responses = sa.select(Response.id).where(Response.user_id == user.id)
    answers = sa.select(Answer.id).where(Answer.response_id.in_(responses))
    db.session.execute(sa.delete(PackQuote).where(PackQuote.answer_id.in_(answers)))
    db.session.execute(
        sa.update(Answer)
        .where(Answer.response_id.in_(responses), Answer.text.is_not(None))
        .values(text=None, redacted_at=now, redacted_by_id=by.id if by is not None else None)
    )
    db.session.execute(
        sa.update(Response)
        .where(Response.user_id == user.id)
        .values(respondent_email=None, token_hash=None)
    )
    db.session.execute(
        sa.update(Booking)
        .where(Booking.cancelled_by_id == user.id)
        .values(cancellation_reason=None)
    )
    db.session.execute(
        sa.update(NonAttendanceCharge)
        .where(NonAttendanceCharge.disputed_by_id == user.id)
        .values(dispute_reason=None)
    )
    for declaration in db.session.scalars(
        sa.select(TrainingDeclaration).where(TrainingDeclaration.user_id == user.id)
    ):
        declaration.title = "" if declaration.course_id is not None else OUTSIDE_TITLE
        declaration.provider_name = ""
        declaration.evidence = b""
        declaration.evidence_name = ""
    db.session.execute(
        sa.update(AgencyRequest)
        .where(sa.func.lower(AgencyRequest.email) == email)
        .values(requester_name=erased_name(user.id), email=erased_email(user.id), details="")
    )
    db.session.execute(
        sa.update(UnmatchedCompletion)
        .where(sa.func.lower(UnmatchedCompletion.email) == email)
        .values(name=erased_name(user.id), email=erased_email(user.id))
    )
    # An upload already applied is kept as figures and rows; its file is no longer needed.
    db.session.execute(
        sa.update(ElearningImport)
        .where(ElearningImport.imported_at.is_not(None), ElearningImport.content.is_not(None))
        .where(_contains_bytes(ElearningImport.content, email))
        .values(content=None)
    )


def _contains_bytes(column, email: str):
    """Rows whose file may hold the address (the scrub pass checks every file precisely)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.strpos(sa.func.lower(sa.func.encode(column, "escape")), email) > 0
    return sa.func.instr(sa.func.lower(sa.cast(column, sa.Text)), email) > 0


def _secrets(user: User, email: str) -> None:
    for model in (EmailToken, PasswordResetToken, PersonalToken):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    for model in (EmailToken, SignInAttempt, PasswordResetRequest):
        db.session.execute(sa.delete(model).where(sa.func.lower(model.email) == email))


def _messages(user: User, email: str) -> None:
    ids = sa.select(OutboxMessage.id).where(
        sa.or_(OutboxMessage.user_id == user.id, sa.func.lower(OutboxMessage.recipient) == email)
    )
    found = list(db.session.scalars(ids))
    if found:
        db.session.execute(
            sa.delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(found))
        )
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(found)))
