"""The course form's e-learning fields: the provider's module code, the xAPI activity id, the
link to the provider's course, and how long a completion (or certificate) stays valid. Each is
made where the course form lists it, so the error summary keeps the page's order."""

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import IntegerField, StringField
from wtforms.validators import Length, Optional

from lms.catalogue.modules import MAX_CODE, MAX_LINK, ModuleDetails

UNTRANSLATED = {"spellcheck": "false", "autocomplete": "off"}


class MonthsField(IntegerField):
    """A whole number of months; anything else is refused with a message naming the field."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                "Enter the months it is valid for as a whole number, like 36, or leave it blank"
            ) from None


def module_code_field() -> StringField:
    return StringField(
        "Module code",
        validators=[
            Length(max=MAX_CODE, message=f"The module code must be {MAX_CODE} characters or fewer")
        ],
        widget=GovTextInput(),
        description="E-learning only: the provider's code for the module, as in its files",
        render_kw=UNTRANSLATED,
    )


def activity_id_field() -> StringField:
    return StringField(
        "Activity id (optional)",
        validators=[
            Length(max=MAX_LINK, message=f"The activity id must be {MAX_LINK} characters or fewer")
        ],
        widget=GovTextInput(),
        description="E-learning only: the xAPI activity id the provider's statements name",
        render_kw=UNTRANSLATED,
    )


def course_url_field() -> StringField:
    return StringField(
        "Link to the provider's course (optional)",
        validators=[
            Length(max=MAX_LINK, message=f"The link must be {MAX_LINK} characters or fewer")
        ],
        widget=GovTextInput(),
        description="E-learning only: where people start the module, for example "
        "https://elearning.example.org/courses/L1",
        render_kw=UNTRANSLATED,
    )


def validity_field() -> MonthsField:
    return MonthsField(
        "Valid for (months)",
        validators=[Optional()],
        description="Leave blank if it never expires",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
    )


def module_details(form) -> ModuleDetails:
    return ModuleDetails(
        module_code=form.module_code.data,
        activity_id=form.activity_id.data,
        course_url=form.course_url.data,
    )
