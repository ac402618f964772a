"""Demonstration programme for a London borough's multi-agency safeguarding training.

Themes, commissioned providers, partner venues, about thirty courses and their sessions from some
fifteen months ago to six months ahead of `now`, so the demo always has a history to report on and
a timetable to book from. Deterministic (one seeded random generator) and idempotent by natural
keys: themes, providers and venues by name, courses by code, sessions by (course, first start).

Sessions are built with the model constructors and `set_dates`, not the scheduling service, which
rightly refuses dates in the past. Email addresses and join links use reserved .example domains.
The data itself is in `demo_data` (themes, providers, venues, session wording and times) and
`demo_courses`; this module builds the rows from it.
"""

import random
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.catalogue.demo_courses import COURSES, CourseSpec
from lms.catalogue.demo_data import (
    CANCELLATION_REASONS,
    CLASSROOM_INSTRUCTIONS,
    DAY_SLOTS,
    HALF_DAY_SLOTS,
    PROVIDERS,
    THEMES,
    TWILIGHT_SLOTS,
    VENUES,
    VIRTUAL_INSTRUCTIONS,
)
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Platform,
    Provider,
    SessionDate,
    SessionStatus,
    Theme,
    Venue,
    session_trainers,
)
from lms.catalogue.services import slugify
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, set_dates
from lms.core.timefmt import london_to_utc
from lms.extensions import db

SEED = 2026
DEMO_TRAINER_EMAIL = "trainer@riverside-council.example"
PAST_DAYS = 456  # about fifteen months back
FUTURE_DAYS = 183  # about six months ahead
CANCEL_EVERY = 9  # one future session in nine is cancelled


@dataclass
class _Counts:
    themes: int = 0
    providers: int = 0
    venues: int = 0
    courses: int = 0
    sessions: int = 0

    def summary(self) -> str:
        return (
            f"{self.themes} themes, {self.providers} providers, {self.venues} venues, "
            f"{self.courses} courses, {self.sessions} sessions added"
        )


def seed(*, now: datetime) -> str:
    """Create whatever demo catalogue is missing; a second run adds nothing.

    A course that already has sessions gets no new ones: the timetable is relative to `now`,
    so a run on a later day would otherwise add a second timetable beside the first.
    """
    counts = _Counts()
    themes = _seed_themes(counts)
    providers = _seed_providers(counts, now=now)
    venues = _seed_venues(counts)
    courses = _seed_courses(counts, themes, providers)
    _seed_sessions(counts, courses, venues, now=now)
    db.session.flush()
    return counts.summary()


def _seed_themes(counts: _Counts) -> dict[str, Theme]:
    existing = {theme.name: theme for theme in db.session.scalars(sa.select(Theme))}
    for name, description in THEMES:
        if name not in existing:
            existing[name] = Theme(name=name, slug=slugify(name), description=description)
            db.session.add(existing[name])
            counts.themes += 1
    return existing


def _seed_providers(counts: _Counts, *, now: datetime) -> dict[str, Provider]:
    existing = {provider.name: provider for provider in db.session.scalars(sa.select(Provider))}
    today = now.date()
    by_key = {}
    for key, name, email, starts, ends, active in PROVIDERS:
        if name not in existing:
            existing[name] = Provider(
                name=name,
                contact_email=email,
                contract_starts_on=today + timedelta(days=starts),
                contract_ends_on=today + timedelta(days=ends),
                is_active=active,
            )
            db.session.add(existing[name])
            counts.providers += 1
        by_key[key] = existing[name]
    return by_key


def _seed_venues(counts: _Counts) -> list[Venue]:
    existing = {venue.name: venue for venue in db.session.scalars(sa.select(Venue))}
    agencies = {agency.name: agency for agency in db.session.scalars(sa.select(Agency))}
    venues = []
    for name, address, postcode, capacity, agency_name, notes in VENUES:
        if name not in existing:
            existing[name] = Venue(
                name=name,
                address=address,
                postcode=postcode,
                capacity=capacity,
                accessibility_notes=notes,
                agency=agencies.get(agency_name),
            )
            db.session.add(existing[name])
            counts.venues += 1
        venues.append(existing[name])
    return venues


