"""The agencies and people of `flask seed-scale`."""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from lms.accounts.models import Role, Sector
from lms.accounts.passwords import hash_password
from lms.scale.builder import Builder, Person, scaled
from lms.scale.figures import (
    AGENCIES,
    FIRST_NAMES,
    MOVED_AGENCY_RATE,
    NOUNS,
    PASSWORD,
    PLACES,
    PRACTITIONERS,
    SECTORS,
    STATUTORY,
    SURNAMES,
)


def build(builder: Builder) -> None:
    """Add the agencies, their email domains and the people: an administrator, the trainers, a
    safeguarding lead per agency and the practitioners, some of whom moved agency."""
    rng, created = builder.rng, builder.start - timedelta(days=400)
    count = scaled(AGENCIES, builder.scale, 2 * len(Sector))
    sectors = list(Sector) + rng.choices(
        list(SECTORS), weights=[share for share, _ in SECTORS.values()], k=count - len(Sector)
    )
    names: set[str] = set()
    for number, sector in enumerate(sectors, start=1):
        name = f"{rng.choice(PLACES)} {NOUNS[sector]}"
        if name in names:
            name = f"{name} {number}"
        names.add(name)
        statutory = sector in STATUTORY or (sector is Sector.HEALTH and number % 5 == 0)
        row = {
            "id": number,
            "name": name,
            "sector": sector,
            "is_statutory_partner": statutory,
            "is_active": True,
            "is_charge_exempt": sector is Sector.VOLUNTARY_COMMUNITY and number % 4 == 0,
            "created_at": created,
            "updated_at": created,
        }
        builder.agencies.append(row)
        domain = "".join(c if c.isalnum() else "-" for c in name.lower()) + ".example"
        builder.table("domains").append({"id": number, "agency_id": number, "domain": domain})
    builder.table("agencies").extend(builder.agencies)

    password_hash = hash_password(PASSWORD)
    practitioners = scaled(PRACTITIONERS, builder.scale, 10)
    trainers = scaled(30, builder.scale, 3)
    user_id = 0

    def add_user(agency: dict, roles: Iterable[Role], job_title: str) -> Person:
        nonlocal user_id
        user_id += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        domain = builder.rows["domains"][agency["id"] - 1]["domain"]
        joined = created + timedelta(days=rng.randint(0, 300))
        person = Person(user_id, agency["id"])
        builder.table("users").append(
            {
                "id": user_id,
                "email": f"{first}.{last}.{user_id}@{domain}".lower(),
                "name": f"{first} {last}",
                "job_title": job_title,
                "agency_id": agency["id"],
                "line_manager_email": f"manager@{domain}",
                "password_hash": password_hash,
                "is_active": True,
                "session_token": secrets.token_urlsafe(32),
                "last_signed_in_at": None,
                "email_confirmed_at": joined,
                "created_at": joined,
                "updated_at": joined,
            }
        )
        for role in roles:
            scope = agency["id"] if role is Role.COORDINATOR else None
            builder.table("roles").append(
                {"user_id": user_id, "role": role, "granted_at": joined, "agency_id": scope}
            )
        if Role.PRACTITIONER in roles and rng.random() < MOVED_AGENCY_RATE:
            previous = rng.choice(builder.agencies)
            if previous["id"] != agency["id"]:
                span = (builder.now - builder.start).total_seconds()
                person.moved_at = builder.start + timedelta(seconds=rng.uniform(0, span))
                person.previous_agency_id = previous["id"]
        memberships = builder.table("memberships")
        if person.moved_at is not None:
            memberships.append(
                {
                    "id": len(memberships) + 1,
                    "user_id": user_id,
                    "agency_id": person.previous_agency_id,
                    "job_title": job_title,
                    "started_at": joined,
                    "ended_at": person.moved_at,
                }
            )
        memberships.append(
            {
                "id": len(memberships) + 1,
                "user_id": user_id,
                "agency_id": agency["id"],
                "job_title": job_title,
                "started_at": person.moved_at or joined,
                "ended_at": None,
            }
        )
        return person

    council = next(a for a in builder.agencies if a["sector"] is Sector.LOCAL_AUTHORITY)
    add_user(council, [Role.ADMIN], "Partnership business manager")
    for _ in range(trainers):
        builder.trainers.append(add_user(council, [Role.TRAINER], "Safeguarding trainer").id)
    for agency in builder.agencies:
        add_user(agency, [Role.COORDINATOR, Role.PRACTITIONER], "Safeguarding lead")
    for _ in range(practitioners):
        agency = rng.choice(builder.agencies)
        title = rng.choice(SECTORS[agency["sector"]][1])
        builder.persons.append(add_user(agency, [Role.PRACTITIONER], title))
