"""The annual report pack: take a snapshot, download its PDF and workbook, see what changed."""

from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.audit import services as audit
from lms.core.forms import commit_or_show
from lms.core.models import utcnow
from lms.core.numbers import decimal_text
from lms.core.security import require
from lms.core.timefmt import local, long_date
from lms.extensions import db
from lms.feedback import comments
from lms.reports import pack_quotes, periods, snapshots
from lms.reports.forms import year_choices
from lms.reports.models import ReportSnapshot
from lms.reports.pack_forms import MakePackForm, QuotesForm
from lms.reports.periods import Period
from lms.reports.views import _first_and_last_days
from lms.settings import services as settings

bp = Blueprint("annual_pack", __name__, url_prefix="/reports/annual-pack")
YEAR_TEXT_MAX = 7  # 2025-26


def _years(now: datetime) -> list[str]:
    """The financial years with training recorded, newest first (this year included)."""
    return year_choices(*_first_and_last_days(), local(now).date())


def default_year(years: list[str], today: date) -> str:
    """The last complete financial year (in April to June, the year just ended), when it is
    one of `years`; otherwise the newest of them."""
    last_complete = periods.fy_label(periods.fy_start_year(today) - 1)
    return last_complete if last_complete in years else years[0]


def _year_from_address(now: datetime) -> Period:
    """The financial year named by `?year=` (the last complete one when none); 404 for a year
    without training recorded or text that is no financial year."""
    years = _years(now)
    text = request.args.get("year", "")
    if not text:
        text = default_year(years, local(now).date())
    if len(text) > YEAR_TEXT_MAX or text not in years:
        abort(404)
    return periods.parse(text)


@bp.get("")
@login_required
def index():
    require(permissions.can_view_statistics(current_user))
    now = utcnow()
    years = _years(now)
    form = MakePackForm(formdata=None, year=default_year(years, local(now).date()))
    form.set_years(years)
    return _index_page(form, years, now)


def _index_page(form: MakePackForm, years: list[str], now: datetime):
    return render_template(
        "reports/annual_pack/index.html",
        form=form,
        quotes_year=default_year(years, local(now).date()),
        taken=snapshots.latest(),
        suppress_below=settings.current().suppress_below,
    )


@bp.post("")
@login_required
def make():
    require(permissions.can_view_statistics(current_user))
    now = utcnow()
    years = _years(now)
    form = MakePackForm()
    form.set_years(years)
    if not form.validate_on_submit():
        return _index_page(form, years, now)

    def take() -> ReportSnapshot:
        snapshot = snapshots.take(
            periods.parse(form.year.data),
            now=now,
            by=current_user,
            partnership=current_app.config["PARTNERSHIP_NAME"],
            suppress_below=settings.current().suppress_below,
        )
        audit.record(
            "annual_pack.snapshot_taken",
            snapshot,
            actor=current_user,
            after={
                "year": snapshot.year,
                "digest": snapshot.digest,
                "suppress_below": snapshot.suppress_below,
            },
        )
        return snapshot

    outcome = commit_or_show(form, take)
    if not outcome.ok:
        return _index_page(form, years, now)
    flash(f"The annual pack for {outcome.value.year} is made: its figures are frozen.", "success")
    return redirect(url_for("annual_pack.snapshot", snapshot_id=outcome.value.id))


def shown(row: dict[str, Any], column: dict[str, Any]) -> str:
    """A cell of a pack's table as the report pages show the same figure: 1,234, 87.5%,
    £1,250.00 (the pack holds pounds), a date, a dash for no figure, or the text standing for a
    hidden count."""
    value, kind = row.get(column["key"]), column["kind"]
    if kind not in ("text", "date"):
        kind = row.get("kind", kind)  # the comparison's rows each say what they measure
    if value is None:
        return "too few responses" if column["key"] in row.get("too_few", ()) else "–"
    if isinstance(value, str) and kind != "date":
        return value
    if kind == "count":
        return f"{value:,}"
    if kind == "percent":
        return f"{decimal_text(value)}%"
    if kind == "mean":
        return decimal_text(value)
    if kind == "money":
        return f"£{value:,.2f}"
    if kind == "date":
        return long_date(date.fromisoformat(value))
    return str(value)


def columns_of(table: dict[str, Any], keys: list[str] | None) -> list[dict[str, Any]]:
    """The table's columns, or the subset a section names, in the section's order."""
    if keys is None:
        return table["columns"]
    by_key = {column["key"]: column for column in table["columns"]}
    return [by_key[key] for key in keys if key in by_key]


@bp.get("/snapshots/<int:snapshot_id>")
@login_required
def snapshot(snapshot_id):
    require(permissions.can_view_statistics(current_user))
    taken = db.get_or_404(ReportSnapshot, snapshot_id)
    before = snapshots.previous(taken)
    same = snapshots.same_figures(before, taken) if before else None
    return render_template(
        "reports/annual_pack/snapshot.html",
        snapshot=taken,
        figures=snapshots.figures_of(taken),
        year=periods.parse(taken.year),
        long_date=long_date,
        before=before,
        same=same,
        changed=snapshots.changed_since(before, taken) if before and not same else [],
        of_year=snapshots.of_year(taken.year),
        shown=shown,
        columns_of=columns_of,
    )


@bp.route("/quotes", methods=["GET", "POST"])
@login_required
def quotes():
    require(permissions.can_view_statistics(current_user))
    may_choose = permissions.is_admin(current_user)
    if request.method == "POST":
        require(may_choose)
    now = utcnow()
    year = _year_from_address(now)
    answers = pack_quotes.quotable(year)
    chosen = pack_quotes.chosen_ids(year)
    form = QuotesForm(formdata=None, answers=sorted(chosen)) if request.method == "GET" else None
    form = form or QuotesForm()
    form.set_quotes([(answer.id, answer.text) for answer in answers])
    if request.method == "POST" and form.validate_on_submit():
        outcome = commit_or_show(
            form,
            lambda: pack_quotes.choose(year, form.answers.data, by=current_user, now=now),
        )
        if outcome.ok:
            added, removed = outcome.value
            flash(
                f"The quotes for {year.code} are saved ({added} added, {removed} removed). "
                "The next pack made for the year prints them.",
                "success",
            )
            return redirect(url_for("annual_pack.quotes", year=year.code))
    return render_template(
        "reports/annual_pack/quotes.html",
        form=form,
        year=year,
        years=_years(now),
        answers=answers,
        chosen=chosen,
        may_choose=may_choose,
        month_of=comments.month_of,
    )
