"""Agencies: their names, sectors and email domains, and how many people each has."""

import re

import sqlalchemy as sa

from lms.accounts.models import Agency, AgencyEmailDomain, Role, Sector, User, UserRole
from lms.audit import services as audit
from lms.core.errors import DomainError
from lms.extensions import db

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class AgencyError(DomainError):
    pass


def parse_domains(text: str) -> list[str]:
    """Email domains, one per line or separated by commas; each must look like a domain."""
    domains = []
    for raw in re.split(r"[\s,;]+", text or ""):
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN_PATTERN.match(domain):
            raise AgencyError(
                f"“{raw.strip()}” is not an email domain. Enter domains like school.sch.uk",
                field="domains",
            )
        if domain not in domains:
            domains.append(domain)
    return domains


def save_agency(
    agency: Agency | None,
    *,
    name: str,
    sector: Sector,
    is_statutory_partner: bool,
    domains: list[str],
    by: User,
    is_charge_exempt: bool = False,
) -> Agency:
    """Create or update an agency; names are unique ignoring letter case."""
    name = " ".join((name or "").split())
    if not name:
        raise AgencyError("Enter the agency's name", field="name")
    clash = db.session.scalar(sa.select(Agency).where(sa.func.lower(Agency.name) == name.lower()))
    if clash is not None and clash is not agency:
        raise AgencyError("An agency with this name already exists", field="name")
    before = _agency_snapshot(agency) if agency is not None else None
    if agency is None:
        agency = Agency(name=name, sector=sector, is_statutory_partner=is_statutory_partner)
        db.session.add(agency)
    agency.name = name
    agency.sector = sector
    agency.is_statutory_partner = is_statutory_partner
    agency.is_charge_exempt = is_charge_exempt
    kept = {row.domain: row for row in agency.domains}
    agency.domains = [kept.get(domain) or AgencyEmailDomain(domain=domain) for domain in domains]
    db.session.flush()
    after = _agency_snapshot(agency)
    if before != after:
        action = "agency.created" if before is None else "agency.updated"
        audit.record(action, agency, actor=by, before=before, after=after)
    return agency


def set_agency_active(agency: Agency, active: bool, *, by: User) -> None:
    """Deactivate an agency (no longer offered at registration) or bring it back; people stay."""
    if agency.is_active == active:
        return
    agency.is_active = active
    audit.record(
        "agency.activated" if active else "agency.deactivated",
        agency,
        actor=by,
        before={"is_active": not active},
        after={"is_active": active},
    )


def _agency_snapshot(agency: Agency) -> dict:
    return {
        "name": agency.name,
        "sector": agency.sector.value,
        "is_statutory_partner": agency.is_statutory_partner,
        "is_charge_exempt": agency.is_charge_exempt,
        "domains": agency.domain_names,
        "is_active": agency.is_active,
    }


def registered_by_agency() -> list[tuple[Sector, str, int, int]]:
    """Active accounts per active agency: sector, agency, people, of whom coordinators."""
    coordinators = (
        sa.select(sa.func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(
            UserRole.role == Role.COORDINATOR,
            User.agency_id == Agency.id,
            User.is_active.is_(True),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            Agency.sector,
            Agency.name,
            sa.func.count(User.id),
            coordinators,
        )
        .outerjoin(User, (User.agency_id == Agency.id) & User.is_active.is_(True))
        .where(Agency.is_active.is_(True))
        .group_by(Agency.id, Agency.sector, Agency.name)
        .order_by(Agency.sector, Agency.name)
    )
    return [tuple(row) for row in rows]
