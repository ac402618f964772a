"""Forms for training requirements, role tags and the role tags set on a person."""

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from lms.accounts.models import Agency, Sector
from lms.catalogue.models import Course, CourseStatus, DeliveryMode, Theme
from lms.compliance import requirements as rules
from lms.compliance.models import Satisfied, TrainingRequirement
from lms.core.forms import AppForm, ListField, choices, optional_int
from lms.extensions import db


class PickField(SelectMultipleField):
    """Checkboxes of rows (ids); a value that is not one of them names what to select rather
    than "Not a valid choice"."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, *, what: str, coerce=optional_int, **kwargs):
        message = f"Select the {what} from the list"
        super().__init__(
            label,
            validators,
            coerce=coerce,
            invalid_choice_message=message,
            invalid_value_message=message,
            **kwargs,
        )


class KindField(ListField):
    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Select what satisfies the requirement") from None


class NumberField(StringField):
    """A whole number, or empty; `number` holds it. A word, a fraction or a huge number is
    refused with the field's own message."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, message: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message
        self.number = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.number = None
        text = (self.data or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 9:
            self.number = int(text)

    def pre_validate(self, form):
        if (self.data or "").strip() and self.number is None:
            raise StopValidation(self.message)


class RequirementForm(AppForm):
    name = StringField(
        "Name",
        validators=[
            InputRequired("Enter the requirement's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "Description (optional)",
        description="Why it is needed, and the guidance it follows",
        validators=[Length(max=4000, message="The description must be 4,000 characters or fewer")],
        widget=GovTextArea(),
    )
    sectors = PickField(
        "Sectors", what="sectors", coerce=str, description="Leave all unticked for every sector"
    )
    agency_ids = PickField(
        "Agencies", what="agencies", description="Leave all unticked for every agency"
    )
    job_title_words = TextAreaField(
        "Words in the job title",
        description="One a line, for example health visitor. A person matches when their job "
        "title contains any of them. Leave empty for every job title",
        validators=[Length(max=5000, message="Job-title words must be 5,000 characters or fewer")],
        widget=GovTextArea(),
    )
    tag_ids = PickField(
        "Roles",
        what="roles",
        description="The roles coordinators mark on their staff. Leave all unticked for everyone",
    )
    satisfied_by = KindField(
        "What satisfies it",
        choices=choices((kind.value, kind.label) for kind in Satisfied),
        validators=[InputRequired("Select what satisfies the requirement")],
        widget=GovRadioInput(),
    )
    course_ids = PickField(
        "Courses or modules",
        what="courses or modules",
        description="For “any of a set of courses or modules”: completing any one satisfies it",
    )
    level = ListField(
        "Level",
        coerce=optional_int,
        choices=choices(((n, f"Level {n} or above") for n in range(1, 6)), blank="Any level"),
        description="For training at a level, and for CPD hours",
        widget=GovSelect(),
    )
    theme_ids = PickField(
        "Themes",
        what="themes",
        description="For training at a level: training on any of them counts. Leave all "
        "unticked for any theme",
    )
    hours = StringField(
        "CPD hours needed",
        description=f"For CPD hours: for example 6, up to {rules.LARGEST_HOURS}",
        widget=GovTextInput(),
    )
    within_years = NumberField(
        "Within this many years",
        message="Enter the number of years as a whole number, like 3",
        description="For CPD hours: from 1 to 10",
    )
    outside_training_counts = BooleanField(
        "Verified training declared from outside the partnership counts towards the hours",
        widget=GovCheckboxInput(),
    )
    renew_months = NumberField(
        "Renew every (months)",
        message="Enter the number of months as a whole number, like 12",
        description="From 1 to 120. Leave empty when once is enough. Not for CPD hours, which "
        "are counted over their years",
    )
    submit = SubmitField("Save requirement", widget=GovSubmitInput())

    def validate_hours(self, field) -> None:
        text = (field.data or "").strip()
        self.hours_value = None
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError("Enter the hours as a number, like 6 or 7.5") from None
        if not value.is_finite():
            raise ValidationError("Enter the hours as a number, like 6 or 7.5")
        self.hours_value = value

    def values(self) -> rules.RequirementValues:
        return rules.RequirementValues(
            name=self.name.data,
            description=self.description.data or "",
            sectors=tuple(Sector(value) for value in self.sectors.data or ()),
            agency_ids=tuple(self.agency_ids.data or ()),
            job_title_words=self.job_title_words.data or "",
            tag_ids=tuple(self.tag_ids.data or ()),
            satisfied_by=Satisfied(self.satisfied_by.data),
            course_ids=tuple(self.course_ids.data or ()),
            level=self.level.data,
            theme_ids=tuple(self.theme_ids.data or ()),
            hours=getattr(self, "hours_value", None),
            within_years=self.within_years.number,
            outside_training_counts=bool(self.outside_training_counts.data),
            renew_months=self.renew_months.number,
        )

    def show(self, requirement: TrainingRequirement) -> None:
        """Fill the form from a saved requirement."""
        self.name.data = requirement.name
        self.description.data = requirement.description
        self.sectors.data = [sector.value for sector in requirement.sectors]
        self.agency_ids.data = [agency.id for agency in requirement.agencies]
        self.job_title_words.data = requirement.job_title_words
        self.tag_ids.data = [tag.id for tag in requirement.tags]
        self.satisfied_by.data = requirement.satisfied_by.value
        self.course_ids.data = [course.id for course in requirement.courses]
        self.level.data = requirement.level
        self.theme_ids.data = [theme.id for theme in requirement.themes]
        self.hours.data = "" if requirement.hours is None else f"{requirement.hours.normalize():f}"
        self.within_years.data = str(requirement.within_years or "")
        self.outside_training_counts.data = requirement.outside_training_counts
        self.renew_months.data = str(requirement.renew_months or "")


def _course_label(course: Course) -> str:
    kind = "e-learning" if course.delivery_mode is DeliveryMode.ELEARNING else "course"
    return f"{course.title} ({course.code}, level {course.level} {kind})"


def fill_choices(form: RequirementForm, requirement: TrainingRequirement | None) -> None:
    """The agencies, roles, published courses and modules and themes to choose from (and any
    the requirement holds already, even if since archived)."""
    held = {course.id for course in requirement.courses} if requirement else set()
    courses = db.session.scalars(
        sa.select(Course)
        .where(sa.or_(Course.status == CourseStatus.PUBLISHED, Course.id.in_(held or [-1])))
        .order_by(Course.title, Course.code)
    )
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name))
    themes = db.session.scalars(sa.select(Theme).order_by(Theme.name))
    form.sectors.choices = choices((sector.value, sector.label) for sector in Sector)
    form.agency_ids.choices = choices((agency.id, agency.name) for agency in agencies)
    form.tag_ids.choices = choices((tag.id, tag.name) for tag in rules.role_tags())
    form.course_ids.choices = choices((course.id, _course_label(course)) for course in courses)
    form.theme_ids.choices = choices((theme.id, theme.name) for theme in themes)


class RoleTagForm(AppForm):
    name = StringField(
        "Name",
        description="For example, Designated safeguarding lead",
        validators=[
            InputRequired("Enter the role's name"),
            Length(max=100, message="The name must be 100 characters or fewer"),
        ],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "Description (optional)",
        description="Who coordinators should mark with it",
        validators=[Length(max=2000, message="The description must be 2,000 characters or fewer")],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save role", widget=GovSubmitInput())


class PersonTagsForm(AppForm):
    tag_ids = PickField("Roles", what="roles", description="Select all that apply")
    submit = SubmitField("Save roles", widget=GovSubmitInput())
