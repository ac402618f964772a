"""Evaluation comments without the respondent's identity, redaction, and the bank of
quotes given with consent."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from lms.accounts import permissions
from lms.catalogue.models import Course, Theme
from lms.core.forms import AppForm, commit_or_show, optional_int
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local, uk_date
from lms.extensions import db
from lms.feedback import comments
from lms.feedback.models import Stage
from lms.reports.periods import PeriodError, parse

bp = Blueprint("comments", __name__, url_prefix="/evaluation")

PER_PAGE = 25
QUOTE_STAGES = tuple(stage for stage in Stage if stage in comments.QUOTABLE)


class RedactForm(AppForm):
    reason = TextAreaField(
        "Why is it being removed?",
        description=(
            "For example, it names a child or a colleague. The reason is kept in the audit "
            "log; the comment is not."
        ),
        widget=GovTextArea(),
    )
    submit = SubmitField("Remove the comment", widget=GovSubmitInput())


def _chosen(*, stages) -> tuple[comments.Chosen, dict]:
    """The filters in the address, each ignored when it cannot be read, and the arguments that
    carry them to the next page."""
    args = request.args
    try:
        period = parse(args.get("period", "")[:30]) if args.get("period") else None
    except PeriodError:
        period = None
    stage = next((each for each in stages if each.value == args.get("stage")), None)
    chosen = comments.Chosen(
        period=period,
        course_id=optional_int(args.get("course")),
        stage=stage,
        theme_id=optional_int(args.get("theme")),
        search=comments.clean_search(args.get("q")),
    )
    kept = {
        "period": period.code if period else "",
        "course": chosen.course_id or "",
        "stage": stage.value if stage else "",
        "theme": chosen.theme_id or "",
        "q": chosen.search,
    }
    return chosen, kept


def _options(*, stages) -> dict:
    return {
        "years": comments.financial_years(today=local(utcnow()).date()),
        "courses": comments.courses_answered(),
        "stages": stages,
    }


def _page(query):
    return db.paginate(
        query,
        per_page=current_app.config.get("COMMENTS_PER_PAGE", PER_PAGE),
        error_out=False,
        count=True,
    )


@bp.get("/comments")
@login_required
def comment_list():
    require(permissions.can_view_statistics(current_user))
    chosen, kept = _chosen(stages=tuple(Stage))
    return render_template(
        "feedback/comments/list.html",
        page=_page(comments.comments(chosen)),
        kept=kept,
        may_redact=permissions.is_admin(current_user),
        month_of=comments.month_of,
        removed_text=comments.removed_text,
        **_options(stages=tuple(Stage)),
    )


def _answer(answer_id: int):
    answer = comments.text_answer(answer_id)
    if answer is None:
        abort(404)
    return answer


@bp.route("/comments/<int:answer_id>/redact", methods=["GET", "POST"])
@login_required
def redact(answer_id):
    require(permissions.is_admin(current_user))
    answer = _answer(answer_id)
    form = RedactForm()
    if answer.redacted_at is None and form.validate_on_submit():
        outcome = commit_or_show(
            form, lambda: comments.redact(answer, form.reason.data, by=current_user, now=utcnow())
        )
        if outcome.ok:
            flash("The comment is removed. Its text is gone for good.", "success")
            return redirect(url_for("comments.comment_list"))
        answer = _answer(answer_id)
    elif answer.redacted_at is not None and request.method == "POST":
        flash(
            f"This comment was already removed on {uk_date(answer.redacted_at)}. "
            "Nothing was changed.",
            "info",
        )
        return redirect(url_for("comments.comment_list"))
    return render_template(
        "feedback/comments/redact.html",
        answer=answer,
        form=form,
        month_of=comments.month_of,
        removed_text=comments.removed_text,
    )


@bp.get("/quotes")
@login_required
def quotes():
    require(permissions.can_view_statistics(current_user))
    chosen, kept = _chosen(stages=QUOTE_STAGES)
    return render_template(
        "feedback/comments/quotes.html",
        page=_page(comments.quotes(chosen)),
        kept=kept,
        themes=db.session.scalars(db.select(Theme).order_by(Theme.name)).all(),
        month_of=comments.month_of,
        **_options(stages=QUOTE_STAGES),
    )


@bp.get("/quotes.csv")
@login_required
def quotes_csv():
    require(permissions.can_view_statistics(current_user))
    chosen, kept = _chosen(stages=QUOTE_STAGES)
    about = [("Download", "Quotes given with consent to quote anonymously")]
    if chosen.period:
        about.append(("Period", chosen.period.label))
    if chosen.search:
        about.append(("Words", chosen.search))
    if chosen.stage:
        about.append(("Stage", chosen.stage.label))
    if chosen.course_id:
        course = db.session.get(Course, chosen.course_id)
        about.append(("Course", course.title if course else "None"))
    if chosen.theme_id:
        theme = db.session.get(Theme, chosen.theme_id)
        about.append(("Theme", theme.name if theme else "None"))
    answers = db.session.scalars(comments.quotes(chosen)).unique()
    stamp = local(utcnow()).strftime("%Y-%m-%d")
    return Response(
        comments.quotes_csv(answers, about=about),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quotes-{stamp}.csv"'},
    )
