"""Charges for agencies' coordinators (see, dispute) and administrators (decide, statements)."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.attendance import charge_lists, charges
from lms.attendance.charge_forms import ChargeFilterForm, month_from, month_value
from lms.attendance.charge_lists import ChargeFilter
from lms.attendance.models import NonAttendanceCharge
from lms.core.cells import safe_cell
from lms.core.errors import DomainError
from lms.core.forms import optional_int
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local, long_date, uk_date
from lms.core.urls import same_site_path
from lms.extensions import db

bp = Blueprint("charges", __name__)


def _money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


@bp.app_template_filter("money")
def money_filter(pence: int) -> str:
    return _money(pence)


bp.add_app_template_filter(long_date, "long_date")


def _tidied(endpoint: str):
    """A redirect to the same list without the empty fields a sent filter form adds."""
    sent = list(request.args.items(multi=True))
    kept = [(name, value) for name, value in sent if value.strip()]
    if len(kept) == len(sent):
        return None
    return redirect(url_for(endpoint, **MultiDict(kept).to_dict(flat=False)))


def _charges_page(*, admin: bool, refused: dict | None = None):
    """A page of charges with the filters, their totals and the statement month picker;
    `refused` is a dispute to show again with its error and the reason typed."""
    now = utcnow()
    agencies = db.session.scalars(db.select(Agency).order_by(Agency.name)).all() if admin else []
    form = ChargeFilterForm(request.args)
    agency_id = optional_int(request.args.get("agency")) if admin else current_user.agency_id
    months = charge_lists.statement_months(agency_id, now=now)
    form.set_options(months=months, agencies=agencies)
    if form.validate():
        chosen = form.chosen(agency_id)
        page = db.paginate(
            charge_lists.charges_query(chosen),
            page=request.args.get("page", 1, type=int),
            per_page=charge_lists.PER_PAGE,
            error_out=False,
            count=False,
        )
        rows, totals = list(page.items), charge_lists.totals(chosen)
        page.total = totals.count
        if refused and refused["charge_id"] not in {charge.id for charge in rows}:
            rows.insert(0, db.session.get(NonAttendanceCharge, refused["charge_id"]))
    else:
        agency_id = None if admin else agency_id
        page, rows, totals = None, [], None
    agency = db.session.get(Agency, agency_id) if agency_id else None
    return render_template(
        "charges/list.html",
        form=form,
        admin=admin,
        agency=agency,
        page=page,
        charges=rows,
        totals=totals,
        windows=charges.dispute_windows(rows, now=now),
        events=charge_lists.history_for(rows),
        evidence=charge_lists.evidence_for(rows),
        filters=form.address_args(),
        months=[(month_value(month), f"{month:%B %Y}") for month in months],
        statement_month=(not form.month.errors and form.month.data) or month_value(months[0]),
        refused=refused,
    )


@bp.get("/agency/charges")
@login_required
def agency_charges():
    require(permissions.is_coordinator(current_user))
    return _tidied("charges.agency_charges") or _charges_page(admin=False)


@bp.get("/admin/charges")
@login_required
def admin_charges():
    require(permissions.is_admin(current_user))
    return _tidied("charges.admin_charges") or _charges_page(admin=True)


def _refused(charge_id: int, error: DomainError, reason: str, *, admin: bool):
    """The list again, as it was, with the charge's refusal by its reason box and the reason as
    typed; nothing was changed."""
    db.session.rollback()
    refused = {"charge_id": charge_id, "message": error.message, "reason": reason}
    return _charges_page(admin=admin, refused=refused)


@bp.post("/charges/<int:charge_id>/dispute")
@login_required
def dispute(charge_id):
    """Dispute a charge; a refusal shows the list again with the reason as typed, and why."""
    charge = db.get_or_404(NonAttendanceCharge, charge_id)
    require(permissions.can_dispute_charge(current_user, charge))
    reason = request.form.get("reason", "")
    try:
        charges.dispute(charge, by=current_user, reason=reason, now=utcnow())
        db.session.commit()
    except DomainError as error:
        return _refused(charge_id, error, reason, admin=False)
    flash("The charge is disputed. The partnership's business unit will decide.", "success")
    return redirect(url_for("charges.agency_charges", **request.args.to_dict()))


@bp.post("/charges/<int:charge_id>/<any(uphold, waive):decision>")
@login_required
def decide(charge_id, decision):
    """Uphold or waive a charge; a refusal shows the same page of the list again with the
    reason as typed, and why."""
    require(permissions.is_admin(current_user))
    charge = db.get_or_404(NonAttendanceCharge, charge_id)
    reason = request.form.get("reason", "")
    uphold = decision == "uphold"
    try:
        charges.decide(charge, uphold=uphold, by=current_user, reason=reason, now=utcnow())
        db.session.commit()
    except DomainError as error:
        return _refused(charge_id, error, reason, admin=True)
    flash(f"The charge has been {'upheld' if uphold else 'waived'}.", "success")
    return redirect(same_site_path(request.form.get("back"), url_for("charges.admin_charges")))


def _statement_scope():
    """The agency and month of a statement: coordinators see only their own agency."""
    month = month_from(request.args.get("month")) or local(utcnow()).date().replace(day=1)
    if permissions.is_admin(current_user):
        agency = db.get_or_404(Agency, request.args.get("agency", type=int) or 0)
    else:
        require(permissions.is_coordinator(current_user))
        agency = current_user.agency
    return agency, month


@bp.get("/charges/statement.csv")
@login_required
def statement_csv():
    agency, month = _statement_scope()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Session date", "Course", "Person", "Reason", "Status", "Amount (GBP)", "Payable"]
    )
    for charge in charge_lists.charges(ChargeFilter(agency_id=agency.id, month=month)):
        writer.writerow(
            safe_cell(value)
            for value in [
                uk_date(charge.booking.session.starts_at),
                charge.booking.session.course.title,
                charge.booking.user.name,
                charge.reason.label,
                charge.status.label,
                f"{charge.amount_pence / 100:.2f}",
                "yes" if charge.status.payable else "no",
            ]
        )
    response = Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=charges-{agency.id}-{month:%Y-%m}.csv"
    )
    return response


@bp.get("/charges/statement.pdf")
@login_required
def statement_pdf():
    from lms.attendance.charge_statement import Statement, StatementLine, charge_statement

    agency, month = _statement_scope()
    lines = tuple(
        StatementLine(
            session_date=uk_date(charge.booking.session.starts_at),
            course=charge.booking.session.course.title,
            person=charge.booking.user.name,
            reason=charge.reason.label,
            status=charge.status.label,
            amount_pence=charge.amount_pence,
            payable=charge.status.payable,
        )
        for charge in charge_lists.charges(ChargeFilter(agency_id=agency.id, month=month))
    )
    body = charge_statement(
        Statement(
            partnership=current_app.config["PARTNERSHIP_NAME"],
            agency=agency.name,
            period=f"{month:%B %Y}",
            lines=lines,
            note="Charges raised in the month for no-shows and late cancellations, under the "
            "partnership's non-attendance policy. Waived charges are shown but not payable.",
        )
    )
    response = Response(body, content_type="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=charges-{agency.id}-{month:%Y-%m}.pdf"
    )
    return response
