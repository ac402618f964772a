"""The reports' filter form, sent by GET so a report can be bookmarked and shared."""

from datetime import date, datetime

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from werkzeug.datastructures import MultiDict
from wtforms import SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from lms.accounts.models import Agency, Sector
from lms.catalogue.forms import AUDIENCES, LEVELS, MODES
from lms.catalogue.models import Audience, DeliveryMode, Theme
from lms.core.errors import DomainError
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import ListField, UKDateField, choices, optional_int
from lms.reports import periods
from lms.reports.build import PROGRAMME_GROUPS, TREND_MEASURES
from lms.reports.filters import Filters
from lms.reports.periods import Period

QUARTERS = {
    "1": "Q1 (April to June)",
    "2": "Q2 (July to September)",
    "3": "Q3 (October to December)",
    "4": "Q4 (January to March)",
}


class MeasuresField(SelectMultipleField):
    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Select the measures from the list") from None


class PeriodFields:
    """The period chooser the reports and the certificate downloads share: a financial year,
    a quarter of it, or dates."""

    period = ListField("Financial year", default="", widget=GovSelect())
    quarter = ListField(
        "Quarter",
        default="",
        choices=choices(QUARTERS.items(), blank="The whole year"),
        widget=GovSelect(),
    )
    start = UKDateField("From", description="Or choose dates. For example, 1 4 2025")
    end = UKDateField("To", description="For example, 30 6 2025")


class ReportFilterForm(PeriodFields, FlaskForm):
    class Meta:
        csrf = False

    theme = ListField("Theme", default="", widget=GovSelect())
    level = ListField(
        "Level",
        coerce=optional_int,
        choices=choices(LEVELS, blank="Any level"),
        widget=GovSelect(),
    )
    mode = ListField(
        "Delivery mode",
        default="",
        choices=choices(MODES, blank="Any"),
        widget=GovSelect(),
    )
    audience = ListField(
        "Audience",
        default="",
        choices=choices(AUDIENCES, blank="Any"),
        widget=GovSelect(),
    )
    sector = ListField(
        "Sector",
        default="",
        choices=choices(((item.value, item.label) for item in Sector), blank="Every sector"),
        widget=GovSelect(),
    )
    agency = ListField("Agency", coerce=optional_int, widget=GovSelect())
    by = ListField(
        "Grouping", default="mode", choices=choices(PROGRAMME_GROUPS.items()), widget=GovSelect()
    )
    measure = MeasuresField(
        "Measures",
        choices=choices((name, label) for name, (label, _) in TREND_MEASURES.items()),
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Show the figures", widget=GovSubmitInput())

    def set_options(
        self, *, years: list[str], themes: list[Theme], agencies: list[Agency], groups=None
    ):
        """The choices known only now; `groups` are the report's own groupings (its `by`),
        the first its default, when they are not the programme's."""
        self.period.choices = choices((year, year) for year in years)
        if groups and groups is not PROGRAMME_GROUPS:
            self.by.choices = choices(groups.items())
            if self.by.data not in groups:
                self.by.data = next(iter(groups)) if not self.by.raw_data else self.by.data
        self.theme.choices = choices(((t.slug, t.name) for t in themes), blank="Any theme")
        self.agency.choices = choices(((a.id, a.name) for a in agencies), blank="Every agency")

    def chosen_period(self, now: datetime) -> Period:
        if self.start.data or self.end.data:
            if not (self.start.data and self.end.data):
                missing = self.end if self.start.data else self.start
                raise DomainError("Enter both dates of the range, or neither", field=missing.name)
            return periods.date_range(self.start.data, self.end.data)
        if not self.period.data:
            return periods.current_financial_year(now)
        year = int(self.period.data[:4])
        if self.quarter.data:
            return periods.quarter(year, int(self.quarter.data))
        return periods.financial_year(year)

    def filters(self, now: datetime, *, themes, agencies) -> Filters:
        """The chosen filters; the choices have been validated against these lists."""
        return Filters(
            period=self.chosen_period(now),
            theme=next((t for t in themes if t.slug == self.theme.data), None),
            level=self.level.data,
            mode=DeliveryMode(self.mode.data) if self.mode.data else None,
            audience=Audience(self.audience.data) if self.audience.data else None,
            sector=Sector(self.sector.data) if self.sector.data else None,
            agency=next((a for a in agencies if a.id == self.agency.data), None),
        )


def normalised(args: MultiDict, now: datetime) -> tuple[MultiDict, DomainError | None]:
    """Query arguments with a `period` written as the API writes it (2025-26 Q1, or
    2025-04-01..2025-06-30) turned into the form's fields, and the reason a period that cannot
    be read was refused. Without a year, the current financial year is selected."""
    text = (args.get("period") or "").strip()
    args = MultiDict(args)
    args.poplist("period")
    args["period"] = periods.current_financial_year(now).code
    if not text:
        return args, None
    try:
        period = periods.parse(text)
    except DomainError as error:
        return args, error
    if period.code.count("-") == 1 or " Q" in period.code:  # a year, or a quarter of one
        args["period"] = period.code[:7]
        if " Q" in period.code:
            args["quarter"] = period.code[-1]
    else:
        for name, day in (("start", period.first), ("end", period.last)):
            args.setlist(name, [str(day.day), str(day.month), str(day.year)])
    return args, None


def clean_args(args: MultiDict) -> MultiDict:
    """The filters of a submitted form as few query parameters as say the same thing: no empty
    fields or button, the default grouping left out, a quarter written into its year
    (`period=2025-26 Q1`) and two complete dates as one range (`period=2025-04-01..2025-06-30`).
    Whatever cannot be read is kept as typed, for the form to show with its error."""
    clean = MultiDict(
        (name, value)
        for name, values in args.lists()
        if name != "submit" and any(value.strip() for value in values)
        for value in values
    )
    if clean.get("by") == "mode":
        clean.poplist("by")
    dates = _whole_range(clean.getlist("start"), clean.getlist("end"))
    if dates is not None:
        for name in ("start", "end", "period", "quarter"):
            clean.poplist(name)
        clean["period"] = dates.code
    elif clean.get("quarter") in QUARTERS and len(clean.getlist("period")) == 1:
        try:
            quarter = periods.parse(f"{clean['period'].strip()} Q{clean['quarter']}")
        except DomainError:
            return clean
        clean.poplist("quarter")
        clean["period"] = quarter.code
    return clean


def _whole_range(start: list[str], end: list[str]) -> Period | None:
    """The range two complete, real GOV.UK date inputs give, or None."""
    if len(start) != 3 or len(end) != 3:
        return None
    try:
        first, last = (date(int(parts[2]), int(parts[1]), int(parts[0])) for parts in (start, end))
        return periods.date_range(first, last)
    except (IndexError, ValueError, OverflowError, DomainError):  # Overflow: a year of 20 digits
        return None


def year_choices(first: date | None, last: date | None, today: date) -> list[str]:
    """Financial years from the first session's to the later of this year and the last
    session's, newest first."""
    newest = periods.fy_start_year(max(filter(None, [last, today])))
    oldest = periods.fy_start_year(first) if first else newest
    return [periods.fy_label(year) for year in range(newest, oldest - 1, -1)]
