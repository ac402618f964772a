"""The partnership's signing keys: RSA 2048 key pairs for RS256.

The private key is a PEM file in config SIGNING_KEYS_DIR (the directory mode 0700, each file
0600), never in the database; the public key is a JWK in a SigningKey row, published until it is
withdrawn. The current key, the one new credentials are signed with, is the newest key neither
retired nor withdrawn whose private file is on this server.
"""

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from lms.certificates.models import SigningKey
from lms.core.errors import DomainError
from lms.extensions import db

if TYPE_CHECKING:
    # joserfc (and the cryptography package under it) is imported where a key is made, read
    # or checked, not when the app starts: a report or a page never needs it.
    from joserfc.jwk import RSAKey

ALGORITHM = "RS256"
KEY_SIZE = 2048
# What a kid may be: the RFC 7638 thumbprint is 43 base64url characters.
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Private keys read from their files, by path and modification time.
_loaded: dict[tuple[str, int], "RSAKey"] = {}


class SigningKeyError(DomainError):
    """A key command or lookup that cannot be done."""


@dataclass(frozen=True)
class Signer:
    """The current key: its row and its private part."""

    row: SigningKey
    private_key: "RSAKey"

    @property
    def kid(self) -> str:
        return self.row.kid


def keys_dir() -> Path:
    return Path(current_app.config["SIGNING_KEYS_DIR"])


def valid_kid(kid: str) -> bool:
    return isinstance(kid, str) and KID_PATTERN.fullmatch(kid) is not None


def private_path(kid: str) -> Path:
    if not valid_kid(kid):
        raise SigningKeyError(f"“{kid[:80]}” is not a key id: a key id is letters, digits, - and _")
    return keys_dir() / f"{kid}.pem"


def has_private_file(kid: str) -> bool:
    return valid_kid(kid) and private_path(kid).is_file()


def _write_private(kid: str, pem: bytes) -> Path:
    """Write the PEM with mode 0600 into a directory of mode 0700, atomically: a reader sees no
    file or the whole file, never a part."""
    directory = keys_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    target = private_path(kid)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".new-", suffix=".pem")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def public_jwk(private_key: "RSAKey", kid: str) -> dict:
    public = private_key.as_dict(private=False)
    return {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
        "n": public["n"],
        "e": public["e"],
    }


def generate(*, now: datetime) -> SigningKey:
    """A new key pair: the private file written, the public JWK added (flushed, not committed).
    It becomes the current key, being the newest."""
    from joserfc.jwk import RSAKey

    private_key = RSAKey.generate_key(KEY_SIZE, private=True)
    kid = private_key.thumbprint()
    _write_private(kid, private_key.as_pem(private=True))
    row = SigningKey(kid=kid, public_jwk=public_jwk(private_key, kid), created_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def rotate(*, now: datetime) -> tuple[SigningKey, list[SigningKey]]:
    """A new current key; every other active key is retired (still published, so what it
    signed still verifies). Returns the new key and the keys retired."""
    retired = active_keys()
    new = generate(now=now)
    for row in retired:
        row.retired_at = now
    db.session.flush()
    return new, retired


def withdraw(kid: str, *, now: datetime) -> SigningKey:
    """Stop publishing a key (its private key was compromised): credentials it signed no
    longer verify. Its private file is left for whoever investigates."""
    row = by_kid(kid)
    if row is None:
        raise SigningKeyError(f"There is no key “{kid[:80]}”: `keys list` shows the keys")
    if row.withdrawn_at is not None:
        raise SigningKeyError(f"Key {row.kid} was withdrawn already")
    row.withdrawn_at = now
    if row.retired_at is None:
        row.retired_at = now
    db.session.flush()
    return row


def by_kid(kid: str) -> SigningKey | None:
    if not valid_kid(kid):
        return None
    return db.session.scalar(sa.select(SigningKey).where(SigningKey.kid == kid))


def all_keys() -> list[SigningKey]:
    return list(
        db.session.scalars(
            sa.select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        )
    )


def active_keys() -> list[SigningKey]:
    """Keys neither retired nor withdrawn, newest first."""
    return [key for key in all_keys() if key.retired_at is None and key.withdrawn_at is None]


def published_keys() -> list[SigningKey]:
    """Every key not withdrawn, retired ones included, newest first."""
    return [key for key in all_keys() if key.withdrawn_at is None]


def status_of(row: SigningKey) -> str:
    if row.withdrawn_at is not None:
        return "withdrawn"
    if row.retired_at is not None:
        return "retired"
    return "active"


def _load(path: Path) -> "RSAKey":
    from joserfc.jwk import RSAKey

    stamp = (str(path), path.stat().st_mtime_ns)
    if stamp not in _loaded:
        _loaded.clear()
        _loaded[stamp] = RSAKey.import_key(path.read_bytes())
    return _loaded[stamp]


def current() -> Signer | None:
    """The key new credentials are signed with, or None when there is none on this server."""
    for row in active_keys():
        if has_private_file(row.kid):
            return Signer(row=row, private_key=_load(private_path(row.kid)))
    return None
