"""The statistics reports as JSON, for the PDL subgroup's own spreadsheets and scripts.

`GET /api/v1/reports` lists the reports; `GET /api/v1/reports/<name>` answers one with the figures
of the reports pages (`build.run`), as `export.to_json` writes them. Every request needs a personal
API token, created on the account page, in `Authorization: Bearer <token>`; its holder must be a
PDL viewer or an admin. Cookies are never read here, so no request can ride on a browser's
session (and CSRF does not arise). Answers are never cached. `openapi.py` describes these
endpoints for the API's OpenAPI document.
"""

import re

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from lms.accounts import permissions, tokens
from lms.accounts.models import Agency, TokenKind, User
from lms.catalogue.openapi import MAX_ID, theme_slugs
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import build, export, filters, openapi, periods
from lms.reports.openapi import OPTIONS, REPEATABLE, option_values
from lms.reports.period_patterns import period_admitted, period_rule

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


class Refused(Exception):
    """A request the API answers with an error status and a message."""

    def __init__(self, status: int, message: str, *, challenge: str = ""):
        super().__init__(message)
        self.status, self.message, self.challenge = status, message, challenge


@bp.before_request
def authenticate():
    """Every endpoint here needs the API token of a PDL viewer or admin."""
    _holder()


@bp.get("")
def index():
    return _answer({"reports": [_described(report) for report in build.REPORTS.values()]})


@bp.get("/<name>")
def report(name):
    if name not in build.REPORTS:
        raise Refused(
            404,
            f"There is no report called {_shown(name)}. The reports are: "
            f"{', '.join(build.REPORTS)}.",
        )
    args, options = _arguments(name)
    now = utcnow()
    try:
        table = build.run(name, filters.parse_args(args, now=now), now=now, **options)
    except DomainError as error:
        raise Refused(400, error.message) from None
    return _answer(export.to_json(table))


# Authentication --------------------------------------------------------------------------------


def _holder() -> User:
    """The PDL viewer or admin whose API token the request carries; the token's last use is
    saved."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Refused(
            401,
            "Send an API token in the header 'Authorization: Bearer <token>'. "
            "PDL viewers and admins create tokens on their account page.",
            challenge="Bearer",
        )
    user = tokens.holder(secret, TokenKind.API, now=utcnow())
    if user is None:
        raise Refused(
            401,
            "This API token is not valid: it may have been revoked, or its account closed.",
            challenge='Bearer error="invalid_token"',
        )
    db.session.commit()
    if not permissions.can_view_statistics(user):
        raise Refused(403, "Only PDL viewers and admins may get reports through the API.")
    return user


# Query parameters ------------------------------------------------------------------------------


def _arguments(name: str) -> tuple[dict[str, str], dict]:
    """The filters (for `filters.parse_args`) and the report's options, from the query string.
    Each value is one the document admits for this report, or refused here: an empty one is
    left out, and nothing a caller typed reaches a query unchecked."""
    accepted = openapi.parameter_names(name)
    for parameter in request.args:
        if parameter not in accepted:
            raise Refused(
                400,
                f"Unknown parameter {_shown(parameter)}. The {name} report accepts: "
                f"{', '.join(accepted)}.",
            )
    args = {}
    for parameter in accepted:
        if parameter in REPEATABLE:
            continue
        values = request.args.getlist(parameter)
        if len(values) > 1:
            raise Refused(400, f"Give {parameter} only once (it was given {len(values)} times).")
        if values and values[0]:
            args[parameter] = values[0]
    if "period" in args:
        _check_period(name, args["period"])
    if "theme" in args:
        _check_theme(args["theme"])
    if "agency" in args:
        _check_agency(args["agency"])
    options = {}
    if "by" in args:
        options["by"] = args.pop("by")
    if "measure" in accepted:
        options["measures"] = _measures()
    return args, options


def _check_period(name: str, value: str) -> None:
    if period_admitted(name, value):
        return
    try:
        periods.parse(value)
    except DomainError as error:
        raise Refused(400, error.message) from None
    # Read by the reports pages, but not a period this report answers for, or not written
    # the one way the API takes.
    raise Refused(
        400,
        f"The {name} report cannot answer for the period {_shown(value)}. " + period_rule(name),
    )


def _check_theme(value: str) -> None:
    slugs = theme_slugs()
    if value not in slugs:
        accepted = f"one of: {', '.join(slugs)}" if slugs else "there are none yet"
        raise Refused(400, f"There is no theme {_shown(value)}: use a theme's slug, {accepted}.")


def _check_agency(value: str) -> None:
    number = int(value) if re.fullmatch(r"[1-9][0-9]{0,9}", value) else 0
    if not 0 < number <= MAX_ID or db.session.get(Agency, number) is None:
        raise Refused(400, f"There is no agency with the number {_shown(value)}.")


def _measures() -> list[str] | None:
    """The trend's measures, repeated or separated by commas; None (all of them) if not given."""
    values = request.args.getlist("measure")
    if values in ([], [""]):
        return None
    measures = []
    for value in values:
        if len(value) > openapi.MEASURES_MAX_LENGTH:
            limit = openapi.MEASURES_MAX_LENGTH
            raise Refused(400, f"Give at most {limit} characters of measures.")
        for measure in value.split(","):
            if measure not in build.TREND_MEASURES:
                raise Refused(
                    400,
                    f"There is no measure {_shown(measure)}. The measures are: "
                    f"{', '.join(build.TREND_MEASURES)}.",
                )
            measures.append(measure)
    return list(dict.fromkeys(measures))


def _shown(value: str) -> str:
    """A caller's value quoted in a message, cut short if long."""
    return "'" + (value if len(value) <= 40 else value[:40] + "...") + "'"


# Answers ---------------------------------------------------------------------------------------


def _described(report: build.Report) -> dict:
    options = {}
    for parameter in OPTIONS.get(report.name, ()):
        values = option_values(parameter, report.name)
        repeatable = parameter in REPEATABLE
        options[parameter] = {
            "repeatable": repeatable,
            "default": None if repeatable else next(iter(values)),
            "values": [{"value": value, "label": label} for value, label in values.items()],
        }
    return {
        "name": report.name,
        "title": report.title,
        "description": report.description,
        "options": options,
        "url": url_for("reports_api.report", name=report.name, _external=True),
    }


def _answer(body: dict, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(Refused)
def refused(error: Refused):
    response = _answer({"error": error.message}, error.status)
    if error.challenge:
        response.headers["WWW-Authenticate"] = error.challenge
    return response


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """A refusal raised outside these views (a guard for the whole site, the rate limiter) is
    answered in JSON too, as the document describes every error."""
    if (error.code or 500) >= 500:
        return server_error(error)
    return _answer({"error": error.description or error.name}, error.code)


# The site's own pages for these statuses are found before a handler for HTTPException.
for _status in (400, 403, 404, 413, 429):
    bp.register_error_handler(_status, http_error)


@bp.errorhandler(500)
def server_error(_error):
    db.session.rollback()
    return _answer({"error": "Sorry, there is a problem with the service. Try again later."}, 500)
