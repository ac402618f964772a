"""Form helpers shared by every feature: choice lists and showing a DomainError on its field."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import Field, SelectField, StringField
from wtforms.fields import PasswordField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

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
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    form._errors = None  # WTForms caches form.errors


def error_list(form) -> list[dict]:
    """Every error on the form, as the GOV.UK error summary lists them, linking to each field."""
    items = [{"text": message, "href": "#main-content"} for message in form.form_errors]
    for field in form:
        items.extend({"text": message, "href": f"#{field.id}"} for message in field.errors)
    return items


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


class UKDateField(Field):
    """A GOV.UK date input (day, month, year). Missing parts or an impossible date give a clear
    message, never an error page; an entirely empty date is None."""

    widget = GovDateInput()

    def process_formdata(self, valuelist):
        parts = [str(part).strip() for part in list(valuelist)[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        if not all(parts):
            missing = [
                name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
            ]
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""


class ClockField(StringField):
    """A time of day typed as 09:30 or 16:00."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.clock = None
        if self.data and self.data.strip():
            self.clock = parse_clock(self.data)
            if self.clock is None:
                raise ValueError(f"{self.label.text} must be a time like 09:30 or 16:00")


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
