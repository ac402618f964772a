"""Read-only JSON API of the catalogue: published courses and upcoming sessions, no sign-in.

Described by the OpenAPI document at /api/v1/openapi.json (built in `openapi.py`, which also
holds the accepted values and limits checked here). Errors under /api/v1 are JSON
`{"error": "..."}`, never the site's HTML error pages. Joining links and instructions of online
sessions are never part of any answer.
"""

import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from lms.catalogue import openapi
from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    DeliveryMode,
    SessionStatus,
    Theme,
)
from lms.catalogue.queries import (
    Filters,
    catalogue_courses,
    catalogue_sessions,
    month_bounds,
    with_themes,
)
from lms.core import cache
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class BadParameter(Exception):
    """A query parameter the API does not know, or a value it does not accept."""


@bp.get("/sessions")
@cache.public
def sessions():
    now = utcnow()
    filters = _filters(openapi.SESSION_FILTERS)
    page, per_page = _paging()
    results = db.paginate(
        with_themes(catalogue_sessions(filters, now=now)),
        page=page,
        per_page=per_page,
        error_out=False,
        count=True,
    )
    return _cached(
        {
            "sessions": [_session_json(course_session) for course_session in results.items],
            "page": page,
            "per_page": per_page,
            "total": results.total,
        }
    )


@bp.get("/courses")
@cache.public
def courses():
    now = utcnow()
    filters = _filters(openapi.COURSE_FILTERS)
    page, per_page = _paging()
    query = catalogue_courses(filters).options(joinedload(Course.prerequisite))
    results = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    upcoming = _upcoming_session_counts([course.id for course in results.items], now=now)
    return _cached(
        {
            "courses": [
                _course_json(course, upcoming.get(course.id, 0)) for course in results.items
            ],
            "page": page,
            "per_page": per_page,
            "total": results.total,
        }
    )


@bp.get("/openapi.json")
def openapi_json():
    document = openapi.openapi_document(
        title=f"{current_app.config['PARTNERSHIP_NAME']} training API",
        server_url=request.url_root.rstrip("/") + bp.url_prefix,
        values=openapi.listed(),
    )
    return _cached(document)


# Query parameters ------------------------------------------------------------------------------


def _filters(accepted: tuple[str, ...]) -> Filters:
    """The catalogue filters asked for; BadParameter names any parameter that is not accepted."""
    _refuse_unknown((*accepted, *openapi.PAGING))
    filters = Filters()
    slug = _single("theme")
    if slug is not None:
        filters.theme_id = _theme_id(slug)
    level = _choice("level", tuple(str(level) for level in openapi.LEVELS))
    filters.level = int(level) if level else None
    mode = _choice("delivery_mode", openapi.DELIVERY_MODES)
    filters.delivery_mode = DeliveryMode(mode) if mode else None
    audience = _choice("audience", openapi.AUDIENCES)
    filters.audience = Audience(audience) if audience else None
    # Session-only filters are absent here for courses: _refuse_unknown turned them away.
    filters.month = _month()
    filters.time_of_day = _choice("time_of_day", openapi.TIMES_OF_DAY)
    filters.places_available = _choice("places_available", openapi.BOOLEANS) == "true"
    return filters


def _paging() -> tuple[int, int]:
    page = _whole_number("page", maximum=openapi.MAX_PAGE, default=1)
    per_page = _whole_number(
        "per_page", maximum=openapi.MAX_PER_PAGE, default=openapi.DEFAULT_PER_PAGE
    )
    return page, per_page


def _refuse_unknown(accepted: tuple[str, ...]) -> None:
    for name in request.args:
        if name not in accepted:
            raise BadParameter(
                f"Unknown parameter {_shown(name)}. This endpoint accepts: {', '.join(accepted)}."
            )


def _single(name: str) -> str | None:
    """The parameter's value as given, or None when it is absent or empty (as the document
    says: `allowEmptyValue`). Spaces are not taken off: ` 2` is not a level."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadParameter(f"Give {name} only once (it was given {len(values)} times).")
    return values[0] if values and values[0] else None


def _choice(name: str, accepted: tuple[str, ...]) -> str | None:
    value = _single(name)
    if value is not None and value not in accepted:
        raise BadParameter(
            f"{name} must be one of: {', '.join(accepted)} (you gave {_shown(value)})."
        )
    return value


def _whole_number(name: str, *, maximum: int, default: int) -> int:
    value = _single(name)
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", value) or not 1 <= int(value) <= maximum:
        raise BadParameter(
            f"{name} must be a whole number from 1 to {maximum} (you gave {_shown(value)})."
        )
    return int(value)


def _month() -> date | None:
    value = _single("month")
    if value is None:
        return None
    problem = (
        "month must be a year and month as YYYY-MM, for example 2027-03 "
        f"(you gave {_shown(value)})."
    )
    if not re.fullmatch(openapi.MONTH_PATTERN, value):
        raise BadParameter(problem)
    try:
        month = date(int(value[:4]), int(value[5:]), 1)
        month_bounds(month)
    except (ValueError, OverflowError):
        raise BadParameter(problem) from None
    return month


def _theme_id(slug: str) -> int:
    """The theme with this slug, any of those the document lists (retired ones included). The
    value is checked against the list before it goes near a query."""
    slugs = openapi.theme_slugs()
    if slug not in slugs:
        accepted = f"one of: {', '.join(slugs)}" if slugs else "there are none yet"
        raise BadParameter(
            f"theme must be the slug of a theme, {accepted} (you gave {_shown(slug)})."
        )
    return db.session.scalar(sa.select(Theme.id).where(Theme.slug == slug))


def _shown(value: str) -> str:
    """A visitor's value quoted in a message, cut short if long."""
    return "'" + (value if len(value) <= 40 else value[:40] + "...") + "'"


