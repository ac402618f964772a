"""The follow-up pages reached by a single-use link without signing in: the
practitioner's and their line manager's.

The link's secret is in the address, so: the pages are never cached, never send it on in a
Referer to another site, never log it (refusals log the route's pattern, not the address),
and are rate limited per address like the other pages anyone can reach."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from lms.core.forms import show_error
from lms.core.models import utcnow
from lms.core.security import no_store
from lms.core.timefmt import local, long_date
from lms.extensions import db, limiter
from lms.feedback import forms, questions, responses
from lms.feedback.models import Stage

bp = Blueprint("follow_up", __name__, url_prefix="/follow-up")

RATE_LIMIT = "60 per hour"


def _rate_limit() -> str:
    return current_app.config.get("FOLLOW_UP_RATE_LIMIT", RATE_LIMIT)


def _state_page(response, reason: str):
    """The page for a link that cannot be answered: answered (thanks), expired or withdrawn."""
    status = 200 if reason == "answered" else 410
    expires_on = long_date(local(response.expires_at).date())
    return render_template(
        "feedback/follow_up/closed.html", reason=reason, expires_on=expires_on
    ), status


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_rate_limit)
@no_store
def answer(token):
    response = responses.by_secret(token)
    if response is None or response.stage not in (Stage.FOLLOW_UP, Stage.MANAGER):
        return render_template("feedback/follow_up/not_valid.html"), 404
    now = utcnow()
    try:
        responses.check_open(response, now=now)
    except responses.NotOpen as closed:
        return _state_page(response, closed.reason)
    if request.method == "POST":
        question_set, fell_back = questions.shown_set(
            response.stage, request.form.get("question_set")
        )
        if fell_back:
            flash(
                "The questions changed while the page was open. Check your answers and "
                "send them again.",
                "info",
            )
            form = forms.answer_form(response, question_set, formdata=None)
            return _form_page(response, question_set, form)
        form = forms.answer_form(response, question_set)
        if form.validate_on_submit():
            try:
                responses.submit(response, question_set, form.values(), now=now)
                db.session.commit()
            except responses.NotOpen as closed:
                db.session.rollback()
                return _state_page(response, closed.reason)
            except responses.FeedbackError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                return redirect(url_for("follow_up.thanks"))
        return _form_page(response, question_set, form)
    question_set = questions.current_set(response.stage)
    db.session.commit()  # the first version, made from the defaults when none existed
    return _form_page(response, question_set, forms.answer_form(response, question_set))


def _form_page(response, question_set, form):
    return render_template(
        "feedback/follow_up/answer.html",
        response=response,
        course_on=long_date(response.course_on),
        form=form,
        outcomes_heading=forms.outcomes_heading(response, question_set),
        is_manager=response.stage is Stage.MANAGER,
    )


@bp.get("/thanks")
def thanks():
    return render_template("feedback/follow_up/thanks.html")
