"""The annual pack's forms: the button that makes a year's pack, and the quotes chosen for it."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from lms.core.forms import AppForm, ListField, choices


class MakePackForm(AppForm):
    year = ListField("Financial year", widget=GovSelect())
    submit = SubmitField("Make the annual pack", widget=GovSubmitInput())

    def set_years(self, years: list[str]) -> None:
        self.year.choices = choices((year, year) for year in years)


class QuoteField(SelectMultipleField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError("Choose quotes from the list") from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(
                "Choose quotes from the list: one is no longer there to be quoted"
            ) from None


class QuotesForm(AppForm):
    answers = QuoteField("Quotes for the pack", coerce=int, widget=GovCheckboxesInput())
    submit = SubmitField("Save the chosen quotes", widget=GovSubmitInput())

    def set_quotes(self, items: list[tuple[int, str]]) -> None:
        self.answers.choices = items
