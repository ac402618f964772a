"""Personal tokens (calendar feeds, API access): random secrets stored as SHA-256, revocable."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import PersonalToken, TokenKind, User
from lms.extensions import db


def _digest(secret: str) -> str:
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
            user_id=user.id, kind=kind, token_hash=_digest(secret), label=label, created_at=now
        )
    )
    db.session.flush()
    return secret


def holder(secret: str, kind: TokenKind, *, now: datetime) -> User | None:
    """The active person a live token belongs to, or None for a stale, revoked or forged one."""
    token = db.session.scalar(
        sa.select(PersonalToken).where(
            PersonalToken.token_hash == _digest(secret or ""),
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
