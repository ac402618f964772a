"""The answer form of any stage, built from the version of the questions it shows.

Every rule (required answers, ranges, lengths) is checked by `responses.parse`, which names the
field it refuses; the form only carries the fields, cleaned of control characters by `AppForm`."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField

from lms.core.forms import AppForm, choices, optional_int
from lms.feedback import responses
from lms.feedback.models import OutcomeMet, QuestionKind, QuestionSet, Response

YES_NO = (("yes", "Yes"), ("no", "No"))


class AnswerForm(AppForm):
    """The fields are added per question by `answer_form`; the version shown travels with it,
    so answers to a version replaced while the form was open keep that version."""

    question_set = HiddenField(filters=[optional_int])
    submit = SubmitField("Send your answers", widget=GovSubmitInput())

    def values(self) -> dict[str, str]:
        """The answers as `responses.parse` reads them: field name -> text."""
        return {
            field.name: "" if field.data is None else str(field.data)
            for field in self
            if field.name.startswith(("q", "outcome"))
        }


def _scale_choices(question) -> list:
    numbers = range(question.scale_min, question.scale_max + 1)
    return choices((number, str(number)) for number in numbers)


def _hint(question) -> str:
    ends = ""
    if question.kind is QuestionKind.SCALE and question.low_label and question.high_label:
        ends = (
            f"{question.scale_min} is {question.low_label.lower()} and "
            f"{question.scale_max} is {question.high_label.lower()}."
        )
    if question.hint and ends and question.hint.startswith(f"{question.scale_min} is"):
        return question.hint  # the hint already says what the ends mean
    return " ".join(part for part in (question.hint, ends) if part)


def answer_form(response: Response, question_set: QuestionSet, **kwargs) -> AnswerForm:
    """An instance of a form class made for these questions (pass `formdata` to read a POST)."""

    class Form(AnswerForm):
        pass

    for question in responses.questions_shown(response, question_set):
        if question.kind is QuestionKind.OUTCOMES:
            for position, outcome in enumerate(response.course.outcomes, start=1):
                setattr(
                    Form,
                    responses.outcome_field(position),
                    RadioField(
                        outcome,
                        choices=choices((met.value, met.label) for met in OutcomeMet),
                        validate_choice=False,
                        widget=GovRadioInput(),
                    ),
                )
            continue
        name = responses.field_name(question)
        if question.kind is QuestionKind.TEXT:
            field = TextAreaField(question.text, description=_hint(question), widget=GovTextArea())
        elif question.kind is QuestionKind.YES_NO:
            field = RadioField(
                question.text,
                description=_hint(question),
                choices=choices(YES_NO),
                validate_choice=False,
                widget=GovRadioInput(),
            )
        else:
            field = RadioField(
                question.text,
                description=_hint(question),
                choices=_scale_choices(question),
                validate_choice=False,
                widget=GovRadioInput(),
            )
        setattr(Form, name, field)
    form = Form(**kwargs)
    if form.question_set.data is None:
        form.question_set.data = question_set.id
    return form


def outcomes_heading(response: Response, question_set: QuestionSet) -> str | None:
    """The wording of the outcomes question, when this response asks it."""
    for question in responses.questions_shown(response, question_set):
        if question.kind is QuestionKind.OUTCOMES:
            return question.text
    return None
