"""The demo's training requirements: role tags, and editable examples modelled on published
guidance (the intercollegiate roles and competencies for health staff; Keeping Children Safe in
Education for schools), each marked as an example the partnership must confirm.

Alder Road Primary School's coordinator sees their designated safeguarding leads in each state:
one trained eight months ago (compliant), one whose two-yearly refresher runs out within the
due window (due soon), one past it (overdue) and one never trained. The designated safeguarding
lead course, its virtual sessions and those completions are added here, dated relative to
today, so the states hold whenever the demo is loaded. A second run adds nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import Agency, Sector, User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Platform,
    Provider,
    SessionStatus,
    Theme,
)
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, set_dates
from lms.compliance.models import PersonTag, RoleTag, Satisfied, TrainingRequirement
from lms.core.timefmt import london_to_utc
from lms.elearning.completions import add_months
from lms.extensions import db

SCHOOL = "Alder Road Primary School"
SCHOOL_COORDINATOR_EMAIL = "coordinator@alderroad.sch.example"
DEMO_PRACTITIONER_EMAIL = "practitioner@alderroad.sch.example"
TEAM_PROVIDER = "Riverside Safeguarding Partnership Training Team"

DSL, DEPUTY, NAMED, LEAD = (
    "Designated safeguarding lead",
    "Deputy designated safeguarding lead",
    "Named or designated professional (health)",
    "Nominated safeguarding lead (voluntary, faith and community)",
)
TAGS = [
    (DSL, "The senior member of a school's or early years setting's staff who leads on "
     "safeguarding (Keeping Children Safe in Education)."),
    (DEPUTY, "Trained to the same standard as the designated safeguarding lead."),
    (NAMED, "Named and designated doctors, nurses and midwives for safeguarding children "
     "(intercollegiate levels 4 and 5)."),
    (LEAD, "The person a voluntary, faith or community organisation names as its safeguarding "
     "lead."),
]  # fmt: skip

DSL_COURSE = "SCP-DSL3"
DSL_TITLE = "Designated safeguarding lead: new and refresher training"
CLINICAL_WORDS = ("nurse", "midwife", "health visitor", "paediatric", "GP", "doctor",
                  "mental health practitioner")  # fmt: skip
LEVEL_3_WORDS = ("health visitor", "school nurse", "midwife", "paediatric")
EXAMPLE_NOTE = (
    " An example modelled on published guidance: check the figures against your partnership's "
    "policy and save it to confirm it."
)


@dataclass(frozen=True)
class Example:
    name: str
    description: str
    satisfied_by: Satisfied
    sectors: tuple[Sector, ...] = ()
    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()  # course codes
    level: int | None = None
    hours: str | None = None
    within_years: int | None = None
    outside_counts: bool = False
    renew_months: int | None = None


EXAMPLES = [
    Example(
        "Health: intercollegiate level 1",
        "All staff working in health care settings: at least 2 hours of safeguarding learning "
        "over three years (Safeguarding children and young people: roles and competencies for "
        "healthcare staff, 2019).",
        Satisfied.HOURS,
        sectors=(Sector.HEALTH,),
        level=1,
        hours="2",
        within_years=3,
        outside_counts=True,
    ),
    Example(
        "Health: intercollegiate level 2",
        "Clinical staff who have contact with children, young people or parents: 3 to 4 hours "
        "over three years at level 2 or above (4 here).",
        Satisfied.HOURS,
        sectors=(Sector.HEALTH,),
        words=CLINICAL_WORDS,
        level=2,
        hours="4",
        within_years=3,
        outside_counts=True,
    ),
    Example(
        "Health: intercollegiate level 3",
        "Clinical staff who work mainly with children and families (health visitors, school "
        "nurses, midwives, paediatric staff): 6 hours over three years at level 3 (sources "
        "differ: 12 to 16 for specialists).",
        Satisfied.HOURS,
        sectors=(Sector.HEALTH,),
        words=LEVEL_3_WORDS,
        level=3,
        hours="6",
        within_years=3,
        outside_counts=True,
    ),
    Example(
        "Health: named and designated professionals",
        "Named and designated professionals (levels 4 and 5): 24 hours over three years. The "
        "partnership's own courses count from level 3.",
        Satisfied.HOURS,
        sectors=(Sector.HEALTH,),
        tags=(NAMED,),
        level=3,
        hours="24",
        within_years=3,
        outside_counts=True,
    ),
    Example(
        "Schools: safeguarding training for all staff",
        "Keeping Children Safe in Education: all staff are trained at induction and updated "
        "regularly, at least every year.",
        Satisfied.LEVEL,
        sectors=(Sector.EDUCATION,),
        level=1,
        renew_months=12,
    ),
    Example(
        "Schools: designated safeguarding lead refresher",
        "Keeping Children Safe in Education: the designated safeguarding lead and deputies "
        "retrain every two years.",
        Satisfied.COURSES,
        sectors=(Sector.EDUCATION,),
        tags=(DSL, DEPUTY),
        courses=(DSL_COURSE,),
        renew_months=24,
    ),
]

# Alder Road's designated safeguarding leads: (who, role, months since the DSL course or None).
# "staff:n" is the school's nth other practitioner.
SCHOOL_LEADS = [
    (SCHOOL_COORDINATOR_EMAIL, DEPUTY, 8),  # compliant
    (DEMO_PRACTITIONER_EMAIL, DSL, 22),  # due soon: runs out in about two months
    ("staff:1", DEPUTY, 27),  # overdue
    ("staff:2", DSL, None),  # never done
]


def seed(*, now: datetime) -> str:
    tags = _seed_tags()
    course = _seed_course()
    examples = _seed_examples(tags, {course.code: course} | _courses())
    trained = _seed_leads(tags, course, now=now)
    return f"{examples} example requirements, {trained} designated safeguarding leads trained"


def _seed_tags() -> dict[str, RoleTag]:
    existing = {tag.name: tag for tag in db.session.scalars(sa.select(RoleTag))}
    for name, description in TAGS:
        if name not in existing:
            existing[name] = RoleTag(name=name, description=description)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def _courses() -> dict[str, Course]:
    return {course.code: course for course in db.session.scalars(sa.select(Course))}


def _seed_course() -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.code == DSL_COURSE))
    if course is not None:
        return course
    course = Course(
        code=DSL_COURSE,
        title=DSL_TITLE,
        summary="For designated safeguarding leads and their deputies in schools and early "
        "years settings, new to the role or due their two-yearly refresher: the role under "
        "Keeping Children Safe in Education, local thresholds and referral, record keeping, "
        "allegations and the LADO, and supporting staff.",
        learning_outcomes="Lead safeguarding in the setting under Keeping Children Safe in "
        "Education\nApply the borough's threshold guidance and make a referral\nKeep and "
        "transfer child protection records\nKnow when to consult the LADO",
        level=3,
        delivery_mode=DeliveryMode.VIRTUAL,
        audience=Audience.CHILDREN,
        cpd_hours=Decimal("6"),
        provider=db.session.scalar(sa.select(Provider).where(Provider.name == TEAM_PROVIDER)),
        certificate_validity_months=24,
        status=CourseStatus.PUBLISHED,
    )
    course.themes = list(
        db.session.scalars(
            sa.select(Theme).where(
                Theme.name.in_(["Safer recruitment and allegations", "Early help"])
            )
        )
    )
    db.session.add(course)
    db.session.flush()
    return course


def _seed_examples(tags: dict[str, RoleTag], courses: dict[str, Course]) -> int:
    names = set(db.session.scalars(sa.select(TrainingRequirement.name)))
    added = 0
    for example in EXAMPLES:
        if example.name in names:
            continue
        requirement = TrainingRequirement(
            name=example.name,
            description=example.description + EXAMPLE_NOTE,
            is_example=True,
            is_active=True,
            satisfied_by=example.satisfied_by,
            job_title_words="\n".join(example.words),
            level=example.level,
            hours=Decimal(example.hours) if example.hours else None,
            within_years=example.within_years,
            outside_training_counts=example.outside_counts,
            renew_months=example.renew_months,
        )
        requirement.sectors = list(example.sectors)
        requirement.tags = [tags[name] for name in example.tags]
        requirement.courses = [courses[code] for code in example.courses if code in courses]
        db.session.add(requirement)
        added += 1
    db.session.flush()
    return added


def _session_on(course: Course, day: date, number: int, *, now: datetime) -> CourseSession:
    """The course's virtual session on the Tuesday on or before `day` (made once)."""
    day -= timedelta(days=(day.weekday() - 1) % 7)
    starts, ends = london_to_utc(day, time(9, 30)), london_to_utc(day, time(15, 30))
    session = db.session.scalar(
        sa.select(CourseSession).where(
            CourseSession.course_id == course.id, CourseSession.starts_at == starts
        )
    )
    if session is not None:
        return session
    session = CourseSession(
        course=course,
        platform=Platform.TEAMS,
        join_link=f"https://teams.example/l/meetup-join/riverside-dsl-{number}",
        joining_instructions="The Teams link opens 15 minutes before the start.",
        capacity=24,
        sequence=0,
        places_taken=0,
        status=SessionStatus.COMPLETED if starts <= now else SessionStatus.SCHEDULED,
    )
    set_dates(session, [(starts, ends)])
    session.booking_closes_at = session.starts_at
    session.cancellation_cutoff_at = session.starts_at - DEFAULT_CANCELLATION_NOTICE
    db.session.add(session)
    db.session.flush()
    return session


