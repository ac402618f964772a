"""Checking a credential pasted into the verify page: its signature, its issuer, its dates and
its status in the partnership's records, each said separately.

Accepted: one VC-JWT (the .jwt file this service gives out), or the text of the credentials
file (a JSON list of them), each entry checked. Anything else gets a message saying what it is
and what to paste instead; nothing pasted is ever shown back unless its signature is ours.
"""

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from lms.certificates import credentials, keys
from lms.certificates.models import (
    Certificate,
    CertificateCheck,
    CheckMethod,
    SigningKey,
    Status,
)
from lms.core.errors import DomainError
from lms.core.timefmt import local, long_date, uk_datetime
from lms.extensions import db

# A credential is about 3,000 characters; the credentials file of a long career a few tens of
# them. Longer text is refused before it is read.
MAX_TEXT = 100_000
MAX_ENTRIES = 50
PART = re.compile(r"[A-Za-z0-9_-]*")


class CheckRefused(DomainError):
    """The pasted text is not something the page can check."""

    def __init__(self, message: str):
        super().__init__(message, field="credential")


@dataclass
class Line:
    """One check and what it found."""

    label: str
    passed: bool
    text: str


@dataclass
class Result:
    """What the page says of one credential."""

    lines: list[Line] = field(default_factory=list)
    certificate: Certificate | None = None
    status: Status | None = None
    # The training's dates, as the certificate states them.
    days: str = ""

    @property
    def trusted(self) -> bool:
        return bool(self.lines) and all(line.passed for line in self.lines)


class Malformed(Exception):
    """Not a VC-JWT at all."""


# Reading -----------------------------------------------------------------------------------


def tokens_in(text: str) -> list[str]:
    """The VC-JWTs in the pasted text. CheckRefused when there are none to check."""
    text = (text or "").strip()
    if not text:
        raise CheckRefused("Paste a credential: the text of a .jwt file from this service")
    if len(text.encode()) > MAX_TEXT:
        raise CheckRefused(
            "The text is too long to be a credential (more than 100 KB, about 30 credentials): "
            "paste the credentials one at a time"
        )
    if "\x00" in text:
        raise CheckRefused("The text holds a NUL character, which no credential can contain")
    if text.startswith("["):
        return _list_entries(text)
    if text.startswith("{"):
        raise CheckRefused(_json_object_message(text))
    return ["".join(text.split())]


def _list_entries(text: str) -> list[str]:
    try:
        entries = json.loads(text)
    except (ValueError, RecursionError):
        raise CheckRefused(
            "The text starts like a list of credentials but is not valid JSON: paste the "
            "credentials file exactly as it was downloaded"
        ) from None
    if not isinstance(entries, list) or not entries:
        raise CheckRefused("The list holds no credentials")
    if len(entries) > MAX_ENTRIES:
        raise CheckRefused(f"The list holds more than {MAX_ENTRIES} credentials: paste fewer")
    if not all(isinstance(entry, str) for entry in entries):
        raise CheckRefused(
            "Each entry of a credentials file is a signed credential (text): this list holds "
            "something else"
        )
    return ["".join(entry.split()) for entry in entries]


def _json_object_message(text: str) -> str:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict) and "proof" in document:
        return (
            "This credential carries an embedded proof. This page checks credentials signed "
            "as a VC-JWT (the .jwt files this service gives out): paste one of those"
        )
    if isinstance(document, dict) and ("credentialSubject" in document or "vc" in document):
        return (
            "This is a credential's content without its signature, so nothing shows who "
            "issued it: paste the signed credential (the .jwt file) instead"
        )
    return "This is not a credential: paste the text of a .jwt file from this service"


def _decode(part: str) -> bytes:
    if not PART.fullmatch(part):
        raise Malformed
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise Malformed from None


def _json_part(part: str) -> dict:
    try:
        value = json.loads(_decode(part))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed from None
    if not isinstance(value, dict):
        raise Malformed
    return value


# Checking ----------------------------------------------------------------------------------


def _key_for(kid) -> SigningKey | None:
    if not isinstance(kid, str) or len(kid) > 500:
        return None
    return keys.by_kid(kid.rsplit("/ob/keys/", 1)[-1] if "/ob/keys/" in kid else kid)


