"""Form helpers shared by every feature: choice lists and showing a DomainError on its field."""

from wtforms.fields.choices import SelectChoice

from lms.core.errors import DomainError


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
        for message in field.errors:
            anchor = field.id
            if field.type in {"RadioField", "SelectMultipleField"}:
                anchor = f"{field.id}"
            items.append({"text": message, "href": f"#{anchor}"})
    return items
