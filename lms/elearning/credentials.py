"""xAPI credentials: the key and secret a provider's system (or the learning record store that
forwards its statements) sends with HTTP Basic authentication. Admins create and revoke them.

The secret is a long random value shown once, when it is created; only its SHA-256 is stored,
and a secret sent is compared with it in constant time. A revoked credential is refused at once.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.audit import services as audit
from lms.catalogue.models import Course, DeliveryMode, Provider
from lms.core.errors import DomainError, required_text
from lms.elearning.models import XapiCredential
from lms.extensions import db

LABEL_MAX = 100
# Compared against when the key is unknown, so an unknown key takes as long as a wrong secret.
_NOBODY = hashlib.sha256(b"no such credential").hexdigest()


class CredentialError(DomainError):
    """A credential cannot be created or revoked as asked."""


def digest(secret: str) -> str:
    """What is stored of a secret: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    provider: Provider, label: str, *, by: User, now: datetime
) -> tuple[XapiCredential, str]:
    """A new key and secret for the provider; returns the credential and the secret, which is
    never available again. Audited."""
    label = required_text(
        label, "Enter a name for the credential, such as the system that will use it", field="label"
    )
    if len(label) > LABEL_MAX:
        raise CredentialError(f"The name must be {LABEL_MAX} characters or fewer", field="label")
    secret = secrets.token_urlsafe(32)
    credential = XapiCredential(
        provider_id=provider.id,
        key=secrets.token_urlsafe(18),
        secret_hash=digest(secret),
        label=label,
        created_at=now,
        created_by_id=by.id,
    )
    db.session.add(credential)
    db.session.flush()
    audit.record(
        "elearning.xapi_credential_created",
        credential,
        actor=by,
        after={"provider_id": provider.id, "key": credential.key, "label": label},
    )
    return credential, secret


def revoke(credential: XapiCredential, *, by: User, now: datetime) -> None:
    """Stop a credential working from now on; audited."""
    if credential.revoked_at is not None:
        raise CredentialError("This credential has already been revoked")
    credential.revoked_at = now
    db.session.flush()
    audit.record(
        "elearning.xapi_credential_revoked",
        credential,
        actor=by,
        before={"provider_id": credential.provider_id, "key": credential.key},
        after={"revoked_at": now.isoformat()},
    )


def authenticate(key: str | None, secret: str | None) -> XapiCredential | None:
    """The live credential with this key and secret, or None (unknown, wrong or revoked)."""
    if not key or not secret or len(key) > 64:
        return None
    credential = db.session.scalar(sa.select(XapiCredential).where(XapiCredential.key == key))
    stored = credential.secret_hash if credential is not None else _NOBODY
    matches = hmac.compare_digest(stored.encode(), digest(secret).encode())
    if credential is None or not matches or credential.revoked_at is not None:
        return None
    return credential


def for_provider(provider: Provider) -> list[XapiCredential]:
    """A provider's credentials, live ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(XapiCredential)
            .where(XapiCredential.provider_id == provider.id)
            .order_by(XapiCredential.revoked_at.is_not(None), XapiCredential.created_at.desc())
        )
    )


def overview() -> list[dict]:
    """Each provider with e-learning modules or xAPI credentials: how many modules (and how
    many with an activity id), its credentials (live ones first) and how many are live."""
    modules = dict(
        db.session.execute(
            sa.select(Course.provider_id, sa.func.count())
            .where(Course.delivery_mode == DeliveryMode.ELEARNING, Course.provider_id.is_not(None))
            .group_by(Course.provider_id)
        ).all()
    )
    with_activity = dict(
        db.session.execute(
            sa.select(Course.provider_id, sa.func.count())
            .where(Course.activity_id.is_not(None), Course.provider_id.is_not(None))
            .group_by(Course.provider_id)
        ).all()
    )
    held: dict[int, list[XapiCredential]] = {}
    for credential in db.session.scalars(
        sa.select(XapiCredential).order_by(
            XapiCredential.revoked_at.is_not(None), XapiCredential.created_at.desc()
        )
    ):
        held.setdefault(credential.provider_id, []).append(credential)
    shown = set(modules) | set(held)
    providers = db.session.scalars(
        sa.select(Provider).where(Provider.id.in_(shown)).order_by(Provider.name)
    )
    return [
        {
            "provider": provider,
            "modules": modules.get(provider.id, 0),
            "with_activity": with_activity.get(provider.id, 0),
            "credentials": held.get(provider.id, []),
            "live": sum(1 for each in held.get(provider.id, []) if each.revoked_at is None),
        }
        for provider in providers
    ]