def _seed_courses(
    counts: _Counts, themes: dict[str, Theme], providers: dict[str, Provider]
) -> dict[str, Course]:
    existing = {course.code: course for course in db.session.scalars(sa.select(Course))}
    added = []
    for spec in COURSES:
        if spec.code in existing:
            continue
        course = Course(
            code=spec.code,
            title=spec.title,
            summary=spec.summary,
            learning_outcomes="\n".join(spec.outcomes),
            level=spec.level,
            delivery_mode=spec.mode,
            audience=spec.audience,
            cpd_hours=Decimal(spec.cpd_hours),
            provider=providers[spec.provider],
            approval_required=spec.approval_required,
            certificate_validity_months=spec.validity_months,
            status=spec.status,
        )
        course.themes = [themes[name] for name in spec.themes]
        db.session.add(course)
        existing[spec.code] = course
        added.append(spec)
        counts.courses += 1
    for spec in added:
        if spec.prerequisite:
            existing[spec.code].prerequisite = existing.get(spec.prerequisite)
    db.session.flush()
    return existing


# Sessions -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    dates: list[tuple[datetime, datetime]]
    virtual: bool
    platform: Platform | None
    join_link: str | None
    venue_index: int
    capacity: int
    agency_cap: int | None
    wants_trainer: bool