def _signature(token: str, header: dict) -> Line:
    label = "Signature"
    algorithm = header.get("alg")
    if algorithm != keys.ALGORITHM:
        shown = str(algorithm)[:20]
        return Line(
            label,
            False,
            f"Refused: signed with “{shown}”. This partnership signs with RS256 only; "
            "unsigned (“none”) and shared-secret (HS256) credentials are never accepted.",
        )
    if "crit" in header:
        return Line(label, False, "Refused: the header asks for extensions this page ignores.")
    row = _key_for(header.get("kid"))
    if row is None:
        return Line(label, False, "Not signed with any of this partnership's keys.")
    if row.withdrawn_at is not None:
        return Line(
            label,
            False,
            "Signed with a key this partnership withdrew on "
            f"{uk_datetime(row.withdrawn_at)}: it cannot be trusted.",
        )
    from joserfc import jws  # imported at the first check, not at start-up
    from joserfc.errors import JoseError
    from joserfc.jwk import RSAKey

    try:
        jws.deserialize_compact(
            token, RSAKey.import_key(row.public_jwk), algorithms=[keys.ALGORITHM]
        )
    except (JoseError, ValueError):
        return Line(
            label,
            False,
            "Does not match: the credential was altered after it was issued, or forged.",
        )
    return Line(label, True, "Valid: signed with one of this partnership's published keys.")


def _issuer_id(claims: dict):
    issuer = (claims.get("vc") or {}).get("issuer") if isinstance(claims.get("vc"), dict) else None
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _issuer(claims: dict) -> Line:
    ours = credentials.issuer_url()
    named = claims.get("iss")
    if named == ours and _issuer_id(claims) == ours:
        return Line("Issuer", True, f"This partnership ({ours}).")
    shown = str(named)[:200] if named else "nobody named"
    return Line("Issuer", False, f"Issued by {shown}, not by this partnership ({ours}).")


def _when(seconds) -> datetime | None:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _dates(claims: dict, *, now: datetime) -> Line:
    starts, ends = _when(claims.get("nbf")), _when(claims.get("exp"))
    if starts is None or ("exp" in claims and ends is None):
        return Line("Dates", False, "The credential's dates cannot be read.")
    if now < starts:
        return Line("Dates", False, f"Not valid until {uk_datetime(starts)}.")
    if ends is not None and ends <= now:
        return Line("Dates", False, f"Expired on {uk_datetime(ends)}.")
    until = f" until {uk_datetime(ends)}" if ends else " with no end date"
    return Line("Dates", True, f"Valid from {uk_datetime(starts)}{until}.")


def _certificate_of(claims: dict) -> Certificate | None:
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti.startswith("urn:uuid:"):
        return None
    try:
        credential_id = str(uuid.UUID(jti.removeprefix("urn:uuid:")))
    except ValueError:
        return None
    vc = claims.get("vc")
    if not isinstance(vc, dict) or vc.get("id") != jti:
        return None
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.credential_id == credential_id)
    )


STATUS_TEXT = {
    Status.VALID: "Valid: the partnership has not revoked it.",
    Status.EXPIRED: "Expired: the training is due to be renewed.",
    Status.REVOKED: "Revoked by the partnership: it no longer stands.",
    Status.REPLACED: "Replaced by a newer certificate (a corrected name): this one no longer "
    "stands.",
}


def check_token(token: str, *, now: datetime) -> Result:
    """Check one VC-JWT; records a CertificateCheck when it is ours and found (flushed)."""
    result = Result()
    try:
        parts = token.split(".")
        if len(parts) != 3 or not all(PART.fullmatch(piece) for piece in parts):
            raise Malformed
        # The signature itself is read by the JOSE library, and only for RS256.
        header, claims = _json_part(parts[0]), _json_part(parts[1])
    except Malformed:
        result.lines.append(
            Line(
                "Format",
                False,
                "This is not a signed credential: a VC-JWT is three parts of letters and digits "
                "joined by dots. Paste the whole text of the .jwt file.",
            )
        )
        return result
    signature = _signature(token, header)
    result.lines.append(signature)
    issuer = _issuer(claims)
    result.lines.append(issuer)
    if not (signature.passed and issuer.passed):
        return result
    result.lines.append(_dates(claims, now=now))
    certificate = _certificate_of(claims)
    if certificate is None:
        result.lines.append(Line("Status", False, "Not found in this partnership's records."))
        return result
    result.certificate = certificate
    result.days = long_date(certificate.first_day)
    if certificate.last_day != certificate.first_day:
        result.days += f" to {long_date(certificate.last_day)}"
    result.status = certificate.status(local(now).date())
    result.lines.append(Line("Status", result.status is Status.VALID, STATUS_TEXT[result.status]))
    db.session.add(
        CertificateCheck(
            certificate_id=certificate.id, checked_at=now, method=CheckMethod.CREDENTIAL
        )
    )
    db.session.flush()
    return result


def check_text(text: str, *, now: datetime) -> list[Result]:
    """Check every credential in the pasted text. CheckRefused when there is none to check."""
    return [check_token(token, now=now) for token in tokens_in(text)]
