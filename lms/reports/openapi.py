"""The OpenAPI description of the reports API (/api/v1/reports), merged into the API's document
by `lms.catalogue.openapi`. As for the catalogue, the views in `api.py` take the parameters each
report accepts from the constants here, so the description and the answers cannot drift."""

from lms.accounts.models import Sector
from lms.catalogue.models import Audience, DeliveryMode
from lms.reports import build, filters
from lms.reports.tables import COUNT, DATE, MONEY, PERCENT, TEXT

COMMON = ("period", *filters.NAMES)
# Query parameters only some reports take: `by` is programme's `by`, `measure` trend's `measures`.
OPTIONS = {"programme": ("by",), "trend": ("measure",)}
REPEATABLE = ("measure",)
PERIOD_EXAMPLES = ["2025-26", "2025-26 Q1", "2025-04-01..2025-06-30"]


def option_values(parameter: str) -> dict[str, str]:
    """The values an option accepts, with their labels; the first is the default."""
    if parameter == "by":
        return build.PROGRAMME_GROUPS
    return {key: label for key, (label, _kind) in build.TREND_MEASURES.items()}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _object(properties: dict, description: str = "") -> dict:
    """An object whose every property is always present."""
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


# The components' names for each query parameter; the catalogue's `theme` and `level` differ.
PARAMETER_COMPONENTS = {name: f"report_{name}" for name in (*COMMON, "by", "measure")}


def _parameters() -> dict:
    parameters = {
        "period": _query(
            "period",
            "The period the figures cover: a UK financial year, one of its quarters (Q1 is "
            "April to June) or a range of UK dates, both included. A session counts in the "
            "period of its first date. Without it, the current financial year.",
            {"type": "string", "examples": PERIOD_EXAMPLES},
        ),
        "theme": _query(
            "theme",
            "Only courses under this theme, given by its slug (for example `neglect`).",
            {"type": "string"},
        ),
        "level": _query(
            "level", "Only courses at this level.", {"type": "integer", "enum": [1, 2, 3, 4]}
        ),
        "mode": _query(
            "mode", "Only courses delivered this way.", _enum(m.value for m in DeliveryMode)
        ),
        "audience": _query(
            "audience", "Only courses with exactly this audience.", _enum(a.value for a in Audience)
        ),
        "sector": _query(
            "sector",
            "Only bookings made as a member of an agency in this sector.",
            _enum(s.value for s in Sector),
        ),
        "agency": _query(
            "agency",
            "Only bookings made as a member of this agency, given by its number.",
            {"type": "string", "pattern": "^[0-9]+$"},
        ),
        "by": _query(
            "by",
            "`programme` only: how its rows are grouped. Other reports refuse it.",
            {**_enum(build.PROGRAMME_GROUPS), "default": next(iter(build.PROGRAMME_GROUPS))},
        ),
        "measure": _query(
            "measure",
            "`trend` only: a measure to show, repeated for several (or separated by commas). "
            "Without it, every measure. Other reports refuse it.",
            {"type": "array", "items": _enum(build.TREND_MEASURES)},
            style="form",
            explode=True,
        ),
    }
    return {PARAMETER_COMPONENTS[name]: value for name, value in parameters.items()}


