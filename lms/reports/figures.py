"""The statistics, computed by SQL aggregation on both databases: one query per table, whatever
the number of rows. Every function returns plain rows (dict-like mappings) of counts.

Sessions belong to the period of their first date. A session *ran* if it was not cancelled and its
first date has started. Booking figures count the bookings of sessions that ran, against the
agency recorded on the booking (the person's agency when they booked)."""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.attendance.models import ChargeStatus, NonAttendanceCharge, Outcome
from lms.bookings.models import Booking, BookingStatus, Interest
from lms.catalogue.models import Course, CourseSession, SessionStatus, Theme, course_themes
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.periods import Period

CONFIRMED = Booking.status == BookingStatus.CONFIRMED
LATE = sa.and_(Booking.status == BookingStatus.CANCELLED, Booking.is_late_cancellation.is_(True))
BOOKED = sa.or_(CONFIRMED, LATE)
ATTENDED = sa.and_(CONFIRMED, Booking.outcome == Outcome.COMPLETED.value)
PARTIAL = sa.and_(CONFIRMED, Booking.outcome == Outcome.PARTIAL.value)
NO_SHOW = sa.and_(CONFIRMED, Booking.outcome == Outcome.NO_SHOW.value)
NOT_MARKED = sa.and_(CONFIRMED, Booking.outcome.is_(None))
CAME = sa.and_(CONFIRMED, Booking.outcome.in_([Outcome.COMPLETED.value, Outcome.PARTIAL.value]))
WAITING = Booking.status == BookingStatus.WAITLISTED
CANCELLED_SESSION = CourseSession.status == SessionStatus.CANCELLED


def _count(condition) -> sa.ColumnElement:
    return _sum(sa.case((condition, 1), else_=0))


def _sum(column) -> sa.ColumnElement:
    """A sum that is 0 over no rows and a whole number on both databases (PostgreSQL sums big
    integers as decimals)."""
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


def in_period(period: Period) -> list:
    return [CourseSession.starts_at >= period.starts_at, CourseSession.starts_at < period.ends_at]


def ran(now: datetime) -> sa.ColumnElement:
    return sa.and_(~CANCELLED_SESSION, CourseSession.starts_at <= now)


def booking_measures() -> list:
    return [
        _count(BOOKED).label("booked"),
        _count(ATTENDED).label("attended"),
        _count(PARTIAL).label("partial"),
        _count(NO_SHOW).label("no_shows"),
        _count(LATE).label("late_cancellations"),
        _count(sa.or_(NO_SHOW, LATE)).label("places_wasted"),
        _count(NOT_MARKED).label("not_marked"),
    ]


def _rows(query) -> list[sa.RowMapping]:
    return list(db.session.execute(query).mappings())


def _whole(aggregate) -> sa.ColumnElement:
    """A window aggregate over every row of the result, as a whole number on both databases
    (PostgreSQL's sum of integers is a decimal)."""
    return sa.cast(aggregate.over(), sa.BigInteger)


def _totalled(query: sa.Select, names, order) -> list[sa.RowMapping]:
    """The grouped query's rows, each also carrying `total_<name>`: the sum of that column over
    all the rows, computed in the same statement by a window function."""
    grouped = query.subquery("grouped")
    totals = [_whole(sa.func.sum(grouped.c[name])).label(f"total_{name}") for name in names]
    ordered = [grouped.c[name] for name in order]
    return _rows(sa.select(grouped, *totals).order_by(*ordered))


PROGRAMME_FIGURES = (
    "sessions_run",
    "sessions_cancelled",
    "sessions_upcoming",
    "places_offered",
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "places_wasted",
    "not_marked",
)
ATTENDANCE_FIGURES = (
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "places_wasted",
    "not_marked",
    "charges_raised",
    "charged_pence",
)


# Programme delivered -------------------------------------------------------------------------


def _session_bookings(f: Filters, now: datetime):
    """Booking figures per session that ran, narrowed by the agency filters."""
    query = (
        sa.select(Booking.session_id, *booking_measures())
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(*in_period(f.period), ran(now), *f.agency_conditions(Booking.agency_id))
        .group_by(Booking.session_id)
    )
    if f.sector is not None:
        query = query.join(Agency, Agency.id == Booking.agency_id).where(Agency.sector == f.sector)
    return query.subquery("per_session")


def _programme_columns(per_session, now: datetime) -> list:
    has_run = ran(now)
    upcoming = sa.and_(~CANCELLED_SESSION, CourseSession.starts_at > now)
    return [
        _count(has_run).label("sessions_run"),
        sa.func.count(sa.distinct(sa.case((has_run, Course.id)))).label("courses_run"),
        _count(CANCELLED_SESSION).label("sessions_cancelled"),
        _count(upcoming).label("sessions_upcoming"),
        _sum(sa.case((has_run, CourseSession.capacity), else_=0)).label("places_offered"),
        *(
            _sum(per_session.c[name]).label(name)
            for name in ("booked", "attended", "partial", "no_shows", "late_cancellations")
        ),
        *(_sum(per_session.c[name]).label(name) for name in ("places_wasted", "not_marked")),
    ]


