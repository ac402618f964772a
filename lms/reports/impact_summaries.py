"""The evaluation summary of sessions, for their trainers and for provider contract reviews: the
impact figures grouped by session (`impact_figures.by_session`), with the same "too few
responses" rule, and a session's comments straight after without who wrote them. Never who
said what: no name, agency or date of an answer leaves here."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.accounts import permissions
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession, Provider, session_trainers
from lms.core.timefmt import local
from lms.extensions import db
from lms.feedback.models import Answer, Question, QuestionKind, Response, Stage
from lms.reports import impact_figures
from lms.reports.impact import Figures
from lms.reports.tables import TOO_FEW
from lms.settings import services as settings


@dataclass
class SessionSummary:
    session_id: int
    date: date
    course: str
    provider: str
    figures: dict  # as `impact.Figures.row` gives them, with the outcomes met

    def __getitem__(self, key):
        return self.figures[key]


def _summaries(found, fewest: int) -> list[SessionSummary]:
    summaries = []
    for row in found:
        shares = Figures(dict(row), fewest)
        figures = shares.row()
        # A share of the outcome answers, resting on the people who gave them.
        met = shares.share(row["outcomes_met"], row["outcomes_n"])
        if met is not None and not shares.enough(row["outcomes_people"]):
            met = TOO_FEW
        figures |= {
            "outcomes_met": met,
            "outcomes_n": row["outcomes_n"],
            "outcomes_people": row["outcomes_people"],
        }
        summaries.append(
            SessionSummary(
                row["session_id"],
                local(row["starts_at"]).date(),
                row["course"],
                row["provider"],
                figures,
            )
        )
    return summaries


def fewest() -> int:
    return settings.current().fewest_responses


def trainers_sessions(user) -> list[SessionSummary]:
    """The sessions a trainer delivered that have evaluation and, for a trainer working for a
    provider, every session of that provider's courses."""
    delivered = sa.select(session_trainers.c.session_id).where(
        session_trainers.c.user_id == user.id
    )
    mine = CourseSession.id.in_(delivered)
    if user.provider_id is not None:
        mine = sa.or_(mine, Course.provider_id == user.provider_id)
    return _summaries(impact_figures.by_session(mine), fewest())


def providers_sessions(provider: Provider, first: date, last: date) -> list[SessionSummary]:
    """The provider's sessions of the period (by the session's first date) with evaluation."""
    found = impact_figures.by_session(Course.provider_id == provider.id, first=first, last=last)
    return _summaries(found, fewest())


def session_summary(session: CourseSession) -> SessionSummary | None:
    found = impact_figures.by_session(CourseSession.id == session.id)
    summaries = _summaries(found, fewest())
    return summaries[0] if summaries else None


def may_see(user, session: CourseSession) -> bool:
    """A session's summary is for its trainers, the trainers of its course's provider, admins
    and PDL viewers."""
    if permissions.can_view_statistics(user):
        return True
    if not permissions.is_trainer(user):
        return False
    if any(trainer.id == user.id for trainer in session.trainers):
        return True
    provider_id = session.course.provider_id
    return provider_id is not None and user.provider_id == provider_id


def comments(session: CourseSession) -> list[tuple[str, list[str]]]:
    """The free-text answers straight after the session, by question (its wording as asked),
    without who wrote them: each question's comments in alphabetical order, so their order
    says nothing of who answered when. Redacted comments are left out."""
    rows = db.session.execute(
        sa.select(Question.text.label("question"), Answer.text)
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Booking, Booking.id == Response.booking_id)
        .where(
            Booking.session_id == session.id,
            Response.stage == Stage.AFTER,
            Response.answered_at.is_not(None),
            Response.withdrawn_at.is_(None),
            Booking.completed_at.is_not(None),
            Question.kind == QuestionKind.TEXT,
            Answer.redacted_at.is_(None),
            Answer.text.is_not(None),
            sa.func.length(sa.func.trim(Answer.text)) > 0,
        )
        .order_by(Question.text, Answer.text)
    )
    grouped: dict[str, list[str]] = {}
    for question, text in rows:
        grouped.setdefault(question, []).append(text)
    return list(grouped.items())


def providers() -> list[Provider]:
    return list(db.session.scalars(sa.select(Provider).order_by(Provider.name, Provider.id)))