def _school_people() -> dict[str, User]:
    school = db.session.scalar(sa.select(Agency).where(Agency.name == SCHOOL))
    if school is None:
        return {}
    people = list(
        db.session.scalars(
            sa.select(User)
            .where(User.agency_id == school.id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )
    found = {user.email: user for user in people}
    named = {SCHOOL_COORDINATOR_EMAIL, DEMO_PRACTITIONER_EMAIL}
    others = [user for user in people if user.email not in named]
    for number, user in enumerate(others, start=1):
        found[f"staff:{number}"] = user
    return found


def _seed_leads(tags: dict[str, RoleTag], course: Course, *, now: datetime) -> int:
    """Tag the school's leads and give them the DSL course when their story needs it; the
    course also gets a session next month for the refresher."""
    today = now.date()
    people = _school_people()
    coordinator = people.get(SCHOOL_COORDINATOR_EMAIL)
    _session_on(course, today + timedelta(days=40), 0, now=now)
    trained = 0
    for number, (who, role, months) in enumerate(SCHOOL_LEADS, start=1):
        person = people.get(who)
        if person is None:
            continue
        _tag(person, tags[role], by=coordinator, at=now - timedelta(days=30))
        if months is None:
            continue
        session = _session_on(course, add_months(today, -months), number, now=now)
        _backdate(person, session.starts_at - timedelta(days=60))
        trained += _complete(person, session)
    _tag_health_leads(tags, now=now)
    db.session.flush()
    return trained


def _tag(person: User, tag: RoleTag, *, by: User | None, at: datetime) -> None:
    if db.session.get(PersonTag, (person.id, tag.id)) is None:
        db.session.add(
            PersonTag(user_id=person.id, tag_id=tag.id, set_by_id=by.id if by else None, set_at=at)
        )


def _backdate(person: User, joined: datetime) -> None:
    """The person was in post before the training their story needs (the demo's accounts
    otherwise date from about fifteen months ago)."""
    if person.created_at > joined:
        person.created_at = joined
    for membership in person.memberships:
        if membership.agency_id == person.agency_id and membership.started_at > joined:
            membership.started_at = joined


def _complete(person: User, session: CourseSession) -> int:
    held = db.session.scalar(
        sa.select(Booking.id).where(Booking.user_id == person.id, Booking.session_id == session.id)
    )
    if held is not None:
        return 0
    db.session.add(
        Booking(
            user_id=person.id,
            session_id=session.id,
            agency_id=person.agency_id,
            status=BookingStatus.CONFIRMED,
            created_at=session.starts_at - timedelta(days=21),
            confirmed_at=session.starts_at - timedelta(days=21),
            outcome="completed",
            completed_at=session.ends_at,
        )
    )
    session.places_taken += 1
    return 1


def _tag_health_leads(tags: dict[str, RoleTag], *, now: datetime) -> None:
    """The named nurse who coordinates for the hospital trust, and the designated nurse."""
    for email in ("coordinator@ruh.nhs.example", "pdl@riverside-ccg.nhs.example"):
        person = db.session.scalar(sa.select(User).where(User.email == email))
        if person is not None:
            _tag(person, tags[NAMED], by=None, at=now - timedelta(days=90))
