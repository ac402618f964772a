"""Demonstration agencies and people for a London borough's safeguarding partnership.

Email domains end in .example (reserved, RFC 2606), so demo data can never mail a real person.
"""

import random
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import (
    Agency,
    AgencyEmailDomain,
    AgencyMembership,
    Role,
    Sector,
    User,
)
from lms.accounts.passwords import hash_password
from lms.accounts.services import role_grants
from lms.core.models import utcnow
from lms.extensions import db

DEMO_PASSWORD = "Riverside-demo-2026"

# name, sector, statutory partner, email domains. The statutory safeguarding partners are the
# local authority, the integrated care board (formerly the CCG) and the police; hospital and
# mental health trusts are relevant agencies.
AGENCIES = [
    (
        "Riverside Council – Children's Services",
        Sector.LOCAL_AUTHORITY,
        True,
        ["riverside-council.example"],
    ),
    (
        "Riverside Council – Education",
        Sector.LOCAL_AUTHORITY,
        True,
        ["education.riverside-council.example"],
    ),
    (
        "Riverside Council – Housing",
        Sector.LOCAL_AUTHORITY,
        True,
        ["housing.riverside-council.example"],
    ),
    ("Riverside Clinical Commissioning Group", Sector.HEALTH, True, ["riverside-ccg.nhs.example"]),
    (
        "Riverside University Hospitals NHS Trust",
        Sector.HEALTH,
        False,
        ["ruh.nhs.example", "nhs.example"],
    ),
    (
        "St Bride's Hospital NHS Foundation Trust",
        Sector.HEALTH,
        False,
        ["stbrides.nhs.example", "nhs.example"],
    ),
    (
        "East Riverside Mental Health NHS Foundation Trust",
        Sector.HEALTH,
        False,
        ["erm.nhs.example", "nhs.example"],
    ),
    ("Riverside GP Practices", Sector.HEALTH, False, ["gp.nhs.example"]),
    (
        "Metropolitan Police – Riverside Borough Command Unit",
        Sector.POLICE,
        True,
        ["met-police.example"],
    ),
    ("London Fire Brigade", Sector.FIRE, False, ["lfb.example"]),
    ("Probation Service – Riverside", Sector.PROBATION, False, ["probation.justice.example"]),
    ("Cafcass", Sector.CAFCASS, False, ["cafcass.example"]),
    ("Riverside Homes Housing Association", Sector.HOUSING, False, ["riverside-homes.example"]),
    ("Alder Road Primary School", Sector.EDUCATION, False, ["alderroad.sch.example"]),
    (
        "St Mary's Church of England Primary School",
        Sector.EDUCATION,
        False,
        ["stmarys.sch.example"],
    ),
    ("Riverside Academy (secondary)", Sector.EDUCATION, False, ["riverside-academy.example"]),
    ("Thames View High School", Sector.EDUCATION, False, ["thamesview.sch.example"]),
    ("Little Acorns Day Nursery", Sector.EARLY_YEARS, False, ["littleacorns.example"]),
    ("Riverside Children's Centres", Sector.EARLY_YEARS, False, ["childrenscentres.example"]),
    ("Riverside Childminders Network", Sector.EARLY_YEARS, False, []),
    ("Riverside Youth Trust", Sector.VOLUNTARY_COMMUNITY, False, ["youthtrust.example"]),
    ("Riverside Women's Aid", Sector.VOLUNTARY_COMMUNITY, False, ["womensaid-riverside.example"]),
    ("Riverside Citizens Advice", Sector.VOLUNTARY_COMMUNITY, False, ["ca-riverside.example"]),
    ("Riverside Interfaith Forum", Sector.FAITH, False, ["interfaith.example"]),
    ("St John's Parish Church", Sector.FAITH, False, []),
    ("Riverside Mosque and Education Centre", Sector.FAITH, False, ["riversidemosque.example"]),
    ("Riverside Leisure Trust", Sector.OTHER, False, ["riverside-leisure.example"]),
]

# email, name, job title, agency, roles
DEMO_ACCOUNTS = [
    (
        "admin@riverside-council.example",
        "Alex Morgan",
        "Partnership business manager",
        "Riverside Council – Children's Services",
        {Role.ADMIN},
    ),
    (
        "pdl@riverside-ccg.nhs.example",
        "Priya Shah",
        "Designated nurse, PDL subgroup chair",
        "Riverside Clinical Commissioning Group",
        {Role.PDL_VIEWER},
    ),
    (
        "coordinator@ruh.nhs.example",
        "Chris O'Brien",
        "Named nurse for safeguarding children",
        "Riverside University Hospitals NHS Trust",
        {Role.COORDINATOR, Role.PRACTITIONER},
    ),
    (
        "trainer@riverside-council.example",
        "Tomasz Nowak",
        "Safeguarding trainer",
        "Riverside Council – Children's Services",
        {Role.TRAINER},
    ),
    (
        "practitioner@alderroad.sch.example",
        "Zoë Williams",
        "Designated safeguarding lead",
        "Alder Road Primary School",
        {Role.PRACTITIONER},
    ),
    (
        "coordinator@alderroad.sch.example",
        "Grace Adeyemi",
        "Headteacher",
        "Alder Road Primary School",
        {Role.COORDINATOR, Role.PRACTITIONER},
    ),
]

