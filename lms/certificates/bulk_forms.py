"""The bulk download's forms: choosing a period (as the reports choose one: a financial year,
a quarter of it, or dates) and, for an admin, the agency; and the download button."""

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SubmitField

from lms.core.errors import DomainError
from lms.core.forms import AppForm, ListField, choices, optional_int
from lms.reports import periods
from lms.reports.forms import PeriodFields, ReportFilterForm
from lms.reports.periods import Period


class PeriodForm(PeriodFields, AppForm):
    """Sent by GET, so the chosen period can be bookmarked."""

    class Meta:
        csrf = False

    agency = ListField("Agency", coerce=optional_int, widget=GovSelect())
    submit = SubmitField("Count the certificates", widget=GovSubmitInput())

    def set_options(self, *, years: list[str], agencies) -> None:
        self.period.choices = choices((year, year) for year in years)
        if agencies is None:
            del self.agency
        else:
            self.agency.choices = choices(
                ((agency.id, agency.name) for agency in agencies), blank="Choose an agency"
            )

    def chosen_period(self, now: datetime) -> Period:
        """The same reading of the fields as the reports' filters."""
        return ReportFilterForm.chosen_period(self, now)


class DownloadForm(AppForm):
    """The download button: the agency and the period (as a code like 2025-26 Q1) chosen."""

    # Named apart from the period form's fields: both forms are on one page.
    for_agency = HiddenField()
    for_period = HiddenField()
    download = SubmitField("Download the certificates", widget=GovSubmitInput())

    def chosen(self) -> tuple[int, Period]:
        agency_id = optional_int(self.for_agency.data)
        if agency_id is None:
            raise DomainError("Choose an agency")
        return agency_id, periods.parse((self.for_period.data or "")[:40])
