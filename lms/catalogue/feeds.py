"""iCalendar downloads and subscribable feeds."""

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy.orm import selectinload

from lms.catalogue.calendar import build_calendar
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    SessionStatus,
    Theme,
    course_themes,
)
from lms.core import cache
from lms.core.models import utcnow
from lms.extensions import db

bp = Blueprint("feeds", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# Sessions stay in the feed this long after they end, so subscribers keep recent history.
FEED_KEEPS_ENDED = timedelta(days=30)

_SESSION_OPTIONS = (
    selectinload(CourseSession.course).selectinload(Course.themes),
    selectinload(CourseSession.venue),
    selectinload(CourseSession.dates),
)


@bp.get("/sessions/<int:session_id>.ics")
@cache.public
def session_ics(session_id):
    course_session = db.session.scalar(
        sa.select(CourseSession).where(CourseSession.id == session_id).options(*_SESSION_OPTIONS)
    )
    if course_session is None or not _is_public(course_session):
        abort(404)
    body = _calendar([course_session], name=_calendar_name())
    response = Response(body, content_type=CALENDAR_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=session-{session_id}.ics"
    return response


@bp.get("/calendar/sessions.ics")
@cache.public
def sessions_feed():
    query = (
        sa.select(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            # Every status stays in the feed for a while: a session that ran stays in subscribed
            # calendars, and a cancelled one shows as cancelled instead of vanishing.
            CourseSession.status.in_(list(SessionStatus)),
            CourseSession.ends_at > utcnow() - FEED_KEEPS_ENDED,
        )
        .options(*_SESSION_OPTIONS)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    name = _calendar_name()
    slug = request.args.get("theme", "")
    if slug:
        theme = db.session.scalar(sa.select(Theme).where(Theme.slug == slug))
        if theme is None:
            abort(404)
        query = query.where(
            CourseSession.course_id.in_(
                sa.select(course_themes.c.course_id).where(course_themes.c.theme_id == theme.id)
            )
        )
        name = f"{name} – {theme.name}"
    response = Response(_calendar(db.session.scalars(query), name=name), content_type=CALENDAR_TYPE)
    # Kept by calendars and proxies but checked first: lms.core.cache answers 304 while it holds.
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


def _is_public(course_session: CourseSession) -> bool:
    """Published courses' sessions; an archived course's sessions only once they have ended."""
    status = course_session.course.status
    if status is CourseStatus.PUBLISHED:
        return True
    return status is CourseStatus.ARCHIVED and course_session.ends_at <= utcnow()


def _calendar(sessions, *, name: str) -> bytes:
    return build_calendar(
        sessions,
        calendar_name=name,
        product=current_app.config["PARTNERSHIP_NAME"],
        course_url=lambda course: url_for("catalogue.course", code=course.code, _external=True),
        uid_domain=_uid_domain(),
    )


def _uid_domain() -> str:
    """The site's host name without the port, to make event UIDs unique to this site."""
    try:
        return urlsplit(f"//{request.host}").hostname or "lms.invalid"
    except ValueError:
        return "lms.invalid"


def _calendar_name() -> str:
    return f"{current_app.config['PARTNERSHIP_NAME']} training"
