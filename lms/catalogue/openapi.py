"""The OpenAPI 3.1 description of the read-only JSON API (/api/v1).

The document is the API's contract: the views in `api.py` take their accepted values and limits
from the constants here, so the two cannot drift. To describe a new catalogue endpoint, add its
schemas to `_schemas()`, any new query parameters to `_parameters()` and its path to `_paths()`.
The statistics reports (/api/v1/reports) are described in `lms.reports.openapi` and merged in
here; they share the `Error` schema and the `BadRequest` response. So is the xAPI endpoint
(/xapi/statements, `lms.elearning.xapi_openapi`), at the site's root with a server of its own.

Every query parameter is optional, and an empty one (`theme=`) is the same as leaving it out: the
document says so with `allowEmptyValue`. Values that live in the database (theme slugs, agency
numbers) are listed as they are when the document is served (`Listed`), so a client can check a
request against the document and be sure of the answer.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.catalogue.models import Audience, DeliveryMode, Theme
from lms.catalogue.sessions import TWILIGHT_FROM_HOUR
from lms.elearning.xapi_openapi import openapi_part as xapi_part
from lms.extensions import db
from lms.reports.openapi import one_of, query
from lms.reports.openapi import openapi_part as reports_part

API_VERSION = "1.0.0"
OPENAPI_VERSION = "3.1.0"

LEVELS = (1, 2, 3, 4)
DELIVERY_MODES = tuple(mode.value for mode in DeliveryMode)
AUDIENCES = tuple(audience.value for audience in Audience)
TIMES_OF_DAY = ("daytime", "twilight")
BOOLEANS = ("true", "false")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Far beyond any real catalogue; it keeps the row offset a small number on every database.
MAX_PAGE = 10_000
# The years the catalogue can be asked about; every month of them has UK bounds.
MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
# The largest whole number a column holds on every database the product runs on.
MAX_ID = 2**31 - 1
# UK wall-clock time with its offset from UTC: +00:00 in winter, +01:00 in summer.
LOCAL_DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$"
)

# Query parameters each list endpoint accepts, in the order they are documented.
COURSE_FILTERS = ("theme", "level", "delivery_mode", "audience")
SESSION_FILTERS = (*COURSE_FILTERS, "month", "time_of_day", "places_available")
PAGING = ("page", "per_page")


@dataclass(frozen=True)
class Listed:
    """The values of query parameters that are rows of the database, as the API accepts them."""

    theme_slugs: tuple[str, ...] = ()
    agency_ids: tuple[int, ...] = ()


def theme_slugs() -> tuple[str, ...]:
    """Every theme's slug, retired ones included: the catalogue and the reports take them all."""
    return tuple(db.session.scalars(sa.select(Theme.slug).order_by(Theme.slug)))


def agency_ids() -> tuple[int, ...]:
    """Every agency's number, closed ones included: the reports take them all."""
    return tuple(db.session.scalars(sa.select(Agency.id).order_by(Agency.id)))


def listed() -> Listed:
    return Listed(theme_slugs=theme_slugs(), agency_ids=agency_ids())


def openapi_document(*, title: str, server_url: str, values: Listed = Listed()) -> dict:
    """The OpenAPI 3.1 document for the API served at `server_url`, as a JSON-ready dict; `values`
    are the theme slugs and agency numbers the API accepts."""
    reports = reports_part(values.theme_slugs, values.agency_ids)
    # The xAPI endpoint is at the site's root, beside /api/v1.
    xapi = xapi_part(server_url.removesuffix("/api/v1"))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": API_VERSION,
            "summary": "The training programme's courses, upcoming sessions and statistics.",
            "description": (
                "The catalogue is read-only and open: no sign-in is needed. Lists are paged and "
                "may be cached for five minutes. Times are UK local time with their offset from "
                "UTC. The statistics reports need a PDL viewer's or admin's API token and are "
                "never cached. Every query parameter is optional; an empty one is the same as "
                "leaving it out. A value the document does not admit is refused with 400."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "Catalogue", "description": "Published courses and their sessions."},
            *reports["tags"],
            *xapi["tags"],
        ],
        "paths": _paths() | reports["paths"] | xapi["paths"],
        "components": {
            "schemas": _schemas()
            | reports["components"]["schemas"]
            | xapi["components"]["schemas"],
            "parameters": _parameters(values.theme_slugs)
            | reports["components"]["parameters"]
            | xapi["components"]["parameters"],
            "responses": _responses()
            | reports["components"]["responses"]
            | xapi["components"]["responses"],
            "securitySchemes": reports["components"]["securitySchemes"]
            | xapi["components"]["securitySchemes"],
        },
    }


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _schema(name: str) -> dict:
    return _ref("schemas", name)


def _list_operation(
    *, operation_id: str, summary: str, description: str, parameters: tuple, schema: str
) -> dict:
    """A GET of a paged list: its query parameters, its 200 body and the shared 400 answer."""
    return {
        "get": {
            "operationId": operation_id,
            "tags": ["Catalogue"],
            "summary": summary,
            "description": description,
            "parameters": [_ref("parameters", name) for name in parameters],
            "responses": {
                "200": {
                    "description": "One page of results.",
                    "content": {"application/json": {"schema": _schema(schema)}},
                },
                "400": _ref("responses", "BadRequest"),
            },
        }
    }


def _paths() -> dict:
    return {
        "/sessions": _list_operation(
            operation_id="listSessions",
            summary="Upcoming sessions",
            description=(
                "Scheduled sessions of published courses that have not started yet, soonest first."
            ),
            parameters=(*SESSION_FILTERS, *PAGING),
            schema="SessionList",
        ),
        "/courses": _list_operation(
            operation_id="listCourses",
            summary="Published courses",
            description="Courses in the published programme, by title.",
            parameters=(*COURSE_FILTERS, *PAGING),
            schema="CourseList",
        ),
    }


