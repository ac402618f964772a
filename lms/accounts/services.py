"""Rules for agencies and people: registration, account changes, staff and role management."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import (
    Agency,
    AgencyEmailDomain,
    AgencyMembership,
    Role,
    User,
    UserRole,
)
from lms.accounts.passwords import check_password, hash_password
from lms.audit import services as audit
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.core.text import single_line
from lms.extensions import db

# Called as hook(user, before=old_name, now=...) when a person's name is corrected
# (certificates showing the old name are replaced).
NAME_CHANGED: list[Callable] = []


class AccountError(DomainError):
    pass


class EmailTaken(AccountError):
    pass


@dataclass
class PersonDetails:
    """What a person tells us about themselves."""

    name: str
    email: str
    job_title: str
    agency_id: int | None
    line_manager_email: str | None = None


def normalise_email(email: str) -> str:
    """Addresses are compared and stored in lower case, without surrounding spaces."""
    return (email or "").strip().lower()


def check_email(email: str, *, field: str = "email") -> str:
    """Return the normalised address, or refuse one that is not a valid email address."""
    email = normalise_email(email)
    from email_validator import EmailNotValidError, validate_email  # on first use

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(
            "Enter an email address in the correct format, like name@example.org", field=field
        ) from None
    return email


def email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def suggest_agencies(email: str) -> list[Agency]:
    """Active agencies whose email domains match the address (a subdomain matches its parent)."""
    domain = email_domain(email)
    if not domain:
        return []
    parts = domain.split(".")
    candidates = [".".join(parts[index:]) for index in range(len(parts) - 1)]
    return list(
        db.session.scalars(
            sa.select(Agency)
            .join(AgencyEmailDomain)
            .where(AgencyEmailDomain.domain.in_(candidates), Agency.is_active.is_(True))
            .order_by(Agency.name)
            .distinct()
        )
    )


def active_agencies() -> list[Agency]:
    return list(
        db.session.scalars(
            sa.select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.name)
        )
    )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def active_agency(agency_id: int | None) -> Agency:
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or not agency.is_active:
        raise AccountError("Select your agency from the list", field="agency_id")
    return agency


def _clean_details(
    details: PersonDetails, *, user: User | None = None, check_taken: bool = True
) -> PersonDetails:
    name = single_line(details.name or "").strip()
    job_title = single_line(details.job_title or "").strip()
    if not name:
        raise AccountError("Enter your full name", field="name")
    if not job_title:
        raise AccountError("Enter your job title", field="job_title")
    email = check_email(details.email)
    existing = find_user_by_email(email) if check_taken else None
    if existing is not None and existing is not user:
        raise EmailTaken(
            "An account already exists for this email address. Sign in, or reset your password",
            field="email",
        )
    manager = None
    if details.line_manager_email and details.line_manager_email.strip():
        manager = check_email(details.line_manager_email, field="line_manager_email")
        if manager == email:
            raise AccountError(
                "Your line manager's email must be different from your own",
                field="line_manager_email",
            )
    return PersonDetails(name, email, job_title, details.agency_id, manager)


def role_grants(roles, agency: Agency | int, *, now: datetime | None = None) -> list[UserRole]:
    """Grants of these roles; an agency coordinator's belongs to the agency named here."""
    grants = []
    for role in roles:
        grant = UserRole(role=role, granted_at=now or utcnow())
        if role is Role.COORDINATOR:
            if isinstance(agency, Agency):
                grant.agency = agency
            else:
                grant.agency_id = agency
        grants.append(grant)
    return grants


def create_user(
    details: PersonDetails,
    *,
    password: str | None,
    roles: set[Role],
    now: datetime,
    by: User | None = None,
) -> User:
    """Create an account with a membership of its agency; no password means none is usable yet."""
    details = _clean_details(details)
    agency = active_agency(details.agency_id)
    if password is not None:
        check_password(password, personal=(details.email.partition("@")[0], details.name))
    user = User(
        email=details.email,
        name=details.name,
        job_title=details.job_title,
        agency=agency,
        line_manager_email=details.line_manager_email,
        password_hash=hash_password(
            password if password is not None else secrets.token_urlsafe(32)
        ),
        created_at=now,
        updated_at=now,
    )
    user.role_grants = role_grants(roles, agency, now=now)
    user.memberships = [
        AgencyMembership(agency=agency, job_title=details.job_title, started_at=now)
    ]
    db.session.add(user)
    db.session.flush()
    if by is not None:
        audit.record("user.created", user, actor=by, after=_user_snapshot(user))
    return user


def clean_new_details(details: PersonDetails) -> PersonDetails:
    """A newcomer's details checked field by field (not whether the address is taken), with
    their agency."""
    details = _clean_details(details, check_taken=False)
    active_agency(details.agency_id)
    return details


def _user_snapshot(user: User) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "job_title": user.job_title,
        "agency_id": user.agency_id,
        "line_manager_email": user.line_manager_email,
        "is_active": user.is_active,
        "roles": sorted(role.value for role in user.roles),
    }


