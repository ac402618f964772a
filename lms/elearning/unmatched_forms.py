"""Forms of the unmatched queue: confirming a match, and dismissing a row with a reason."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from lms.core.forms import AppForm as FlaskForm
from lms.elearning.unmatched import REASON_LIMIT


class ConfirmMatchForm(FlaskForm):
    # Offered when other completions wait for the same address.
    same_address = BooleanField(
        description="Each counts for the agency they were in on its day",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Match to this person", widget=GovSubmitInput())


class DismissForm(FlaskForm):
    reason = TextAreaField(
        "Why is this completion dismissed?",
        description="For example, a test account of the provider, or someone outside the "
        "partnership. The completion stays on the list of dismissed ones with this reason.",
        validators=[
            InputRequired("Enter why this completion is dismissed"),
            Length(
                max=REASON_LIMIT,
                message=f"The reason must be {REASON_LIMIT} characters or fewer",
            ),
        ],
        widget=GovTextArea(),
    )
    submit = SubmitField("Dismiss the completion", widget=GovSubmitInput())
