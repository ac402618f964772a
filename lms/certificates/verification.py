"""Checking a certificate by its code, as the public verify page does: what the page may say of
it, and a record that it was checked (for the statistics; nothing about who checked is kept).

An unknown code and a malformed one are the same answer, so the page cannot tell a guesser
more than that no certificate has the code."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from lms.certificates import codes
from lms.certificates.models import Certificate, CertificateCheck, CheckMethod, Status
from lms.extensions import db


@dataclass(frozen=True)
class Verdict:
    """All the verify page shows of a certificate: its snapshot's name, course and dates, and
    its status today (with the last day it is valid, when it expires)."""

    person_name: str
    course_title: str
    first_day: date
    last_day: date
    status: Status
    valid_until: date | None
    code: str


def find(typed: str | None) -> Certificate | None:
    """The certificate with the code typed (case, spaces and dashes forgiven), or None when no
    certificate has it, whether the code is unknown or could not be a code at all."""
    code = codes.normalise(typed)
    if code is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def verdict(certificate: Certificate, *, today: date) -> Verdict:
    """What the verify page says of the certificate on this UK date."""
    return Verdict(
        person_name=certificate.person_name,
        course_title=certificate.course_title,
        first_day=certificate.first_day,
        last_day=certificate.last_day,
        status=certificate.status(today),
        valid_until=certificate.valid_until,
        code=codes.display(certificate.code),
    )


def record_check(certificate: Certificate, *, method: CheckMethod, now: datetime) -> None:
    """Count a check of the certificate on the verify page."""
    db.session.add(CertificateCheck(certificate_id=certificate.id, checked_at=now, method=method))
    db.session.flush()
