"""Forms for booking, cancelling, passing a place on, deciding and administering bookings."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import choices, optional_int
from lms.settings.services import LIMITS


def _from_to(name: str) -> str:
    low, high, _ = LIMITS[name]
    return f"From {low} to {high}"


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Enter the reason"), Length(max=1000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ColleagueForm(FlaskForm):
    """A coordinator books a place for someone in their agency. Nobody is chosen until the
    coordinator chooses; whether they may book for the person is the route's permission check."""

    person_id = SelectField(
        "Book for a colleague",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("Select the colleague to book")],
        widget=GovSelect(),
    )
    submit = SubmitField("Book for this colleague", widget=GovSubmitInput())

    def set_colleagues(self, people) -> None:
        self.person_id.choices = choices(
            ((person.id, person.name) for person in people), blank="Select a colleague"
        )


class PersonByEmailForm(FlaskForm):
    email = StringField(
        "Their work email address",
        validators=[InputRequired("Enter their work email address"), Length(max=254)],
        widget=GovTextInput(),
        render_kw={"type": "email", "spellcheck": "false", "autocomplete": "off"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class AdminPlaceForm(FlaskForm):
    email = StringField(
        "Work email address of the person to add",
        validators=[Optional(), Length(max=254)],
        widget=GovTextInput(),
        render_kw={"type": "email", "spellcheck": "false"},
    )
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Enter the reason"), Length(max=1000)],
        widget=GovTextArea(),
    )
    # Asked only when the session is full; the service refuses an unconfirmed place over capacity.
    confirm = BooleanField(
        "I confirm this person gets a place even if the session is full",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Confirm the place", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    approval_hold_days = IntegerField(
        "Days a booking waiting for approval holds its place",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    auto_promotion_days = IntegerField(
        "Days before a session when a freed place becomes a time-limited offer",
        description="Further away than this, the first person waiting gets the place at once",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    offer_hours = IntegerField(
        "Hours a person has to accept an offered place",
        validators=[InputRequired("Enter a number of hours")],
        widget=GovTextInput(),
    )
    reminder_days = IntegerField(
        "Days before a session the reminder is sent",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    no_show_charge = DecimalField(
        "Charge for a no-show (£)",
        places=2,
        description="0 means no-shows are not charged",
        validators=[InputRequired("Enter an amount in pounds, or 0")],
        widget=GovTextInput(),
    )
    late_cancellation_charge = DecimalField(
        "Charge for a late cancellation (£)",
        places=2,
        description="0 means late cancellations are not charged",
        validators=[InputRequired("Enter an amount in pounds, or 0")],
        widget=GovTextInput(),
    )
    exempt_statutory_partners = BooleanField(
        "Never charge the statutory partners (council, health, police)", widget=GovCheckboxInput()
    )
    dispute_window_days = IntegerField(
        "Days an agency has to dispute a charge",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    repeat_no_show_threshold = IntegerField(
        "No-shows in twelve months after which a person's bookings need approval",
        description="0 turns this rule off",
        validators=[InputRequired("Enter a number")],
        widget=GovTextInput(),
    )
    attendance_threshold_percent = IntegerField(
        "Share of the time a virtual attendee must be present to count as attended (%)",
        validators=[InputRequired("Enter a percentage")],
        widget=GovTextInput(),
    )
    late_after_minutes = IntegerField(
        "Minutes after the start from which someone counts as late",
        description="Used for self check-in and for people joining a virtual session",
        validators=[InputRequired("Enter a number of minutes")],
        widget=GovTextInput(),
    )
    renewal_reminder_days = IntegerField(
        "Days before an e-learning completion expires that its holder is reminded to renew it",
        description="From 1 to 180. It shows as due for renewal from then too",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    follow_up_weeks = IntegerField(
        "Weeks after the course the follow-up is sent",
        description=f"{_from_to('follow_up_weeks')}. The practitioner, and their line manager "
        "if they gave an address, are asked what changed in their practice",
        validators=[InputRequired("Enter a number of weeks")],
        widget=GovTextInput(),
    )
    feedback_reminder_days = IntegerField(
        "Days before an unanswered evaluation request is reminded",
        description=f"{_from_to('feedback_reminder_days')}. Each request is reminded once",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    feedback_link_days = IntegerField(
        "Days a follow-up link works",
        description=_from_to("feedback_link_days"),
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    fewest_responses = IntegerField(
        "Fewest responses a percentage or average is shown for",
        description=f"{_from_to('fewest_responses')}. A figure resting on fewer is shown as "
        "too few responses",
        validators=[InputRequired("Enter a number of responses")],
        widget=GovTextInput(),
    )
    certificates_wait_for_evaluation = BooleanField(
        "Certificates wait until the evaluation straight after the course is answered",
        widget=GovCheckboxInput(),
    )
    compliance_due_months = IntegerField(
        "Compliance is due this many months before it runs out",
        description=f"{_from_to('compliance_due_months')}. People and their coordinators see "
        "a requirement as due soon from then",
        validators=[InputRequired("Enter a number of months")],
        widget=GovTextInput(),
    )
    suppress_below = IntegerField(
        "Published tables show counts below this as “fewer than” it",
        description=f"{_from_to('suppress_below')}. For example 5: counts from 1 to 4 are shown "
        "as “fewer than 5” in the annual report's publication version",
        validators=[InputRequired("Enter a number")],
        widget=GovTextInput(),
    )
    retention_inactive_months = IntegerField(
        "Months without activity after which an account is erased",
        description=f"{_from_to('retention_inactive_months')}. Activity is signing in, booking, "
        "attending, completing e-learning or declaring training. The person's name and details "
        "are removed; their training still counts in the figures. Accounts with a role other "
        "than practitioner are never erased this way",
        validators=[InputRequired("Enter a number of months")],
        widget=GovTextInput(),
    )
    retention_outbox_days = IntegerField(
        "Days a message is kept after it was sent",
        description=f"{_from_to('retention_outbox_days')}. Messages that could not be sent are "
        "deleted the same time after they were given up on",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    retention_comment_months = IntegerField(
        "Months comments in evaluations are kept",
        description=f"{_from_to('retention_comment_months')}. Counted from when the evaluation "
        "was answered. The ratings stay",
        validators=[InputRequired("Enter a number of months")],
        widget=GovTextInput(),
    )
    retention_unmatched_months = IntegerField(
        "Months e-learning completions that matched nobody are kept",
        description=f"{_from_to('retention_unmatched_months')}. Counted from when they arrived; "
        "an uploaded file never imported is deleted after the same time",
        validators=[InputRequired("Enter a number of months")],
        widget=GovTextInput(),
    )
    retention_audit_months = IntegerField(
        "Months audit events are kept",
        description=f"{_from_to('retention_audit_months')}. Changes to attendance registers "
        "are kept for as long as the registers",
        validators=[InputRequired("Enter a number of months")],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    # The retention schedule, shown under its own heading.
    RETENTION = (
        "retention_inactive_months",
        "retention_outbox_days",
        "retention_comment_months",
        "retention_unmatched_months",
        "retention_audit_months",
    )
    # The compliance and publication settings, shown under their own heading.
    COMPLIANCE = ("compliance_due_months", "suppress_below")
    # The evaluation settings, shown under their own heading.
    EVALUATION = (
        "follow_up_weeks",
        "feedback_reminder_days",
        "feedback_link_days",
        "fewest_responses",
        "certificates_wait_for_evaluation",
    )

    def values(self) -> dict:
        pence = {
            "no_show_charge_pence": self.no_show_charge.data,
            "late_cancellation_charge_pence": self.late_cancellation_charge.data,
        }
        values = {
            name: int(round(amount * 100)) if amount is not None else None
            for name, amount in pence.items()
        }
        for name in (
            "approval_hold_days",
            "auto_promotion_days",
            "offer_hours",
            "reminder_days",
            "dispute_window_days",
            "repeat_no_show_threshold",
            "attendance_threshold_percent",
            "late_after_minutes",
            "renewal_reminder_days",
            "follow_up_weeks",
            "feedback_reminder_days",
            "feedback_link_days",
            "fewest_responses",
            *self.COMPLIANCE,
            *self.RETENTION,
        ):
            values[name] = getattr(self, name).data
        values["exempt_statutory_partners"] = bool(self.exempt_statutory_partners.data)
        values["certificates_wait_for_evaluation"] = bool(
            self.certificates_wait_for_evaluation.data
        )
        return values
