"""The form that edits a stage's questions: one row per question (kept, measured or the admin's
own), and blank rows to add one. It is turned into the specs `questions.save_version` reads."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, FieldList, FormField, HiddenField, StringField, SubmitField
from wtforms.validators import Length

from lms.core.forms import AppForm, ListField, choices
from lms.core.inputs import digits
from lms.feedback import measures
from lms.feedback.models import Question, QuestionKind, QuestionSet, Stage
from lms.feedback.questions import (
    LABEL_MAX,
    MOST_QUESTIONS,
    TEXT_MAX,
    QuestionSpec,
    default_specs,
)

# The kinds an administrator may give a question of their own: (value, label, kind, scale).
KINDS = (
    ("scale_5", "Rating from 1 to 5", QuestionKind.SCALE, (1, 5)),
    ("scale_10", "Rating from 1 to 10", QuestionKind.SCALE, (1, 10)),
    ("yes_no", "Yes or no", QuestionKind.YES_NO, None),
    ("text", "Free text", QuestionKind.TEXT, None),
)
KIND_BY_VALUE = {value: (kind, scale) for value, _, kind, scale in KINDS}
BLANK_ROWS = 2


def kind_value(kind: QuestionKind, scale: tuple[int, int] | None) -> str:
    return next((value for value, _, k, s in KINDS if k is kind and s == scale), KINDS[-1][0])


def describe(kind: QuestionKind, scale: tuple[int, int] | None) -> str:
    """A question's kind in words, e.g. "Rating from 1 to 10"."""
    if kind is QuestionKind.SCALE and scale:
        return f"Rating from {scale[0]} to {scale[1]}"
    return kind.label


class QuestionRowForm(AppForm):
    class Meta:
        csrf = False

    # The measure code of a question the statistics read; empty for the admin's own.
    measure = HiddenField()
    # "1" for a question of the version being edited; empty for a row to add a question.
    kept = HiddenField()
    text = StringField(
        "Wording",
        validators=[Length(max=TEXT_MAX)],
        widget=GovTextInput(),
    )
    hint = StringField(
        "Hint (optional)",
        validators=[Length(max=TEXT_MAX)],
        widget=GovTextInput(),
    )
    required = BooleanField("An answer is required", widget=GovCheckboxInput())
    kind = ListField(
        "Kind of question",
        choices=choices((value, label) for value, label, _, _ in KINDS),
        default="text",
        widget=GovSelect(),
    )
    low_label = StringField(
        "Words beside the lowest rating (optional)",
        validators=[Length(max=LABEL_MAX)],
        widget=GovTextInput(),
    )
    high_label = StringField(
        "Words beside the highest rating (optional)",
        validators=[Length(max=LABEL_MAX)],
        widget=GovTextInput(),
    )
    position = StringField("Position", widget=GovTextInput())
    remove = BooleanField("Remove this question", widget=GovCheckboxInput())

    @property
    def is_measured(self) -> bool:
        return bool(self.measure.data)

    @property
    def is_new(self) -> bool:
        return not self.kept.data and not self.is_measured

    @property
    def is_blank(self) -> bool:
        typed = (self.text, self.hint, self.low_label, self.high_label)
        return self.is_new and not any((field.data or "").strip() for field in typed)

    def name_question(self, number: int, stage: Stage) -> None:
        """Name the fields after the row they belong to, so each message says which one."""
        self.number = number
        self.fixed = measures.BY_STAGE[stage].get(self.measure.data or "")
        what = f"new question {number}" if self.is_new else f"question {number}"
        self.text.label.text = f"Wording of {what}"
        self.hint.label.text = f"Hint for {what} (optional)"
        self.required.label.text = f"An answer to {what} is required"
        self.kind.label.text = f"Kind of {what}"
        self.low_label.label.text = f"Words beside the lowest rating of {what} (optional)"
        self.high_label.label.text = f"Words beside the highest rating of {what} (optional)"
        self.position.label.text = f"Position of {what}"
        self.remove.label.text = f"Remove {what}"
        # Validators are shared by every form of the class: each row gets its own.
        for field, limit in (
            (self.text, TEXT_MAX),
            (self.hint, TEXT_MAX),
            (self.low_label, LABEL_MAX),
            (self.high_label, LABEL_MAX),
        ):
            message = f"{field.label.text} must be {limit} characters or fewer"
            field.validators = [Length(max=limit, message=message)]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank or self.remove.data:
            return valid
        if not (self.text.data or "").strip():
            self.text.errors = [*self.text.errors, f"Enter the wording of question {self.number}"]
            valid = False
        typed = (self.position.data or "").strip()
        if typed and not 1 <= (digits(typed, longest=4) or 0) <= MOST_QUESTIONS:
            self.position.errors = [
                *self.position.errors,
                f"The position of question {self.number} must be a whole number from 1 to "
                f"{MOST_QUESTIONS}",
            ]
            valid = False
        return valid

    def spec(self) -> QuestionSpec:
        if self.is_measured:
            kind, scale = self.fixed.kind if self.fixed else QuestionKind.TEXT, None
        else:
            kind, scale = KIND_BY_VALUE.get(self.kind.data, (QuestionKind.TEXT, None))
        return QuestionSpec(
            text=self.text.data or "",
            kind=kind,
            required=bool(self.required.data),
            hint=self.hint.data or "",
            measure=self.measure.data or None,
            scale=scale,
            low_label=self.low_label.data or "",
            high_label=self.high_label.data or "",
        )


