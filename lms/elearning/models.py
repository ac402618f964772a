"""E-learning: completions of online modules (courses whose delivery mode is e-learning), the
provider files and live xAPI statements they come from, the rows that match nobody yet, and
training people declare themselves.

A completion belongs to the person, the module and the day it was completed, and counts for the
agency the person was in on that day. The same person, module and day is held once: a partial
unique index over the completions not withdrawn, so a file imported twice adds nothing."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Agency, User
from lms.catalogue.models import Course, Provider
from lms.core.models import enum_type, utcnow
from lms.extensions import db

_HELD = "withdrawn_at IS NULL"


class CompletionSource(enum.Enum):
    IMPORT = "import"
    XAPI = "xapi"
    SELF_DECLARED = "self_declared"

    @property
    def label(self) -> str:
        return {
            "import": "Provider file",
            "xapi": "Live from the provider",
            "self_declared": "Declared and verified",
        }[self.value]


class ElearningImport(db.Model):
    """One provider file: uploaded, previewed, imported, perhaps undone. The file itself is kept
    (in the database) from upload until it is imported, so the preview and the import read the
    same bytes; the counts add up to `rows_read`."""

    __tablename__ = "elearning_imports"
    __table_args__ = (
        sa.CheckConstraint(
            "rows_read = added + already_held + not_completed + unmatched + rejected",
            name="counts_add_up",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    # The uploaded bytes, until imported (then cleared); None for a command-line import.
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # The column mapping used: field name -> column heading, plus "completed_values".
    mapping: Mapped[dict | None] = mapped_column(sa.JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rows_read: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    already_held: Mapped[int] = mapped_column(default=0)
    not_completed: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)

    provider: Mapped[Provider] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])


class ImportProblem(db.Model):
    """A row of an imported file that was rejected or matched nobody: the error report."""

    __tablename__ = "elearning_import_problems"
    __table_args__ = (
        sa.Index("ix_elearning_import_problems_import_row", "import_id", "row_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("elearning_imports.id", ondelete="CASCADE")
    )
    row_number: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(500), default="")
    reason: Mapped[str] = mapped_column(sa.String(500))


class Completion(db.Model):
    """One person's completion of one e-learning module on one day."""

    __tablename__ = "elearning_completions"
    __table_args__ = (
        sa.Index(
            "uq_elearning_completions_held",
            "user_id",
            "course_id",
            "completed_on",
            unique=True,
            sqlite_where=sa.text(_HELD),
            postgresql_where=sa.text(_HELD),
        ),
        sa.Index("ix_elearning_completions_completed_on", "completed_on"),
        sa.Index("ix_elearning_completions_expires_on", "expires_on"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by person (and module) through the unique index of held completions, which
    # leads with them: no index of their own, so an import updates fewer indexes.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    # The person's agency on the day of the completion (from their membership history).
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    completed_on: Mapped[date]
    # When the module's validity runs out (None: never); kept in step with the module's validity.
    expires_on: Mapped[date | None]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    source: Mapped[CompletionSource] = mapped_column(
        enum_type(CompletionSource, "completion_source")
    )
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("elearning_imports.id"), index=True)
    statement_id: Mapped[str | None] = mapped_column(sa.String(36))
    declaration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_declarations.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the person was told it is due for renewal (once, by run-jobs).
    renewal_reminded_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    agency: Mapped[Agency] = relationship()


class UnmatchedStatus(enum.Enum):
    OPEN = "open"
    MATCHED = "matched"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class UnmatchedCompletion(db.Model):
    """A completion for an address nobody has an account with (yet). It waits for an admin to
    match or dismiss it, or for someone to register or change their email to that address.
    Held once per address, module and day, whatever its status."""

    __tablename__ = "unmatched_completions"
    __table_args__ = (
        sa.UniqueConstraint("email", "course_id", "completed_on"),
        sa.Index("ix_unmatched_completions_status_email", "status", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The agency as the provider wrote it, to help whoever matches it by hand.
    agency_text: Mapped[str] = mapped_column(sa.String(200), default="")
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    completed_on: Mapped[date]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    source: Mapped[CompletionSource] = mapped_column(
        enum_type(CompletionSource, "completion_source")
    )
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("elearning_imports.id"), index=True)
    statement_id: Mapped[str | None] = mapped_column(sa.String(36))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[UnmatchedStatus] = mapped_column(
        enum_type(UnmatchedStatus, "unmatched_status"), default=UnmatchedStatus.OPEN
    )
    completion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("elearning_completions.id"))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()
    completion: Mapped[Completion | None] = relationship()


class XapiCredential(db.Model):
    """A key and secret a provider's system uses to send statements; only the secret's SHA-256
    is stored (it is a long random value, shown once)."""

    __tablename__ = "xapi_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    provider: Mapped[Provider] = relationship()


class XapiStatement(db.Model):
    """A statement received (its id once: a repeat changes nothing) and what became of it."""

    __tablename__ = "xapi_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    credential_id: Mapped[int] = mapped_column(sa.ForeignKey("xapi_credentials.id"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(500))
    object_id: Mapped[str] = mapped_column(sa.String(500))
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "completion", "already_held", "unmatched", "ignored" (another verb or an unknown activity).
    outcome: Mapped[str] = mapped_column(sa.String(20))


class DeclarationStatus(enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "Waiting to be checked"}.get(self.value, self.value.capitalize())


class TrainingDeclaration(db.Model):
    """Training a person says they did: an e-learning module of the catalogue, or a course
    outside the partnership. It counts only once an admin or their coordinator verifies it."""

    __tablename__ = "training_declarations"
    __table_args__ = (
        sa.CheckConstraint("hours >= 0 AND hours <= 100", name="hours_range"),
        sa.CheckConstraint("course_id IS NOT NULL OR title <> ''", name="module_or_title"),
        sa.Index("ix_training_declarations_status_agency", "status", "agency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The person's agency on the day of the training.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    # A module of the catalogue, or None for training outside the partnership (title, provider).
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    provider_name: Mapped[str] = mapped_column(sa.String(200), default="")
    completed_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    evidence: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    evidence_type: Mapped[str] = mapped_column(sa.String(40))
    evidence_name: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_type(DeclarationStatus, "declaration_status"), default=DeclarationStatus.PENDING
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency: Mapped[Agency] = relationship()
    course: Mapped[Course | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def what(self) -> str:
        return self.course.title if self.course is not None else self.title
