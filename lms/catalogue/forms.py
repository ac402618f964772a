"""Forms of the catalogue: the public search and the administrators' editing forms."""

from datetime import date, datetime, time, timedelta

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.catalogue import module_form
from lms.catalogue.models import Audience, DeliveryMode, Platform
from lms.catalogue.services import CourseDetails
from lms.catalogue.sessions import SessionPlan
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import ClockField, ListField, UKDateField, choices, optional_int
from lms.core.timefmt import local, london_to_utc
from lms.core.words import plural

# The course attributes people choose from, as (value, label) pairs for select lists.
LEVELS = [(n, f"Level {n}") for n in range(1, 5)]
MODES = [(mode.value, mode.label) for mode in DeliveryMode]
AUDIENCES = [(item.value, item.label) for item in Audience]


def upcoming_months(today: date, count: int = 12) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class CatalogueSearchForm(FlaskForm):
    """The catalogue's filters, sent by GET so results can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = StringField(
        "Search",
        validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")],
        widget=GovTextInput(),
        description="For example, neglect or domestic abuse",
    )
    theme = ListField("Theme", coerce=optional_int, widget=GovSelect())
    level = ListField(
        "Level",
        coerce=optional_int,
        choices=choices(LEVELS, blank="Any level"),
        widget=GovSelect(),
    )
    mode = ListField(
        "How it is delivered",
        default="",
        choices=choices(MODES, blank="Any way"),
        widget=GovSelect(),
    )
    audience = ListField(
        "Who it is about",
        default="",
        choices=choices(AUDIENCES, blank="Children or adults"),
        widget=GovSelect(),
    )
    month = ListField("Month", default="", widget=GovSelect())
    time = RadioField(
        "Time of day",
        choices=choices(
            [("", "Any time"), ("daytime", "Daytime"), ("twilight", "Twilight (from 4pm)")]
        ),
        default="",
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    places = BooleanField("Only sessions with places left", widget=GovCheckboxInput())
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def set_options(self, themes, today: date) -> None:
        self.theme.choices = choices(
            ((theme.id, theme.name) for theme in themes), blank="Any theme"
        )
        self.month.choices = choices(
            (
                (month.strftime("%Y-%m"), month.strftime("%B %Y"))
                for month in upcoming_months(today)
            ),
            blank="Any month",
        )


class CourseForm(FlaskForm):
    code = StringField(
        "Course code",
        validators=[InputRequired("Enter the course code")],
        widget=GovTextInput(),
        description="Letters, numbers and hyphens, for example SCP-NEG2",
    )
    title = StringField(
        "Title",
        validators=[InputRequired("Enter the course title"), Length(max=200)],
        widget=GovTextInput(),
    )
    summary = TextAreaField(
        "Summary",
        validators=[InputRequired("Enter a summary of the course"), Length(max=2000)],
        widget=GovTextArea(),
    )
    learning_outcomes = TextAreaField(
        "Learning outcomes",
        description="One per line",
        validators=[Length(max=4000)],
        widget=GovTextArea(),
    )
    level = RadioField(
        "Level",
        coerce=optional_int,
        choices=choices(LEVELS),
        validators=[InputRequired("Select a level from 1 to 4")],
        widget=GovRadioInput(),
    )
    delivery_mode = RadioField(
        "How it is delivered",
        choices=choices(MODES),
        validators=[InputRequired("Select how the course is delivered")],
        widget=GovRadioInput(),
    )
    audience = RadioField(
        "Who it is about",
        choices=choices(AUDIENCES),
        validators=[InputRequired("Select who the course is about")],
        widget=GovRadioInput(),
    )
    cpd_hours = DecimalField(
        "CPD hours",
        places=1,
        validators=[InputRequired("Enter the CPD hours, for example 3 or 1.5")],
        widget=GovTextInput(),
        render_kw={"inputmode": "decimal"},
    )
    provider_id = SelectField(
        "Provider", coerce=optional_int, validate_choice=False, widget=GovSelect()
    )
    module_code = module_form.module_code_field()
    activity_id = module_form.activity_id_field()
    course_url = module_form.course_url_field()
    theme_ids = SelectMultipleField(
        "Themes", coerce=int, widget=GovCheckboxesInput(), description="Select all that apply"
    )
    approval_required = BooleanField(
        "Bookings need the agency coordinator's approval", widget=GovCheckboxInput()
    )
    evaluation_before = BooleanField(
        "Ask people booked to rate their knowledge and confidence before the course",
        description="On the course's learning outcomes, from 1 to 10, so the evaluation "
        "straight after can show how much they rose",
        widget=GovCheckboxInput(),
    )
    prerequisite_id = SelectField(
        "Prerequisite course", coerce=optional_int, validate_choice=False, widget=GovSelect()
    )
    certificate_validity_months = module_form.validity_field()
    submit = SubmitField("Save course", widget=GovSubmitInput())

    def set_options(self, *, providers, themes, courses, current_id=None) -> None:
        self.provider_id.choices = choices(
            ((p.id, p.name) for p in providers), blank="The partnership"
        )
        self.theme_ids.choices = choices((t.id, t.name) for t in themes)
        self.prerequisite_id.choices = choices(
            ((c.id, f"{c.title} ({c.code})") for c in courses if c.id != current_id), blank="None"
        )

    def details(self) -> CourseDetails:
        return CourseDetails(
            code=self.code.data,
            title=self.title.data,
            summary=self.summary.data,
            learning_outcomes=self.learning_outcomes.data,
            level=self.level.data,
            delivery_mode=DeliveryMode(self.delivery_mode.data),
            audience=Audience(self.audience.data),
            cpd_hours=self.cpd_hours.data,
            provider_id=self.provider_id.data,
            theme_ids=list(self.theme_ids.data or []),
            approval_required=self.approval_required.data,
            evaluation_before=bool(self.evaluation_before.data),
            prerequisite_id=self.prerequisite_id.data,
            certificate_validity_months=self.certificate_validity_months.data,
            module=module_form.module_details(self),
        )


class DateRowForm(Form):
    """One day of a session: its date and its start and end times. A row is left empty or filled
    in completely, and it ends after it starts."""

    day = UKDateField("Date")
    starts = ClockField("Start time", widget=GovTextInput(), description="For example, 09:30")
    ends = ClockField("End time", widget=GovTextInput(), description="For example, 16:30")

    def name_day(self, number: int) -> None:
        """Name the fields after the day they belong to, so each message says which day."""
        for field in self:
            field.label.text = f"{field.label.text} of day {number}"

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        typed = {
            self.day: any(self.day.raw_data or ()),
            self.starts: bool((self.starts.data or "").strip()),
            self.ends: bool((self.ends.data or "").strip()),
        }
        if any(typed.values()):
            for field, was_typed in typed.items():
                if not was_typed:
                    label = field.label.text
                    field.errors.append(f"Enter the {label[0].lower()}{label[1:]}")
                    valid = False
        starts, ends = self.starts.clock, self.ends.clock
        if starts is not None and ends is not None and ends <= starts:
            self.ends.errors.append(f"{self.ends.label.text} must be after the start time")
            valid = False
        return valid


DATE_ROWS = 4


class DatesForm(FlaskForm):
    """One to four dates of a session, in UK time."""

    dates = FieldList(FormField(DateRowForm), min_entries=DATE_ROWS, max_entries=DATE_ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, row in enumerate(self.dates, start=1):
            row.form.name_day(number)

    def date_pairs(self) -> list[tuple[datetime, datetime]]:
        """The filled-in rows as (start, end) in UTC (validation refuses a half-filled row)."""
        pairs = []
        for row in self.dates:
            day, starts, ends = row.day.data, row.starts.clock, row.ends.clock
            if day is not None and starts is not None and ends is not None:
                pairs.append((london_to_utc(day, starts), london_to_utc(day, ends)))
        return pairs

    def fill_dates(self, dates) -> None:
        for row, (starts_at, ends_at) in zip(self.dates, dates, strict=False):
            row.day.data = local(starts_at).date()
            row.starts.data = f"{local(starts_at):%H:%M}"
            row.ends.data = f"{local(ends_at):%H:%M}"


class SessionForm(DatesForm):
    # The scheduling rules' names for what these fields set, so a refusal is shown on its field.
    error_fields = {
        "booking_opens_at": "booking_opens",
        "cancellation_cutoff_at": "cancellation_notice_hours",
    }

    course_id = SelectField(
        "Course", coerce=optional_int, validate_choice=False, widget=GovSelect()
    )
    venue_id = SelectField(
        "Venue",
        coerce=optional_int,
        validate_choice=False,
        widget=GovSelect(),
        description="Leave as “Online” for a virtual session",
    )
    platform = RadioField(
        "Online platform",
        choices=choices((platform.value, platform.label) for platform in Platform),
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    join_link = StringField(
        "Join link",
        validators=[Optional(), Length(max=500)],
        widget=GovTextInput(),
        description="Sent only to people with a confirmed place and to trainers",
        render_kw={"spellcheck": "false"},
    )
    joining_instructions = TextAreaField(
        "Joining instructions", validators=[Length(max=4000)], widget=GovTextArea()
    )
    capacity = IntegerField(
        "Number of places",
        validators=[InputRequired("Enter the number of places")],
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
    )
    agency_cap = IntegerField(
        "Most places for any one agency (optional)",
        validators=[Optional()],
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
    )
    trainer_ids = SelectMultipleField("Trainers", coerce=int, widget=GovCheckboxesInput())
    booking_opens = UKDateField("Booking opens")
    cancellation_notice_hours = IntegerField(
        "Free cancellation up to (hours before the start)",
        default=48,
        validators=[InputRequired("Enter the hours before the start"), NumberRange(0, 24 * 60)],
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
    )
    confirm_clash = BooleanField(
        "Schedule it anyway: I have checked the trainer can teach both", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def set_options(self, *, courses, venues, trainers) -> None:
        self.course_id.choices = choices(
            ((c.id, f"{c.title} ({c.code})") for c in courses), blank="Select the course"
        )
        self.venue_id.choices = choices(
            ((v.id, f"{v.name} ({plural(v.capacity, 'place')})") for v in venues), blank="Online"
        )
        self.trainer_ids.choices = choices((t.id, t.name) for t in trainers)

    def plan(self) -> SessionPlan:
        dates = self.date_pairs()
        first = min(dates)[0] if dates else None
        opens = london_to_utc(self.booking_opens.data, time()) if self.booking_opens.data else None
        cutoff = (
            first - timedelta(hours=self.cancellation_notice_hours.data)
            if first is not None and self.cancellation_notice_hours.data is not None
            else None
        )
        return SessionPlan(
            course_id=self.course_id.data,
            dates=dates,
            capacity=self.capacity.data,
            venue_id=self.venue_id.data,
            platform=Platform(self.platform.data) if self.platform.data else None,
            join_link=self.join_link.data,
            joining_instructions=self.joining_instructions.data or "",
            agency_cap=self.agency_cap.data,
            trainer_ids=list(self.trainer_ids.data or []),
            booking_opens_at=opens,
            cancellation_cutoff_at=cutoff,
        )

    def fill(self, session) -> None:
        self.fill_dates([(d.starts_at, d.ends_at) for d in session.dates])
        self.course_id.data = session.course_id
        self.venue_id.data = session.venue_id
        self.platform.data = session.platform.value if session.platform else None
        self.join_link.data = session.join_link
        self.joining_instructions.data = session.joining_instructions
        self.capacity.data = session.capacity
        self.agency_cap.data = session.agency_cap
        self.trainer_ids.data = [trainer.id for trainer in session.trainers]
        self.booking_opens.data = (
            local(session.booking_opens_at).date() if session.booking_opens_at else None
        )
        if session.cancellation_cutoff_at:
            notice = session.starts_at - session.cancellation_cutoff_at
            self.cancellation_notice_hours.data = int(notice.total_seconds() // 3600)


class CopySessionForm(DatesForm):
    confirm_clash = BooleanField(
        "Schedule it anyway: I have checked the trainer can teach both", widget=GovCheckboxInput()
    )
    submit = SubmitField("Schedule the copy", widget=GovSubmitInput())


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        "Why is the session cancelled?",
        validators=[InputRequired("Enter the reason for cancelling the session"), Length(max=1000)],
        description="Everyone booked is told this reason",
        widget=GovTextArea(),
    )
    submit = SubmitField("Cancel the session", widget=GovSubmitInput())
