"""Forms of self-declared training: the declaration with its evidence, and the decision."""

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import UKDateField, choices, optional_int
from lms.elearning.declarations import REASON_LIMIT, Kind


class DeclarationForm(FlaskForm):
    """Every rule (which fields a kind needs, the date, the hours, the file) is checked by the
    service, which reports every refused field at once; here only the date's own parts."""

    kind = RadioField(
        "What did you complete?",
        choices=choices((kind.value, kind.label) for kind in Kind),
        description="Choose one, then fill in its part of the form below",
        validate_choice=False,
        widget=GovRadioInput(),
    )
    course_id = SelectField(
        "E-learning module",
        description="If you completed one of the partnership's e-learning modules",
        coerce=optional_int,
        validate_choice=False,
        widget=GovSelect(),
    )
    title = StringField(
        "Title of the training",
        description="If you did training outside the partnership",
        widget=GovTextInput(),
    )
    provider_name = StringField(
        "Who provided it",
        description="For example, the NSPCC, your employer or a university",
        widget=GovTextInput(),
    )
    hours = StringField(
        "How many hours it took",
        description="In hours and half hours, for example 3 or 1.5",
        widget=GovTextInput(),
        render_kw={"inputmode": "decimal", "spellcheck": "false"},
    )
    completed_on = UKDateField("Date you completed it", description="For example, 27 3 2026")
    evidence = FileField(
        "Certificate or other evidence",
        description="A PDF, PNG or JPEG file, 5 MB or smaller",
        widget=GovFileInput(),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )
    submit = SubmitField("Send for checking", widget=GovSubmitInput())

    def set_modules(self, modules) -> None:
        self.course_id.choices = choices(
            ((module.id, module.title) for module in modules), blank="Select a module"
        )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Why is it rejected?",
        description="The person is told this reason by email",
        validators=[
            Length(
                max=REASON_LIMIT, message=f"The reason must be {REASON_LIMIT} characters or fewer"
            )
        ],
        widget=GovTextArea(),
    )
    submit = SubmitField("Reject", widget=GovSubmitInput())


class VerifyForm(FlaskForm):
    submit = SubmitField("Verify", widget=GovSubmitInput())
