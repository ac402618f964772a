"""The charges pages' filters, sent by GET so a list can be bookmarked: agency (admins only),
the month a charge was raised, its status."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect

from lms.accounts.models import Agency
from lms.attendance.charge_lists import ChargeFilter
from lms.attendance.models import ChargeStatus
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import ListField, choices, optional_int


def month_value(month: date) -> str:
    """A month as the address writes it: 2026-11."""
    return f"{month:%Y-%m}"


def month_from(value: str | None) -> date | None:
    """2026-11 as the first of that month; None when it is not one."""
    try:
        year, number = (value or "").split("-")
        return date(int(year), int(number), 1)
    except (ValueError, OverflowError):  # OverflowError: a year too large for a date
        return None


class ChargeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    agency = ListField("Agency", coerce=optional_int, widget=GovSelect())
    month = ListField("Month raised", default="", widget=GovSelect())
    status = ListField(
        "Status",
        default="",
        choices=choices(((status.value, status.label) for status in ChargeStatus), blank="Any"),
        widget=GovSelect(),
    )

    def set_options(self, *, months: list[date], agencies: list[Agency]) -> None:
        self.month.choices = choices(
            ((month_value(month), f"{month:%B %Y}") for month in months), blank="Any month"
        )
        self.agency.choices = choices(((a.id, a.name) for a in agencies), blank="All agencies")

    def chosen(self, agency_id: int | None) -> ChargeFilter:
        """The filter the form chose (validated against its lists), for this agency."""
        status = ChargeStatus(self.status.data) if self.status.data else None
        return ChargeFilter(agency_id=agency_id, month=month_from(self.month.data), status=status)

    def address_args(self) -> dict[str, str]:
        """The filters in force, as few query parameters as say them, for links."""
        values = {"agency": self.agency.data, "month": self.month.data, "status": self.status.data}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}