class QuestionSetForm(AppForm):
    # The version the page was loaded from (0: the defaults), so an edit of a version someone
    # else replaced meanwhile is refused rather than silently overwriting theirs.
    version = HiddenField()
    questions = FieldList(FormField(QuestionRowForm), max_entries=MOST_QUESTIONS + BLANK_ROWS)
    submit = SubmitField("Save as a new version", widget=GovSubmitInput())

    # A refusal of the set as a whole is shown above its questions.
    error_fields = {"questions": ""}

    def name_rows(self, stage: Stage) -> None:
        for number, row in enumerate(self.questions, start=1):
            row.form.name_question(number, stage)

    @property
    def shown_version(self) -> int | None:
        typed = (self.version.data or "").strip()
        return digits(typed, longest=8)

    def specs(self) -> list[QuestionSpec]:
        """The questions in their new order: each at the position typed (a question moved goes
        before one already there), removed ones and blank rows left out (a measured question
        removed is then refused by `questions.check`)."""
        rows = []
        for index, entry in enumerate(self.questions):
            row = entry.form
            if row.is_blank or row.remove.data:
                continue
            typed = (row.position.data or "").strip()
            position = digits(typed, longest=4) or index + 1
            rows.append((position, position == index + 1, index, row.spec()))
        rows.sort(key=lambda item: item[:3])
        return [spec for *_, spec in rows]


def row_data(question: Question | QuestionSpec, position: int) -> dict:
    spec = question if isinstance(question, QuestionSpec) else QuestionSpec.of(question)
    return {
        "measure": spec.measure or "",
        "kept": "1",
        "text": spec.text,
        "hint": spec.hint,
        "required": spec.required,
        "kind": kind_value(spec.kind, spec.scale),
        "low_label": spec.low_label,
        "high_label": spec.high_label,
        "position": str(position),
    }


def question_set_form(stage: Stage, shown: QuestionSet | None, formdata=None) -> QuestionSetForm:
    """The edit form: filled from the version shown (or the defaults) on a GET, from what was
    posted otherwise; rows named by number."""
    if formdata is not None:
        form = QuestionSetForm(formdata=formdata)
    else:
        specs = (
            [QuestionSpec.of(q) for q in shown.questions]
            if shown is not None
            else default_specs(stage)
        )
        rows = [row_data(spec, number) for number, spec in enumerate(specs, start=1)]
        blank = min(BLANK_ROWS, MOST_QUESTIONS + BLANK_ROWS - len(rows))
        rows += [{"required": True, "position": ""} for _ in range(max(blank, 0))]
        form = QuestionSetForm(
            formdata=None, data={"version": str(shown.version if shown else 0), "questions": rows}
        )
    form.name_rows(stage)
    return form
