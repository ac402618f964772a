"""Administration of agencies and people (partnership business unit)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import agencies as agency_rules
from lms.accounts import agency_requests, auth, permissions, services
from lms.accounts.forms import AgencyForm, ErasedPersonForm, UserForm
from lms.accounts.models import Agency, AgencyRequest, Role, User
from lms.audit.services import events_for
from lms.core.forms import commit_or_show, optional_int
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


@bp.get("/agencies")
def agencies():
    rows = db.session.scalars(db.select(Agency).order_by(Agency.is_active.desc(), Agency.name))
    return render_template("admin/agencies.html", agencies=list(rows))


def _save_agency(agency: Agency | None, asked: AgencyRequest | None = None):
    form = AgencyForm(obj=agency) if request.method == "GET" and agency else AgencyForm()
    if request.method == "GET" and agency:
        form.sector.data = agency.sector.value
        form.domains.data = "\n".join(agency.domain_names)
    if request.method == "GET" and asked is not None:
        form.name.data = asked.agency_name
        form.sector.data = asked.sector.value
        form.domains.data = services.email_domain(asked.email)

    def save():
        saved = agency_rules.save_agency(
            agency,
            name=form.name.data,
            sector=form.sector_value,
            is_statutory_partner=form.is_statutory_partner.data,
            is_charge_exempt=form.is_charge_exempt.data,
            domains=agency_rules.parse_domains(form.domains.data),
            by=current_user,
        )
        if asked is not None:
            agency_requests.added(asked, saved, by=current_user, now=utcnow())
        return saved

    if form.validate_on_submit():
        done = commit_or_show(form, save)
        if done.ok:
            flash(f"{done.value.name} has been saved.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency)


@bp.route("/agencies/new", methods=["GET", "POST"])
def new_agency():
    asked_id = optional_int(request.args.get("request"))
    asked = agency_requests.get_open_or_404(asked_id) if asked_id else None
    return _save_agency(None, asked)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def edit_agency(agency_id):
    return _save_agency(db.get_or_404(Agency, agency_id))


@bp.post("/agencies/<int:agency_id>/active")
def set_agency_active(agency_id):
    agency = db.get_or_404(Agency, agency_id)
    active = request.form.get("active") == "1"
    agency_rules.set_agency_active(agency, active, by=current_user)
    db.session.commit()
    flash(f"{agency.name} has been {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.agencies"))


@bp.get("/users")
def users():
    search = request.args.get("q", "")
    agency_id = optional_int(request.args.get("agency"))
    role = next((role for role in Role if role.value == request.args.get("role")), None)
    page = db.paginate(
        services.people(search=search, agency_id=agency_id, role=role),
        per_page=current_app.config["USERS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "admin/users.html",
        page=page,
        search=search,
        agency_id=agency_id,
        role=role,
        agencies=db.session.scalars(db.select(Agency).order_by(Agency.name)).all(),
        roles=list(Role),
    )


def _user_form(user: User | None) -> UserForm:
    if request.method == "GET":
        form = (
            UserForm(obj=user)
            if user
            else UserForm(is_active=True, roles=[Role.PRACTITIONER.value])
        )
        if user:
            form.roles.data = sorted(role.value for role in user.roles)
    else:
        form = UserForm()
    agencies = services.active_agencies()
    if user is not None and not user.agency.is_active:
        agencies.append(user.agency)
    form.set_agencies(agencies)
    form.set_providers(services.active_providers(user))
    return form


def _details(form) -> services.PersonDetails:
    return services.PersonDetails(
        form.name.data,
        form.email.data,
        form.job_title.data,
        form.agency_id.data,
        form.line_manager_email.data,
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = _user_form(None)
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: services.set_provider(
                auth.add_person(
                    _details(form),
                    roles=form.role_values,
                    active=form.is_active.data,
                    by=current_user,
                    now=utcnow(),
                    valid_for=auth.INVITATION_VALID_FOR,
                    link_for=lambda token: url_for(
                        "accounts.reset_password", token=token, _external=True
                    ),
                ),
                form.provider_id.data,
                by=current_user,
            ),
        )
        if done.ok:
            invited = (
                " They have been emailed a link to choose a password."
                if done.value.is_active
                else ""
            )
            flash(f"The account for {done.value.name} has been created.{invited}", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None, events=[])


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    if user.erased_at is not None:
        return _edit_erased(user)
    form = _user_form(user)
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: services.set_provider(
                services.update_person(
                    user,
                    _details(form),
                    roles=form.role_values,
                    active=form.is_active.data,
                    by=current_user,
                    now=utcnow(),
                ),
                form.provider_id.data,
                by=current_user,
            ),
        )
        if done.ok:
            flash(f"{user.name}'s account has been saved.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user, events=events_for(user))


def _edit_erased(user: User):
    form = ErasedPersonForm(obj=user) if request.method == "GET" else ErasedPersonForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: services.set_erased_person_active(user, form.is_active.data, by=current_user),
        )
        if done.ok:
            flash(f"{user.name}'s account has been saved.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user, events=events_for(user))
