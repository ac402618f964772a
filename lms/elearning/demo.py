"""Demonstration e-learning: a Level 1 provider, its modules and about a year of completions.

The provider (fictional) has six modules with their codes, xAPI activity ids, course links and
validity (one never expires), and a saved import mapping so `import-elearning` works on the demo.
Most people in the demo partnership have done Level 1 in the last year, each completion counted
for their agency on the day. A few completions are due for renewal soon and a couple have
expired: the demo practitioner's Level 1 runs out next month, and some of the demo coordinator's
staff are due or expired. Some rows matched no account (addresses nobody has), and some training
was declared: waiting to be checked, verified (then a completion) and rejected, each with a small
PDF certificate as evidence.

Rows are inserted directly (no audit events, no messages), as the other demo seeds do.
Deterministic (one seeded random generator), dates in the past only; a second run adds nothing.
"""

import io
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from reportlab.lib.pagesizes import A5, landscape
from reportlab.pdfgen import canvas

from lms.accounts.models import User
from lms.catalogue.models import Audience, Course, CourseStatus, DeliveryMode, Provider, Theme
from lms.core.timefmt import local
from lms.elearning import completions
from lms.elearning.models import (
    Completion,
    CompletionSource,
    DeclarationStatus,
    TrainingDeclaration,
    UnmatchedCompletion,
)
from lms.extensions import db

SEED = 2611
PROVIDER = "Safeguarding E-learning Ltd"
PROVIDER_EMAIL = "support@safeguarding-elearning.example"
SITE = "https://safeguarding-elearning.example"
DEMO_PRACTITIONER_EMAIL = "practitioner@alderroad.sch.example"
DEMO_COORDINATOR_EMAIL = "coordinator@ruh.nhs.example"
DEMO_ADMIN_EMAIL = "admin@riverside-council.example"
# The provider's monthly export, as its columns are headed (see lms/elearning/mapping.py).
IMPORT_MAPPING = {
    "email": "Email Address",
    "name": "Learner Name",
    "module": "Course Code",
    "completed_at": "Completion Date",
    "status": "Status",
    "score": "Score (%)",
    "agency": "Organisation",
    "completed_values": ["Completed", "Passed"],
}


@dataclass(frozen=True)
class ModuleSpec:
    code: str  # the catalogue's course code
    module_code: str  # the provider's
    title: str
    level: int
    audience: Audience
    hours: str
    validity_months: int | None
    themes: tuple[str, ...]
    summary: str
    share: float  # of the demo people who completed it in the last year


