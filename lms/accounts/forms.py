"""Forms for registration, sign-in, password reset, account details and administration."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from lms.accounts.models import ROLE_LABELS, SECTOR_LABELS, Role, Sector
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import choices, optional_int


class PasswordInput(GovPasswordInput):
    """A GOV.UK password input whose `autocomplete` reaches the macro's own parameter, so the
    input carries it once (the macro otherwise adds autocomplete="current-password" too)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        attributes = params.get("attributes") or {}
        if "autocomplete" in attributes:
            params["autocomplete"] = attributes.pop("autocomplete")
        return params


EMAIL_PARAMS = {"type": "email", "autocomplete": "email", "spellcheck": "false"}


def _email(label: str, *, required: str | None, description: str = "") -> StringField:
    validators = [InputRequired(required)] if required else []
    return StringField(
        label,
        validators=[
            *validators,
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        widget=GovTextInput(),
        description=description,
        render_kw=EMAIL_PARAMS,
    )


def _text(label: str, required: str, *, autocomplete: str = "off") -> StringField:
    return StringField(
        label,
        validators=[
            InputRequired(required),
            Length(max=200, message=f"{label} must be 200 characters or fewer"),
        ],
        widget=GovTextInput(),
        render_kw={"autocomplete": autocomplete, "spellcheck": "false"},
    )


def _sector(required: str) -> RadioField:
    return RadioField(
        "Sector",
        choices=choices((sector.value, label) for sector, label in SECTOR_LABELS.items()),
        validators=[InputRequired(required)],
        widget=GovRadioInput(),
    )


def _agency_select(label: str = "Agency") -> SelectField:
    return SelectField(
        label,
        coerce=optional_int,
        validate_choice=False,
        validators=[InputRequired("Select your agency from the list")],
        widget=GovSelect(),
        description="The organisation you work for",
    )


class DetailsForm(FlaskForm):
    name = _text("Full name", "Enter your full name", autocomplete="name")
    email = _email(
        "Work email address",
        required="Enter your work email address",
        description="We suggest your agency from it",
    )
    job_title = _text("Job title", "Enter your job title", autocomplete="organization-title")
    agency_id = _agency_select()
    line_manager_email = _email(
        "Line manager's email address (optional)",
        required=None,
        description="We tell your line manager about bookings that need their attention",
    )

    def set_agencies(self, agencies):
        self.agency_id.choices = choices(
            ((agency.id, agency.name) for agency in agencies), blank="Select your agency"
        )


class RegistrationForm(DetailsForm):
    password = PasswordField(
        "Create a password",
        validators=[InputRequired("Enter a password")],
        widget=PasswordInput(),
        description="At least 8 characters. A few unrelated words make a strong password.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AccountForm(FlaskForm):
    """A person's own details; the email address is changed on its own page, with a link."""

    name = DetailsForm.name
    job_title = DetailsForm.job_title
    agency_id = _agency_select()
    line_manager_email = DetailsForm.line_manager_email
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    set_agencies = DetailsForm.set_agencies


class ChangeEmailForm(FlaskForm):
    email = _email("New email address", required="Enter your new email address")
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password")],
        widget=PasswordInput(),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Send a confirmation link", widget=GovSubmitInput())


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField("Send the link again", widget=GovSubmitInput())


class AgencyRequestForm(FlaskForm):
    """Someone whose agency is not listed asks the partnership to add it."""

    agency_name = _text("Name of your agency", "Enter the name of your agency")
    sector = _sector("Select the sector your agency works in")
    requester_name = _text("Your full name", "Enter your full name", autocomplete="name")
    email = _email(
        "Your work email address",
        required="Enter your work email address",
        description="We email you when your agency has been added",
    )
    details = TextAreaField(
        "Anything else we should know (optional)",
        description="For example, the agency's address or website",
        validators=[Length(max=2000, message="This must be 2000 characters or fewer")],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    @property
    def sector_value(self) -> Sector:
        return Sector(self.sector.data)


class ApiTokenForm(FlaskForm):
    """A name for a new API token; it shares the account page, so its names differ."""

    label = StringField(
        "Name of the token",
        validators=[
            InputRequired("Enter a name for the token"),
            Length(max=100, message="The name must be 100 characters or fewer"),
        ],
        widget=GovTextInput(),
        description="Say what will use it, so you know which to revoke later. "
        "For example, annual report spreadsheet.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    create = SubmitField("Create token", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = _email("Email address", required="Enter your email address")
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password")],
        widget=PasswordInput(),
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(
        "Keep me signed in on this device for 14 days", widget=GovCheckboxInput()
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = _email("Email address", required="Enter your email address")
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired("Enter a new password")],
        widget=PasswordInput(),
        description="At least 8 characters. A few unrelated words make a strong password.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password")],
        widget=PasswordInput(),
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password",
        validators=[InputRequired("Enter a new password")],
        widget=PasswordInput(),
        description="At least 8 characters.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class AgencyForm(FlaskForm):
    name = _text("Agency name", "Enter the agency's name")
    sector = _sector("Select the agency's sector")
    is_statutory_partner = BooleanField(
        "Statutory safeguarding partner (council, health or police)", widget=GovCheckboxInput()
    )
    is_charge_exempt = BooleanField("Never charged for non-attendance", widget=GovCheckboxInput())
    domains = TextAreaField(
        "Email domains",
        description="One per line, for example school.sch.uk. Used to suggest this agency when "
        "someone registers.",
        validators=[Length(max=4000, message="Email domains must be 4000 characters or fewer")],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save agency", widget=GovSubmitInput())

    @property
    def sector_value(self) -> Sector:
        return Sector(self.sector.data)


ROLE_CHOICES = choices((role.value, label) for role, label in ROLE_LABELS.items())


class UserForm(DetailsForm):
    name = _text("Full name", "Enter the person's full name")
    email = _email("Work email address", required="Enter the person's work email address")
    job_title = _text("Job title", "Enter the person's job title")
    roles = SelectMultipleField(
        "Roles",
        choices=ROLE_CHOICES,
        widget=GovCheckboxesInput(),
        description="A person may hold several roles",
    )
    is_active = BooleanField("Account is active (can sign in)", widget=GovCheckboxInput())
    provider_id = SelectField(
        "Works for provider (optional)",
        coerce=optional_int,
        validate_choice=False,
        widget=GovSelect(),
        description="A trainer who works for a commissioned provider sees the evaluation "
        "summary of all that provider's sessions",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def set_providers(self, providers) -> None:
        self.provider_id.choices = choices(
            ((provider.id, provider.name) for provider in providers), blank="None"
        )

    def validate_provider_id(self, field) -> None:
        typed = (field.raw_data or [""])[0]
        if typed not in ("", None) and field.data is None:
            raise ValidationError("Select the provider from the list")

    @property
    def role_values(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or []}


class ErasedPersonForm(FlaskForm):
    """An erased person's account: their details are gone for good, and only whether they still
    work here (so count in their agency's compliance figures) can change."""

    is_active = BooleanField(
        "Still works here (counted in the agency's compliance figures)",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class StaffForm(FlaskForm):
    name = _text("Full name", "Enter the person's full name")
    job_title = _text("Job title", "Enter the person's job title")
    line_manager_email = _email("Line manager's email address (optional)", required=None)
    is_active = BooleanField(
        "Account is active (clear this when the person leaves your agency)",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
