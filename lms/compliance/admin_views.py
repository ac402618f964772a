"""Admins' pages for training requirements and role tags, and the page where a coordinator
marks the roles of a person in their agency."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import User
from lms.audit.services import events_for
from lms.compliance import requirements as rules
from lms.compliance.forms import PersonTagsForm, RequirementForm, RoleTagForm, fill_choices
from lms.compliance.models import RoleTag, TrainingRequirement
from lms.core.forms import choices, commit_and_flash, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db

bp = Blueprint("compliance_admin", __name__)


def _admins_only() -> None:
    require(permissions.is_admin(current_user))


@bp.get("/admin/requirements")
@login_required
def requirements():
    _admins_only()
    return render_template(
        "compliance/requirements.html", requirements=rules.requirements(), rules=rules
    )


def _edit_requirement(requirement: TrainingRequirement | None):
    form = RequirementForm()
    fill_choices(form, requirement)
    if request.method == "GET" and requirement is not None:
        form.show(requirement)
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: rules.save_requirement(requirement, form.values(), by=current_user)
        )
        if done.ok:
            flash(f"{done.value.name} has been saved.", "success")
            return redirect(url_for("compliance_admin.requirements"))
    return render_template(
        "compliance/requirement_form.html",
        form=form,
        requirement=requirement,
        events=events_for(requirement) if requirement is not None else [],
    )


@bp.route("/admin/requirements/new", methods=["GET", "POST"])
@login_required
def new_requirement():
    _admins_only()
    return _edit_requirement(None)


@bp.route("/admin/requirements/<int:requirement_id>", methods=["GET", "POST"])
@login_required
def requirement(requirement_id):
    _admins_only()
    return _edit_requirement(db.get_or_404(TrainingRequirement, requirement_id))


@bp.post("/admin/requirements/<int:requirement_id>/active")
@login_required
def set_requirement_active(requirement_id):
    _admins_only()
    requirement = db.get_or_404(TrainingRequirement, requirement_id)
    active = request.form.get("active") == "1"
    commit_and_flash(
        lambda: rules.set_active(requirement, active, by=current_user),
        f"{requirement.name} has been {'reactivated' if active else 'deactivated'}.",
    )
    return redirect(url_for("compliance_admin.requirements"))


# Role tags -----------------------------------------------------------------------------------


@bp.route("/admin/role-tags", methods=["GET", "POST"])
@login_required
def role_tags():
    _admins_only()
    form = RoleTagForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: rules.save_tag(
                None, name=form.name.data, description=form.description.data, by=current_user
            ),
        )
        if done.ok:
            flash(f"{done.value.name} has been added.", "success")
            return redirect(url_for("compliance_admin.role_tags"))
    tags = rules.role_tags()
    return render_template(
        "compliance/role_tags.html",
        form=form,
        tags=tags,
        people={tag.id: rules.people_tagged(tag) for tag in tags},
        using={tag.id: rules.requirements_using(tag) for tag in tags},
    )


@bp.route("/admin/role-tags/<int:tag_id>", methods=["GET", "POST"])
@login_required
def role_tag(tag_id):
    _admins_only()
    tag = db.get_or_404(RoleTag, tag_id)
    form = RoleTagForm(obj=tag) if request.method == "GET" else RoleTagForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: rules.save_tag(
                tag, name=form.name.data, description=form.description.data, by=current_user
            ),
        )
        if done.ok:
            flash(f"{done.value.name} has been saved.", "success")
            return redirect(url_for("compliance_admin.role_tags"))
    return render_template(
        "compliance/role_tag_form.html",
        form=form,
        tag=tag,
        people=rules.people_tagged(tag),
        using=rules.requirements_using(tag),
        events=events_for(tag),
    )


@bp.post("/admin/role-tags/<int:tag_id>/delete")
@login_required
def delete_role_tag(tag_id):
    _admins_only()
    tag = db.get_or_404(RoleTag, tag_id)
    name = tag.name
    if commit_and_flash(lambda: rules.delete_tag(tag, by=current_user), f"{name} was deleted."):
        return redirect(url_for("compliance_admin.role_tags"))
    return redirect(url_for("compliance_admin.role_tag", tag_id=tag_id))


# A person's roles ----------------------------------------------------------------------------


def _back_to(person: User) -> str:
    """The person's page the roles page came from: the coordinator's staff page, or the admin's
    account page."""
    if (
        permissions.is_coordinator(current_user)
        and person.agency_id == current_user.agency_id
        and permissions.can_edit_staff_member(current_user, person)
    ):
        return url_for("staff.edit", user_id=person.id)
    if permissions.is_admin(current_user):
        return url_for("admin.edit_user", user_id=person.id)
    return url_for("staff.index")


@bp.route("/agency/staff/<int:user_id>/role-tags", methods=["GET", "POST"])
@login_required
def person_tags(user_id):
    person = db.get_or_404(User, user_id)
    require(permissions.can_set_role_tags(current_user, person))
    form = PersonTagsForm()
    form.tag_ids.choices = choices((tag.id, tag.name) for tag in rules.role_tags())
    if request.method == "GET":
        form.tag_ids.data = [row.tag_id for row in rules.tags_of(person)]
    back = _back_to(person)
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: rules.set_person_tags(
                person, form.tag_ids.data or [], by=current_user, now=utcnow()
            ),
        )
        if done.ok:
            flash(f"{person.name}'s roles have been saved.", "success")
            return redirect(back)
    return render_template(
        "compliance/person_tags.html",
        form=form,
        person=person,
        held=rules.tags_of(person),
        back=back,
    )
