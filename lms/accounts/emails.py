"""Proving a person reads an address: confirming a new account's email, and changing an email,
which takes effect only when the link sent to the new address is followed."""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import EmailToken, EmailTokenPurpose, Role, User, UserRole
from lms.accounts.passwords import verify_password
from lms.accounts.services import AccountError, check_email, find_user_by_email
from lms.accounts.tokens import digest
from lms.audit import services as audit
from lms.elearning.completions import attach_waiting
from lms.extensions import db
from lms.mail.services import queue_message

CONFIRM_VALID_FOR = timedelta(days=3)
CHANGE_VALID_FOR = timedelta(hours=24)


class InvalidEmailLink(AccountError):
    pass


def _issue(user: User, purpose: EmailTokenPurpose, email: str, *, now: datetime) -> str:
    """A new single-use secret for this address (256 bits); earlier unused ones stop working."""
    db.session.execute(
        sa.update(EmailToken)
        .where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    valid_for = (
        CONFIRM_VALID_FOR if purpose is EmailTokenPurpose.CONFIRM_ACCOUNT else CHANGE_VALID_FOR
    )
    db.session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            email=email,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    db.session.flush()
    return token


def send_confirmation(user: User, *, now: datetime, link_for: Callable[[str], str]) -> None:
    """Email a new account a link that confirms its address (again, if asked)."""
    if user.is_email_confirmed:
        return
    token = _issue(user, EmailTokenPurpose.CONFIRM_ACCOUNT, user.email, now=now)
    queue_message(
        recipient=user.email,
        user=user,
        kind="confirm_email",
        subject="Confirm your email address",
        context={"user": user, "link": link_for(token), "valid_for": CONFIRM_VALID_FOR},
    )


def _find(token: str, purpose: EmailTokenPurpose, *, now: datetime) -> EmailToken:
    row = db.session.scalar(
        sa.select(EmailToken).where(
            EmailToken.token_hash == digest(token or ""), EmailToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None:
        raise InvalidEmailLink("This link has already been used or is not valid")
    if row.expires_at <= now or not row.user.is_active:
        raise InvalidEmailLink("This link has expired")
    return row


def confirm_account(token: str, *, now: datetime) -> User:
    """Follow a confirmation link once: the account's address is confirmed, and the e-learning
    completions waiting for that address become theirs."""
    row = _find(token, EmailTokenPurpose.CONFIRM_ACCOUNT, now=now)
    user = row.user
    if row.email != user.email:
        raise InvalidEmailLink("This link was for an earlier email address")
    row.used_at = now
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit.record("user.email_confirmed", user, actor=user, after={"email": user.email})
        attach_waiting(user)
    return user


def request_email_change(
    user: User, new_email: str, *, password: str, now: datetime, link_for: Callable[[str], str]
) -> str:
    """Check the current password, then send a link to the new address; the old address is
    told. The change happens only when the link is followed. Returns the new address."""
    if not verify_password(user.password_hash, password or ""):
        raise AccountError("Your current password is not correct", field="current_password")
    new_email = check_email(new_email)
    if new_email == user.email:
        raise AccountError("Enter an email address different from your current one", field="email")
    owner = find_user_by_email(new_email)
    if owner is not None:
        # The new address's owner hears of it; the person asking sees the same page either way.
        queue_message(
            recipient=new_email,
            user=owner,
            kind="email_change_taken",
            subject="Someone tried to use your email address",
            context={"user": owner},
        )
    else:
        token = _issue(user, EmailTokenPurpose.CHANGE_EMAIL, new_email, now=now)
        queue_message(
            recipient=new_email,
            user=user,
            kind="email_change_confirm",
            subject="Confirm your new email address",
            context={"user": user, "link": link_for(token), "valid_for": CHANGE_VALID_FOR},
        )
    queue_message(
        recipient=user.email,
        user=user,
        kind="email_change_requested",
        subject="A change of your email address was asked for",
        context={"user": user, "new_email": new_email},
    )
    audit.record("user.email_change_requested", user, actor=user, after={"email": new_email})
    return new_email


def confirm_email_change(token: str, *, now: datetime) -> User:
    """Follow the link sent to a new address once: the account now uses it, with the e-learning
    completions waiting for it; the old address is told."""
    row = _find(token, EmailTokenPurpose.CHANGE_EMAIL, now=now)
    user = row.user
    if find_user_by_email(row.email) is not None:
        row.used_at = now
        raise InvalidEmailLink("Another account now uses this email address")
    old_email = user.email
    row.used_at = now
    user.email = row.email
    user.email_confirmed_at = now
    user.updated_at = now
    db.session.flush()
    audit.record(
        "user.email_changed",
        user,
        actor=user,
        before={"email": old_email},
        after={"email": user.email},
    )
    attach_waiting(user)
    queue_message(
        recipient=old_email,
        user=user,
        kind="email_changed",
        subject="Your email address has been changed",
        context={"user": user, "old_email": old_email},
    )
    return user


def remove_unconfirmed(*, now: datetime, older_than: timedelta) -> int:
    """Remove self-registered accounts never confirmed within the time allowed; they could not
    book, so nothing else refers to them. Accounts an administrator or trainer made are kept."""
    from lms.audit.models import AuditEvent
    from lms.bookings.models import Booking

    stale = db.session.scalars(
        sa.select(User).where(
            User.email_confirmed_at.is_(None),
            User.created_at < now - older_than,
            ~sa.exists().where(Booking.user_id == User.id),
            ~sa.exists().where(UserRole.user_id == User.id, UserRole.role != Role.PRACTITIONER),
            ~sa.exists().where(
                AuditEvent.object_type == "User",
                AuditEvent.object_id == User.id,
                AuditEvent.action == "user.created",
            ),
        )
    ).all()
    for user in stale:
        db.session.delete(user)
    db.session.flush()
    return len(stale)
