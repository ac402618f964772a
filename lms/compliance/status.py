"""Compliance, derived: for each person and each requirement that applies to them, whether they
are compliant (and until when), due within the partnership's window, overdue or have never done
it, with the training it rests on.

Evidence is what the training record counts (`certificates.records`): courses completed (the
session's last day), e-learning completions still held (their completion date) and verified
training declared from outside the partnership (its date; it has no level or themes). Everything
is computed "as of" a UK date: the training done by then, the person's agency and job title then
(their agency membership covering that day) and the role tags set by then. Today's compliance is
the same computation as of today.

- Courses: the latest completion of any of the requirement's courses or modules.
- Level: the latest training at the requirement's level or above (on any of its themes, if it
  names themes).
- Either is valid for `renew_months` after that training (its last valid day is the day before),
  or for good when the requirement is not renewed.
- Hours: the CPD hours of training at its level or above (and declared outside training, if the
  requirement counts it) within the last `within_years` years. Compliant while they reach
  `hours`; valid until the day the training that makes up the hours starts falling out of the
  window. Fewer hours than needed is overdue (with the hours shown), none at all never done.
- Due: compliant, but the last valid day is within `compliance_due_months` of the day.
"""

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import Agency, AgencyMembership, Sector, User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession, SessionDate, course_themes
from lms.compliance.models import PersonTag, Satisfied, TrainingRequirement
from lms.core.timefmt import local, london_to_utc
from lms.elearning.completions import add_months
from lms.elearning.models import Completion, DeclarationStatus, TrainingDeclaration
from lms.extensions import db

COURSE, ELEARNING, OUTSIDE = "Course", "E-learning", "Outside the partnership"
REMEMBERED = "compliance_for_everyone"


class State(enum.Enum):
    COMPLIANT = "compliant"
    DUE = "due"
    OVERDUE = "overdue"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {
            State.COMPLIANT: "Compliant",
            State.DUE: "Due soon",
            State.OVERDUE: "Overdue",
            State.NEVER: "Never done",
        }[self]

    @property
    def met(self) -> bool:
        """Compliant today: a person due soon still is."""
        return self in (State.COMPLIANT, State.DUE)


@dataclass(frozen=True)
class Rule:
    """A requirement as plain values, read once for any number of people."""

    id: int
    name: str
    satisfied_by: Satisfied
    sectors: frozenset[Sector] = frozenset()
    agency_ids: frozenset[int] = frozenset()
    words: tuple[str, ...] = ()  # job-title words, lower case
    tag_ids: frozenset[int] = frozenset()
    course_ids: frozenset[int] = frozenset()
    course_titles: tuple[str, ...] = ()  # the courses or modules, as a chase names them
    level: int | None = None
    theme_ids: frozenset[int] = frozenset()
    hours: Decimal | None = None
    within_years: int | None = None
    outside_training_counts: bool = False
    renew_months: int | None = None

    @classmethod
    def of(cls, requirement: TrainingRequirement) -> "Rule":
        return cls(
            id=requirement.id,
            name=requirement.name,
            satisfied_by=requirement.satisfied_by,
            sectors=frozenset(requirement.sectors),
            agency_ids=frozenset(agency.id for agency in requirement.agencies),
            words=tuple(word.lower() for word in requirement.job_titles),
            tag_ids=frozenset(tag.id for tag in requirement.tags),
            course_ids=frozenset(course.id for course in requirement.courses),
            course_titles=tuple(sorted(course.title for course in requirement.courses)),
            level=requirement.level,
            theme_ids=frozenset(theme.id for theme in requirement.themes),
            hours=requirement.hours,
            within_years=requirement.within_years,
            outside_training_counts=requirement.outside_training_counts,
            renew_months=requirement.renew_months,
        )


@dataclass(frozen=True)
class Person:
    """Who a person was on the day compliance is computed for."""

    id: int
    name: str
    email: str
    agency_id: int
    agency: str
    sector: Sector
    job_title: str
    tag_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Evidence:
    kind: str  # COURSE, ELEARNING or OUTSIDE
    title: str
    day: date  # the day it was completed (a course's last day)
    hours: Decimal
    course_id: int | None = None
    level: int | None = None
    theme_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Status:
    person: Person
    rule: Rule
    state: State
    valid_until: date | None = None  # the last valid day; None: not met, or never runs out
    evidence: tuple[Evidence, ...] = ()  # what it rests on, newest first
    hours_done: Decimal | None = None  # an hours requirement's hours within its window
    window_from: date | None = None  # an hours requirement's first day counted
    extra: dict = field(default_factory=dict, compare=False)


def rules(*, include_inactive: bool = False) -> list[Rule]:
    query = (
        sa.select(TrainingRequirement)
        .options(
            selectinload(TrainingRequirement.sector_rows),
            selectinload(TrainingRequirement.agencies),
            selectinload(TrainingRequirement.tags),
            selectinload(TrainingRequirement.courses),
            selectinload(TrainingRequirement.themes),
        )
        .order_by(TrainingRequirement.name)
    )
    if not include_inactive:
        query = query.where(TrainingRequirement.is_active.is_(True))
    return [Rule.of(requirement) for requirement in db.session.scalars(query)]


