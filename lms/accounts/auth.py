"""Signing in, slowing password guessing, and password reset by a single-use link."""

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import (
    PasswordResetRequest,
    PasswordResetToken,
    Role,
    SignInAttempt,
    User,
)
from lms.accounts.passwords import check_password, hash_password, hasher, verify_password
from lms.accounts.services import (
    AccountError,
    PersonDetails,
    change_password,
    clean_new_details,
    create_user,
    find_user_by_email,
    normalise_email,
)
from lms.accounts.tokens import digest
from lms.elearning.completions import attach_waiting
from lms.extensions import db
from lms.mail.services import queue_message

log = logging.getLogger("lms.security")
# How long the link in an administrator's (or trainer's) invitation to a new account works.
INVITATION_VALID_FOR = timedelta(days=7)

# Verified when the email is unknown, so both cases take the same time.
_UNKNOWN_USER_PASSWORD = "no such account"


class TooManyAttempts(AccountError):
    pass


class InvalidResetLink(AccountError):
    pass


def recent_failures(email: str, *, now: datetime, window: timedelta) -> int:
    """Wrong passwords for this address inside the window, since its last successful sign-in."""
    since = now - window
    last_success = db.session.scalar(
        sa.select(sa.func.max(SignInAttempt.attempted_at)).where(
            SignInAttempt.email == email,
            SignInAttempt.succeeded.is_(True),
            SignInAttempt.attempted_at > since,
        )
    )
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            SignInAttempt.email == email,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.attempted_at > (last_success or since),
        )
    )


def authenticate(
    email: str,
    password: str,
    *,
    now: datetime,
    max_failures: int,
    window: timedelta,
    source: str | None = None,
) -> User | None:
    """The active user with this email and password, or None; refuses once too many wrong
    passwords were tried for the address within the window, even the right one. Every outcome
    is logged with the account (never the password) and the source address."""
    email = normalise_email(email)
    if recent_failures(email, now=now, window=window) >= max_failures:
        account = find_user_by_email(email)
        log.warning("sign-in refused: too many attempts for %s from %s", _who(account), source)
        raise TooManyAttempts(
            "Too many attempts to sign in to this account. Wait 5 minutes and try again"
        )
    user = find_user_by_email(email)
    if user is not None and user.erased_at is not None:
        user = None  # an erased account is refused as an unknown address is
    if user is None:
        verify_password(_dummy_hash(), password)
        valid = False
    else:
        valid = verify_password(user.password_hash, password) and user.is_active
    db.session.add(SignInAttempt(email=email[:254], attempted_at=now, succeeded=valid))
    if not valid:
        log.warning("sign-in failed: %s from %s", _who(user), source)
        return None
    log.info("sign-in succeeded: %s from %s", _who(user), source)
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = now
    return user


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "unknown email"


_dummy = {}


def _dummy_hash() -> str:
    key = (hasher().time_cost, hasher().memory_cost)
    if key not in _dummy:
        _dummy[key] = hash_password(_UNKNOWN_USER_PASSWORD)
    return _dummy[key]


