"""Certificates, the checks made of them, the partnership's signing keys, its logo, and bulk
downloads built in the background.

A certificate belongs to one completed booking or one e-learning completion (a verified
declaration of a module is a completion too) and keeps a snapshot of what it states, so renaming
a course or a person later does not change a certificate already issued: a corrected name
replaces it with a new one. At most one certificate of a booking or completion is live (neither
revoked nor replaced): a partial unique index, so two hooks or two runs of run-jobs cannot both
issue one."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, User
from lms.core.models import enum_type, utcnow
from lms.extensions import db

LIVE = "revoked_at IS NULL AND replaced_at IS NULL"


class Status(enum.Enum):
    """What the verify page says of a certificate."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(
            "(booking_id IS NULL) <> (completion_id IS NULL)", name="booking_or_completion"
        ),
        sa.CheckConstraint("cpd_hours >= 0", name="cpd_hours_not_negative"),
        sa.CheckConstraint("first_day <= last_day", name="days_in_order"),
        sa.Index(
            "uq_certificates_live_booking",
            "booking_id",
            unique=True,
            sqlite_where=sa.text(f"{LIVE} AND booking_id IS NOT NULL"),
            postgresql_where=sa.text(f"{LIVE} AND booking_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_certificates_live_completion",
            "completion_id",
            unique=True,
            sqlite_where=sa.text(f"{LIVE} AND completion_id IS NOT NULL"),
            postgresql_where=sa.text(f"{LIVE} AND completion_id IS NOT NULL"),
        ),
        sa.Index("ix_certificates_agency_issued", "agency_id", "issued_at"),
        sa.Index("ix_certificates_user_issued", "user_id", "issued_at"),
        sa.Index("ix_certificates_issued_at", "issued_at"),
        sa.Index("ix_certificates_revoked_at", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 16 characters of Crockford's base32 (80 random bits), printed in groups of four.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # The Open Badges credential's id (urn:uuid:...), kept when the PDF is downloaded again.
    credential_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The agency the booking or completion counts for (the person's agency at the time).
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"))
    completion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("elearning_completions.id"))

    # The snapshot: what the certificate states, as it was when issued.
    person_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    course_code: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[int]
    cpd_hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    # "Face to face", "Virtual", "E-learning" or "Declared and verified".
    mode: Mapped[str] = mapped_column(sa.String(40))
    first_day: Mapped[date]
    last_day: Mapped[date]
    # The provider, or the trainers when the partnership ran it itself.
    delivered_by: Mapped[str] = mapped_column(sa.String(300), default="")
    # The last day it is valid (None: it does not expire).
    valid_until: Mapped[date | None]

    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    replaced_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency: Mapped[Agency] = relationship()
    replaced_by: Mapped["Certificate | None"] = relationship(remote_side=[id])

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.replaced_at is None

    def status(self, today: date) -> Status:
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.replaced_at is not None:
            return Status.REPLACED
        if self.valid_until is not None and self.valid_until < today:
            return Status.EXPIRED
        return Status.VALID


class CheckMethod(enum.Enum):
    CODE = "code"
    CREDENTIAL = "credential"


class CertificateCheck(db.Model):
    """Someone checked a certificate on the verify page, by its code or a pasted credential.
    Nothing about who checked is kept; the statistics count these."""

    __tablename__ = "certificate_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    method: Mapped[CheckMethod] = mapped_column(enum_type(CheckMethod, "check_method"))


class SigningKey(db.Model):
    """A public key the partnership signs credentials with. The private part is a file outside
    the database (config SIGNING_KEYS_DIR); the public part is published until withdrawn, so a
    credential signed before a rotation still verifies."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Stopped signing (a newer key took over); still published.
    retired_at: Mapped[datetime | None]
    # No longer published (the private key was compromised): what it signed stops verifying.
    withdrawn_at: Mapped[datetime | None]


class PartnershipLogo(db.Model):
    """The logo printed on certificates, uploaded by an admin (one row)."""

    __tablename__ = "partnership_logos"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    media_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class BatchStatus(enum.Enum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Waiting to start", "building": "Being built"}.get(
            self.value, self.value.capitalize()
        )


class CertificateBatch(db.Model):
    """A ZIP of an agency's certificates for a period, built by run-jobs when it is large; the
    file lives under config CERTIFICATE_EXPORTS_DIR until it expires."""

    __tablename__ = "certificate_batches"
    __table_args__ = (
        sa.CheckConstraint("done >= 0 AND done <= total", name="done_in_range"),
        sa.CheckConstraint("starts_on <= ends_on", name="period_in_order"),
        sa.Index("ix_certificate_batches_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[BatchStatus] = mapped_column(
        enum_type(BatchStatus, "batch_status"), default=BatchStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    error: Mapped[str] = mapped_column(sa.String(500), default="")

    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User | None] = relationship()