def programme(
    f: Filters, *, by: str, now: datetime, key=None, totals: bool = False
) -> list[sa.RowMapping]:
    """Sessions and places by a course dimension; `by` is mode, level, theme, time, or total
    (no grouping); `key` overrides the grouping expression (the trend groups by year). With
    `totals`, every row also carries the totals (not for themes: a course has several)."""
    per_session = _session_bookings(f, now)
    groups = {
        "mode": Course.delivery_mode,
        "level": Course.level,
        "theme": sa.func.coalesce(Theme.name, ""),
        "time": CourseSession.is_twilight,
        "total": None,
    }
    key = key if key is not None else groups[by]
    query = (
        sa.select(*([key.label("key")] if key is not None else []))
        .add_columns(*_programme_columns(per_session, now))
        .select_from(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(per_session, per_session.c.session_id == CourseSession.id)
        .where(*in_period(f.period), *f.course_conditions())
    )
    if by == "theme":
        query = query.outerjoin(course_themes, course_themes.c.course_id == Course.id).outerjoin(
            Theme, Theme.id == course_themes.c.theme_id
        )
    if key is None:
        return _rows(query)
    if totals:
        return _totalled(query.group_by(key), PROGRAMME_FIGURES, ["key"])
    return _rows(query.group_by(key).order_by(key))


# Attendance by agency and by sector ---------------------------------------------------------


def attendance(
    f: Filters, *, by: str, now: datetime, key=None, totals: bool = False
) -> list[sa.RowMapping]:
    """Booked, attended, partial, no-shows, late cancellations, places wasted and charges, by
    agency (`by="agency"`), by sector, or in total; with `totals`, each row carries them too."""
    keys = {
        "agency": [Agency.id.label("agency_id"), Agency.name.label("agency"), Agency.sector],
        "sector": [Agency.sector],
        "total": [],
    }[by]
    if key is not None:
        keys = [key.label("key")]
    payable = NonAttendanceCharge.status != ChargeStatus.WAIVED
    query = (
        sa.select(*keys, *booking_measures())
        .add_columns(
            sa.func.count(NonAttendanceCharge.id).label("charges_raised"),
            _sum(sa.case((payable, NonAttendanceCharge.amount_pence), else_=0)).label(
                "charged_pence"
            ),
        )
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .join(Agency, Agency.id == Booking.agency_id)
        .outerjoin(NonAttendanceCharge, NonAttendanceCharge.booking_id == Booking.id)
        .where(*in_period(f.period), ran(now), BOOKED, *f.course_conditions())
        .where(*f.agency_conditions(Booking.agency_id, Agency.sector))
    )
    if not keys:
        return _rows(query)
    if totals:
        order = ["agency", "agency_id"] if by == "agency" else ["sector"]
        return _totalled(query.group_by(*keys), ATTENDANCE_FIGURES, order)
    return _rows(query.group_by(*keys).order_by(*keys))


# Multi-agency mix ---------------------------------------------------------------------------


def _mix_per_session(f: Filters, now: datetime):
    query = (
        sa.select(
            CourseSession.id.label("session_id"),
            Course.title.label("course"),
            CourseSession.starts_at,
            sa.func.count(sa.distinct(Booking.agency_id)).label("agencies"),
            sa.func.count(sa.distinct(Agency.sector)).label("sectors"),
            sa.func.count(Booking.id).label("attended"),
        )
        .select_from(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(Booking, sa.and_(Booking.session_id == CourseSession.id, CAME))
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(*in_period(f.period), ran(now), *f.course_conditions())
        .group_by(CourseSession.id, Course.title, CourseSession.starts_at)
    )
    if f.narrows_agencies:
        theirs = (
            sa.select(Booking.session_id)
            .join(Agency, Agency.id == Booking.agency_id)
            .where(CAME, *f.agency_conditions(Booking.agency_id, Agency.sector))
        )
        query = query.where(CourseSession.id.in_(theirs))
    return query


def mix_sessions(f: Filters, *, now: datetime) -> list[sa.RowMapping]:
    """Per session that ran: agencies, sectors and people attending; each row also carries the
    period's summary and how many sessions had as many sectors attending as this one."""
    per = _mix_per_session(f, now).subquery()
    came = per.c.attended > 0
    summary = [
        _whole(sa.func.count()).label("sessions"),
        _whole(sa.func.sum(sa.case((came, 1), else_=0))).label("sessions_attended"),
        sa.func.avg(sa.case((came, per.c.agencies))).over().label("average_agencies"),
        sa.func.avg(sa.case((came, per.c.sectors))).over().label("average_sectors"),
        _whole(sa.func.sum(sa.case((per.c.sectors == 1, 1), else_=0))).label("one_sector"),
        _whole(sa.func.sum(sa.case((per.c.agencies == 1, 1), else_=0))).label("one_agency"),
        sa.func.count().over(partition_by=per.c.sectors).label("sessions_with_as_many_sectors"),
    ]
    return _rows(sa.select(per, *summary).order_by(per.c.starts_at, per.c.session_id))


# Unmet demand -------------------------------------------------------------------------------


def _waiting(f: Filters, now: datetime, key=None) -> sa.Select:
    query = (
        sa.select(*([key] if key is not None else []))
        .add_columns(sa.func.count(sa.distinct(Booking.user_id)).label("waiting"))
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(*in_period(f.period), ran(now), WAITING)
        .where(*f.agency_conditions(Booking.agency_id))
    )
    if key is not None:
        query = query.group_by(key)
    if f.sector is not None:
        query = query.join(Agency, Agency.id == Booking.agency_id).where(Agency.sector == f.sector)
    return query


def _interest(f: Filters, key) -> sa.Select:
    query = (
        sa.select(
            key,
            sa.func.count(Interest.id).label("interest"),
            _count(Interest.notified_at.is_(None)).label("interest_not_told"),
        )
        .where(Interest.created_at >= f.period.starts_at, Interest.created_at < f.period.ends_at)
        .where(*f.agency_conditions(Interest.agency_id))
        .group_by(key)
    )
    if f.sector is not None:
        query = query.join(Agency, Agency.id == Interest.agency_id).where(Agency.sector == f.sector)
    return query


UNMET_FIGURES = ("sessions_run", "sessions_full", "all_full", "interest", "interest_not_told")


def unmet_demand(f: Filters, *, now: datetime) -> list[sa.RowMapping]:
    """Per course with sessions that ran in the period or interest registered in it, each row
    carrying the totals too (people waiting are counted once across courses by `waiting_by`)."""
    return _totalled(_unmet(f, now), UNMET_FIGURES, ["course", "course_id"])


def _unmet(f: Filters, now: datetime) -> sa.Select:
    sessions = (
        sa.select(
            CourseSession.course_id,
            sa.func.count().label("sessions_run"),
            _count(CourseSession.places_taken >= CourseSession.capacity).label("sessions_full"),
        )
        .where(*in_period(f.period), ran(now))
        .group_by(CourseSession.course_id)
        .subquery()
    )
    waiting = _waiting(f, now, CourseSession.course_id).subquery()
    interest = _interest(f, Interest.course_id).subquery()
    run, full = sa.func.coalesce(sessions.c.sessions_run, 0), sessions.c.sessions_full
    return (
        sa.select(
            Course.id.label("course_id"),
            Course.code,
            Course.title.label("course"),
            run.label("sessions_run"),
            sa.func.coalesce(full, 0).label("sessions_full"),
            sa.case((sa.and_(run > 0, full == run), 1), else_=0).label("all_full"),
            sa.func.coalesce(waiting.c.waiting, 0).label("waiting"),
            sa.func.coalesce(interest.c.interest, 0).label("interest"),
            sa.func.coalesce(interest.c.interest_not_told, 0).label("interest_not_told"),
        )
        .outerjoin(sessions, sessions.c.course_id == Course.id)
        .outerjoin(waiting, waiting.c.course_id == Course.id)
        .outerjoin(interest, interest.c.course_id == Course.id)
        .where(sa.or_(sessions.c.course_id.is_not(None), interest.c.course_id.is_not(None)))
        .where(*f.course_conditions())
    )


def waiting_by(f: Filters, *, now: datetime, key=None) -> list[sa.RowMapping]:
    """Different people still waiting when sessions started, in total or per session-level key
    (the trend's year)."""
    course = sa.select(Course.id).where(*f.course_conditions())
    key = key.label("key") if key is not None else None
    return _rows(_waiting(f, now, key).where(CourseSession.course_id.in_(course)))


# A coordinator's staff ----------------------------------------------------------------------


def staff(agency: Agency, f: Filters, *, now: datetime) -> list[sa.RowMapping]:
    """Each person in the agency today, and anyone who booked as one of its staff in the
    period, with their bookings' figures for the period."""
    per_person = (
        sa.select(Booking.user_id, *booking_measures(), _count(WAITING).label("waiting"))
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Booking.agency_id == agency.id, *in_period(f.period), ran(now))
        .where(*f.course_conditions())
        .group_by(Booking.user_id)
        .subquery()
    )
    figures = [
        sa.func.coalesce(per_person.c[name], 0).label(name)
        for name in ("booked", "attended", "partial", "no_shows", "late_cancellations", "waiting")
    ]
    query = (
        sa.select(User.id, User.name, User.job_title, User.agency_id, *figures)
        .outerjoin(per_person, per_person.c.user_id == User.id)
        .where(
            sa.or_(
                sa.and_(User.agency_id == agency.id, User.is_active),
                per_person.c.user_id.is_not(None),
            )
        )
        .order_by(User.name, User.id)
    )
    return _rows(query)
