"""The impact figures, computed by SQL aggregation: invitations and answers at each stage,
ratings, knowledge and confidence before and after, and changed practice weeks later.

A response belongs to the period of its `course_on` (the UK day of the session's first date, or
of the e-learning completion) and counts for the course and the agency recorded on it. Only
responses that still count are read: not withdrawn, and whose subject still stands (before the
course: the booking not cancelled; afterwards: the booking still completed, or the e-learning
completion still held). Every figure is a whole-number count or sum, so the means and shares are
worked out exactly (and rounded half up) by `impact`, never by the database's own division.

Each function runs one statement, whatever the number of rows."""

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession, Provider, Theme, course_themes
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback.measures import CHANGED_FROM
from lms.feedback.models import OutcomeAnswer, OutcomeMet, Response, Stage
from lms.reports.figures import _count, _sum
from lms.reports.filters import Filters

STAGES = {
    "before": Stage.BEFORE,
    "after": Stage.AFTER,
    "follow_up": Stage.FOLLOW_UP,
    "manager": Stage.MANAGER,
}
ANSWERED = Response.answered_at.is_not(None)
STILL_COMPLETED = sa.or_(
    Booking.completed_at.is_not(None),
    sa.and_(Completion.id.is_not(None), Completion.withdrawn_at.is_(None)),
)
BOOKING_STANDS = sa.and_(Booking.id.is_not(None), Booking.status != BookingStatus.CANCELLED)
COUNTS = sa.and_(
    Response.withdrawn_at.is_(None),
    sa.or_(
        sa.and_(Response.stage == Stage.BEFORE, BOOKING_STANDS),
        sa.and_(Response.stage != Stage.BEFORE, STILL_COMPLETED),
    ),
)
# Straight after, with both the figure now and as it was before: the people a gain rests on.
PAIRS = {
    name: sa.and_(
        Response.stage == Stage.AFTER,
        ANSWERED,
        getattr(Response, name).is_not(None),
        getattr(Response, f"{name}_before").is_not(None),
    )
    for name in ("knowledge", "confidence")
}


def _answered(stage: Stage, column=None):
    conditions = [Response.stage == stage, ANSWERED]
    if column is not None:
        conditions.append(column.is_not(None))
    return sa.and_(*conditions)


def measures() -> list:
    """The counts and sums of one group of responses."""
    columns = []
    for name, stage in STAGES.items():
        columns.append(_count(Response.stage == stage).label(f"{name}_invited"))
        columns.append(_count(_answered(stage)).label(f"{name}_answered"))
    for name in ("rating", "trainer_rating", "venue_rating"):
        column = getattr(Response, name)
        answered = _answered(Stage.AFTER, column)
        columns.append(_count(answered).label(f"{name}_n"))
        columns.append(_sum(sa.case((answered, column), else_=0)).label(f"{name}_sum"))
    for name, pair in PAIRS.items():
        now, before = getattr(Response, name), getattr(Response, f"{name}_before")
        columns += [
            _count(pair).label(f"{name}_n"),
            _sum(sa.case((pair, before), else_=0)).label(f"{name}_before_sum"),
            _sum(sa.case((pair, now), else_=0)).label(f"{name}_after_sum"),
            _count(sa.and_(pair, now > before)).label(f"{name}_gained"),
            _count(sa.and_(pair, now == before)).label(f"{name}_stayed"),
            _count(sa.and_(pair, now < before)).label(f"{name}_fell"),
        ]
    for name, stage, column in (
        ("changed", Stage.FOLLOW_UP, Response.practice_changed),
        ("seen", Stage.MANAGER, Response.change_seen),
    ):
        answered = _answered(stage, column)
        columns.append(_count(answered).label(f"{name}_n"))
        columns.append(_count(sa.and_(answered, column >= CHANGED_FROM)).label(name))
    return columns


def _counted(f: Filters, *keys) -> sa.Select:
    """Responses that count, in the period, of the courses and agencies the filters choose."""
    return (
        sa.select(*keys, *measures())
        .select_from(Response)
        .join(Course, Course.id == Response.course_id)
        .join(Agency, Agency.id == Response.agency_id)
        .outerjoin(Booking, Booking.id == Response.booking_id)
        .outerjoin(Completion, Completion.id == Response.completion_id)
        .where(COUNTS, Response.course_on >= f.period.first, Response.course_on <= f.period.last)
        .where(*f.course_conditions(), *f.agency_conditions(Response.agency_id, Agency.sector))
    )


GROUP_KEYS = {
    "course": [Course.id.label("course_id"), Course.code, Course.title.label("course")],
    "theme": [sa.func.coalesce(Theme.name, "").label("theme")],
    "level": [Course.level],
    "agency": [Agency.id.label("agency_id"), Agency.name.label("agency"), Agency.sector],
    "sector": [Agency.sector],
}


def grouped(f: Filters, *, by: str) -> list[sa.RowMapping]:
    """The figures for each course, theme, level, agency or sector (a course with several
    themes counts under each)."""
    keys = GROUP_KEYS[by]
    query = _counted(f, *keys)
    if by == "theme":
        query = query.outerjoin(course_themes, course_themes.c.course_id == Course.id).outerjoin(
            Theme, Theme.id == course_themes.c.theme_id
        )
    return list(db.session.execute(query.group_by(*keys)).mappings())


def total(f: Filters) -> sa.RowMapping:
    """The figures for the whole selection, each response counted once."""
    return db.session.execute(_counted(f)).mappings().one()


# Sessions, for the trainers' and providers' summaries -------------------------------------


def _outcomes() -> sa.Subquery:
    """Per response straight after: learning outcomes answered and met."""
    return (
        sa.select(
            OutcomeAnswer.response_id,
            sa.func.count().label("outcomes"),
            _count(OutcomeAnswer.met == OutcomeMet.YES).label("met"),
        )
        .group_by(OutcomeAnswer.response_id)
        .subquery("outcome_counts")
    )


def by_session(*conditions, first=None, last=None) -> list[sa.RowMapping]:
    """The figures of each session matching `conditions` (on CourseSession, Course), with the
    learning outcomes answered and met; sessions with no evaluation asked are left out."""
    outcomes = _outcomes()
    keys = [
        CourseSession.id.label("session_id"),
        CourseSession.starts_at,
        Course.id.label("course_id"),
        Course.title.label("course"),
        sa.func.coalesce(Provider.name, "").label("provider"),
    ]
    after = _answered(Stage.AFTER)
    query = (
        sa.select(
            *keys,
            *measures(),
            _sum(sa.case((after, outcomes.c.outcomes), else_=0)).label("outcomes_n"),
            _sum(sa.case((after, outcomes.c.met), else_=0)).label("outcomes_met"),
            _count(sa.and_(after, outcomes.c.outcomes > 0)).label("outcomes_people"),
        )
        .select_from(Response)
        .join(Booking, Booking.id == Response.booking_id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(Provider, Provider.id == Course.provider_id)
        .outerjoin(Completion, Completion.id == Response.completion_id)
        .outerjoin(outcomes, outcomes.c.response_id == Response.id)
        .where(COUNTS, *conditions)
    )
    if first is not None:
        query = query.where(Response.course_on >= first, Response.course_on <= last)
    query = query.group_by(*keys).order_by(CourseSession.starts_at.desc(), CourseSession.id)
    return list(db.session.execute(query).mappings())
