"""The reports pages: PDL viewers and admins see the partnership, coordinators their agency."""

from dataclasses import replace
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.catalogue.models import CourseSession, Theme
from lms.core.errors import DomainError
from lms.core.forms import show_error
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local
from lms.elearning.models import Completion
from lms.extensions import db
from lms.reports import build, charts, export
from lms.reports.definitions import DEFINITIONS
from lms.reports.filters import NAMES as FILTER_NAMES
from lms.reports.forms import ReportFilterForm, clean_args, normalised, year_choices
from lms.reports.tables import kind_of, show

bp = Blueprint("reports", __name__, url_prefix="/reports")
STAFF = "staff"
DOWNLOADS = {
    # Excel reads a CSV file as UTF-8 (so "£" survives) only when it starts with a byte-order mark.
    "csv": ("text/csv; charset=utf-8", lambda table: "\ufeff" + export.to_csv(table)),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        export.to_xlsx,
    ),
}


def _form(now: datetime, name: str = ""):
    """The filter form from the address, and the filters it chose (None when refused)."""
    themes = list(db.session.scalars(sa.select(Theme).order_by(Theme.name)))
    agencies = list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))
    first, last = _first_and_last_days()
    args, refused = normalised(request.args, now)
    form = ReportFilterForm(args)
    form.set_options(
        years=year_choices(first, last, _today(now)),
        themes=themes,
        agencies=agencies,
        groups=build.REPORTS[name].options.get("by") if name in build.REPORTS else None,
    )
    if not form.validate() or refused:
        if refused:
            refused.field = "period"
            show_error(form, refused)
        return form, None
    try:
        filters = form.filters(now, themes=themes, agencies=agencies)
    except DomainError as error:
        show_error(form, error)
        return form, None
    restricted = permissions.reports_agency(current_user)
    if restricted is not None:
        filters = replace(filters, agency=restricted, sector=None)
    return form, filters


def _first_and_last_days() -> tuple[date | None, date | None]:
    """The UK dates of the first and last sessions and e-learning completions, in one query."""
    starts, done = CourseSession.starts_at, Completion.completed_on
    aggregates = (sa.func.min(starts), sa.func.max(starts), sa.func.min(done), sa.func.max(done))
    first_start, last_start, first_done, last_done = db.session.execute(
        sa.select(*(sa.select(aggregate).scalar_subquery() for aggregate in aggregates))
    ).one()
    firsts = [day for day in (first_start and local(first_start).date(), first_done) if day]
    lasts = [day for day in (last_start and local(last_start).date(), last_done) if day]
    return min(firsts, default=None), max(lasts, default=None)


def _today(now: datetime):
    return local(now).date()


def _table(name: str, filters, now: datetime):
    if name == STAFF:
        agency = permissions.reports_agency(current_user)
        require(agency is not None and permissions.is_coordinator(current_user))
        return build.staff(agency, filters, now=now)
    options = {}
    groups = build.REPORTS[name].options.get("by")
    if groups:
        options["by"] = request.args.get("by") or next(iter(groups))
    if name == "trend":
        options["measures"] = request.args.getlist("measure") or None
    return build.run(name, filters, now=now, **options)


def _check(name: str) -> None:
    require(permissions.can_view_reports(current_user))
    if name != STAFF and name not in build.REPORTS:
        abort(404)


REPORT_OPTIONS = ("by", "measure")  # one report's own options, left off links to the others


def _args() -> dict:
    return request.args.to_dict(flat=False)


def _tidied(endpoint: str, **values):
    """A redirect to the same filters in a clean address (see `clean_args`), when a submitted
    form sent empty or redundant parameters; otherwise None."""
    clean = clean_args(request.args).to_dict(flat=False)
    if clean == _args():
        return None
    return redirect(url_for(endpoint, **values, **clean))


@bp.get("")
@login_required
def index():
    require(permissions.can_view_reports(current_user))
    chosen = request.args.get("report")
    if chosen in build.REPORTS or (chosen == STAFF and permissions.is_coordinator(current_user)):
        args = clean_args(request.args).to_dict(flat=False)
        args.pop("report")
        return redirect(url_for("reports.report", name=chosen, **args))
    if tidied := _tidied("reports.index"):
        return tidied
    now = utcnow()
    form, _ = _form(now)
    return render_template(
        "reports/index.html",
        form=form,
        reports=build.REPORTS.values(),
        agency=permissions.reports_agency(current_user),
        args={k: v for k, v in _args().items() if k != "report"},
        staff=STAFF,
        definitions=DEFINITIONS,
    )


@bp.get("/<name>")
@login_required
def report(name):
    _check(name)
    if tidied := _tidied("reports.report", name=name):
        return tidied
    now = utcnow()
    form, filters = _form(now, name)
    table = None
    if filters is not None:
        try:
            table = _table(name, filters, now)
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "reports/report.html",
        name=name,
        form=form,
        table=table,
        chart=charts.svg(table.chart, id="chart") if table and table.chart else None,
        reports=build.REPORTS.values(),
        takes=build.REPORTS[name].filters if name in build.REPORTS else FILTER_NAMES,
        agency=permissions.reports_agency(current_user),
        args=_args(),
        shared={k: v for k, v in _args().items() if k not in REPORT_OPTIONS},
        others=_others(name),
        show=show,
        kind_of=kind_of,
        staff=STAFF,
    )


def _others(name: str) -> list[tuple[str, str, dict]]:
    """The other reports, each with the filters in force that it takes (a compliance report
    takes no course filters, so a link to it leaves them out)."""
    shared = {k: v for k, v in _args().items() if k not in REPORT_OPTIONS}
    return [
        (
            report.name,
            report.title,
            {k: v for k, v in shared.items() if k not in FILTER_NAMES or k in report.filters},
        )
        for report in build.REPORTS.values()
        if report.name != name
    ]


@bp.get("/<name>.<any(csv, xlsx):fmt>")
@login_required
def download(name, fmt):
    _check(name)
    now = utcnow()
    _, filters = _form(now, name)
    if filters is None:
        return redirect(url_for("reports.report", name=name, **_args()))
    try:
        table = _table(name, filters, now)
    except DomainError:
        return redirect(url_for("reports.report", name=name, **_args()))
    mimetype, render = DOWNLOADS[fmt]
    period = filters.period.code.replace(" ", "-").replace("..", "-to-")
    return Response(
        render(table),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}-{period}.{fmt}"'},
    )
