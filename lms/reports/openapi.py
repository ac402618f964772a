"""The OpenAPI description of the reports API (/api/v1/reports), merged into the API's document
by `lms.catalogue.openapi`. As for the catalogue, the views in `api.py` take the parameters each
report accepts, and the values each admits, from here, so the description and the answers cannot
drift: each report has a path of its own listing exactly the parameters it takes."""

from lms.accounts.models import Sector
from lms.catalogue.models import Audience, DeliveryMode
from lms.reports import build, compliance, filters
from lms.reports.period_patterns import alternatives, period_pattern
from lms.reports.tables import COUNT, DATE, MEAN, MONEY, PERCENT, TEXT

COMMON = ("period", *filters.NAMES)
# Query parameters only some reports take: `by` is programme's and impact's `by` (each with its
# own groupings), `measure` trend's `measures`.
OPTIONS = {"programme": ("by",), "trend": ("measure",), "impact": ("by",)}
REPEATABLE = ("measure",)
PERIOD_EXAMPLES = ["2025-26", "2025-26 Q1", "2025-04-01..2025-06-30"]
MEASURES_MAX_LENGTH = 400


def option_values(parameter: str, report: str = "programme") -> dict[str, str]:
    """The values a report's option accepts, with their labels; the first is the default."""
    if parameter == "by":
        return build.REPORTS[report].options["by"]
    return {key: label for key, (label, _kind) in build.TREND_MEASURES.items()}


def query(name: str, description: str, schema: dict, **extra) -> dict:
    """An optional query parameter; empty, it is the same as left out."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{description} Empty, the same as leaving it out.",
        "allowEmptyValue": True,
        "schema": schema,
        **extra,
    }


def one_of(values: tuple, kind: str = "string") -> dict:
    """A schema for one of `values`; with none, only the empty value (the same as leaving the
    parameter out) is admitted."""
    if not values:
        return {"type": "string", "maxLength": 0}
    return {"type": kind, "enum": list(values)}


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


def measures_pattern() -> str:
    """One or more of the trend's measures, separated by commas."""
    measure = alternatives(build.TREND_MEASURES)
    return f"^{measure}(?:,{measure})*$"


# The components' names for each query parameter; the catalogue's `theme` and `level` differ.
PARAMETER_COMPONENTS = {name: f"report_{name}" for name in (*COMMON, "by", "measure")}
TREND_PERIOD = "report_trend_period"
IMPACT_BY = "report_impact_by"
# The compliance reports count people as at a day, not bookings in a period.
COMPLIANCE_COMPONENTS = {
    "period": "report_compliance_period",
    "sector": "report_compliance_sector",
    "agency": "report_compliance_agency",
}


def _period(report: str) -> dict:
    description = (
        "The period the figures cover: a UK financial year, one of its quarters (Q1 is April "
        "to June) or a range of UK dates, both included, the first not after the last. A "
        "session counts in the period of its first date, an e-learning completion in the period "
        "of its completion date. Without it, the current financial year."
    )
    if report == "trend":
        description += (
            " The trend shows the three financial years up to the one the period ends in, so "
            "the period must end from 1 April 2002 to 31 March 2100."
        )
    else:
        description += (
            " Financial years 2000-01 to 2098-99; dates 1 April 2000 to 31 December 2100."
        )
    return query(
        "period",
        description,
        {
            "type": "string",
            "pattern": period_pattern(report),
            "maxLength": len("2000-04-01..2100-12-31"),
            "examples": PERIOD_EXAMPLES,
        },
    )


def _compliance_parameters(agency_ids: tuple[int, ...]) -> dict:
    period = _period("programme")
    period["description"] = (
        "The period whose compliance is counted: a UK financial year, one of its quarters (Q1 "
        "is April to June) or a range of UK dates, both included, the first not after the last. "
        "Compliance is counted as at the period's last day, or today if the period has not "
        "ended yet. Without it, the current financial year (so, today). Financial years "
        "2000-01 to 2098-99; dates 1 April 2000 to 31 December 2100. Empty, the same as "
        "leaving it out."
    )
    parameters = {
        "period": period,
        "sector": query(
            "sector",
            "Only people whose agency, on the day counted, is in this sector.",
            _enum(s.value for s in Sector),
        ),
        "agency": query(
            "agency",
            "Only people who were members of this agency on the day counted, given by its number.",
            one_of(agency_ids, "integer"),
        ),
    }
    return {COMPLIANCE_COMPONENTS[name]: value for name, value in parameters.items()}


