"""Form helpers shared by every feature: choice lists and showing a DomainError on its field."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wtforms.fields.choices import SelectChoice

from lms.core.errors import DomainError
from lms.extensions import db


def choices(pairs, *, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choice objects from (value, label) pairs, with an optional empty first option."""
    options = [SelectChoice(value="", label=blank)] if blank is not None else []
    options.extend(SelectChoice(value=str(value), label=label) for value, label in pairs)
    return options


def optional_int(value):
    """Coerce a select's value to int; an empty or malformed value becomes None."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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


def commit_or_show(form, action: Callable[[], Any]) -> Outcome:
    """Run a service call and commit; if a rule refuses it, roll back and show why on the form."""
    try:
        value = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return Outcome(False)
    return Outcome(True, value)
