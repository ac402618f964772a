"""Scheduling rules for course sessions: dates, places, venue or platform, trainers, windows.

Other features hang their own work on a session's changes through SESSION_CHANGED and
SESSION_CANCELLED (the bookings feature notifies bookers there).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

import sqlalchemy as sa

from lms.accounts.models import Role, User, UserRole
from lms.audit import services as audit
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Platform,
    SessionDate,
    SessionStatus,
    Venue,
    session_trainers,
)
from lms.catalogue.services import CatalogueError
from lms.core.errors import required_text
from lms.core.timefmt import local, uk_datetime
from lms.core.words import plural
from lms.extensions import db

DEFAULT_CANCELLATION_NOTICE = timedelta(hours=48)
TWILIGHT_FROM_HOUR = 16

# Functions called as hook(session, by=..., now=...) after a change; they flush, never commit.
SESSION_CHANGED: list[Callable] = []
SESSION_CANCELLED: list[Callable] = []


class TrainerClash(CatalogueError):
    """A trainer already teaches at the same time; an administrator may confirm anyway."""


@dataclass
class SessionPlan:
    course_id: int
    dates: list[tuple[datetime, datetime]]
    capacity: int | None
    venue_id: int | None = None
    platform: Platform | None = None
    join_link: str | None = None
    joining_instructions: str = ""
    agency_cap: int | None = None
    trainer_ids: list[int] = field(default_factory=list)
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    cancellation_cutoff_at: datetime | None = None


def is_twilight(starts_at: datetime) -> bool:
    """Twilight sessions start at 16:00 UK time or later."""
    return local(starts_at).hour >= TWILIGHT_FROM_HOUR


def _check_dates(dates, *, now: datetime, existing: set[tuple[datetime, datetime]]) -> list:
    if not dates:
        raise CatalogueError("Enter at least one date for the session", field="dates")
    ordered = sorted(dates)
    for starts_at, ends_at in ordered:
        if ends_at <= starts_at:
            raise CatalogueError(
                f"The session on {uk_datetime(starts_at)} must end after it starts", field="dates"
            )
        if starts_at <= now and (starts_at, ends_at) not in existing:
            raise CatalogueError(
                f"{uk_datetime(starts_at)} is in the past. New dates must be in the future",
                field="dates",
            )
    for (_, previous_end), (next_start, _) in zip(ordered, ordered[1:], strict=False):
        if next_start < previous_end:
            raise CatalogueError("Two of the session's dates overlap", field="dates")
    return ordered


def _check_place(course: Course, plan: SessionPlan) -> Venue | None:
    if course.delivery_mode is DeliveryMode.ELEARNING:
        raise CatalogueError(
            "E-learning courses are not delivered in scheduled sessions", field="course_id"
        )
    virtual = plan.venue_id is None
    if course.delivery_mode is DeliveryMode.CLASSROOM and virtual:
        raise CatalogueError("Select the venue for this face-to-face course", field="venue_id")
    if course.delivery_mode is DeliveryMode.VIRTUAL and not virtual:
        raise CatalogueError(
            "This course is delivered online, so it has no venue", field="venue_id"
        )
    if not virtual:
        venue = db.session.get(Venue, plan.venue_id)
        if venue is None or not venue.is_active:
            raise CatalogueError("Select the venue from the list", field="venue_id")
        if plan.capacity is not None and plan.capacity > venue.capacity:
            raise CatalogueError(
                f"{venue.name} holds {plural(venue.capacity, 'person', 'people')}. "
                "Lower the number of places",
                field="capacity",
            )
        return venue
    if plan.platform is None:
        raise CatalogueError("Select the online platform", field="platform")
    link = (plan.join_link or "").strip()
    if not link:
        raise CatalogueError("Enter the join link for the online session", field="join_link")
    parsed = urlparse(link)
    if parsed.scheme != "https" or not parsed.netloc:
        raise CatalogueError(
            "The join link must be a secure web address starting with https://", field="join_link"
        )
    return None


def _check_places(plan: SessionPlan, *, places_taken: int) -> None:
    if plan.capacity is None or plan.capacity < 1:
        raise CatalogueError("The number of places must be 1 or more", field="capacity")
    if plan.capacity < places_taken:
        raise CatalogueError(
            f"{places_taken} places are already taken, so the session needs at least "
            f"{places_taken} places",
            field="capacity",
        )
    if plan.agency_cap is not None and not 1 <= plan.agency_cap <= plan.capacity:
        raise CatalogueError(
            "The places for any one agency must be from 1 to the session's number of places",
            field="agency_cap",
        )


def _check_windows(plan: SessionPlan, starts_at: datetime) -> tuple:
    opens, closes = plan.booking_opens_at, plan.booking_closes_at
    closes = closes or starts_at
    if closes > starts_at:
        raise CatalogueError(
            "Booking must close before the session starts", field="booking_closes_at"
        )
    if opens is not None and opens >= closes:
        raise CatalogueError("Booking must open before it closes", field="booking_opens_at")
    cutoff = plan.cancellation_cutoff_at or starts_at - DEFAULT_CANCELLATION_NOTICE
    if cutoff > starts_at:
        raise CatalogueError(
            "The cancellation cutoff must be before the session starts",
            field="cancellation_cutoff_at",
        )
    return opens, closes, cutoff


def _trainers(ids: list[int]) -> list[User]:
    trainers = list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole)
            .where(User.id.in_(ids), UserRole.role == Role.TRAINER, User.is_active.is_(True))
        )
    )
    if len(trainers) != len(set(ids)):
        raise CatalogueError("Select trainers from the list", field="trainer_ids")
    return trainers


def trainer_clashes(
    trainers: list[User], dates, *, ignore_session_id: int | None = None
) -> list[str]:
    """Descriptions of other scheduled sessions the trainers teach at overlapping times."""
    if not trainers:
        return []
    overlaps = sa.or_(
        *[
            (SessionDate.starts_at < ends_at) & (SessionDate.ends_at > starts_at)
            for starts_at, ends_at in dates
        ]
    )
    query = (
        sa.select(User.name, Course.title, SessionDate.starts_at)
        .select_from(SessionDate)
        .join(CourseSession, CourseSession.id == SessionDate.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .join(User, User.id == session_trainers.c.user_id)
        .where(
            session_trainers.c.user_id.in_([trainer.id for trainer in trainers]),
            CourseSession.status == SessionStatus.SCHEDULED,
            overlaps,
        )
        .order_by(SessionDate.starts_at)
    )
    if ignore_session_id is not None:
        query = query.where(CourseSession.id != ignore_session_id)
    return [
        f"{name} teaches {title} on {uk_datetime(at)}"
        for name, title, at in db.session.execute(query)
    ]


def _apply(
    session: CourseSession, plan: SessionPlan, *, now: datetime, allow_trainer_clash: bool
) -> None:
    course = db.session.get(Course, plan.course_id)
    if course is None:
        raise CatalogueError("Select the course from the list", field="course_id")
    if course.status is CourseStatus.ARCHIVED:
        raise CatalogueError(
            "This course is archived. Publish it again to schedule it", field="course_id"
        )
    existing = {(d.starts_at, d.ends_at) for d in session.dates}
    dates = _check_dates(plan.dates, now=now, existing=existing)
    venue = _check_place(course, plan)
    _check_places(plan, places_taken=session.places_taken or 0)
    opens, closes, cutoff = _check_windows(plan, dates[0][0])
    trainers = _trainers(plan.trainer_ids)
    clashes = trainer_clashes(trainers, dates, ignore_session_id=session.id)
    if clashes and not allow_trainer_clash:
        raise TrainerClash(
            "A trainer is already teaching at the same time: "
            + "; ".join(clashes)
            + ". Check the dates, or confirm to schedule anyway",
            field="trainer_ids",
        )
    session.course = course
    session.venue = venue
    virtual = venue is None
    session.platform = plan.platform if virtual else None
    session.join_link = (plan.join_link or "").strip() if virtual else None
    session.joining_instructions = (plan.joining_instructions or "").strip()
    session.capacity, session.agency_cap = plan.capacity, plan.agency_cap
    session.booking_opens_at, session.booking_closes_at = opens, closes
    session.cancellation_cutoff_at = cutoff
    session.trainers = trainers
    set_dates(session, dates)


def set_dates(session: CourseSession, dates: list[tuple[datetime, datetime]]) -> None:
    """Give a session these (start, end) dates, keeping unchanged ones, and the fields derived
    from them: first start, last end, daytime or twilight."""
    dates = sorted(dates)
    kept = {(d.starts_at, d.ends_at): d for d in session.dates}
    session.dates = [
        kept.get(pair) or SessionDate(starts_at=pair[0], ends_at=pair[1]) for pair in dates
    ]
    session.starts_at, session.ends_at = dates[0][0], dates[-1][1]
    session.is_twilight = is_twilight(dates[0][0])


def schedule_session(
    plan: SessionPlan, *, by: User, now: datetime, allow_trainer_clash: bool = False
) -> CourseSession:
    """Schedule a new session of a course."""
    session = CourseSession(places_taken=0, sequence=0, status=SessionStatus.SCHEDULED)
    _apply(session, plan, now=now, allow_trainer_clash=allow_trainer_clash)
    db.session.add(session)
    db.session.flush()
    audit.record("session.scheduled", session, actor=by, after=_snapshot(session))
    return session


def why_unchangeable(session: CourseSession) -> str | None:
    """Why a session can no longer be changed (cancelled, or no longer scheduled); None if it
    can be."""
    if session.status is SessionStatus.CANCELLED:
        return "This session has been cancelled, so it can no longer be changed"
    if session.status is not SessionStatus.SCHEDULED:
        return f"This session is {session.status.label.lower()} and can no longer be changed"
    return None


def update_session(
    session: CourseSession,
    plan: SessionPlan,
    *,
    by: User,
    now: datetime,
    allow_trainer_clash: bool = False,
) -> CourseSession:
    """Change a scheduled session; its calendar SEQUENCE goes up so subscribers update."""
    if refusal := why_unchangeable(session):
        raise CatalogueError(refusal)
    before = _snapshot(session)
    _apply(session, plan, now=now, allow_trainer_clash=allow_trainer_clash)
    db.session.flush()
    # The write above holds the session's lock, so this count is final: bookings made since
    # the form was read are counted before the new capacity is accepted.
    taken = db.session.scalar(
        sa.select(CourseSession.places_taken).where(CourseSession.id == session.id)
    )
    if taken > session.capacity:
        raise CatalogueError(
            f"{taken} places are already taken, so the session needs at least {taken} places",
            field="capacity",
        )
    after = _snapshot(session)
    if after != before:
        session.sequence += 1
        audit.record("session.updated", session, actor=by, before=before, after=after)
        for hook in SESSION_CHANGED:
            hook(session, by=by, now=now, before=before)
    return session


def plan_from(session: CourseSession, dates=None) -> SessionPlan:
    """The plan of an existing session, optionally on other dates (to copy it)."""
    return SessionPlan(
        course_id=session.course_id,
        dates=dates if dates is not None else [(d.starts_at, d.ends_at) for d in session.dates],
        capacity=session.capacity,
        venue_id=session.venue_id,
        platform=session.platform,
        join_link=session.join_link,
        joining_instructions=session.joining_instructions,
        agency_cap=session.agency_cap,
        trainer_ids=[trainer.id for trainer in session.trainers],
    )


def copy_session(
    session: CourseSession, dates, *, by: User, now: datetime, allow_trainer_clash: bool = False
) -> CourseSession:
    """Schedule the same course, place, capacity and trainers on new dates."""
    return schedule_session(
        plan_from(session, dates), by=by, now=now, allow_trainer_clash=allow_trainer_clash
    )


def cancel_session(session: CourseSession, *, reason: str, by: User, now: datetime) -> None:
    """Cancel a session with a reason; hooks then cancel its bookings and tell everyone."""
    reason = required_text(reason, "Enter the reason for cancelling the session")
    if session.status is not SessionStatus.SCHEDULED:
        raise CatalogueError(f"This session is already {session.status.label.lower()}")
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancellation_reason = reason
    session.sequence += 1
    audit.record(
        "session.cancelled", session, actor=by, after={"status": "cancelled"}, reason=reason
    )
    db.session.flush()
    for hook in SESSION_CANCELLED:
        hook(session, by=by, now=now)


def _snapshot(session: CourseSession) -> dict:
    return {
        "dates": [[d.starts_at.isoformat(), d.ends_at.isoformat()] for d in session.dates],
        "venue_id": session.venue_id,
        "platform": session.platform.value if session.platform else None,
        "join_link": session.join_link,
        "capacity": session.capacity,
        "agency_cap": session.agency_cap,
        "trainers": sorted(trainer.id for trainer in session.trainers),
    }