def _day_ends(day: date) -> datetime:
    """The first moment after the UK day."""
    return london_to_utc(day + timedelta(days=1), time(0))


def people(
    *, on: date, agency_id: int | None = None, user_ids: Iterable[int] | None = None
) -> list[Person]:
    """Active accounts as they were on the UK day `on`: each person's agency and job title from
    the membership covering that day (their agency today when none does, for accounts made
    before memberships were recorded), and the role tags set by then. Accounts made after the
    day are left out."""
    end = _day_ends(on)
    query = (
        sa.select(
            User.id,
            User.name,
            User.email,
            User.agency_id,
            User.job_title,
            AgencyMembership.agency_id,
            AgencyMembership.job_title,
        )
        .outerjoin(
            AgencyMembership,
            sa.and_(
                AgencyMembership.user_id == User.id,
                AgencyMembership.started_at < end,
                sa.or_(AgencyMembership.ended_at.is_(None), AgencyMembership.ended_at >= end),
            ),
        )
        .where(User.is_active.is_(True), User.created_at < end)
        .order_by(User.name, User.id, AgencyMembership.started_at.desc())
    )
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    tags = defaultdict(set)
    tag_query = sa.select(PersonTag.user_id, PersonTag.tag_id).where(PersonTag.set_at < end)
    for user_id, tag_id in db.session.execute(tag_query):
        tags[user_id].add(tag_id)
    agencies = {agency.id: agency for agency in db.session.scalars(sa.select(Agency))}
    found, seen = [], set()
    rows = db.session.execute(query)
    for user_id, name, email, agency_now, title_now, agency_then, title_then in rows:
        if user_id in seen:
            continue
        seen.add(user_id)
        at = agency_then if agency_then is not None else agency_now
        if agency_id is not None and at != agency_id:
            continue
        agency = agencies[at]
        found.append(
            Person(
                id=user_id,
                name=name,
                email=email,
                agency_id=at,
                agency=agency.name,
                sector=agency.sector,
                job_title=title_then if agency_then is not None else title_now,
                tag_ids=frozenset(tags.get(user_id, ())),
            )
        )
    return found


def _course_themes() -> dict[int, frozenset[int]]:
    themes = defaultdict(set)
    for course_id, theme_id in db.session.execute(
        sa.select(course_themes.c.course_id, course_themes.c.theme_id)
    ):
        themes[course_id].add(theme_id)
    return {course_id: frozenset(ids) for course_id, ids in themes.items()}


def evidence(*, on: date, user_ids: Iterable[int] | None = None) -> dict[int, list[Evidence]]:
    """Each person's training done by the UK day `on`, newest first: four queries of plain
    rows (no objects loaded), whatever the number of people."""
    ids = None if user_ids is None else list(user_ids)
    themes = _course_themes()
    found: dict[int, list[Evidence]] = defaultdict(list)

    def course(kind, user_id, course_id, title, level, hours, day) -> None:
        found[user_id].append(
            Evidence(kind, title, day, hours, course_id, level, themes.get(course_id, frozenset()))
        )

    # A course counts from its last day: the UK date of its last date's start.
    last_start = (
        sa.select(SessionDate.session_id, sa.func.max(SessionDate.starts_at).label("starts_at"))
        .group_by(SessionDate.session_id)
        .subquery("last_start")
    )
    bookings = (
        sa.select(
            Booking.user_id,
            Course.id,
            Course.title,
            Course.level,
            Course.cpd_hours,
            sa.func.coalesce(last_start.c.starts_at, CourseSession.starts_at),
        )
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(last_start, last_start.c.session_id == CourseSession.id)
        .where(
            Booking.completed_at.is_not(None),
            Booking.status != BookingStatus.CANCELLED,
            CourseSession.starts_at < _day_ends(on),
        )
    )
    if ids is not None:
        bookings = bookings.where(Booking.user_id.in_(ids))
    for user_id, course_id, title, level, hours, last in db.session.execute(bookings):
        day = local(last).date()
        if day <= on:
            course(COURSE, user_id, course_id, title, level, hours, day)

    held = (
        sa.select(
            Completion.user_id,
            Course.id,
            Course.title,
            Course.level,
            Course.cpd_hours,
            Completion.completed_on,
        )
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.withdrawn_at.is_(None), Completion.completed_on <= on)
    )
    if ids is not None:
        held = held.where(Completion.user_id.in_(ids))
    for row in db.session.execute(held):
        course(ELEARNING, *row)

    declared = sa.select(
        TrainingDeclaration.user_id,
        TrainingDeclaration.title,
        TrainingDeclaration.completed_on,
        TrainingDeclaration.hours,
    ).where(
        TrainingDeclaration.status == DeclarationStatus.VERIFIED,
        TrainingDeclaration.course_id.is_(None),
        TrainingDeclaration.completed_on <= on,
    )
    if ids is not None:
        declared = declared.where(TrainingDeclaration.user_id.in_(ids))
    for user_id, title, day, hours in db.session.execute(declared):
        found[user_id].append(Evidence(OUTSIDE, title, day, hours))
    for items in found.values():
        items.sort(key=lambda item: (item.day, item.title), reverse=True)
    return found


