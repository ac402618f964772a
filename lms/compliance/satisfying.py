"""The published courses and e-learning modules that would satisfy a requirement, with the next
session of each that is open for booking: what "Your training", a chase and a due notice point
people to.

- Courses: the requirement's own courses and modules that are published.
- Level: published courses at its level or above, on any of its themes (any theme when it names
  none).
- Hours: published courses at its level or above.

Two queries for any number of requirements: the courses with their themes, and the next
bookable session of each."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    SessionStatus,
    course_themes,
)
from lms.compliance.models import Satisfied
from lms.compliance.status import Rule
from lms.extensions import db

# The most courses a message or a row lists for one requirement; the rest are counted.
MOST_LISTED = 8


@dataclass(frozen=True)
class Option:
    """A course or module that would satisfy a requirement, and its next bookable session."""

    course_id: int
    code: str
    title: str
    level: int
    mode: DeliveryMode
    theme_ids: frozenset[int] = frozenset()
    session_id: int | None = None
    starts_at: datetime | None = None

    @property
    def is_elearning(self) -> bool:
        return self.mode is DeliveryMode.ELEARNING


def would_satisfy(rule: Rule, option: Option) -> bool:
    if rule.satisfied_by is Satisfied.COURSES:
        return option.course_id in rule.course_ids
    if option.level < (rule.level or 0):
        return False
    if rule.satisfied_by is Satisfied.LEVEL and rule.theme_ids:
        return bool(rule.theme_ids & option.theme_ids)
    return True


def _courses(all_rules: list[Rule]) -> list[Option]:
    named = set().union(*(rule.course_ids for rule in all_rules))
    levels = [rule.level or 0 for rule in all_rules if rule.satisfied_by is not Satisfied.COURSES]
    wanted = [Course.id.in_(sorted(named))] if named else []
    if levels:
        wanted.append(Course.level >= min(levels))
    if not wanted:
        return []
    query = (
        sa.select(
            Course.id,
            Course.code,
            Course.title,
            Course.level,
            Course.delivery_mode,
            course_themes.c.theme_id,
        )
        .outerjoin(course_themes, course_themes.c.course_id == Course.id)
        .where(Course.status == CourseStatus.PUBLISHED, sa.or_(*wanted))
        .order_by(Course.title, Course.id)
    )
    rows, themes = {}, defaultdict(set)
    for course_id, code, title, level, mode, theme_id in db.session.execute(query):
        rows.setdefault(course_id, (code, title, level, mode))
        if theme_id is not None:
            themes[course_id].add(theme_id)
    return [
        Option(course_id, code, title, level, mode, frozenset(themes[course_id]))
        for course_id, (code, title, level, mode) in rows.items()
    ]


def _next_sessions(course_ids: list[int], *, now: datetime) -> dict[int, tuple[int, datetime]]:
    """Each course's soonest session open for booking: (session id, start)."""
    if not course_ids:
        return {}
    order = sa.func.row_number().over(
        partition_by=CourseSession.course_id,
        order_by=(CourseSession.starts_at, CourseSession.id),
    )
    ranked = (
        sa.select(
            CourseSession.course_id,
            CourseSession.id,
            CourseSession.starts_at,
            order.label("position"),
        )
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            sa.or_(CourseSession.booking_opens_at.is_(None), CourseSession.booking_opens_at <= now),
            sa.or_(
                CourseSession.booking_closes_at.is_(None), CourseSession.booking_closes_at > now
            ),
        )
        .subquery()
    )
    query = sa.select(ranked.c.course_id, ranked.c.id, ranked.c.starts_at).where(
        ranked.c.position == 1
    )
    return {
        course_id: (session_id, starts)
        for course_id, session_id, starts in db.session.execute(query)
    }


def options_for(all_rules: Iterable[Rule], *, now: datetime) -> dict[int, list[Option]]:
    """For each requirement (by id), the published courses and modules that would satisfy it, by
    title, each with its next session open for booking (None for e-learning, or when none is)."""
    all_rules = list(all_rules)
    courses = _courses(all_rules)
    sessions = _next_sessions(
        [option.course_id for option in courses if not option.is_elearning], now=now
    )
    with_sessions = [
        replace(option, session_id=found[0], starts_at=found[1])
        if (found := sessions.get(option.course_id))
        else option
        for option in courses
    ]
    return {
        rule.id: [option for option in with_sessions if would_satisfy(rule, option)]
        for rule in all_rules
    }