def _parameters(theme_slugs: tuple[str, ...], agency_ids: tuple[int, ...]) -> dict:
    first_measure, second_measure, *_rest = build.TREND_MEASURES
    parameters = {
        "period": _period("programme"),
        "theme": query(
            "theme",
            "Only courses under this theme, given by its slug (for example `neglect`).",
            one_of(theme_slugs),
        ),
        "level": query(
            "level", "Only courses at this level.", {"type": "integer", "enum": [1, 2, 3, 4]}
        ),
        "mode": query(
            "mode", "Only courses delivered this way.", _enum(m.value for m in DeliveryMode)
        ),
        "audience": query(
            "audience", "Only courses with exactly this audience.", _enum(a.value for a in Audience)
        ),
        "sector": query(
            "sector",
            "Only bookings made (or e-learning completions recorded) as a member of an agency "
            "in this sector.",
            _enum(s.value for s in Sector),
        ),
        "agency": query(
            "agency",
            "Only bookings made (or e-learning completions recorded) as a member of this "
            "agency, given by its number.",
            one_of(agency_ids, "integer"),
        ),
        "by": query(
            "by",
            "How the rows are grouped.",
            {**_enum(build.PROGRAMME_GROUPS), "default": next(iter(build.PROGRAMME_GROUPS))},
        ),
        "measure": query(
            "measure",
            "A measure to show, repeated for several (or separated by commas). Without it, "
            "every measure.",
            {
                "type": "array",
                "items": {
                    "type": "string",
                    "pattern": measures_pattern(),
                    "maxLength": MEASURES_MAX_LENGTH,
                    "examples": [first_measure, f"{first_measure},{second_measure}"],
                },
            },
            style="form",
            explode=True,
        ),
    }
    impact_groups = build.REPORTS["impact"].options["by"]
    return {PARAMETER_COMPONENTS[name]: value for name, value in parameters.items()} | {
        TREND_PERIOD: _period("trend"),
        IMPACT_BY: query(
            "by",
            "How the rows are grouped. A course with several themes counts under each.",
            {**_enum(impact_groups), "default": next(iter(impact_groups))},
        ),
        **_compliance_parameters(agency_ids),
    }


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
            "The trend's rows also carry `kind`, the kind of their figures. A share or an "
            "average resting on fewer respondents than the partnership's fewest responses "
            "(impact) is null, and its column's key is listed in the row's `too_few`."
        ),
        "properties": {
            "too_few": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The columns whose figure is withheld: too few responses.",
            }
        },
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
                "kind": _enum((TEXT, DATE, COUNT, PERCENT, MEAN, MONEY)),
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


def parameter_names(report: str) -> tuple[str, ...]:
    """The query parameters the report takes, in the order they are documented."""
    taken = build.REPORTS[report].filters
    return ("period", *(name for name in filters.NAMES if name in taken), *OPTIONS.get(report, ()))


def operation_id(report: str) -> str:
    """getProgrammeReport, getAttendanceByAgencyReport, ..."""
    return "get" + "".join(word.capitalize() for word in report.split("-")) + "Report"


def _paths() -> dict:
    paths = {
        "/reports": _operation(
            "listReports",
            "The statistics reports",
            "Each report's name, what it shows and the options only it takes.",
            "ReportList",
        ),
    }
    for report in build.REPORTS.values():
        components = {**PARAMETER_COMPONENTS}
        if report.name == "trend":
            components["period"] = TREND_PERIOD
        if report.name == "impact":
            components["by"] = IMPACT_BY
        if report.name in compliance.NAMES:
            components |= COMPLIANCE_COMPONENTS
        paths[f"/reports/{report.name}"] = _operation(
            operation_id(report.name),
            report.title,
            f"{report.description} The figures the reports pages show, for a period and "
            "filters. A parameter the report does not take is refused.",
            "Report",
            parameters=[_ref("parameters", components[p]) for p in parameter_names(report.name)],
            responses={"400": _ref("responses", "BadRequest")},
        )
    return paths


def openapi_part(theme_slugs: tuple[str, ...] = (), agency_ids: tuple[int, ...] = ()) -> dict:
    """These endpoints' tag, paths and components, for the API's OpenAPI document to merge in;
    `theme_slugs` and `agency_ids` are the values their filters accept. Their errors use the
    document's `Error` schema and `BadRequest` response."""
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
            "parameters": _parameters(theme_slugs, agency_ids),
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