# Answers ---------------------------------------------------------------------------------------


def _session_json(course_session: CourseSession) -> dict:
    course = course_session.course
    venue = course_session.venue
    return {
        "id": course_session.id,
        "course_code": course.code,
        "title": course.title,
        "level": course.level,
        "delivery_mode": course.delivery_mode.value,
        "audience": course.audience.value,
        "themes": [theme.name for theme in course.themes],
        "dates": [
            {"starts_at": _uk_iso(day.starts_at), "ends_at": _uk_iso(day.ends_at)}
            for day in course_session.dates
        ],
        "venue": (
            "online"
            if venue is None
            else {"name": venue.name, "address": venue.address, "postcode": venue.postcode}
        ),
        "time_of_day": "twilight" if course_session.is_twilight else "daytime",
        "capacity": course_session.capacity,
        "places_left": course_session.places_left,
        "status": course_session.status.value,
        "url": url_for("catalogue.session", session_id=course_session.id, _external=True),
    }


def _course_json(course: Course, upcoming_sessions: int) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "summary": course.summary,
        "learning_outcomes": course.outcomes,
        "level": course.level,
        "delivery_mode": course.delivery_mode.value,
        "audience": course.audience.value,
        "cpd_hours": float(course.cpd_hours),
        "themes": [theme.name for theme in course.themes],
        "approval_required": course.approval_required,
        "prerequisite": course.prerequisite.code if course.prerequisite else None,
        "certificate_validity_months": course.certificate_validity_months,
        "upcoming_sessions": upcoming_sessions,
        "url": url_for("catalogue.course", code=course.code, _external=True),
        "module": _module_json(course),
    }


def _module_json(course: Course) -> dict | None:
    """An e-learning module's own details; None for a course delivered in sessions."""
    if course.delivery_mode is not DeliveryMode.ELEARNING:
        return None
    return {
        "provider": course.provider.name if course.provider else None,
        "module_code": course.module_code,
        "course_url": course.course_url,
        "validity_months": course.certificate_validity_months,
    }


def _upcoming_session_counts(course_ids: list[int], *, now: datetime) -> dict[int, int]:
    """How many sessions /sessions lists for each course, in one grouped query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        sa.select(CourseSession.course_id, sa.func.count())
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
        .group_by(CourseSession.course_id)
    )
    return {course_id: number for course_id, number in rows}


def _uk_iso(moment: datetime) -> str:
    """ISO 8601 in UK time with its offset: 2027-03-29T09:30:00+01:00."""
    return local(moment).isoformat(timespec="seconds")


def _cached(body: dict) -> Response:
    response = jsonify(body)
    # Kept by browsers and proxies but checked first: lms.core.cache answers 304 while it holds.
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


# Errors ----------------------------------------------------------------------------------------


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return _error(400, str(error))


def _http_error(error: HTTPException):
    if isinstance(error, NotFound):
        response = _error(404, _not_found_message())
    elif isinstance(error, MethodNotAllowed):
        response = _error(405, f"{request.method} is not allowed here; this API is read-only.")
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ("GET", "HEAD")))
    else:
        response = _error(error.code or 500, error.description or error.name)
    return response


def _not_found_message() -> str:
    document = url_for("api.openapi_json", _external=True)
    return f"There is nothing at {request.path}. The API's endpoints are described at {document}."


for _status in (400, 404, 405, 429):
    bp.register_error_handler(_status, _http_error)


@bp.errorhandler(500)
def server_error(_error_raised):
    db.session.rollback()
    return _error(500, "Sorry, there is a problem with the service. Try again later.")


@bp.before_app_request
def json_routing_errors():
    """Unknown addresses and methods under /api/v1 answer in JSON; the site keeps its pages.

    Routing failures happen before any blueprint is chosen, so a blueprint's own error
    handlers never see them."""
    error = request.routing_exception
    prefix = bp.url_prefix
    inside = request.path == prefix or request.path.startswith(prefix + "/")
    if inside and isinstance(error, NotFound | MethodNotAllowed):
        return _http_error(error)
    return None
