"""Personal tokens (calendar feeds, API access): random secrets stored as SHA-256, revocable."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import PersonalToken, TokenKind, User
from lms.audit import services as audit
from lms.core.errors import DomainError, required_text
from lms.extensions import db


def digest(secret: str) -> str:
    """What is stored of a secret sent by link or header: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    user: User, kind: TokenKind, *, now: datetime, label: str = "", replace: bool = True
) -> str:
    """A new secret for the person; by default their earlier tokens of this kind stop working."""
    if replace:
        db.session.execute(
            sa.update(PersonalToken)
            .where(
                PersonalToken.user_id == user.id,
                PersonalToken.kind == kind,
                PersonalToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        PersonalToken(
            user_id=user.id, kind=kind, token_hash=digest(secret), label=label, created_at=now
        )
    )
    db.session.flush()
    return secret


def holder(secret: str, kind: TokenKind, *, now: datetime) -> User | None:
    """The active person a live token belongs to, or None for a stale, revoked or forged one."""
    token = db.session.scalar(
        sa.select(PersonalToken).where(
            PersonalToken.token_hash == digest(secret or ""),
            PersonalToken.kind == kind,
            PersonalToken.revoked_at.is_(None),
        )
    )
    if token is None or not token.user.is_active:
        return None
    token.last_used_at = now
    return token.user


def has_active(user: User, kind: TokenKind) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PersonalToken)
            .where(
                PersonalToken.user_id == user.id,
                PersonalToken.kind == kind,
                PersonalToken.revoked_at.is_(None),
            )
        )
    )


def active_tokens(user: User, kind: TokenKind) -> list[PersonalToken]:
    return list(
        db.session.scalars(
            sa.select(PersonalToken)
            .where(
                PersonalToken.user_id == user.id,
                PersonalToken.kind == kind,
                PersonalToken.revoked_at.is_(None),
            )
            .order_by(PersonalToken.created_at)
        )
    )


def revoke(token: PersonalToken, *, now: datetime) -> None:
    token.revoked_at = now


API_LABEL_MAX = 100


def issue_api_token(user: User, label: str, *, now: datetime) -> str:
    """A new API token for the person, beside any they have; returns the secret to show once."""
    label = required_text(label, "Enter a name for the token", field="label")
    if len(label) > API_LABEL_MAX:
        raise DomainError(f"The name must be {API_LABEL_MAX} characters or fewer", field="label")
    secret = issue(user, TokenKind.API, now=now, label=label, replace=False)
    token = db.session.scalar(
        sa.select(PersonalToken).where(PersonalToken.token_hash == digest(secret))
    )
    audit.record("api_token.created", token, actor=user, after={"label": label})
    return secret


def revoke_api_token(token: PersonalToken, *, by: User, now: datetime) -> None:
    """Stop an API token working; refused if it already has."""
    if token.revoked_at is not None:
        raise DomainError(f"The token ‘{token.label}’ was already revoked")
    revoke(token, now=now)
    audit.record("api_token.revoked", token, actor=by, before={"label": token.label})