def _weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend; skips the Christmas shutdown."""
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        day += timedelta(days=16)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _slots(spec: CourseSpec) -> list[tuple[time, time]]:
    hours_per_date = float(spec.cpd_hours) / spec.days
    if hours_per_date >= 5:
        return DAY_SLOTS
    if hours_per_date >= 2.5:
        return HALF_DAY_SLOTS
    return TWILIGHT_SLOTS


def _token(rng: random.Random, length: int, alphabet: str = string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(length))


def _plan_sessions(spec: CourseSpec, rng: random.Random, *, now: datetime) -> list[_Plan]:
    """Three to six sessions of a course, mostly past; published courses get future ones."""
    total = rng.randint(3, 6)
    future = 0 if spec.status is CourseStatus.ARCHIVED else rng.randint(1, 2)
    today = now.date()
    if spec.monthly:
        return _plan_monthly(spec, rng, now=now)
    # (first day, last day) windows of the past and future parts of the timetable
    windows = [(-PAST_DAYS, -21, total - future), (5, FUTURE_DAYS - 7 * spec.days, future)]
    slots = _slots(spec)
    plans = []
    for first, last, number in windows:
        span = (last - first) / max(number, 1)
        for index in range(number):
            offset = first + int(span * (index + rng.random()))
            day = _weekday(today + timedelta(days=offset))
            clock = rng.choice(slots)
            days = [day + timedelta(weeks=week) for week in range(spec.days)]
            dates = [(london_to_utc(d, clock[0]), london_to_utc(d, clock[1])) for d in days]
            if dates[0][0] <= now < dates[-1][1]:  # never straddle now
                dates = [
                    (start + timedelta(weeks=3), end + timedelta(weeks=3)) for start, end in dates
                ]
            plans.append(_plan_place(spec, dates, rng, now=now))
    return plans


MONTHLY_CODES = {spec.code for spec in COURSES if spec.monthly}


def _plan_monthly(spec: CourseSpec, rng: random.Random, *, now: datetime) -> list[_Plan]:
    """A rolling briefing: the second Tuesday of each month, from three months back to six ahead."""
    plans = []
    first = date(now.year, now.month, 1)
    for step in range(-3, 7):
        year, month = divmod(first.month - 1 + step, 12)
        day = date(first.year + year, month + 1, 8)
        day += timedelta(days=(1 - day.weekday()) % 7)
        clock = TWILIGHT_SLOTS[step % len(TWILIGHT_SLOTS)]
        dates = [(london_to_utc(day, clock[0]), london_to_utc(day, clock[1]))]
        if dates[0][0] <= now < dates[0][1]:
            continue
        plans.append(_plan_place(spec, dates, rng, now=now))
    return plans


def _plan_place(spec: CourseSpec, dates, rng: random.Random, *, now: datetime) -> _Plan:
    virtual = spec.mode is DeliveryMode.VIRTUAL or (
        spec.mode is DeliveryMode.BLENDED and rng.random() < 0.5
    )
    platform = rng.choice([Platform.TEAMS, Platform.TEAMS, Platform.ZOOM])
    if platform is Platform.TEAMS:
        link = f"https://teams.example/l/meetup-join/{_token(rng, 24)}"
    else:
        link = f"https://zoom.example/j/{_token(rng, 11, string.digits)}?pwd={_token(rng, 16)}"
    capacity = rng.randint(12, 40)
    agency_cap = rng.choice([2, 3, 4]) if rng.random() < 0.25 else None
    return _Plan(
        dates=dates,
        virtual=virtual,
        platform=platform if virtual else None,
        join_link=link if virtual else None,
        venue_index=rng.randrange(len(VENUES)),
        capacity=capacity,
        agency_cap=agency_cap,
        wants_trainer=spec.provider == "team" and rng.random() < 0.6,
    )


def _overlaps(dates, booked: list[tuple[datetime, datetime]]) -> bool:
    return any(start < end2 and end > start2 for start, end in dates for start2, end2 in booked)


def _choose_venue(plan: _Plan, venues: list[Venue], venue_times: dict) -> Venue:
    """The planned venue, or the next one along that is free at those times."""
    for step in range(len(venues)):
        venue = venues[(plan.venue_index + step) % len(venues)]
        if not _overlaps(plan.dates, venue_times.setdefault(venue.name, [])):
            return venue
    return venues[plan.venue_index]


def _seed_sessions(
    counts: _Counts, courses: dict[str, Course], venues: list[Venue], *, now: datetime
) -> None:
    rng = random.Random(SEED)
    scheduled = set(db.session.scalars(sa.select(CourseSession.course_id).distinct()))
    trainer = db.session.scalar(sa.select(User).where(User.email == DEMO_TRAINER_EMAIL))
    trainer_times = _trainer_times(trainer)
    venue_times: dict[str, list] = {}
    upcoming = 0
    for start, end, venue_name in db.session.execute(
        sa.select(SessionDate.starts_at, SessionDate.ends_at, Venue.name)
        .join(CourseSession, CourseSession.id == SessionDate.session_id)
        .join(Venue, Venue.id == CourseSession.venue_id)
    ):
        venue_times.setdefault(venue_name, []).append((start, end))

    for spec in COURSES:
        if spec.mode is DeliveryMode.ELEARNING or spec.status is CourseStatus.DRAFT:
            continue
        plans = _plan_sessions(spec, rng, now=now)  # always drawn, so output stays the same
        course = courses[spec.code]
        if course.id in scheduled or course.status is CourseStatus.DRAFT:
            continue
        for plan in plans:
            cancel_reason = None
            if plan.dates[0][0] > now:
                upcoming += 1
                if upcoming % CANCEL_EVERY == CANCEL_EVERY // 2 and not spec.monthly:
                    cancel_reason = CANCELLATION_REASONS[upcoming % len(CANCELLATION_REASONS)]
            session = _build_session(
                plan, course, venues, venue_times, now=now, cancel_reason=cancel_reason
            )
            free = not _overlaps(plan.dates, trainer_times)
            if trainer is not None and plan.wants_trainer and free:
                session.trainers = [trainer]
                trainer_times.extend(plan.dates)
            db.session.add(session)
            counts.sessions += 1


def _trainer_times(trainer: User | None) -> list[tuple[datetime, datetime]]:
    if trainer is None:
        return []
    rows = db.session.execute(
        sa.select(SessionDate.starts_at, SessionDate.ends_at)
        .join(session_trainers, session_trainers.c.session_id == SessionDate.session_id)
        .where(session_trainers.c.user_id == trainer.id)
    )
    return [(starts_at, ends_at) for starts_at, ends_at in rows]


def _build_session(
    plan: _Plan,
    course: Course,
    venues: list[Venue],
    venue_times: dict,
    *,
    now: datetime,
    cancel_reason: str | None,
) -> CourseSession:
    if plan.virtual:
        venue, capacity = None, plan.capacity
        instructions = VIRTUAL_INSTRUCTIONS[plan.platform]
    else:
        venue = _choose_venue(plan, venues, venue_times)
        venue_times[venue.name].extend(plan.dates)
        capacity = min(plan.capacity, venue.capacity)
        instructions = CLASSROOM_INSTRUCTIONS
    session = CourseSession(
        course=course,
        venue=venue,
        platform=plan.platform,
        join_link=plan.join_link,
        joining_instructions=instructions,
        capacity=capacity,
        agency_cap=plan.agency_cap if plan.agency_cap and plan.agency_cap <= capacity else None,
        sequence=0,
        places_taken=0,
    )
    set_dates(session, plan.dates)
    session.booking_closes_at = session.starts_at
    session.cancellation_cutoff_at = session.starts_at - DEFAULT_CANCELLATION_NOTICE
    if session.starts_at <= now:
        session.status = SessionStatus.COMPLETED
    elif cancel_reason:
        session.status = SessionStatus.CANCELLED
        session.cancellation_reason = cancel_reason
        session.cancelled_at = now - timedelta(days=2)
    else:
        session.status = SessionStatus.SCHEDULED
    return session