FIRST_NAMES = [
    "Amina",
    "Ben",
    "Chloe",
    "Daniel",
    "Efua",
    "Fatima",
    "George",
    "Hannah",
    "Imran",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oluwaseun",
    "Paul",
    "Rachel",
    "Sanjay",
    "Siobhan",
    "Tom",
    "Usha",
    "Victoria",
    "Wei",
    "Yusuf",
    "Zainab",
    "Aoife",
    "Callum",
    "Deborah",
    "Emre",
    "Grace",
    "Hyun-woo",
    "Isabel",
    "José",
    "Kerry",
    "Leon",
    "Marta",
    "Nadia",
    "Owen",
    "Precious",
]
SURNAMES = [
    "Adeyemi",
    "Ahmed",
    "Brown",
    "Chen",
    "Clarke",
    "Davies",
    "Evans",
    "Fernandes",
    "Green",
    "Hussain",
    "Ibrahim",
    "Jones",
    "Kaur",
    "Kowalski",
    "Li",
    "Mensah",
    "Murphy",
    "Nguyen",
    "O'Connor",
    "Okafor",
    "Patel",
    "Quinn",
    "Robinson",
    "Singh",
    "Taylor",
    "Walsh",
    "Wright",
    "Yilmaz",
    "Zhang",
    "Begum",
    "Campbell",
    "Da Silva",
    "Osei",
    "Thompson",
]
JOB_TITLES = {
    Sector.LOCAL_AUTHORITY: [
        "Social worker",
        "Family support worker",
        "Team manager",
        "Housing officer",
        "Education welfare officer",
        "Early help practitioner",
    ],
    Sector.HEALTH: [
        "Health visitor",
        "School nurse",
        "Midwife",
        "Paediatric nurse",
        "GP",
        "Emergency department nurse",
        "Mental health practitioner",
        "Practice manager",
    ],
    Sector.POLICE: ["Detective constable", "Police constable", "Sergeant, public protection"],
    Sector.FIRE: ["Station officer", "Community safety adviser"],
    Sector.PROBATION: ["Probation officer", "Probation services officer"],
    Sector.CAFCASS: ["Family court adviser"],
    Sector.HOUSING: ["Tenancy sustainment officer", "Neighbourhood officer"],
    Sector.EDUCATION: [
        "Class teacher",
        "Designated safeguarding lead",
        "Teaching assistant",
        "Head of year",
        "Pastoral lead",
        "Special educational needs coordinator",
    ],
    Sector.EARLY_YEARS: [
        "Nursery practitioner",
        "Childminder",
        "Nursery manager",
        "Children's centre worker",
    ],
    Sector.VOLUNTARY_COMMUNITY: [
        "Youth worker",
        "Domestic abuse advocate",
        "Volunteer coordinator",
        "Adviser",
    ],
    Sector.FAITH: ["Youth leader", "Imam", "Parish safeguarding officer", "Madrasah teacher"],
    Sector.OTHER: ["Swimming coach", "Duty manager"],
}
PRACTITIONER_COUNT = 100


def seed_agencies() -> dict[str, Agency]:
    """Create the demo agencies that do not exist yet; return all of them by name."""
    existing = {agency.name: agency for agency in db.session.scalars(sa.select(Agency))}
    for name, sector, statutory, domains in AGENCIES:
        if name in existing:
            continue
        agency = Agency(name=name, sector=sector, is_statutory_partner=statutory)
        agency.domains = [AgencyEmailDomain(domain=domain) for domain in domains]
        db.session.add(agency)
        existing[name] = agency
    db.session.flush()
    return existing


def _add_person(email, name, job_title, agency, roles, password_hash, now) -> bool:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        return False
    user = User(
        email=email,
        name=name,
        job_title=job_title,
        agency=agency,
        password_hash=password_hash,
        line_manager_email=None,
        email_confirmed_at=now,
        created_at=now,
        updated_at=now,
    )
    user.role_grants = role_grants(roles, agency, now=now)
    user.memberships = [AgencyMembership(agency=agency, job_title=job_title, started_at=now)]
    db.session.add(user)
    return True


def seed_people(agencies: dict[str, Agency]) -> int:
    """One demo account per role and about a hundred practitioners; returns how many were added.
    Accounts date from before the demo's training history (about fifteen months)."""
    now = utcnow() - timedelta(days=500)
    password_hash = hash_password(DEMO_PASSWORD)
    added = 0
    for email, name, job_title, agency_name, roles in DEMO_ACCOUNTS:
        added += _add_person(
            email, name, job_title, agencies[agency_name], roles, password_hash, now
        )
    chooser = random.Random(2026)
    with_domains = [(name, domains) for name, _sector, _statutory, domains in AGENCIES if domains]
    for number in range(1, PRACTITIONER_COUNT + 1):
        first, last = chooser.choice(FIRST_NAMES), chooser.choice(SURNAMES)
        agency_name, domains = with_domains[number % len(with_domains)]
        agency = agencies[agency_name]
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "-")
        email = f"{local}.{number}@{domains[0]}"
        job_title = chooser.choice(JOB_TITLES[agency.sector])
        added += _add_person(
            email, f"{first} {last}", job_title, agency, {Role.PRACTITIONER}, password_hash, now
        )
    db.session.flush()
    for user in db.session.scalars(sa.select(User).where(User.line_manager_email.is_(None))):
        if Role.PRACTITIONER in user.roles and user.roles == {Role.PRACTITIONER}:
            domain = user.email.rpartition("@")[2]
            user.line_manager_email = f"manager@{domain}"
    return added