MODULES = [
    ModuleSpec(
        "SEL-L1C",
        "SGC-L1",
        "Level 1 Safeguarding Children",
        1,
        Audience.CHILDREN,
        "1.5",
        36,
        ("Neglect", "Early help"),
        "Online Level 1 safeguarding children for everyone who works or volunteers with children "
        "or their families: the signs of abuse and neglect, and what to do about a worry.",
        0.7,
    ),
    ModuleSpec(
        "SEL-L1A",
        "SGA-L1",
        "Level 1 Safeguarding Adults",
        1,
        Audience.ADULTS,
        "1.5",
        36,
        ("Adult safeguarding (Think Family)",),
        "Online Level 1 safeguarding adults at risk, under the Care Act 2014.",
        0.3,
    ),
    ModuleSpec(
        "SEL-PREV",
        "PREV-AW",
        "Prevent awareness",
        1,
        Audience.BOTH,
        "1",
        24,
        ("Radicalisation and extremism (Prevent)",),
        "The Prevent duty, recognising vulnerability to radicalisation and sharing a concern.",
        0.35,
    ),
    ModuleSpec(
        "SEL-L2C",
        "SGC-L2",
        "Level 2 Safeguarding Children online",
        2,
        Audience.CHILDREN,
        "3",
        36,
        ("Neglect", "Early help"),
        "Online Level 2 for practitioners who work regularly with children: assessing need, "
        "information sharing and making a referral.",
        0.2,
    ),
    ModuleSpec(
        "SEL-FGM",
        "FGM-AW",
        "FGM awareness",
        1,
        Audience.BOTH,
        "1",
        None,
        ("Safeguarding across faiths and cultures",),
        "Female genital mutilation: the law, the mandatory reporting duty and how to respond.",
        0.12,
    ),
    ModuleSpec(
        "SEL-DA",
        "DA-AW",
        "Domestic abuse awareness",
        1,
        Audience.BOTH,
        "1.5",
        36,
        ("Domestic abuse",),
        "Recognising domestic abuse and its effect on children, and the local routes to help.",
        0.15,
    ),
]
UNMATCHED = [  # addresses nobody in the demo has an account with
    ("sam.okoro@ruh.nhs.example", "Sam Okoro", "Riverside University Hospitals", "SGC-L1"),
    ("j.frost@alderroad.sch.example", "Jo Frost", "Alder Road Primary", "SGC-L1"),
    ("kim.lee@youthtrust.example", "Kim Lee", "Riverside Youth Trust", "PREV-AW"),
    ("a.nowicki@met-police.example", "Anna Nowicki", "Met Police", "SGC-L1"),
    ("dee.shah@gmail.example", "Dee Shah", "", "FGM-AW"),
    ("r.ahmed@housing.riverside-council.example", "Rafi Ahmed", "Riverside Housing", "DA-AW"),
]


def seed(*, now: datetime) -> str:
    """Create whatever demo e-learning is missing; a second run adds nothing."""
    provider = _provider()
    modules, added_modules = _modules(provider)
    db.session.flush()
    today = local(now).date()
    rng = random.Random(SEED)
    people = list(db.session.scalars(sa.select(User).order_by(User.id)))
    counted = {"completions": 0, "unmatched": 0, "declarations": 0}
    ids = [module.id for module in modules.values()]
    if people and not _any(Completion, Completion.course_id.in_(ids)):
        counted["completions"] = _completions(people, modules, rng, today=today)
    if people and not _any(UnmatchedCompletion, UnmatchedCompletion.course_id.in_(ids)):
        counted["unmatched"] = _unmatched(modules, rng, today=today, now=now)
    if people and not _any(TrainingDeclaration, TrainingDeclaration.course_id.in_(ids)):
        declared, verified = _declarations(people, modules, today=today, now=now)
        counted["declarations"] = declared
        counted["completions"] += verified
    db.session.flush()
    return (
        f"{added_modules} e-learning modules, {counted['completions']:,} completions, "
        f"{counted['unmatched']} unmatched rows, {counted['declarations']} declarations added"
    )


def _any(model, *criteria) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria)) > 0


def _provider() -> Provider:
    provider = db.session.scalar(sa.select(Provider).where(Provider.name == PROVIDER))
    if provider is None:
        provider = Provider(name=PROVIDER, contact_email=PROVIDER_EMAIL, is_active=True)
        db.session.add(provider)
    if provider.import_mapping is None:
        provider.import_mapping = dict(IMPORT_MAPPING)
    return provider


def _modules(provider: Provider) -> tuple[dict[str, Course], int]:
    """The provider's modules by module code, and how many were added."""
    existing = {
        course.code: course
        for course in db.session.scalars(
            sa.select(Course).where(Course.code.in_([spec.code for spec in MODULES]))
        )
    }
    themes = {theme.name: theme for theme in db.session.scalars(sa.select(Theme))}
    added = 0
    for spec in MODULES:
        if spec.code in existing:
            continue
        slug = spec.module_code.lower()
        course = Course(
            code=spec.code,
            title=spec.title,
            summary=spec.summary,
            learning_outcomes="",
            level=spec.level,
            delivery_mode=DeliveryMode.ELEARNING,
            audience=spec.audience,
            cpd_hours=Decimal(spec.hours),
            provider=provider,
            certificate_validity_months=spec.validity_months,
            module_code=spec.module_code,
            activity_id=f"{SITE}/xapi/activities/{slug}",
            course_url=f"{SITE}/courses/{slug}",
            status=CourseStatus.PUBLISHED,
        )
        course.themes = [themes[name] for name in spec.themes if name in themes]
        db.session.add(course)
        existing[spec.code] = course
        added += 1
    return {existing[spec.code].module_code: existing[spec.code] for spec in MODULES}, added


