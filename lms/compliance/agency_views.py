"""A coordinator's compliance table for their agency: filter, download, chase. Admins choose the
agency on the same page (?agency=ID) and chase in the agency they chose."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.compliance import agency_table, chasing, status
from lms.compliance.agency_forms import ChaseForm, TableFilterForm
from lms.compliance.my_training import due_months, hours_text
from lms.core.errors import DomainError
from lms.core.forms import show_error
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.words import plural
from lms.elearning.renewals import today_in_uk
from lms.extensions import db

bp = Blueprint("compliance", __name__)
bp.add_app_template_filter(hours_text, "compliance_hours")


def _scope(args) -> tuple[TableFilterForm, Agency | None, dict]:
    """The filter form read from `args`, the agency shown (None until an admin chooses one) and
    the filters kept, as address arguments."""
    admin = permissions.is_admin(current_user)
    require(admin or permissions.is_coordinator(current_user))
    agencies = list(db.session.scalars(sa.select(Agency).order_by(Agency.name))) if admin else None
    form = TableFilterForm(args)
    form.set_options(agencies=agencies, requirements=status.rules())
    if args:
        form.validate()
    kept = {}
    if admin:
        agency_id = form.chosen_agency()
        agency = next((each for each in agencies if each.id == agency_id), None)
        if agency is not None:
            kept["agency"] = agency.id
    else:
        agency = db.session.get(Agency, current_user.agency_id)
    state, requirement_id = form.chosen_state(), form.chosen_requirement()
    if state is not None:
        kept["status"] = state.value
    if requirement_id is not None:
        kept["requirement"] = requirement_id
    return form, agency, kept


def _page(form: TableFilterForm, agency: Agency | None, kept: dict, chase: ChaseForm | None = None):
    found = None
    if agency is not None:
        found = agency_table.table(
            agency.id,
            today=today_in_uk(utcnow()),
            due_months=due_months(),
            state=form.chosen_state(),
            requirement_id=form.chosen_requirement(),
        )
    if chase is None:
        chase = ChaseForm(
            formdata=None,
            for_agency=str(kept.get("agency", "")),
            for_status=kept.get("status", ""),
            for_requirement=str(kept.get("requirement", "")),
        )
    return render_template(
        "compliance/agency.html",
        form=form,
        agency=agency,
        table=found,
        chase=chase,
        kept=kept,
        counts_args={name: value for name, value in kept.items() if name != "status"},
        admin=permissions.is_admin(current_user),
        months=due_months(),
    )


@bp.get("/agency/compliance")
@login_required
def index():
    form, agency, kept = _scope(request.args)
    return _page(form, agency, kept)


@bp.get("/agency/compliance.csv")
@login_required
def download():
    form, agency, kept = _scope(request.args)
    if agency is None or form.errors:
        return redirect(url_for("compliance.index", **request.args.to_dict()))
    today = today_in_uk(utcnow())
    found = agency_table.table(
        agency.id,
        today=today,
        due_months=due_months(),
        state=form.chosen_state(),
        requirement_id=form.chosen_requirement(),
    )
    response = Response(agency_table.to_csv(found.rows), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=compliance-{agency.id}-{today:%Y-%m-%d}.csv"
    )
    return response


@bp.post("/agency/compliance/chase")
@login_required
def chase():
    form = ChaseForm()
    if not form.validate_on_submit():
        abort(400)
    if permissions.is_admin(current_user):
        agency = db.session.get(Agency, form.agency_id() or 0)
        if agency is None:
            abort(404)
    else:
        require(permissions.is_coordinator(current_user))
        require(form.agency_id() in (None, current_user.agency_id))
        agency = db.session.get(Agency, current_user.agency_id)
    require(agency_table.can_see_agency(current_user, agency.id))
    back = MultiDict(
        {
            "agency": form.for_agency.data or "",
            "status": form.for_status.data or "",
            "requirement": form.for_requirement.data or "",
        }
    )
    try:
        chased = chasing.chase(agency, form.chosen.data or [], by=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        filters, _, kept = _scope(back)
        return _page(filters, agency, kept, chase=form)
    flash(f"Chased {plural(chased, 'person', 'people')}", "success")
    _, _, kept = _scope(back)
    return redirect(url_for("compliance.index", **kept))
