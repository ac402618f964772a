"""An agency coordinator's view of their own agency's staff."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import moves, permissions, services
from lms.accounts.forms import ErasedPersonForm, StaffForm
from lms.accounts.models import User
from lms.compliance.requirements import tags_of
from lms.core.forms import commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.elearning import renewals
from lms.extensions import db

bp = Blueprint("staff", __name__, url_prefix="/agency")


@bp.get("/staff")
@login_required
def index():
    require(permissions.is_coordinator(current_user))
    agency = current_user.agency
    search = request.args.get("q", "")
    page = db.paginate(
        services.staff_of(agency, search=search),
        per_page=current_app.config["USERS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "staff/index.html",
        agency=agency,
        page=page,
        search=search,
        join_requests=moves.requests_to_decide(current_user),
    )


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id):
    person = db.get_or_404(User, user_id)
    require(
        permissions.is_coordinator(current_user)
        and permissions.can_edit_staff_member(current_user, person)
    )
    if person.agency_id != current_user.agency_id:
        # Admins who coordinate an agency use the admin pages for everyone else.
        require(False)
    if person.erased_at is not None:
        return _edit_erased(person)
    form = StaffForm(obj=person) if request.method == "GET" else StaffForm()
    if form.validate_on_submit():
        details = services.PersonDetails(
            name=form.name.data,
            email=person.email,
            job_title=form.job_title.data,
            agency_id=person.agency_id,
            line_manager_email=form.line_manager_email.data,
        )
        done = commit_or_show(
            form,
            lambda: services.update_staff_member(
                person, details, active=form.is_active.data, by=current_user, now=utcnow()
            ),
        )
        if done.ok:
            flash(f"{person.name}'s details have been saved.", "success")
            return redirect(url_for("staff.index"))
    return _page(form, person)


def _page(form, person: User):
    return render_template(
        "staff/edit.html",
        form=form,
        person=person,
        elearning=renewals.renewals_of(person.id, today=renewals.today_in_uk(utcnow())),
        role_tags=tags_of(person),
    )


def _edit_erased(person: User):
    """An erased colleague: only whether they still work here can change."""
    form = ErasedPersonForm(obj=person) if request.method == "GET" else ErasedPersonForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: services.set_erased_person_active(person, form.is_active.data, by=current_user),
        )
        if done.ok:
            flash(f"{person.name}'s account has been saved.", "success")
            return redirect(url_for("staff.index"))
    return _page(form, person)
