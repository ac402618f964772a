"""Pages of self-declared training: a person declares training with its evidence and follows
what became of it; admins and coordinators check the evidence and verify or reject."""

from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.core import inputs
from lms.core.errors import DomainError
from lms.core.forms import optional_int, show_error
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local
from lms.elearning import declaration_lists, declarations, evidence
from lms.elearning.declaration_forms import DeclarationForm, RejectForm, VerifyForm
from lms.elearning.models import DeclarationStatus, TrainingDeclaration
from lms.extensions import db, limiter

bp = Blueprint("declarations", __name__)

PER_PAGE = 50


inputs.allow_upload(
    bp,
    "declarations.new",
    evidence.MAX_BYTES + evidence.REQUEST_ALLOWANCE,
    (
        "The certificate must be 5 MB or smaller. Go back, choose a smaller file and send the "
        "form again. Nothing was saved."
    ),
)


# The person's own declarations ---------------------------------------------------------------


@bp.get("/my-training/declarations")
@login_required
def mine():
    hours = declaration_lists.verified_hours(current_user.id)
    return render_template(
        "elearning/declarations/mine.html",
        declarations=declaration_lists.of_person(current_user.id),
        verified_hours=(
            f"{declaration_lists.hours_text(hours)} verified hour{'' if hours == 1 else 's'}"
            if hours
            else ""
        ),
        hours_text=declaration_lists.hours_text,
    )


def _person() -> str:
    return f"declarations:{current_user.get_id()}"


@bp.route("/my-training/declarations/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config.get("DECLARATION_RATE_LIMIT", "20 per hour"),
    methods=["POST"],
    key_func=_person,
)
def new():
    form = DeclarationForm()
    form.set_modules(declarations.declarable_modules())
    if form.validate_on_submit():
        upload = request.files.get("evidence")
        declared = declarations.Declared(
            kind=form.kind.data,
            course_id=form.course_id.data,
            title=form.title.data,
            provider_name=form.provider_name.data,
            completed_on=form.completed_on.data,
            hours=form.hours.data,
        )
        try:
            declaration = declarations.declare(
                current_user,
                declared,
                content=upload.read() if upload else None,
                file_name=upload.filename if upload else None,
                today=local(utcnow()).date(),
            )
            db.session.commit()
        except declarations.DeclarationProblems as refused:
            db.session.rollback()
            for field, message in refused.problems:
                show_error(form, DomainError(message, field=field))
        except DomainError as refused:
            db.session.rollback()
            show_error(form, refused)
        else:
            flash(
                f"Your declaration of {declaration.what} has been sent for checking. "
                "You will get an email when it has been checked.",
                "success",
            )
            return redirect(url_for("declarations.mine"))
    return render_template(
        "elearning/declarations/new.html", form=form, reselect=request.method == "POST"
    )


# Checking them ------------------------------------------------------------------------------


def _status_chosen() -> DeclarationStatus | None:
    typed = request.args.get("status", DeclarationStatus.PENDING.value)
    return next((status for status in DeclarationStatus if status.value == typed), None)


def _list(agency=None):
    """A coordinator's list is their agency's; an admin's is every agency's, or one chosen."""
    status = _status_chosen()
    chosen = None if agency else optional_int(request.args.get("agency"))
    page = db.paginate(
        declaration_lists.to_check(agency_id=agency.id if agency else chosen, status=status),
        per_page=current_app.config.get("DECLARATIONS_PER_PAGE", PER_PAGE),
        error_out=False,
    )
    return render_template(
        "elearning/declarations/list.html",
        page=page,
        status=status,
        statuses=list(DeclarationStatus),
        agency=agency,
        agencies=[] if agency else db.session.scalars(sa.select(Agency).order_by(Agency.name)),
        chosen_agency=chosen,
        endpoint="declarations.agency_list" if agency else "declarations.admin_list",
    )


@bp.get("/admin/declarations")
@login_required
def admin_list():
    require(permissions.is_admin(current_user))
    return _list()


@bp.get("/agency/declarations")
@login_required
def agency_list():
    require(permissions.is_coordinator(current_user))
    return _list(current_user.agency)


def _declaration(declaration_id: int) -> TrainingDeclaration:
    declaration = db.get_or_404(TrainingDeclaration, declaration_id)
    require(declarations.can_see(current_user, declaration))
    return declaration


def _show(declaration, *, reject_form=None, status=200):
    return render_template(
        "elearning/declarations/show.html",
        declaration=declaration,
        may_decide=declarations.can_decide(current_user, declaration),
        verify_form=VerifyForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        back=_back(),
        hours_text=declaration_lists.hours_text,
    ), status


def _back() -> str:
    if permissions.is_admin(current_user):
        return url_for("declarations.admin_list")
    if permissions.is_coordinator(current_user):
        return url_for("declarations.agency_list")
    return url_for("declarations.mine")


@bp.get("/declarations/<int:declaration_id>")
@login_required
def show(declaration_id):
    return _show(_declaration(declaration_id))


@bp.get("/declarations/<int:declaration_id>/evidence")
@login_required
def evidence_file(declaration_id):
    declaration = _declaration(declaration_id)
    response = send_file(
        BytesIO(declaration.evidence),
        mimetype=declaration.evidence_type,
        as_attachment=True,
        download_name=declaration.evidence_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/declarations/<int:declaration_id>/verify")
@login_required
def verify(declaration_id):
    declaration = _declaration(declaration_id)
    require(declarations.can_decide(current_user, declaration))
    if not VerifyForm().validate_on_submit():
        return redirect(url_for("declarations.show", declaration_id=declaration.id))
    try:
        declarations.verify(declaration, by=current_user, now=utcnow())
        db.session.commit()
    except DomainError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("declarations.show", declaration_id=declaration.id))
    flash(f"{declaration.user.name}'s declaration of {declaration.what} is verified.", "success")
    return redirect(_back())


@bp.post("/declarations/<int:declaration_id>/reject")
@login_required
def reject(declaration_id):
    declaration = _declaration(declaration_id)
    require(declarations.can_decide(current_user, declaration))
    form = RejectForm()
    if form.validate_on_submit():
        try:
            declarations.reject(declaration, form.reason.data, by=current_user, now=utcnow())
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            db.session.refresh(declaration)
            show_error(form, refused)
        else:
            flash(
                f"{declaration.user.name}'s declaration of {declaration.what} is rejected. "
                "They have been told why.",
                "success",
            )
            return redirect(_back())
    return _show(declaration, reject_form=form)
