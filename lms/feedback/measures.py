"""The questions the statistics read, and the default set of questions for each stage.

A measured question is identified by its `measure` code, not its wording: an administrator may
reword it, make it optional or move it, but its kind and scale stay as defined here (a mean of
answers on two different scales would mean nothing), and it cannot be removed from its stage.
Its answer is copied into the response column named here, which the impact report reads."""

from dataclasses import dataclass

from lms.feedback.models import QuestionKind, Stage

SCALE, YES_NO, TEXT, OUTCOMES = (
    QuestionKind.SCALE,
    QuestionKind.YES_NO,
    QuestionKind.TEXT,
    QuestionKind.OUTCOMES,
)
# The five-point scale of changed practice: 2 or more ("a little" or more) counts as changed.
CHANGE_LABELS = ("Not at all", "A great deal")
CHANGED_FROM = 2


@dataclass(frozen=True)
class Measure:
    code: str
    stage: Stage
    kind: QuestionKind
    text: str  # the default wording
    hint: str = ""
    column: str | None = None  # the Response column its answer is copied into
    scale: tuple[int, int] | None = None
    labels: tuple[str, str] = ("", "")
    required: bool = True
    # Free text that may be quoted anonymously when the respondent consented.
    quotable: bool = False


NOT_NAMING = (
    "Do not name or describe children, families, colleagues or anyone else who could be identified."
)
KNOWLEDGE_HINT = "1 is none at all and 10 is expert, thinking of the learning outcomes above."

MEASURES: tuple[Measure, ...] = (
    Measure(
        "knowledge",
        Stage.BEFORE,
        SCALE,
        "How would you rate your knowledge of this subject now?",
        KNOWLEDGE_HINT,
        "knowledge",
        (1, 10),
        ("No knowledge", "Expert"),
    ),
    Measure(
        "confidence",
        Stage.BEFORE,
        SCALE,
        "How confident do you feel applying it in your work now?",
        KNOWLEDGE_HINT,
        "confidence",
        (1, 10),
        ("Not at all confident", "Very confident"),
    ),
    Measure(
        "rating",
        Stage.AFTER,
        SCALE,
        "Overall, how would you rate this course?",
        "1 is very poor and 5 is excellent.",
        "rating",
        (1, 5),
        ("Very poor", "Excellent"),
    ),
    Measure(
        "outcomes",
        Stage.AFTER,
        OUTCOMES,
        "Were the learning outcomes met for you?",
        "Answer for each learning outcome of the course.",
    ),
    Measure(
        "trainer",
        Stage.AFTER,
        SCALE,
        "How would you rate the trainer?",
        "1 is very poor and 5 is excellent.",
        "trainer_rating",
        (1, 5),
        ("Very poor", "Excellent"),
    ),
    Measure(
        "venue",
        Stage.AFTER,
        SCALE,
        "How would you rate the venue, or the online experience?",
        "1 is very poor and 5 is excellent.",
        "venue_rating",
        (1, 5),
        ("Very poor", "Excellent"),
    ),
    Measure(
        "knowledge",
        Stage.AFTER,
        SCALE,
        "How would you rate your knowledge of this subject now?",
        "1 is none at all and 10 is expert.",
        "knowledge",
        (1, 10),
        ("No knowledge", "Expert"),
    ),
    Measure(
        "confidence",
        Stage.AFTER,
        SCALE,
        "How confident do you feel applying it in your work now?",
        "1 is not at all and 10 is very confident.",
        "confidence",
        (1, 10),
        ("Not at all confident", "Very confident"),
    ),
    Measure(
        "knowledge_before",
        Stage.AFTER,
        SCALE,
        "Looking back, how would you have rated your knowledge before the course?",
        "Asked only when you did not rate it before the course.",
        "knowledge_before",
        (1, 10),
        ("No knowledge", "Expert"),
    ),
    Measure(
        "confidence_before",
        Stage.AFTER,
        SCALE,
        "Looking back, how confident were you before the course?",
        "Asked only when you did not rate it before the course.",
        "confidence_before",
        (1, 10),
        ("Not at all confident", "Very confident"),
    ),
    Measure(
        "will_change",
        Stage.AFTER,
        TEXT,
        "What will you do differently in your practice as a result?",
        NOT_NAMING,
        quotable=True,
    ),
    Measure(
        "comments",
        Stage.AFTER,
        TEXT,
        "Any other comments about the course?",
        NOT_NAMING,
        required=False,
        quotable=True,
    ),
    Measure(
        "quote_consent",
        Stage.AFTER,
        YES_NO,
        "May the partnership quote your comments anonymously, for example in its annual report?",
        "Your name and agency are never shown with a quote.",
        "quote_consent",
    ),
    Measure(
        "practice_changed",
        Stage.FOLLOW_UP,
        SCALE,
        "Has your practice changed as a result of the course?",
        "1 is not at all and 5 is a great deal.",
        "practice_changed",
        (1, 5),
        CHANGE_LABELS,
    ),
    Measure(
        "example",
        Stage.FOLLOW_UP,
        TEXT,
        "Give an example of something you now do differently.",
        NOT_NAMING,
        required=False,
        quotable=True,
    ),
    Measure(
        "barriers",
        Stage.FOLLOW_UP,
        TEXT,
        "What, if anything, has got in the way of putting the learning into practice?",
        NOT_NAMING,
        required=False,
        quotable=True,
    ),
    Measure(
        "quote_consent",
        Stage.FOLLOW_UP,
        YES_NO,
        "May the partnership quote your answers anonymously, for example in its annual report?",
        "Your name and agency are never shown with a quote.",
        "quote_consent",
    ),
    Measure(
        "change_seen",
        Stage.MANAGER,
        SCALE,
        "Have you seen a change in their practice since the course?",
        "1 is not at all and 5 is a great deal.",
        "change_seen",
        (1, 5),
        CHANGE_LABELS,
    ),
    Measure(
        "example",
        Stage.MANAGER,
        TEXT,
        "If you have, give an example.",
        NOT_NAMING,
        required=False,
    ),
)

BY_STAGE: dict[Stage, dict[str, Measure]] = {stage: {} for stage in Stage}
for _measure in MEASURES:
    BY_STAGE[_measure.stage][_measure.code] = _measure

# Asked straight after only when the person gave no rating before the course.
RECALLED = ("knowledge_before", "confidence_before")


def measure(stage: Stage, code: str | None) -> Measure | None:
    return BY_STAGE[stage].get(code) if code else None
