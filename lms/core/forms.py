"""Form helpers shared by every feature: choice lists and showing a DomainError on its field."""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import Field, FieldList, FormField, SelectField, StringField
from wtforms.fields import PasswordField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from lms.core import text
from lms.core.errors import DomainError
from lms.core.inputs import LARGEST_ID
from lms.core.timefmt import parse_clock
from lms.extensions import db


def choices(pairs, *, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choice objects from (value, label) pairs, with an optional empty first option."""
    options = [SelectChoice(value="", label=blank)] if blank is not None else []
    options.extend(SelectChoice(value=str(value), label=label) for value, label in pairs)
    return options


def optional_int(value):
    """Coerce a select's value to int; an empty, malformed or out-of-range value becomes None."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= LARGEST_ID else None


def show_error(form, error: DomainError) -> None:
    """Attach a service's refusal to the form field it concerns, or to the form as a whole."""
    name = getattr(form, "error_fields", {}).get(error.field, error.field)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    form._errors = None  # WTForms caches form.errors


def error_list(form) -> list[dict]:
    """Every error on the form, as the GOV.UK error summary lists them, each linking to the input
    in error; the errors of nested forms and lists of forms are listed one by one."""
    items = [{"text": message, "href": "#main-content"} for message in form.form_errors]
    for field in form:
        items.extend(_field_errors(field))
    return items


def _field_errors(field) -> list[dict]:
    if isinstance(field, FormField):
        return [item for subfield in field.form for item in _field_errors(subfield)]
    own = [message for message in field.errors if isinstance(message, str)]
    items = [{"text": message, "href": f"#{error_target(field)}"} for message in own]
    if isinstance(field, FieldList):
        items.extend(item for entry in field for item in _field_errors(entry))
    return items


def error_target(field) -> str:
    """The id of the input an error on this field should take the user to."""
    if isinstance(field, FormField):
        return error_target(next(iter(field.form)))
    if isinstance(field, FieldList):
        return error_target(field.entries[0]) if field.entries else field.id
    if isinstance(field, UKDateField):
        parts = field.error_parts or DATE_PARTS
        return f"{field.name}-{parts[0]}"
    return field.id


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: DomainError | None = None


def commit_or_show(form, action: Callable[[], Any]) -> Outcome:
    """Run a service call and commit; if a rule refuses it, roll back and show why on the form."""
    try:
        value = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return Outcome(False, error=error)
    return Outcome(True, value)


DATE_PARTS = ("day", "month", "year")


class UKDateInput(GovDateInput):
    """The GOV.UK date input, highlighting only the parts (day, month, year) in error."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if field.errors and field.error_parts:
            for item, part in zip(params["items"], DATE_PARTS, strict=True):
                if part not in field.error_parts:
                    item["classes"] = item["classes"].replace("govuk-input--error", "").strip()
        return params


class UKDateField(Field):
    """A GOV.UK date input (day, month, year). Missing parts or an impossible date give a clear
    message naming the field, linked to the part in error, never an error page; what was typed
    stays in the inputs; an entirely empty date is None."""

    widget = UKDateInput()
    # The reason the typed date was refused (completed with the label when validated), and the
    # parts it concerns (the ones highlighted, the first one linked from the error summary).
    problem: str | None = None
    error_parts: tuple[str, ...] = ()

    def process_formdata(self, valuelist):
        parts = [str(part).strip() for part in list(valuelist)[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        self.problem, self.error_parts = None, ()
        if not any(parts):
            return
        typed = dict(zip(DATE_PARTS, parts, strict=True))
        missing = tuple(name for name in DATE_PARTS if not typed[name])
        if missing:
            self._refuse(f"must include a {' and '.join(missing)}", missing)
            return
        not_numbers = tuple(name for name in DATE_PARTS if not re.fullmatch(r"[0-9]+", typed[name]))
        if not_numbers:
            self._refuse("must be a real date", not_numbers)
            return
        # int() refuses thousands of digits; no part of a real date has more than 4.
        overlong = tuple(name for name in DATE_PARTS if len(typed[name]) > 4)
        if overlong and overlong != ("year",):
            self._refuse("must be a real date", overlong)
            return
        if len(typed["year"]) != 4:
            self._refuse("must include a year with 4 numbers", ("year",))
            return
        day, month, year = (int(part) for part in parts)
        if year < 1:
            self._refuse("must be a real date", ("year",))
        elif not 1 <= month <= 12:
            self._refuse("must be a real date", ("month",))
        elif len(typed["day"]) > 2 or not 1 <= day <= calendar.monthrange(year, month)[1]:
            self._refuse("must be a real date", ("day",))
        else:
            self.data = date(year, month, day)

    def _refuse(self, problem: str, parts: tuple[str, ...]) -> None:
        self.problem, self.error_parts = problem, parts

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(f"{self.label.text} {self.problem}")

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""


class ClockField(StringField):
    """A time of day, typed as 09:30, 16:00, 9.30am or 2pm; `clock` holds it as a time."""

    widget = GovTextInput()
    clock: time | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.clock = parse_clock(self.data) if self.data and self.data.strip() else None

    def pre_validate(self, form):
        if self.data and self.data.strip() and self.clock is None:
            raise StopValidation(f"{self.label.text} must be a time like 09:30 or 16:00")


class ListField(SelectField):
    """A select whose refusal of an unknown value names the field, not "Not a valid choice"."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(f"Select the {self.label.text.lower()} from the list") from None


def commit_and_flash(action: Callable[[], Any], success) -> bool:
    """Run a service call from a button: commit and flash its success (a message, or a function
    of the result), or roll back and flash the rule that refused it."""
    from flask import flash

    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    flash(success(result) if callable(success) else success, "success")
    return True


# The base of every form: text cleaned of control characters ---------------------------------


def text_filter_for(field_class: type) -> Callable | None:
    """The cleaning a text field's value gets before its own filters and validators run."""
    if not issubclass(field_class, StringField):
        return None
    if issubclass(field_class, TextAreaField):
        return text.multi_line
    if issubclass(field_class, PasswordField):
        return text.secret
    return text.single_line


class AppForm(FlaskForm):
    """Every form in the service derives from this. A one-line text field loses line breaks and
    every other control character (they end up in mail headers, file names and PDFs); a text
    area keeps its line breaks and loses the rest."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            cleaning = text_filter_for(unbound_field.field_class)
            if cleaning is not None:
                filters = [cleaning, *unbound_field.kwargs.get("filters", ())]
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)