def _planned(people: list[User], rng: random.Random, *, today: date) -> dict:
    """(person, module code) -> the day completed: the renewals wanted, then about a year of
    completions chosen at random."""
    by_email = {person.email: person for person in people}
    planned: dict[tuple[int, str], date] = {}
    practitioner = by_email.get(DEMO_PRACTITIONER_EMAIL)
    if practitioner is not None:
        # Level 1 runs out next month; Prevent done this year.
        runs_out = completions.add_months(today, 1)
        planned[(practitioner.id, "SGC-L1")] = completions.add_months(runs_out, -36)
        planned[(practitioner.id, "PREV-AW")] = today - timedelta(days=75)
    coordinator = by_email.get(DEMO_COORDINATOR_EMAIL)
    if coordinator is not None:
        staff = [p for p in people if p.agency_id == coordinator.agency_id and p is not coordinator]
        for number, person in enumerate(staff[:4]):
            if number < 2:  # due for renewal in the next month or so
                runs_out = today + timedelta(days=12 + 20 * number)
                planned[(person.id, "SGC-L1")] = completions.add_months(runs_out, -36)
            else:  # Prevent expired a month or two ago
                planned[(person.id, "PREV-AW")] = completions.add_months(
                    today - timedelta(days=30 * (number - 1)), -24
                )
    special = set(planned)
    for person in people:
        for spec in MODULES:
            key = (person.id, spec.module_code)
            if key not in special and rng.random() < spec.share:
                planned[key] = today - timedelta(days=rng.randint(1, 365))
    return planned


def _completions(people, modules: dict[str, Course], rng: random.Random, *, today: date) -> int:
    planned = _planned(people, rng, today=today)
    agencies = completions.agencies_on((user_id, day) for (user_id, _), day in planned.items())
    rows = []
    for (user_id, module_code), day in sorted(planned.items()):
        module = modules[module_code]
        live = rng.random() < 0.3
        rows.append(
            {
                "user_id": user_id,
                "course_id": module.id,
                "agency_id": agencies[(user_id, day)],
                "completed_on": day,
                "expires_on": completions.expires_on(module.certificate_validity_months, day),
                "score": Decimal(rng.randint(70, 100)),
                "source": CompletionSource.XAPI if live else CompletionSource.IMPORT,
                "statement_id": str(uuid.UUID(int=rng.getrandbits(128), version=4))
                if live
                else None,
                "recorded_at": datetime.combine(day, time(18), tzinfo=UTC)
                + timedelta(days=0 if live else rng.randint(1, 28)),
            }
        )
    for row in rows:  # a file's rows arrive after the day; never in the future
        row["recorded_at"] = min(row["recorded_at"], datetime.combine(today, time(0), tzinfo=UTC))
    db.session.execute(sa.insert(Completion), rows)
    return len(rows)


def _unmatched(modules, rng: random.Random, *, today: date, now: datetime) -> int:
    taken = set(db.session.scalars(sa.select(User.email)))
    rows = []
    for email, name, agency_text, module_code in UNMATCHED:
        if email in taken:
            continue
        day = today - timedelta(days=rng.randint(3, 200))
        rows.append(
            UnmatchedCompletion(
                email=email,
                name=name,
                agency_text=agency_text,
                course_id=modules[module_code].id,
                completed_on=day,
                score=Decimal(rng.randint(70, 100)),
                source=CompletionSource.IMPORT,
                received_at=min(now, datetime.combine(day, time(9), tzinfo=UTC) + timedelta(7)),
            )
        )
    db.session.add_all(rows)
    return len(rows)


