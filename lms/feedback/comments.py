"""Comments and quotes: every free-text answer without the respondent's identity, redaction by
an administrator (the original gone, the act audited), and the bank of quotes given with consent.

Nothing here reads or returns who answered: a listed answer carries its text, the wording of the
question it answered (of the version it answered), the stage, and the course with the month it
was done, never the person, their address or their agency."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.audit import services as audit
from lms.catalogue.models import Course, course_themes
from lms.core.cells import safe_cell
from lms.core.errors import DomainError
from lms.core.text import single_line
from lms.core.timefmt import uk_date
from lms.extensions import db
from lms.feedback import measures
from lms.feedback.models import Answer, Question, QuestionKind, Response, Stage
from lms.reports.periods import Period, financial_year, fy_start_year

SEARCH_MAX = 100
SEARCH_WORDS = 8
REASON_MAX = 500
# The stages whose free text may be quoted, and the measures quoted at each.
QUOTABLE: dict[Stage, tuple[str, ...]] = {}
for _measure in measures.MEASURES:
    if _measure.quotable:
        QUOTABLE.setdefault(_measure.stage, ())
        QUOTABLE[_measure.stage] += (_measure.code,)


class RedactionError(DomainError):
    pass


@dataclass(frozen=True)
class Chosen:
    """What a list is narrowed to: a period (by the day the course was done), a course, a
    stage, a theme (quotes) and words that must all appear in the text."""

    period: Period | None = None
    course_id: int | None = None
    stage: Stage | None = None
    theme_id: int | None = None
    search: str = ""

    @property
    def words(self) -> list[str]:
        return clean_search(self.search).lower().split()[:SEARCH_WORDS]


def clean_search(text: str | None) -> str:
    return " ".join(single_line(text or "").split())[:SEARCH_MAX]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_answers() -> sa.Select:
    """Every answered free-text answer, with its question and response loaded (no person)."""
    return (
        sa.select(Answer)
        .join(Answer.question)
        .join(Answer.response)
        .join(Response.course)
        .where(Question.kind == QuestionKind.TEXT, Response.answered_at.is_not(None))
        .options(
            contains_eager(Answer.question),
            contains_eager(Answer.response)
            .contains_eager(Response.course)
            .selectinload(Course.themes),
        )
    )


def _narrowed(query: sa.Select, chosen: Chosen) -> sa.Select:
    if chosen.period is not None:
        query = query.where(Response.course_on.between(chosen.period.first, chosen.period.last))
    if chosen.course_id:
        query = query.where(Response.course_id == chosen.course_id)
    if chosen.stage is not None:
        query = query.where(Response.stage == chosen.stage)
    if chosen.theme_id:
        query = query.where(
            Response.course_id.in_(
                sa.select(course_themes.c.course_id).where(
                    course_themes.c.theme_id == chosen.theme_id
                )
            )
        )
    for word in chosen.words:
        query = query.where(sa.func.lower(Answer.text).like(_like(word), escape="\\"))
    return query.order_by(Response.answered_at.desc(), Answer.id.desc())


def comments(chosen: Chosen) -> sa.Select:
    """Every free-text answer of every stage, newest first; redacted ones included (their
    text is gone, and a search never finds them)."""
    return _narrowed(_text_answers(), chosen)


def quotable_condition():
    return sa.or_(
        *(
            sa.and_(Response.stage == stage, Question.measure.in_(codes))
            for stage, codes in QUOTABLE.items()
        )
    )


def quotes(chosen: Chosen) -> sa.Select:
    """The quotable answers given with consent, not redacted, not withdrawn, newest first."""
    query = _text_answers().where(
        quotable_condition(),
        Response.quote_consent.is_(True),
        Response.withdrawn_at.is_(None),
        Answer.redacted_at.is_(None),
        Answer.text.is_not(None),
        Answer.text != "",
    )
    return _narrowed(query, chosen)


def financial_years(*, today: date) -> list[Period]:
    """The financial years from the earliest course answered about to this one, newest first."""
    earliest = db.session.scalar(
        sa.select(sa.func.min(Response.course_on)).where(Response.answered_at.is_not(None))
    )
    last = fy_start_year(today)
    first = min(fy_start_year(earliest), last) if earliest else last
    return [financial_year(year) for year in range(last, first - 1, -1)]


def courses_answered() -> list[tuple[int, str]]:
    """The courses with at least one answered response, by title, for the course filter."""
    return list(
        db.session.execute(
            sa.select(Course.id, Course.title)
            .where(
                Course.id.in_(
                    sa.select(Response.course_id).where(Response.answered_at.is_not(None))
                )
            )
            .order_by(Course.title, Course.id)
        )
    )


def month_of(answer: Answer) -> str:
    return answer.response.course_on.strftime("%B %Y")


def removed_text(answer: Answer) -> str:
    if answer.redacted_by_id is None:
        return f"Removed on {uk_date(answer.redacted_at)}: not kept beyond the retention period"
    return f"Removed by an administrator on {uk_date(answer.redacted_at)}"


# Redaction -------------------------------------------------------------------------------------


def text_answer(answer_id: int) -> Answer | None:
    """A free-text answer of an answered response, or None (no such answer, or not text)."""
    return db.session.scalar(
        _text_answers().where(Answer.id == answer_id).execution_options(populate_existing=True)
    )


def redact(answer: Answer, reason: str | None, *, by, now: datetime) -> Answer:
    """Remove a comment's text for good, keeping who removed it and when; audited with the
    reason and never the text. A comment removed already is refused, and nothing changes."""
    reason = single_line(reason or "").strip()
    if answer.redacted_at is not None:
        raise RedactionError(
            f"This comment was already removed on {uk_date(answer.redacted_at)}. "
            "Nothing was changed",
            field="reason",
        )
    if not reason:
        raise RedactionError("Enter why the comment is being removed", field="reason")
    if len(reason) > REASON_MAX:
        raise RedactionError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    removed = db.session.execute(
        sa.update(Answer)
        .where(Answer.id == answer.id, Answer.redacted_at.is_(None))
        .values(text=None, redacted_at=now, redacted_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed != 1:
        raise RedactionError(
            "Someone else removed this comment a moment ago. Nothing was changed", field="reason"
        )
    db.session.refresh(answer)
    audit.record(
        "feedback.comment_redacted",
        answer,
        actor=by,
        after={
            "answer_id": answer.id,
            "response_id": answer.response_id,
            "question_id": answer.question_id,
        },
        reason=reason,
    )
    return answer


# The quotes download ---------------------------------------------------------------------------

QUOTE_COLUMNS = ("Quote", "Question", "Stage", "Course", "Level", "Themes", "Month")


def quotes_csv(answers: Iterable[Answer], *, about: list[tuple[str, str]]) -> str:
    """The quotes as CSV text (with a byte order mark, for Excel): what was chosen, a blank
    line, then a row per quote. No cell can run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in about:
        writer.writerow([safe_cell(label), safe_cell(value)])
    writer.writerow([])
    writer.writerow(QUOTE_COLUMNS)
    for answer in answers:
        course = answer.response.course
        writer.writerow(
            [
                safe_cell(answer.text),
                safe_cell(answer.question.text),
                answer.response.stage.label,
                safe_cell(course.title),
                f"Level {course.level}",
                safe_cell(", ".join(theme.name for theme in course.themes)),
                month_of(answer),
            ]
        )
    return "\ufeff" + out.getvalue()