def applies(rule: Rule, person: Person) -> bool:
    if rule.sectors and person.sector not in rule.sectors:
        return False
    if rule.agency_ids and person.agency_id not in rule.agency_ids:
        return False
    title = person.job_title.lower()
    if rule.words and not any(word in title for word in rule.words):
        return False
    return not rule.tag_ids or bool(rule.tag_ids & person.tag_ids)


def counts(rule: Rule, item: Evidence) -> bool:
    """Whether a piece of training counts towards the requirement."""
    if rule.satisfied_by is Satisfied.COURSES:
        return item.course_id in rule.course_ids
    if item.kind == OUTSIDE:
        return rule.satisfied_by is Satisfied.HOURS and rule.outside_training_counts
    if item.level is None or item.level < (rule.level or 0):
        return False
    return not rule.theme_ids or bool(rule.theme_ids & item.theme_ids)


def _state(valid_until: date | None, today: date, due_months: int) -> State:
    if valid_until is None:
        return State.COMPLIANT
    if valid_until < today:
        return State.OVERDUE
    if valid_until < add_months(today, due_months):
        return State.DUE
    return State.COMPLIANT


def assess(
    rule: Rule, person: Person, items: list[Evidence], *, today: date, due_months: int
) -> Status:
    """The person's compliance with the requirement on `today`, from their training by then
    (newest first)."""
    matching = [item for item in items if counts(rule, item) and item.day <= today]
    if not matching:
        return Status(person, rule, State.NEVER)
    if rule.satisfied_by is Satisfied.HOURS:
        return _hours(rule, person, matching, today=today, due_months=due_months)
    latest = matching[0]
    valid_until = None
    if rule.renew_months is not None:
        valid_until = add_months(latest.day, rule.renew_months) - timedelta(days=1)
    state = _state(valid_until, today, due_months)
    return Status(person, rule, state, valid_until, (latest,))


def _hours(rule, person, matching, *, today, due_months) -> Status:
    months = 12 * rule.within_years
    since = add_months(today, -months) + timedelta(days=1)
    within = tuple(item for item in matching if item.day >= since)
    done = sum((item.hours for item in within), Decimal(0))
    if done < rule.hours:
        return Status(person, rule, State.OVERDUE, None, within, hours_done=done, window_from=since)
    total, tipping = Decimal(0), within[-1]
    for item in within:  # newest first: the oldest training needed to make up the hours
        total += item.hours
        if total >= rule.hours:
            tipping = item
            break
    valid_until = add_months(tipping.day, months) - timedelta(days=1)
    state = _state(valid_until, today, due_months)
    return Status(person, rule, state, valid_until, within, hours_done=done, window_from=since)


def statuses(
    persons: list[Person],
    all_rules: list[Rule],
    *,
    today: date,
    due_months: int,
    found: dict[int, list[Evidence]] | None = None,
) -> list[Status]:
    """Every (person, requirement) pair where the requirement applies, in the people's order
    and then the requirements'."""
    if found is None:
        found = evidence(on=today, user_ids=[person.id for person in persons])
    return [
        assess(rule, person, found.get(person.id, []), today=today, due_months=due_months)
        for person in persons
        for rule in all_rules
        if applies(rule, person)
    ]


def for_person(user: User, *, today: date, due_months: int) -> list[Status]:
    """A person's compliance with each requirement that applies to them today."""
    persons = people(on=today, user_ids=[user.id])
    return statuses(persons, rules(), today=today, due_months=due_months)


def for_agency(agency_id: int, *, today: date, due_months: int) -> list[Status]:
    """Compliance of the agency's people today, person by person."""
    persons = people(on=today, agency_id=agency_id)
    return statuses(persons, rules(), today=today, due_months=due_months)


def for_everyone(*, on: date, due_months: int) -> list[Status]:
    """Compliance of everyone as of the UK day `on` (for the reports). Nobody's training is
    read when no requirement is active. Within one request or command it is worked out once
    for a day (the pack's tables and headlines all ask) until something is committed."""
    if not has_app_context():
        return _for_everyone(on=on, due_months=due_months)
    known = g.setdefault(REMEMBERED, {})
    if (on, due_months) not in known:
        known[(on, due_months)] = _for_everyone(on=on, due_months=due_months)
    return known[(on, due_months)]


@sa.event.listens_for(Session, "after_commit")
def _forget(_session) -> None:
    if has_app_context():
        g.pop(REMEMBERED, None)


def _for_everyone(*, on: date, due_months: int) -> list[Status]:
    active = rules()
    if not active:
        return []
    persons = people(on=on)
    return statuses(persons, active, today=on, due_months=due_months, found=evidence(on=on))
