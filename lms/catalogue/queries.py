"""Finding sessions and courses: the public catalogue's search and filters, trainers' lists."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, defaultload, joinedload, selectinload

from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    SessionStatus,
    Theme,
    course_themes,
    session_trainers,
)
from lms.core.timefmt import london_to_utc


@dataclass
class Filters:
    """What a visitor asked the catalogue for; every part is optional."""

    text: str = ""
    theme_id: int | None = None
    level: int | None = None
    delivery_mode: DeliveryMode | None = None
    audience: Audience | None = None
    month: date | None = None  # any day of the month wanted
    time_of_day: str | None = None  # "daytime" or "twilight"
    places_available: bool = False


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first and last instants of a UK calendar month, in UTC."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return london_to_utc(first, time()), london_to_utc(following, time())


def _course_filters(query: sa.Select, filters: Filters) -> sa.Select:
    text = filters.text.strip().lower()
    if text:
        words = [word for word in text.split() if word][:8]
        for word in words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                sa.or_(
                    sa.func.lower(Course.title).like(pattern, escape="\\"),
                    sa.func.lower(Course.summary).like(pattern, escape="\\"),
                    sa.func.lower(Course.code).like(pattern, escape="\\"),
                    sa.func.lower(Course.module_code).like(pattern, escape="\\"),
                    Course.id.in_(
                        sa.select(course_themes.c.course_id)
                        .join(Theme, Theme.id == course_themes.c.theme_id)
                        .where(sa.func.lower(Theme.name).like(pattern, escape="\\"))
                    ),
                )
            )
    if filters.theme_id:
        query = query.where(
            Course.id.in_(
                sa.select(course_themes.c.course_id).where(
                    course_themes.c.theme_id == filters.theme_id
                )
            )
        )
    if filters.level:
        query = query.where(Course.level == filters.level)
    if filters.delivery_mode:
        query = query.where(Course.delivery_mode == filters.delivery_mode)
    if filters.audience:
        wanted = (
            [filters.audience]
            if filters.audience is Audience.BOTH
            else [filters.audience, Audience.BOTH]
        )
        query = query.where(Course.audience.in_(wanted))
    return query


def catalogue_sessions(filters: Filters, *, now: datetime) -> sa.Select:
    """Upcoming scheduled sessions of published courses matching the filters, soonest first."""
    query = (
        sa.select(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
        .options(
            # The course and venue come with the sessions' own row: only the dates take a query
            # of their own. A list that shows the themes asks for them (`with_themes`).
            contains_eager(CourseSession.course),
            joinedload(CourseSession.venue),
            selectinload(CourseSession.dates),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    query = _course_filters(query, filters)
    if filters.month:
        start, end = month_bounds(filters.month)
        query = query.where(CourseSession.starts_at >= start, CourseSession.starts_at < end)
    if filters.time_of_day == "twilight":
        query = query.where(CourseSession.is_twilight.is_(True))
    elif filters.time_of_day == "daytime":
        query = query.where(CourseSession.is_twilight.is_(False))
    if filters.places_available:
        query = query.where(CourseSession.places_taken < CourseSession.capacity)
    return query


def catalogue_courses(filters: Filters) -> sa.Select:
    """Published courses matching the filters, by title."""
    query = (
        sa.select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.themes), joinedload(Course.provider))
        .order_by(Course.title, Course.id)
    )
    return _course_filters(query, filters)


def catalogue_modules(filters: Filters) -> sa.Select | None:
    """Published e-learning modules matching the course filters, shown beside the sessions: they
    can be done at any time, so the month, time of day and places filters do not exclude them.
    None when the visitor asked for another way of delivery."""
    if filters.delivery_mode not in (None, DeliveryMode.ELEARNING):
        return None
    query = (
        sa.select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(joinedload(Course.provider))
        .order_by(Course.title, Course.id)
    )
    return _course_filters(query, filters).where(Course.delivery_mode == DeliveryMode.ELEARNING)


def with_themes(query: sa.Select) -> sa.Select:
    """`catalogue_sessions` with each course's themes loaded too (one query more)."""
    return query.options(defaultload(CourseSession.course).selectinload(Course.themes))


def upcoming_sessions_of(course: Course, *, now: datetime) -> sa.Select:
    return (
        sa.select(CourseSession)
        .where(
            CourseSession.course_id == course.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
        .options(selectinload(CourseSession.venue), selectinload(CourseSession.dates))
        .order_by(CourseSession.starts_at)
    )


def upcoming_counts(course_ids: list[int], *, now: datetime) -> dict[int, int]:
    """How many scheduled sessions each course has still to start, in one query."""
    from lms.extensions import db

    rows = db.session.execute(
        sa.select(CourseSession.course_id, sa.func.count())
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
        .group_by(CourseSession.course_id)
    )
    return dict(rows.all())


def sessions_taught_by(user_id: int) -> sa.Select:
    """Every session a trainer teaches, latest first."""
    return (
        sa.select(CourseSession)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .where(session_trainers.c.user_id == user_id)
        .options(
            selectinload(CourseSession.course),
            selectinload(CourseSession.venue),
            selectinload(CourseSession.dates),
        )
        .order_by(CourseSession.starts_at.desc())
    )


def active_themes() -> sa.Select:
    return sa.select(Theme).where(Theme.is_active.is_(True)).order_by(Theme.name)
