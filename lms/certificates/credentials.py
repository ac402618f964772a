"""Each certificate as a 1EdTech Open Badges 3.0 OpenBadgeCredential (a W3C Verifiable
Credential, data model 2.0), signed as a VC-JWT (RS256) with the partnership's current key, and
the revocation status list every credential points to (a W3C BitstringStatusListCredential).

Every address in a credential is the service's own external URL (https in production): the
issuer profile, the public key its `kid` names, the achievement and the status list are all
served by `lms.certificates.badge_views`. Checking a pasted credential is in
`lms.certificates.credential_checks`.
"""

import base64
import gzip
import hashlib
import json
from datetime import UTC, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from lms.catalogue.models import Course
from lms.certificates import keys
from lms.certificates.models import Certificate
from lms.core.timefmt import london_to_utc
from lms.core.urls import external_url
from lms.extensions import db

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT = [VC_CONTEXT, OB_CONTEXT]
# The bits of one status list: the minimum the Bitstring Status List specification allows
# (16 KB), so a verifier cannot tell one person's credential from the size of the list.
LIST_SIZE = 131_072
# The status list may be cached this long by a verifier (seconds).
STATUS_LIST_TTL = 300


class NoSigningKey(Exception):
    """No key to sign with on this server: an administrator runs `flask keys generate`."""


# Addresses ---------------------------------------------------------------------------------


def issuer_url() -> str:
    return external_url("badges.issuer")


def key_url(kid: str) -> str:
    return external_url("badges.key", kid=kid)


def status_list_url(list_id: int) -> str:
    return external_url("badges.status_list", list_id=list_id)


def achievement_url(course_id: int) -> str:
    return external_url("badges.achievement", course_id=course_id)


def status_position(certificate_id: int) -> tuple[int, int]:
    """The status list (numbered from 1) and the bit in it that stand for a certificate."""
    return certificate_id // LIST_SIZE + 1, certificate_id % LIST_SIZE


# The documents -----------------------------------------------------------------------------


def issuer_profile() -> dict:
    """The partnership as an Open Badges Profile."""
    return {
        "@context": CONTEXT,
        "id": issuer_url(),
        "type": "Profile",
        "name": current_app.config["PARTNERSHIP_NAME"],
        "url": external_url("pages.index"),
    }


def _issuer() -> dict:
    profile = issuer_profile()
    return {key: profile[key] for key in ("id", "type", "name", "url")}


