"""Agencies, the people who work in them, their roles and their sign-in secrets."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import TimestampMixin, enum_type, utcnow
from lms.extensions import db


class Sector(enum.Enum):
    LOCAL_AUTHORITY = "local_authority"
    HEALTH = "health"
    POLICE = "police"
    EDUCATION = "education"
    EARLY_YEARS = "early_years"
    VOLUNTARY_COMMUNITY = "voluntary_community"
    FAITH = "faith"
    PROBATION = "probation"
    FIRE = "fire"
    HOUSING = "housing"
    CAFCASS = "cafcass"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.LOCAL_AUTHORITY: "Local authority",
    Sector.HEALTH: "Health",
    Sector.POLICE: "Police",
    Sector.EDUCATION: "Education",
    Sector.EARLY_YEARS: "Early years",
    Sector.VOLUNTARY_COMMUNITY: "Voluntary and community",
    Sector.FAITH: "Faith",
    Sector.PROBATION: "Probation",
    Sector.FIRE: "Fire and rescue",
    Sector.HOUSING: "Housing",
    Sector.CAFCASS: "CAFCASS",
    Sector.OTHER: "Other",
}


class Role(enum.Enum):
    PRACTITIONER = "practitioner"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    PDL_VIEWER = "pdl_viewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PRACTITIONER: "Practitioner",
    Role.COORDINATOR: "Agency coordinator",
    Role.TRAINER: "Trainer",
    Role.PDL_VIEWER: "PDL viewer",
    Role.ADMIN: "Administrator",
}


class Agency(TimestampMixin, db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "sector"))
    is_statutory_partner: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Never charged for non-attendance, whatever the partnership's settings.
    is_charge_exempt: Mapped[bool] = mapped_column(default=False)

    domains: Mapped[list["AgencyEmailDomain"]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyEmailDomain.domain"
    )

    @property
    def domain_names(self) -> list[str]:
        return [row.domain for row in self.domains]

    def __repr__(self) -> str:
        return f"<Agency {self.name!r}>"


class AgencyEmailDomain(db.Model):
    """An email domain that suggests this agency at registration (nhs.net may suggest several)."""

    __tablename__ = "agency_email_domains"
    __table_args__ = (sa.UniqueConstraint("agency_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(sa.String(253), index=True)

    agency: Mapped[Agency] = relationship(back_populates="domains")


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept in lower case so one address cannot register twice in another letter case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str] = mapped_column(sa.String(200))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    line_manager_email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the sign-in cookie; changing it ends every session and remembered sign-in.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_urlsafe(32)
    )
    last_signed_in_at: Mapped[datetime | None]
    # Set when the person follows the link sent to their address (or sets a first password from
    # an emailed link); an unconfirmed account cannot book and is removed after a while.
    email_confirmed_at: Mapped[datetime | None]
    # Set when the person was erased (at their request or by the retention schedule): the row
    # stays, as an anonymous stand-in, so everything counted in the statistics still counts.
    erased_at: Mapped[datetime | None]
    # A trainer who works for a commissioned provider sees the evaluation summary of all that
    # provider's sessions, not only those they delivered.
    provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("providers.id", ondelete="SET NULL"), index=True
    )

    agency: Mapped[Agency] = relationship()
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    memberships: Mapped[list["AgencyMembership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="AgencyMembership.started_at"
    )

    @property
    def roles(self) -> set[Role]:
        """The roles in force: a coordinator's role counts only in the agency it was given for."""
        return {
            grant.role
            for grant in self.role_grants
            if grant.role is not Role.COORDINATOR or grant.agency_id == self.agency_id
        }

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def end_sessions(self) -> None:
        """Invalidate every signed-in session and remembered sign-in of this person."""
        self.session_token = secrets.token_urlsafe(32)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'coordinator' OR agency_id IS NOT NULL", name="coordinator_has_agency"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The agency an agency-scoped role (coordinator) was given for; it ends when the person moves.
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_grants")
    agency: Mapped[Agency | None] = relationship()


class AgencyMembership(db.Model):
    """Which agency a person belonged to, and when; moving agency closes one and opens another."""

    __tablename__ = "agency_memberships"
    __table_args__ = (
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    job_title: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships")
    agency: Mapped[Agency] = relationship()


class PasswordResetToken(db.Model):
    """A single-use reset link; only the SHA-256 of its secret is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class SignInAttempt(db.Model):
    """One sign-in attempt, kept briefly to slow password guessing for an account."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (sa.Index("ix_sign_in_attempts_email_attempted_at", "email", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]


class TokenKind(enum.Enum):
    CALENDAR = "calendar"
    API = "api"


class PersonalToken(db.Model):
    """A secret in a private URL (calendar feed) or API header; only its SHA-256 is stored."""

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(enum_type(TokenKind, "token_kind"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EmailTokenPurpose(enum.Enum):
    CONFIRM_ACCOUNT = "confirm_account"
    CHANGE_EMAIL = "change_email"


class EmailToken(db.Model):
    """A single-use link proving that a person reads an address: a new account's, or the new
    address of an email change (which takes effect only when it is followed)."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[EmailTokenPurpose] = mapped_column(
        enum_type(EmailTokenPurpose, "email_token_purpose")
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PasswordResetRequest(db.Model):
    """A request for a reset link, answered by run-jobs: the page that takes it does the same
    work whether or not the address has an account, so it cannot tell them apart."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (sa.Index("ix_password_reset_requests_handled_at", "handled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


class RequestStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AgencyMoveRequest(db.Model):
    """A person's request to move to an agency whose email domains do not match their address;
    it waits for that agency's coordinator or an administrator."""

    __tablename__ = "agency_move_requests"
    __table_args__ = (
        sa.Index(
            "uq_agency_move_requests_pending_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_agency_move_requests_to_agency_status", "to_agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    from_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    job_title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AgencyRequestStatus(enum.Enum):
    OPEN = "open"
    ADDED = "added"
    DISMISSED = "dismissed"


class AgencyRequest(db.Model):
    """Someone whose agency is not in the list asks the partnership to add it."""

    __tablename__ = "agency_requests"
    __table_args__ = (sa.Index("ix_agency_requests_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "sector"))
    requester_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[AgencyRequestStatus] = mapped_column(
        enum_type(AgencyRequestStatus, "agency_request_status"), default=AgencyRequestStatus.OPEN
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))

    agency: Mapped[Agency | None] = relationship()
