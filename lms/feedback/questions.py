"""The question sets: the current version of each stage, and saving an edit as the next one.

A saved version is never changed. The first time a stage's questions are needed and none exist,
version 1 is made from the defaults in `lms.feedback.measures`, so a new partnership has a
sensible set without doing anything."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.audit import services as audit
from lms.core.errors import DomainError
from lms.core.forms import optional_int
from lms.core.text import single_line
from lms.extensions import db
from lms.feedback import measures
from lms.feedback.models import Question, QuestionKind, QuestionSet, Stage

TEXT_MAX = 500
LABEL_MAX = 100
MOST_QUESTIONS = 30
# The scales an administrator may give a question of their own.
CUSTOM_SCALES = {(1, 5), (1, 10)}


@dataclass(frozen=True)
class QuestionSpec:
    """One question as an edit describes it, in order."""

    text: str
    kind: QuestionKind
    required: bool = True
    hint: str = ""
    measure: str | None = None
    scale: tuple[int, int] | None = None
    low_label: str = ""
    high_label: str = ""

    @classmethod
    def of(cls, question: Question) -> "QuestionSpec":
        scale = (question.scale_min, question.scale_max) if question.scale_min else None
        return cls(
            text=question.text,
            kind=question.kind,
            required=question.required,
            hint=question.hint,
            measure=question.measure,
            scale=scale,
            low_label=question.low_label,
            high_label=question.high_label,
        )


def default_specs(stage: Stage) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            text=m.text,
            kind=m.kind,
            required=m.required,
            hint=m.hint,
            measure=m.code,
            scale=m.scale,
            low_label=m.labels[0],
            high_label=m.labels[1],
        )
        for m in measures.MEASURES
        if m.stage is stage
    ]


def latest(stage: Stage) -> QuestionSet | None:
    return db.session.scalar(
        sa.select(QuestionSet)
        .where(QuestionSet.stage == stage)
        .order_by(QuestionSet.version.desc())
        .limit(1)
    )


def current_set(stage: Stage) -> QuestionSet:
    """The version of the stage's questions asked now; version 1 from the defaults if none."""
    found = latest(stage)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = _add_version(stage, 1, default_specs(stage), by=None)
    except IntegrityError:
        found = latest(stage)
    return found


def shown_set(stage: Stage, posted: str | None) -> tuple[QuestionSet, bool]:
    """The version of the stage's questions an answer form showed (its hidden `question_set`
    field, as posted), so answers to a version replaced meanwhile keep it; the current one
    when the posted id is missing, malformed, unknown or another stage's. True when it fell
    back, so the page can say the questions changed."""
    shown = None
    number = optional_int((posted or "").strip())
    if number is not None and number > 0:
        shown = db.session.get(QuestionSet, number)
    if shown is None or shown.stage is not stage:
        return current_set(stage), True
    return shown, False


def versions(stage: Stage) -> list[QuestionSet]:
    return list(
        db.session.scalars(
            sa.select(QuestionSet)
            .where(QuestionSet.stage == stage)
            .order_by(QuestionSet.version.desc())
        )
    )


def check(stage: Stage, specs: list[QuestionSpec]) -> list[QuestionSpec]:
    """The specs cleaned, or a DomainError naming the first problem: every measured question
    of the stage present once, with its own kind and scale; wording present and not too long;
    custom questions of an allowed kind and scale."""
    if not specs:
        raise DomainError("A set needs at least one question", field="questions")
    if len(specs) > MOST_QUESTIONS:
        raise DomainError(f"A set can have at most {MOST_QUESTIONS} questions", field="questions")
    wanted = measures.BY_STAGE[stage]
    seen: set[str] = set()
    cleaned = []
    for number, spec in enumerate(specs, start=1):
        text = single_line(spec.text or "").strip()
        if not text:
            raise DomainError(f"Question {number} needs its wording", field="questions")
        if len(text) > TEXT_MAX:
            raise DomainError(
                f"Question {number} must be {TEXT_MAX} characters or fewer", field="questions"
            )
        hint = single_line(spec.hint or "").strip()[:TEXT_MAX]
        low = single_line(spec.low_label or "").strip()[:LABEL_MAX]
        high = single_line(spec.high_label or "").strip()[:LABEL_MAX]
        if spec.measure is not None:
            fixed = wanted.get(spec.measure)
            if fixed is None or spec.measure in seen:
                raise DomainError(
                    f"Question {number} is not one of this stage's questions", field="questions"
                )
            seen.add(spec.measure)
            kind, scale = fixed.kind, fixed.scale
        else:
            kind, scale = spec.kind, spec.scale
            if kind is QuestionKind.OUTCOMES:
                raise DomainError(
                    "The learning outcomes question is asked once, straight after the course",
                    field="questions",
                )
            if kind is QuestionKind.SCALE and scale not in CUSTOM_SCALES:
                raise DomainError(
                    f"Question {number} must be rated 1 to 5 or 1 to 10", field="questions"
                )
            if kind is not QuestionKind.SCALE:
                scale = None
        cleaned.append(
            QuestionSpec(
                text=text,
                kind=kind,
                required=bool(spec.required),
                hint=hint,
                measure=spec.measure,
                scale=scale,
                low_label=low if scale else "",
                high_label=high if scale else "",
            )
        )
    missing = [code for code in wanted if code not in seen]
    if missing:
        raise DomainError(
            f"The question '{wanted[missing[0]].text}' is one the statistics read, so it "
            "cannot be removed (it can be reworded or made optional)",
            field="questions",
        )
    return cleaned


CLASH = (
    "Someone else saved these questions while you were editing them. Nothing was "
    "saved: look at their version and make your change again"
)


def save_version(
    stage: Stage, specs: list[QuestionSpec], *, by, based_on: int | None = None
) -> QuestionSet:
    """Save an edit as the stage's next version (the current one, and every answer to it,
    stay as they are). Nothing changes when the edit changes nothing. `based_on` is the
    version the editor was shown (0: the defaults, none saved yet); an edit of a version that
    is no longer the current one is refused. Audited."""
    cleaned = check(stage, specs)
    if based_on is not None:
        shown = latest(stage)
        if (shown.version if shown is not None else 0) != based_on:
            raise DomainError(CLASH, field="questions")
    current = current_set(stage)
    if [QuestionSpec.of(q) for q in current.questions] == cleaned:
        return current
    try:
        with db.session.begin_nested():
            made = _add_version(stage, current.version + 1, cleaned, by=by)
    except IntegrityError:
        raise DomainError(CLASH, field="questions") from None
    audit.record(
        "feedback.questions_saved",
        made,
        actor=by,
        before={"version": current.version},
        after={"version": made.version, "questions": [s.text for s in cleaned]},
    )
    return made


def _add_version(stage: Stage, version: int, specs: list[QuestionSpec], *, by) -> QuestionSet:
    made = QuestionSet(stage=stage, version=version, created_by_id=by.id if by else None)
    db.session.add(made)
    for position, spec in enumerate(specs, start=1):
        made.questions.append(
            Question(
                position=position,
                measure=spec.measure,
                kind=spec.kind,
                text=spec.text,
                hint=spec.hint,
                required=spec.required,
                scale_min=spec.scale[0] if spec.scale else None,
                scale_max=spec.scale[1] if spec.scale else None,
                low_label=spec.low_label,
                high_label=spec.high_label,
            )
        )
    db.session.flush()
    return made
