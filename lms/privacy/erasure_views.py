"""Erasure of a person, after a confirmation."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField

from lms.accounts import permissions
from lms.accounts.models import User
from lms.core.forms import AppForm, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db
from lms.privacy import erasure
from lms.privacy.erasure_map import ERASURE

bp = Blueprint("erasure", __name__, url_prefix="/admin")


class EraseForm(AppForm):
    confirm_email = StringField(
        "Type the person's email address to confirm",
        description="So the wrong person is not erased by mistake.",
        widget=GovTextInput(),
    )
    reason = TextAreaField(
        "Why is the person being erased?",
        description="For example, their request of 3 March. Kept in the audit log.",
        widget=GovTextArea(),
    )
    submit = SubmitField("Erase this person", widget=GovSubmitInput())


def _checked(form: EraseForm, person: User) -> bool:
    """The confirmation matches the person's address (any letter case) and a reason is given."""
    ok = form.validate()
    typed = (form.confirm_email.data or "").strip().lower()
    if typed != person.email.lower():
        form.confirm_email.errors = [
            "Type the person's email address exactly as shown to confirm"
            if typed
            else "Type the person's email address to confirm"
        ]
        ok = False
    if not (form.reason.data or "").strip():
        form.reason.errors = ["Enter why the person is being erased"]
        ok = False
    form._errors = None
    return ok


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def erase(user_id):
    require(permissions.is_admin(current_user))
    person = db.get_or_404(User, user_id)
    form = EraseForm()
    if person.erased_at is not None:
        if request.method == "POST":
            flash("This person was erased already. Nothing was changed.", "info")
            return redirect(url_for("admin.edit_user", user_id=person.id))
    elif request.method == "POST" and _checked(form, person):
        done = commit_or_show(
            form,
            lambda: erasure.erase_person(
                person.id, by=current_user, now=utcnow(), reason=form.reason.data
            ),
        )
        if done.ok:
            flash(
                f"The person is erased. Their account is now '{person.name}'.",
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user_id))
    return render_template("privacy/erase.html", form=form, person=person, erasure=ERASURE)