# Declared training -------------------------------------------------------------------------

# person (an email, or the nth practitioner of the demo coordinator's agency), module code or
# None with a title and provider, days ago, status, reason
DECLARATIONS = [
    ("staff:1", "SGC-L2", "", "", 14, DeclarationStatus.PENDING, ""),
    (DEMO_PRACTITIONER_EMAIL, None, "Designated safeguarding lead refresher", "Local authority "
     "education team", 40, DeclarationStatus.PENDING, ""),
    ("staff:2", "FGM-AW", "", "", 120, DeclarationStatus.VERIFIED, ""),
    ("other:7", "DA-AW", "", "", 95, DeclarationStatus.VERIFIED, ""),
    ("other:11", None, "Trauma-informed practice", "Beacon Trauma-Informed Training Ltd", 60,
     DeclarationStatus.VERIFIED, ""),
    ("other:15", "SGC-L1", "", "", 30, DeclarationStatus.REJECTED,
     "The certificate shows another person's name. Please upload your own certificate."),
]  # fmt: skip


def certificate(name: str, what: str, day: date) -> bytes:
    """A one-page PDF certificate, the same bytes every time for the same details."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=landscape(A5), invariant=1)
    page.setTitle("Certificate of completion")
    page.setFont("Helvetica-Bold", 20)
    page.drawString(40, 300, "Certificate of completion")
    page.setFont("Helvetica", 13)
    for number, line in enumerate((name, what, f"Completed on {day:%d/%m/%Y}", PROVIDER)):
        page.drawString(40, 250 - 24 * number, line)
    page.showPage()
    page.save()
    return out.getvalue()


def _declarations(people, modules, *, today: date, now: datetime) -> tuple[int, int]:
    """Declarations of each status; returns how many, and how many completions the verified
    ones of a module became."""
    by_email = {person.email: person for person in people}
    coordinator = by_email.get(DEMO_COORDINATOR_EMAIL)
    admin = by_email.get(DEMO_ADMIN_EMAIL)
    staff = [p for p in people if coordinator and p.agency_id == coordinator.agency_id]
    staff = [p for p in staff if p is not coordinator]
    others = [p for p in people if not coordinator or p.agency_id != coordinator.agency_id]
    declared = verified = 0
    for who, module_code, title, provider, days, status, reason in DECLARATIONS:
        kind, _, number = who.partition(":")
        chosen = {"staff": staff, "other": others}.get(kind)
        person = chosen[int(number) % len(chosen)] if chosen else by_email.get(who)
        if person is None:
            continue
        module = modules[module_code] if module_code else None
        day = today - timedelta(days=days)
        decided = status is not DeclarationStatus.PENDING
        declaration = TrainingDeclaration(
            user_id=person.id,
            agency_id=completions.agency_on(person.id, day),
            course_id=module.id if module else None,
            title=title,
            provider_name=provider,
            completed_on=day,
            hours=module.cpd_hours if module else Decimal("3"),
            evidence=certificate(person.name, module.title if module else title, day),
            evidence_type="application/pdf",
            evidence_name="certificate.pdf",
            status=status,
            submitted_at=min(now, datetime.combine(day, time(20), tzinfo=UTC)),
            decided_by_id=admin.id if decided and admin else None,
            decided_at=min(now, datetime.combine(day, time(20), tzinfo=UTC) + timedelta(3))
            if decided
            else None,
            reason=reason,
        )
        db.session.add(declaration)
        declared += 1
        if status is DeclarationStatus.VERIFIED and module is not None:
            db.session.flush()
            completion, added = completions.record(
                person,
                module,
                day,
                source=CompletionSource.SELF_DECLARED,
                declaration_id=declaration.id,
            )
            if added:
                completion.recorded_at = declaration.decided_at
                verified += 1
    return declared, verified