def update_details(user: User, details: PersonDetails, *, by: User, now: datetime) -> User:
    """Change a person's details as an administrator or coordinator may; moving agency closes
    the old membership, opens a new one and ends the powers the old agency gave."""
    from lms.accounts.moves import move

    details = _clean_details(details, user=user)
    agency = (
        user.agency if details.agency_id == user.agency_id else active_agency(details.agency_id)
    )
    before = _user_snapshot(user)
    move(user, agency, job_title=details.job_title, by=by, now=now)
    user.name = details.name
    user.email = details.email
    user.job_title = details.job_title
    user.line_manager_email = details.line_manager_email
    user.updated_at = now
    db.session.flush()
    after = _user_snapshot(user)
    if after != before:
        audit.record("user.updated", user, actor=by, before=before, after=after)
    if after["name"] != before["name"]:
        for hook in NAME_CHANGED:
            hook(user, before=before["name"], now=now)
    return user


def set_roles(user: User, roles: set[Role], *, by: User, now: datetime) -> None:
    """Grant and withdraw roles; an admin cannot remove their own admin role. A coordinator's
    role is given for the person's agency of the moment."""
    if user.id == by.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        raise AccountError("You cannot remove your own administrator role", field="roles")
    if not roles:
        raise AccountError("Select at least one role", field="roles")
    before = sorted(role.value for role in user.roles)
    in_force = user.roles
    user.role_grants = [
        grant for grant in user.role_grants if grant.role in roles and grant.role in in_force
    ]
    db.session.flush()
    user.role_grants.extend(role_grants(roles - user.roles, user.agency, now=now))
    db.session.flush()
    after = sorted(role.value for role in user.roles)
    if after != before:
        audit.record(
            "user.roles_changed", user, actor=by, before={"roles": before}, after={"roles": after}
        )


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if user.id == by.id and not active:
        raise AccountError("You cannot deactivate your own account", field="is_active")
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        user.end_sessions()
    audit.record(
        "user.activated" if active else "user.deactivated",
        user,
        actor=by,
        before={"is_active": not active},
        after={"is_active": active},
    )


def set_erased_person_active(user: User, active: bool, *, by: User) -> User:
    """The one change an erased person's account still takes: whether they still work here."""
    if user.erased_at is None:
        raise AccountError("Only an erased person's account is changed this way", field="is_active")
    set_active(user, active, by=by)
    return user


def update_person(
    user: User, details: PersonDetails, *, roles: set[Role], active: bool, by: User, now: datetime
) -> User:
    """An administrator's edit of a person: details, roles and whether the account is active."""
    update_details(user, details, by=by, now=now)
    set_roles(user, roles, by=by, now=now)
    set_active(user, active, by=by)
    return user


def active_providers(user: User | None = None) -> list:
    """The providers a person may be said to work for: the active ones, and the one they
    already work for even if it is no longer active."""
    from lms.catalogue.models import Provider

    query = sa.select(Provider).where(Provider.is_active.is_(True))
    if user is not None and user.provider_id is not None:
        query = sa.select(Provider).where(
            sa.or_(Provider.is_active.is_(True), Provider.id == user.provider_id)
        )
    return list(db.session.scalars(query.order_by(Provider.name)))


def set_provider(user: User, provider_id: int | None, *, by: User) -> User:
    """Say which commissioned provider a person works for (None: none); a trainer who works
    for one sees the evaluation summary of all its sessions. Audited."""
    from lms.catalogue.models import Provider

    if provider_id == user.provider_id:
        return user
    if provider_id is not None:
        provider = db.session.get(Provider, provider_id)
        if provider is None or not provider.is_active:
            raise AccountError("Select the provider from the list", field="provider_id")
    before = user.provider_id
    user.provider_id = provider_id
    db.session.flush()
    audit.record(
        "user.provider_changed",
        user,
        actor=by,
        before={"provider_id": before},
        after={"provider_id": provider_id},
    )
    return user


def update_staff_member(
    person: User, details: PersonDetails, *, active: bool, by: User, now: datetime
) -> User:
    """A coordinator's edit of a colleague: details (not email or agency) and whether active."""
    details.email, details.agency_id = person.email, person.agency_id
    update_details(person, details, by=by, now=now)
    set_active(person, active, by=by)
    return person


def change_password(user: User, new_password: str, *, now: datetime | None = None) -> None:
    """Set a new password and end every other session; the person is told by email when they
    changed it themselves (`now` given)."""
    check_password(new_password, personal=(user.email.partition("@")[0], user.name))
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    if now is not None:
        from lms.mail.services import queue_message

        queue_message(
            recipient=user.email,
            user=user,
            kind="password_changed",
            subject="Your password has been changed",
            context={"user": user, "changed_at": now},
        )


def staff_of(agency: Agency, *, search: str = "") -> sa.Select:
    """The people whose current agency is this one, by name."""
    query = sa.select(User).where(User.agency_id == agency.id).order_by(User.name, User.id)
    return _search(query, search)


def people(*, search: str = "", agency_id: int | None = None, role: Role | None = None):
    """Everyone, for administrators, narrowed by a search, an agency or a role."""
    query = sa.select(User).order_by(User.name, User.id)
    if agency_id:
        query = query.where(User.agency_id == agency_id)
    if role is not None:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    return _search(query, search)


def _search(query: sa.Select, search: str) -> sa.Select:
    search = (search or "").strip().lower()
    if not search:
        return query
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return query.where(
        sa.or_(
            sa.func.lower(User.name).like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),
            sa.func.lower(User.job_title).like(pattern, escape="\\"),
        )
    )
