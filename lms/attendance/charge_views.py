"""Charges for agencies' coordinators (see, dispute) and administrators (decide, statements)."""

import csv
import io
from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.attendance import charges
from lms.attendance.models import ChargeStatus, NonAttendanceCharge
from lms.audit.services import events_for
from lms.core.cells import safe_cell
from lms.core.forms import commit_and_flash
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local, uk_date
from lms.core.urls import same_site_path
from lms.extensions import db

bp = Blueprint("charges", __name__)


def _month(value: str | None) -> date | None:
    try:
        year, number = (value or "").split("-")
        return date(int(year), int(number), 1)
    except ValueError:
        return None


def _money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


@bp.app_template_filter("money")
def money_filter(pence: int) -> str:
    return _money(pence)


@bp.get("/agency/charges")
@login_required
def agency_charges():
    require(permissions.is_coordinator(current_user))
    rows = charges.charges(agency_id=current_user.agency_id)
    return render_template(
        "charges/list.html",
        charges=rows,
        agency=current_user.agency,
        agencies=[],
        events={charge.id: events_for(charge) for charge in rows},
        evidence=charges.evidence_for(rows),
        admin=False,
        month=None,
        status=None,
    )


@bp.get("/admin/charges")
@login_required
def admin_charges():
    require(permissions.is_admin(current_user))
    agency_id = request.args.get("agency", type=int)
    month = _month(request.args.get("month"))
    status = next((s for s in ChargeStatus if s.value == request.args.get("status")), None)
    rows = charges.charges(agency_id=agency_id, month=month, status=status)
    return render_template(
        "charges/list.html",
        charges=rows,
        agency=db.session.get(Agency, agency_id) if agency_id else None,
        agencies=db.session.scalars(db.select(Agency).order_by(Agency.name)).all(),
        events={charge.id: events_for(charge) for charge in rows},
        evidence=charges.evidence_for(rows),
        admin=True,
        month=month,
        status=status,
    )


def _act(charge_id: int, action, message: str, back: str):
    charge = db.get_or_404(NonAttendanceCharge, charge_id)
    commit_and_flash(lambda: action(charge, request.form.get("reason", "")), message)
    return redirect(back)


@bp.post("/charges/<int:charge_id>/dispute")
@login_required
def dispute(charge_id):
    charge = db.get_or_404(NonAttendanceCharge, charge_id)
    require(permissions.can_dispute_charge(current_user, charge))
    return _act(
        charge_id,
        lambda charge, reason: charges.dispute(
            charge, by=current_user, reason=reason, now=utcnow()
        ),
        "The charge is disputed. The partnership's business unit will decide.",
        url_for("charges.agency_charges"),
    )


@bp.post("/charges/<int:charge_id>/<any(uphold, waive):decision>")
@login_required
def decide(charge_id, decision):
    require(permissions.is_admin(current_user))
    return _act(
        charge_id,
        lambda charge, reason: charges.decide(
            charge, uphold=decision == "uphold", by=current_user, reason=reason, now=utcnow()
        ),
        f"The charge has been {'upheld' if decision == 'uphold' else 'waived'}.",
        same_site_path(request.form.get("back"), url_for("charges.admin_charges")),
    )


def _statement_scope():
    """The agency and month of a statement: coordinators see only their own agency."""
    month = _month(request.args.get("month")) or local(utcnow()).date().replace(day=1)
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
    for charge in charges.charges(agency_id=agency.id, month=month):
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
    from lms.attendance.documents import Statement, StatementLine, charge_statement

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
        for charge in charges.charges(agency_id=agency.id, month=month)
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
