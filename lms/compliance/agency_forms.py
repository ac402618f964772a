"""The compliance table's forms: the filters (sent by GET, so a view can be bookmarked) and the
chase button with the rows selected."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SelectMultipleField, SubmitField

from lms.compliance.status import State
from lms.core.forms import AppForm, ListField, choices, optional_int


class TableFilterForm(AppForm):
    class Meta:
        csrf = False

    agency = ListField("Agency", default="", widget=GovSelect())
    status = ListField("Status", default="", widget=GovSelect())
    requirement = ListField("Requirement", default="", widget=GovSelect())
    submit = SubmitField("Show", widget=GovSubmitInput())

    def set_options(self, *, agencies, requirements) -> None:
        """`agencies`: the agencies an admin chooses from (None for a coordinator)."""
        if agencies is None:
            del self.agency
        else:
            self.agency.choices = choices(
                ((agency.id, agency.name) for agency in agencies), blank="Choose an agency"
            )
        self.status.choices = choices(
            ((state.value, state.label) for state in State), blank="Any status"
        )
        self.requirement.choices = choices(
            ((rule.id, rule.name) for rule in requirements), blank="Any requirement"
        )

    def chosen_state(self) -> State | None:
        if self.status.errors or not self.status.data:
            return None
        return State(self.status.data)

    def chosen_requirement(self) -> int | None:
        return None if self.requirement.errors else optional_int(self.requirement.data)

    def chosen_agency(self) -> int | None:
        return None if self.agency.errors else optional_int(self.agency.data)


class ChaseForm(AppForm):
    """The rows selected ("<person id>-<requirement id>"), the agency chosen (admins) and the
    filters to go back to; named apart from the filter form's fields, both being on one page."""

    chosen = SelectMultipleField("People to chase", validate_choice=False)
    for_agency = HiddenField()
    for_status = HiddenField()
    for_requirement = HiddenField()
    chase = SubmitField("Chase the people selected", widget=GovSubmitInput())

    def agency_id(self) -> int | None:
        return optional_int((self.for_agency.data or "")[:20])
