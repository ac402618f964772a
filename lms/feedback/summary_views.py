"""The evaluation summary of a trainer's or a provider's sessions (never who said what).

Trainers see the sessions they delivered and, when they work for a commissioned provider, every
session of its courses; admins and PDL viewers see each provider's sessions for a period, for
provider contract reviews. The figures are the impact report's, grouped by session, with the
same "too few responses" rule; comments are shown without who wrote them, and only once enough
people answered."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.catalogue.models import CourseSession, Provider
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db
from lms.reports import impact_summaries, periods
from lms.reports.tables import MEAN, PERCENT, show

bp = Blueprint("evaluation_summaries", __name__, url_prefix="/evaluation/summaries")


def _figure(value, kind: str = MEAN) -> str:
    """A mean or (with PERCENT) a share as the reports show it: "too few responses" when it
    rests on too few people, a dash when nobody answered."""
    return show(value, kind)


HELPERS = {"figure": _figure, "PERCENT": PERCENT}


@bp.get("")
@login_required
def index():
    statistics = permissions.can_view_statistics(current_user)
    trainer = permissions.is_trainer(current_user)
    require(statistics or trainer)
    return render_template(
        "feedback/summaries/index.html",
        sessions=impact_summaries.trainers_sessions(current_user) if trainer else None,
        providers=impact_summaries.providers() if statistics else None,
        provider=db.session.get(Provider, current_user.provider_id)
        if current_user.provider_id
        else None,
        fewest=impact_summaries.fewest(),
        **HELPERS,
    )


@bp.get("/providers/<int:provider_id>")
@login_required
def provider(provider_id):
    require(permissions.can_view_statistics(current_user))
    found = db.session.get(Provider, provider_id) or abort(404)
    now = utcnow()
    text = (request.args.get("period") or "").strip()
    error = None
    try:
        period = periods.parse(text) if text else periods.current_financial_year(now)
    except DomainError as refused:
        error, period = refused.message, periods.current_financial_year(now)
    return render_template(
        "feedback/summaries/provider.html",
        provider=found,
        period=period,
        error=error,
        entered=text,
        sessions=impact_summaries.providers_sessions(found, period.first, period.last),
        fewest=impact_summaries.fewest(),
        **HELPERS,
    )


@bp.get("/sessions/<int:session_id>")
@login_required
def session(session_id):
    found = db.session.get(CourseSession, session_id) or abort(404)
    require(impact_summaries.may_see(current_user, found))
    summary = impact_summaries.session_summary(found)
    fewest = impact_summaries.fewest()
    enough = summary is not None and summary["after_answered"] >= fewest
    return render_template(
        "feedback/summaries/session.html",
        course_session=found,
        summary=summary,
        comments=impact_summaries.comments(found) if enough else None,
        fewest=fewest,
        **HELPERS,
    )
