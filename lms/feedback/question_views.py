"""Admin pages for the evaluation question sets: their versions, and editing one as the
next version."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.core.forms import commit_or_show
from lms.core.security import require
from lms.feedback import question_sets, questions
from lms.feedback.models import Stage
from lms.feedback.question_forms import describe, question_set_form

bp = Blueprint("questions", __name__, url_prefix="/admin/evaluation")


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


def _stage(value: str) -> Stage:
    found = next((stage for stage in Stage if stage.value == value), None)
    if found is None:
        abort(404)
    return found


def _shown(form) -> int:
    """The version the page was loaded from; a missing or altered one never matches."""
    return form.shown_version if form.shown_version is not None else -1


@bp.get("")
def index():
    return render_template("feedback/questions/index.html", summaries=question_sets.overview())


@bp.route("/<stage>", methods=["GET", "POST"])
def stage(stage):
    chosen = _stage(stage)
    shown = questions.latest(chosen)
    form = question_set_form(
        chosen, shown, formdata=request.form if request.method == "POST" else None
    )
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: questions.save_version(
                chosen, form.specs(), by=current_user, based_on=_shown(form)
            ),
        )
        if done.ok:
            if shown is not None and done.value.id == shown.id:
                flash("Nothing was changed: the questions are as they were.", "info")
            else:
                flash(
                    f"Saved as version {done.value.version}. Answers already given keep the "
                    "version they answered.",
                    "success",
                )
            return redirect(url_for("questions.stage", stage=chosen.value))
    versions = question_sets.stage_versions(chosen)
    return render_template(
        "feedback/questions/stage.html",
        stage=chosen,
        shown=shown,
        form=form,
        versions=versions,
        counts=question_sets.answered_counts(found.id for found in versions),
        people=question_sets.creators(versions),
        describe=describe,
    )


@bp.get("/<stage>/versions/<int:set_id>")
def version(stage, set_id):
    chosen = _stage(stage)
    found = question_sets.version_of(chosen, set_id)
    if found is None:
        abort(404)
    latest = questions.latest(chosen)
    return render_template(
        "feedback/questions/version.html",
        stage=chosen,
        question_set=found,
        is_current=latest is not None and latest.id == found.id,
        answered=question_sets.answered_counts([found.id]).get(found.id, 0),
        saved_by=question_sets.creators([found]).get(found.created_by_id),
        describe=describe,
    )