def _schemas() -> dict:
    text = {"type": "string"}
    cell = {"type": ["number", "string", "null"]}
    row = {
        "type": "object",
        "additionalProperties": cell,
        "description": (
            "One value for each column's key: a number (money in pounds, percentages 0 to "
            "100 to one decimal place, exact halves rounded up), text, a date as YYYY-MM-DD, "
            "or null for no figure. "
            "The trend's rows also carry `kind`, the kind of their figures."
        ),
    }
    return {
        "ReportOption": _object(
            {
                "repeatable": {"type": "boolean"},
                "default": {"type": ["string", "null"]},
                "values": {
                    "type": "array",
                    "items": _object({"value": text, "label": text}),
                },
            },
            "A query parameter that only this report takes, and the values it accepts.",
        ),
        "ReportSummary": _object(
            {
                "name": {**_enum(build.REPORTS), "description": "As it is written in the path."},
                "title": text,
                "description": text,
                "options": {
                    "type": "object",
                    "additionalProperties": _ref("schemas", "ReportOption"),
                },
                "url": {"type": "string", "format": "uri"},
            },
            "A report the API answers.",
        ),
        "ReportList": _object(
            {"reports": {"type": "array", "items": _ref("schemas", "ReportSummary")}}
        ),
        "ReportColumn": _object(
            {
                "key": {**text, "description": "The key of this column's values in each row."},
                "label": text,
                "kind": _enum((TEXT, DATE, COUNT, PERCENT, MONEY)),
            }
        ),
        "ReportRow": row,
        "Report": _object(
            {
                "report": _enum(build.REPORTS),
                "title": text,
                "period": {**text, "examples": PERIOD_EXAMPLES},
                "period_label": {**text, "examples": ["2025-26 financial year"]},
                "filters": {
                    "type": "object",
                    "additionalProperties": text,
                    "description": "What narrowed the figures, in words: "
                    '{"Theme": "Neglect", "Sector": "Health"}.',
                },
                "columns": {"type": "array", "items": _ref("schemas", "ReportColumn")},
                "rows": {"type": "array", "items": _ref("schemas", "ReportRow")},
                "total": {
                    "oneOf": [_ref("schemas", "ReportRow"), {"type": "null"}],
                    "description": "The totals row, or null for a report without one.",
                },
                "summary": {
                    "type": "array",
                    "items": _object({"label": text, "value": text}),
                },
            },
            "A report's figures for one period and set of filters.",
        ),
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("schemas", "Error")}},
    }


def _responses() -> dict:
    return {
        "Unauthorised": {
            **_error("No API token was sent, or it is not valid (revoked or never issued)."),
            "headers": {
                "WWW-Authenticate": {
                    "description": '`Bearer`, with `error="invalid_token"` for a bad token.',
                    "schema": {"type": "string"},
                }
            },
        },
        "Forbidden": _error("The token's holder is not a PDL viewer or an admin."),
        "ReportNotFound": _error("There is no report of that name."),
    }


def _operation(operation_id: str, summary: str, description: str, schema: str, **more) -> dict:
    responses = {
        "200": {
            "description": "The answer; never cached.",
            "content": {"application/json": {"schema": _ref("schemas", schema)}},
        },
        **more.pop("responses", {}),
        "401": _ref("responses", "Unauthorised"),
        "403": _ref("responses", "Forbidden"),
    }
    return {
        "get": {
            "operationId": operation_id,
            "tags": ["Reports"],
            "summary": summary,
            "description": description,
            "security": [{"bearerAuth": []}],
            **more,
            "responses": dict(sorted(responses.items())),
        }
    }


def _paths() -> dict:
    name = {
        "name": "name",
        "in": "path",
        "required": True,
        "description": "The report, as `/reports` lists them.",
        "schema": _enum(build.REPORTS),
    }
    common = [_ref("parameters", PARAMETER_COMPONENTS[p]) for p in COMMON]
    options = [_ref("parameters", PARAMETER_COMPONENTS[p]) for p in ("by", "measure")]
    return {
        "/reports": _operation(
            "listReports",
            "The statistics reports",
            "Each report's name, what it shows and the options only it takes.",
            "ReportList",
        ),
        "/reports/{name}": _operation(
            "getReport",
            "One report's figures",
            "The figures the reports pages show, for a period and filters. A parameter the "
            "report does not take is refused.",
            "Report",
            parameters=[name, *common, *options],
            responses={
                "400": _ref("responses", "BadRequest"),
                "404": _ref("responses", "ReportNotFound"),
            },
        ),
    }


def openapi_part() -> dict:
    """These endpoints' tag, paths and components, for the API's OpenAPI document to merge in.
    Their errors use the document's `Error` schema and `BadRequest` response."""
    return {
        "tags": [
            {
                "name": "Reports",
                "description": "The PDL statistics, for PDL viewers and admins with an API token.",
            }
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "responses": _responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, created on the account page by a PDL "
                    "viewer or an admin: `Authorization: Bearer <token>`.",
                }
            },
        },
    }