def _parameters(theme_slugs: tuple[str, ...]) -> dict:
    return {
        "theme": query(
            "theme",
            "Only courses under this theme, given by its slug (for example `neglect`).",
            one_of(theme_slugs),
        ),
        "level": query(
            "level",
            "Only courses at this level of the partnership's training framework.",
            {"type": "integer", "enum": list(LEVELS)},
        ),
        "delivery_mode": query(
            "delivery_mode", "Only courses delivered this way.", _enum(DELIVERY_MODES)
        ),
        "audience": query(
            "audience",
            "Only courses for this audience. `children` and `adults` include courses for both.",
            _enum(AUDIENCES),
        ),
        "month": query(
            "month",
            "Only sessions starting in this UK calendar month, as YYYY-MM (2000-01 to 2099-12).",
            {"type": "string", "pattern": MONTH_PATTERN, "maxLength": 7, "examples": ["2027-03"]},
        ),
        "time_of_day": query(
            "time_of_day",
            f"`twilight`: sessions starting at {TWILIGHT_FROM_HOUR}:00 UK time or later; "
            "`daytime`: the others.",
            _enum(TIMES_OF_DAY),
        ),
        "places_available": query(
            "places_available",
            "`true`: only sessions with a place left. `false` (the default): all sessions.",
            {"type": "boolean", "default": False},
        ),
        "page": query(
            "page",
            "Which page of results, counting from 1. A page past the end is empty.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        ),
        "per_page": query(
            "per_page",
            "How many results a page holds.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        ),
    }


def _responses() -> dict:
    return {
        "BadRequest": {
            "description": "A query parameter was not recognised or had a value not accepted.",
            "content": {"application/json": {"schema": _schema("Error")}},
        },
    }


def _enum(values: tuple) -> dict:
    return {"type": "string", "enum": list(values)}


def _object(properties: dict, description: str = "") -> dict:
    """An object whose every property is always present."""
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _page_of(key: str, item: str) -> dict:
    return _object(
        {
            key: {"type": "array", "items": _schema(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "How many results there are across all pages.",
            },
        }
    )


def _schemas() -> dict:
    text = {"type": "string"}
    url = {"type": "string", "format": "uri"}
    names = {"type": "array", "items": text}
    level = {"type": "integer", "enum": list(LEVELS)}
    local_time = {"type": "string", "format": "date-time", "pattern": LOCAL_DATETIME_PATTERN}
    return {
        "SessionDate": _object(
            {
                "starts_at": {**local_time, "examples": ["2027-03-29T09:30:00+01:00"]},
                "ends_at": {**local_time, "examples": ["2027-03-29T16:30:00+01:00"]},
            },
            "One day (or part of a day) of a session, in UK time.",
        ),
        "Venue": _object(
            {"name": text, "address": text, "postcode": text},
            "Where a face-to-face session is held.",
        ),
        "Session": _object(
            {
                "id": {"type": "integer"},
                "course_code": text,
                "title": {**text, "description": "The course's title."},
                "level": level,
                "delivery_mode": _enum(DELIVERY_MODES),
                "audience": _enum(AUDIENCES),
                "themes": {**names, "description": "Names of the course's themes."},
                "dates": {"type": "array", "items": _schema("SessionDate"), "minItems": 1},
                "venue": {
                    "description": "The venue, or the string `online` for a live online session.",
                    "oneOf": [_schema("Venue"), {"type": "string", "const": "online"}],
                },
                "time_of_day": _enum(TIMES_OF_DAY),
                "capacity": {"type": "integer", "minimum": 1},
                "places_left": {"type": "integer", "minimum": 0},
                "status": {
                    **_enum(("scheduled",)),
                    "description": "Only scheduled sessions are listed.",
                },
                "url": {**url, "description": "The session's page, where people book."},
            },
            "A scheduled delivery of a course, over one or more dates.",
        ),
        "Course": _object(
            {
                "code": text,
                "title": text,
                "summary": text,
                "learning_outcomes": names,
                "level": level,
                "delivery_mode": _enum(DELIVERY_MODES),
                "audience": _enum(AUDIENCES),
                "cpd_hours": {"type": "number", "minimum": 0},
                "themes": {**names, "description": "Names of the course's themes."},
                "approval_required": {
                    "type": "boolean",
                    "description": "Whether a manager must approve a booking.",
                },
                "prerequisite": {
                    "type": ["string", "null"],
                    "description": "The code of the course to complete first, if any.",
                },
                "certificate_validity_months": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "How long the certificate lasts; null when it does not expire.",
                },
                "upcoming_sessions": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many sessions `/sessions` lists for this course.",
                },
                "url": {**url, "description": "The course's page."},
                "module": {
                    "description": "For an e-learning module, its provider's details; null for "
                    "a course delivered in sessions.",
                    "oneOf": [_schema("Module"), {"type": "null"}],
                },
            },
            "A published course.",
        ),
        "Module": _object(
            {
                "provider": {
                    "type": ["string", "null"],
                    "description": "The provider whose site runs the module.",
                },
                "module_code": {
                    "type": ["string", "null"],
                    "description": "The provider's code for the module, as in its files.",
                },
                "course_url": {
                    "oneOf": [url, {"type": "null"}],
                    "description": "Where people start the module on the provider's site.",
                },
                "validity_months": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "How long a completion stays valid; null when it never expires.",
                },
            },
            "An e-learning module: done online, at your own pace, on the provider's site.",
        ),
        "SessionList": _page_of("sessions", "Session"),
        "CourseList": _page_of("courses", "Course"),
        "Error": _object({"error": {**text, "description": "What was wrong, in plain English."}}),
    }
