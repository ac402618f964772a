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

    agency: Mapped[Agency] = relationship()
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    memberships: Mapped[list["AgencyMembership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="AgencyMembership.started_at"
    )

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

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

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_grants")


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