def _hours(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def achievement(course: Course, *, title=None, code=None, level=None, cpd_hours=None) -> dict:
    """A course as an Open Badges Achievement; a certificate passes the snapshot it states."""
    title = course.title if title is None else title
    code = course.code if code is None else code
    level = course.level if level is None else level
    hours = course.cpd_hours if cpd_hours is None else cpd_hours
    return {
        "id": achievement_url(course.id),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": title,
        "humanCode": code,
        "description": (
            f"{title}: safeguarding training at level {level}, worth {_hours(hours)} hours of "
            "continuing professional development (CPD)."
        ),
        "criteria": {
            "narrative": (
                f"Completed {title} (level {level}), as recorded by "
                f"{current_app.config['PARTNERSHIP_NAME']}."
            )
        },
        "creditsAvailable": float(hours),
        "tag": [f"Level {level}", "Safeguarding"],
    }


def achievement_document(course: Course) -> dict:
    return {"@context": CONTEXT, **achievement(course)}


def _salt(certificate: Certificate) -> str:
    return hashlib.sha256(f"salt:{certificate.credential_id}".encode()).hexdigest()[:32]


def email_identity(email: str, salt: str) -> dict:
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def _moment(value: datetime) -> str:
    """An XML Schema dateTime in UTC, to the second."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def valid_until(certificate: Certificate) -> datetime | None:
    """The end of the certificate's last valid day, UK time, or None."""
    if certificate.valid_until is None:
        return None
    return london_to_utc(certificate.valid_until, time(23, 59, 59))


def credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate, as its snapshot states it."""
    list_id, index = status_position(certificate.id)
    salt = _salt(certificate)
    course = db.session.get(Course, certificate.course_id)
    document = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{certificate.credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(),
        "validFrom": _moment(certificate.issued_at),
        "name": certificate.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                email_identity(certificate.user.email, salt),
                {
                    "type": "IdentityObject",
                    "identityHash": certificate.person_name,
                    # Open Badges' list of identity types has no name: 1EdTech's recommended
                    # practice is this extension type.
                    "identityType": "ext:name",
                    "hashed": False,
                },
            ],
            "achievement": achievement(
                course,
                title=certificate.course_title,
                code=certificate.course_code,
                level=certificate.level,
                cpd_hours=certificate.cpd_hours,
            ),
            "activityStartDate": _moment(london_to_utc(certificate.first_day, time(0))),
            "activityEndDate": _moment(london_to_utc(certificate.last_day, time(23, 59, 59))),
            "creditsEarned": float(certificate.cpd_hours),
            "narrative": f"{certificate.mode}; delivered by {certificate.delivered_by}"
            if certificate.delivered_by
            else certificate.mode,
        },
        "credentialStatus": {
            "id": f"{status_list_url(list_id)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_url(list_id),
        },
    }
    ends = valid_until(certificate)
    if ends is not None:
        document["validUntil"] = _moment(ends)
    return document


# Signing -----------------------------------------------------------------------------------


def _signer() -> keys.Signer:
    signer = keys.current()
    if signer is None:
        raise NoSigningKey(
            "There is no signing key on this server yet: an administrator runs "
            "`flask --app wsgi keys generate`"
        )
    return signer


def sign(claims: dict, signer: keys.Signer) -> str:
    """A compact JWS of the claims: header alg RS256, kid the public key's address, typ JWT."""
    header = {"alg": keys.ALGORITHM, "kid": key_url(signer.kid), "typ": "JWT"}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    from joserfc import jws  # imported at the first signature, not at start-up

    return jws.serialize_compact(header, payload, signer.private_key, algorithms=[keys.ALGORITHM])


def _seconds(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def vc_jwt(document: dict, *, valid_from: datetime, ends: datetime | None, signer) -> str:
    claims = {"iss": document["issuer"]["id"], "jti": document["id"], "nbf": _seconds(valid_from)}
    if ends is not None:
        claims["exp"] = _seconds(ends)
    subject_id = document["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    claims["vc"] = document
    return sign(claims, signer)


def signed_credential(certificate: Certificate, signer: keys.Signer | None = None) -> str:
    """The certificate's credential as a VC-JWT. NoSigningKey when there is no key."""
    signer = signer or _signer()
    return vc_jwt(
        credential(certificate),
        valid_from=certificate.issued_at,
        ends=valid_until(certificate),
        signer=signer,
    )


# The status list ---------------------------------------------------------------------------


def last_list_id() -> int:
    highest = db.session.scalar(sa.select(sa.func.max(Certificate.id))) or 0
    return status_position(highest)[0]


def encoded_list(set_bits) -> str:
    """The multibase (u: base64url, no padding) of the gzipped bitstring; bit 0 is the most
    significant bit of the first byte."""
    bits = bytearray(LIST_SIZE // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decoded_list(value: str) -> bytes:
    padded = value[1:] + "=" * (-len(value[1:]) % 4)
    return gzip.decompress(base64.urlsafe_b64decode(padded))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(list_id: int) -> list[int]:
    """The bits to set in a list: its certificates that are revoked or replaced."""
    first = (list_id - 1) * LIST_SIZE
    ids = db.session.scalars(
        sa.select(Certificate.id).where(
            Certificate.id >= first,
            Certificate.id < first + LIST_SIZE,
            sa.or_(Certificate.revoked_at.is_not(None), Certificate.replaced_at.is_not(None)),
        )
    )
    return [certificate_id - first for certificate_id in ids]


def status_list_credential(list_id: int, *, now: datetime) -> dict:
    url = status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _issuer(),
        "validFrom": _moment(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "ttl": STATUS_LIST_TTL * 1000,
            "encodedList": encoded_list(revoked_indexes(list_id)),
        },
    }


def signed_status_list(list_id: int, *, now: datetime) -> str:
    """The status list as a VC-JWT. NoSigningKey when there is no key."""
    signer = _signer()
    document = status_list_credential(list_id, now=now)
    return vc_jwt(document, valid_from=now, ends=None, signer=signer)
