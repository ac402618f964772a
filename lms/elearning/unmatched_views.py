"""The admins' pages of the unmatched queue: the list, one row, matching it to a person by
hand, and dismissing it."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import Agency, User
from lms.core.forms import commit_or_show, optional_int
from lms.core.security import require
from lms.core.words import plural
from lms.elearning import completions, unmatched
from lms.elearning.models import UnmatchedCompletion, UnmatchedStatus
from lms.elearning.unmatched_forms import ConfirmMatchForm, DismissForm
from lms.extensions import db

bp = Blueprint("elearning_unmatched", __name__, url_prefix="/admin/unmatched")

SEARCH_LIMIT = 200


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


def _chosen() -> unmatched.QueueFilter:
    typed = request.args.get("status", UnmatchedStatus.OPEN.value)
    status = next((status for status in UnmatchedStatus if status.value == typed), None)
    return unmatched.QueueFilter(
        status=status,
        course_id=optional_int(request.args.get("module")),
        provider_id=optional_int(request.args.get("provider")),
        search=request.args.get("q", "")[:SEARCH_LIMIT],
    )


@bp.get("")
def index():
    chosen = _chosen()
    page = db.paginate(
        unmatched.queue(chosen),
        per_page=current_app.config.get("UNMATCHED_PER_PAGE", 50),
        error_out=False,
    )
    return render_template(
        "elearning/unmatched/index.html",
        page=page,
        chosen=chosen,
        counts=unmatched.counts(chosen),
        modules=unmatched.modules(),
        providers=unmatched.providers(),
        statuses=list(UnmatchedStatus),
    )


def _row(unmatched_id: int) -> UnmatchedCompletion:
    return db.get_or_404(UnmatchedCompletion, unmatched_id)


@bp.get("/<int:unmatched_id>")
def show(unmatched_id):
    row = _row(unmatched_id)
    search = " ".join(request.args.get("q", "")[:SEARCH_LIMIT].split())
    return render_template(
        "elearning/unmatched/show.html",
        row=row,
        search=search,
        people=unmatched.candidates(search) if row.status is UnmatchedStatus.OPEN else [],
        decided_by=db.session.get(User, row.decided_by_id) if row.decided_by_id else None,
        reason=unmatched.dismissal_reason(row) if row.status is UnmatchedStatus.DISMISSED else "",
    )


def _still_open(row: UnmatchedCompletion):
    """Send the admin back to the row, saying why, when it was decided already."""
    if row.status is UnmatchedStatus.OPEN:
        return None
    flash(f"This completion has already been {row.status.label.lower()}.", "info")
    return redirect(url_for("elearning_unmatched.show", unmatched_id=row.id))


@bp.route("/<int:unmatched_id>/match/<int:user_id>", methods=["GET", "POST"])
def match(unmatched_id, user_id):
    row = _row(unmatched_id)
    person = db.get_or_404(User, user_id)
    decided = _still_open(row)
    if decided is not None:
        return decided
    others = unmatched.others_for_address(row)
    form = ConfirmMatchForm(same_address=True) if request.method == "GET" else ConfirmMatchForm()
    form.same_address.label.text = (
        f"Also match the {plural(len(others), 'other open completion')} for {row.email}"
    )
    if form.validate_on_submit():
        every = bool(others) and form.same_address.data
        done = commit_or_show(
            form,
            lambda: (
                unmatched.match_address(row, person, by=current_user)
                if every
                else int(unmatched.match(row, person, by=current_user)[1])
            ),
        )
        if done.ok:
            flash(_matched_message(person, done.value, 1 + len(others) if every else 1), "success")
            return redirect(url_for("elearning_unmatched.index"))
    return render_template(
        "elearning/unmatched/match.html",
        row=row,
        person=person,
        form=form,
        agency_then=db.session.get(Agency, completions.agency_on(person.id, row.completed_on)),
        already=completions.held(person.id, row.course_id, row.completed_on),
        others=others,
    )


def _matched_message(person: User, added: int, rows: int) -> str:
    if rows == 1:
        held = "" if added else " They already held this completion for that day."
        return f"The completion is now {person.name}'s.{held}"
    held = rows - added
    already = f" ({held} they already held)" if held else ""
    return f"{plural(rows, 'completion')} matched to {person.name}{already}."


@bp.route("/<int:unmatched_id>/dismiss", methods=["GET", "POST"])
def dismiss(unmatched_id):
    row = _row(unmatched_id)
    decided = _still_open(row)
    if decided is not None:
        return decided
    form = DismissForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: unmatched.dismiss(row, form.reason.data, by=current_user)
        )
        if done.ok:
            flash(f"The completion for {row.email} has been dismissed.", "success")
            return redirect(url_for("elearning_unmatched.index"))
    return render_template("elearning/unmatched/dismiss.html", row=row, form=form)