def issue_reset_token(user: User, *, now: datetime, valid_for: timedelta) -> str:
    """A new single-use secret (256 bits); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            user=user, token_hash=digest(token), created_at=now, expires_at=now + valid_for
        )
    )
    return token


def _send_password_link(user: User, *, kind: str, subject: str, now, valid_for, link_for) -> None:
    token = issue_reset_token(user, now=now, valid_for=valid_for)
    queue_message(
        recipient=user.email,
        user=user,
        kind=kind,
        subject=subject,
        context={"user": user, "link": link_for(token), "valid_for": valid_for},
    )


def request_password_reset(email: str, *, now: datetime) -> None:
    """Take a request for a reset link. The same row is written whether or not the address has
    an account, so the answer and its timing cannot tell them apart; run-jobs sends the link."""
    db.session.add(PasswordResetRequest(email=normalise_email(email)[:254], requested_at=now))


def send_requested_resets(*, now: datetime, valid_for: timedelta, link_for) -> int:
    """Answer waiting reset requests: an active account gets a link (one per run, however
    often it was asked); an unknown address gets nothing. Returns how many links were sent."""
    waiting = db.session.scalars(
        sa.select(PasswordResetRequest)
        .where(PasswordResetRequest.handled_at.is_(None))
        .order_by(PasswordResetRequest.id)
    ).all()
    sent = set()
    for request in waiting:
        claimed = db.session.execute(
            sa.update(PasswordResetRequest)
            .where(PasswordResetRequest.id == request.id, PasswordResetRequest.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1 or request.email in sent:
            continue
        user = find_user_by_email(request.email)
        if user is None or not user.is_active or user.erased_at is not None:
            continue
        _send_password_link(
            user,
            kind="password_reset",
            subject="Reset your password",
            now=now,
            valid_for=valid_for,
            link_for=link_for,
        )
        sent.add(request.email)
    return len(sent)


def register(
    details: PersonDetails, *, password: str, now: datetime, link_for_confirmation
) -> User | None:
    """A practitioner registers. Every field is checked first; then a new address gets an
    account and a confirmation link, while an address that already has an account gets an
    email telling its owner, and the person registering sees the same page either way."""
    from lms.accounts.emails import send_confirmation

    details = clean_new_details(details)
    check_password(password, personal=(details.email.partition("@")[0], details.name))
    existing = find_user_by_email(details.email)
    if existing is not None and not existing.is_email_confirmed:
        # Registering again before confirming: a fresh link, not "you already have an account".
        hash_password(password)  # the same work as creating an account
        send_confirmation(existing, now=now, link_for=link_for_confirmation)
        return None
    if existing is not None:
        hash_password(password)  # the same work as creating an account
        queue_message(
            recipient=existing.email,
            user=existing,
            kind="account_exists",
            subject="You already have an account",
            context={"user": existing},
        )
        return None
    user = create_user(details, password=password, roles={Role.PRACTITIONER}, now=now)
    send_confirmation(user, now=now, link_for=link_for_confirmation)
    return user


def add_person(
    details: PersonDetails,
    *,
    roles: set[Role],
    active: bool,
    by: User,
    now: datetime,
    valid_for: timedelta,
    link_for,
) -> User:
    """An administrator adds a person; an active account is emailed a link to choose a password."""
    if not roles:
        raise AccountError("Select at least one role", field="roles")
    user = create_user(details, password=None, roles=roles, now=now, by=by)
    user.is_active = active
    if active:
        _send_password_link(
            user,
            kind="account_created",
            subject="Your training account",
            now=now,
            valid_for=valid_for,
            link_for=link_for,
        )
    return user


def find_reset_token(token: str, *, now: datetime) -> PasswordResetToken:
    """The usable token for this secret, or InvalidResetLink."""
    row = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token or ""))
    )
    if row is None or row.used_at is not None:
        raise InvalidResetLink(
            "This password reset link has already been used or is not valid. Ask for a new one"
        )
    if row.expires_at <= now or not row.user.is_active or row.user.erased_at is not None:
        raise InvalidResetLink("This password reset link has expired. Ask for a new one")
    return row


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    """Use a reset link once: set the password, spend every open link, end every session."""
    row = find_reset_token(token, now=now)
    change_password(row.user, new_password)
    # Following a link sent to the address proves the person reads it: the e-learning
    # completions waiting for it become theirs (an account an admin made attaches them here).
    if row.user.email_confirmed_at is None:
        row.user.email_confirmed_at = now
        attach_waiting(row.user)
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return row.user


def purge_sign_in_records(*, now: datetime) -> int:
    """Forget sign-in attempts older than a day and reset links past their expiry."""
    attempts = db.session.execute(
        sa.delete(SignInAttempt).where(SignInAttempt.attempted_at < now - timedelta(days=1))
    ).rowcount
    db.session.execute(
        sa.delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - timedelta(days=1))
    )
    db.session.execute(
        sa.delete(PasswordResetRequest).where(
            PasswordResetRequest.requested_at < now - timedelta(days=1)
        )
    )
    return attempts
