"""The signed-in evaluation pages: before the course and straight after it. Only the person a
request is about answers it; the follow-up stages have pages of their own."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.bookings.models import Booking
from lms.core.forms import commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db
from lms.feedback import forms, questions, requests, responses
from lms.feedback.models import QuestionSet, Response, Stage

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

WITHDRAWN = {
    Stage.BEFORE: "The booking is no longer confirmed, so a starting point is not asked.",
    "booking": "The booking was not completed (its attendance was corrected), so it is not "
    "evaluated.",
    "completion": "The e-learning completion was withdrawn, so it is not evaluated.",
}


def _response(response_id: int) -> Response:
    response = db.get_or_404(Response, response_id)
    if response.stage not in requests.ASKED:
        abort(404)
    require(response.user_id == current_user.id)
    return response


def _closed(response: Response, reason: str):
    if reason == "withdrawn":
        if response.stage is Stage.BEFORE:
            detail = WITHDRAWN[Stage.BEFORE]
        else:
            detail = WITHDRAWN["booking" if response.booking_id is not None else "completion"]
    elif reason == "expired":
        detail = (
            "The course has started, so a starting point can no longer be given."
            if response.stage is Stage.BEFORE
            else "The time for answering has passed."
        )
    else:
        detail = "Your answers were received. Thank you."
    return render_template(
        "feedback/answers/closed.html", response=response, reason=reason, detail=detail
    )


def _page(response: Response, question_set: QuestionSet, form, *, notice: str | None = None):
    return render_template(
        "feedback/answers/answer.html",
        response=response,
        form=form,
        outcomes_heading=forms.outcomes_heading(response, question_set),
        notice=notice,
    )


@bp.route("/<int:response_id>", methods=["GET", "POST"])
@login_required
def answer(response_id):
    response = _response(response_id)
    now = utcnow()
    try:
        responses.check_open(response, now=now)
    except responses.NotOpen as closed:
        return _closed(response, closed.reason)
    if request.method == "GET":
        question_set = questions.current_set(response.stage)
        db.session.commit()  # the first version of the questions, when none was saved yet
        return _page(response, question_set, forms.answer_form(response, question_set))
    question_set, fell_back = questions.shown_set(response.stage, request.form.get("question_set"))
    if fell_back:
        form = forms.answer_form(response, question_set)
        form.question_set.data = question_set.id
        notice = (
            "The questions have changed since the form was opened. Check your answers to "
            "these questions and send them again."
        )
        return _page(response, question_set, form, notice=notice)
    form = forms.answer_form(response, question_set)
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: responses.submit(response, question_set, form.values(), now=now)
        )
        if done.ok:
            flash("Thank you: your answers were received.", "success")
            return redirect(url_for("bookings.my_training"))
        if isinstance(done.error, responses.NotOpen):
            db.session.refresh(response)
            return _closed(response, done.error.reason)
    return _page(response, question_set, form)


@bp.post("/before/<int:booking_id>")
@login_required
def rate_starting_point(booking_id):
    """Ask for a starting point now, straight from "Your training", and go to its page."""
    booking = db.get_or_404(Booking, booking_id)
    require(booking.user_id == current_user.id)
    response = requests.ask_before(booking, now=utcnow(), tell=False)
    if response is None:
        existing = db.session.scalar(
            sa.select(Response).where(
                Response.stage == Stage.BEFORE, Response.booking_id == booking.id
            )
        )
        if existing is None:
            flash(
                "A starting point is asked only for a confirmed place on a course that asks for "
                "one, before it starts.",
                "error",
            )
            return redirect(url_for("bookings.my_training"))
        response = existing
    db.session.commit()
    return redirect(url_for("feedback.answer", response_id=response.id))
