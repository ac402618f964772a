"""E-learning modules in the catalogue: the provider's code for each, the xAPI activity id its
statements name, the link to the provider's course, and how long a completion stays valid.

A module is a course delivered as e-learning; these are the rules its extra details follow.
The course's other details follow the course rules in `services.save_course`."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from lms.catalogue.models import Course, DeliveryMode, Provider
from lms.core.errors import DomainError
from lms.core.text import single_line
from lms.extensions import db

MAX_LINK = 500
MAX_CODE = 100


class ModuleError(DomainError):
    pass


@dataclass
class ModuleDetails:
    """What an administrator typed for an e-learning module (cleaned by `check_module`)."""

    module_code: str | None = None
    activity_id: str | None = None
    course_url: str | None = None


def _clean(value: str | None) -> str:
    return " ".join(single_line(value or "").split())


def is_web_address(value: str) -> bool:
    """An absolute http or https address with a host and no spaces."""
    if not value or any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def check_module(
    course: Course | None,
    mode: DeliveryMode,
    provider: Provider | None,
    details: ModuleDetails,
) -> ModuleDetails:
    """The module's details, cleaned, or a refusal naming the field. A course that is not
    e-learning has none; one with completions recorded stays e-learning."""
    if mode is not DeliveryMode.ELEARNING:
        if course is not None and course.delivery_mode is DeliveryMode.ELEARNING:
            _refuse_leaving_elearning(course)
        return ModuleDetails()
    if provider is None:
        raise ModuleError("Select the provider of the e-learning module", field="provider_id")
    code = _clean(details.module_code)
    if not code:
        raise ModuleError("Enter the provider's code for the module", field="module_code")
    if len(code) > MAX_CODE:
        raise ModuleError(
            f"The module code must be {MAX_CODE} characters or fewer", field="module_code"
        )
    clash = db.session.scalar(
        sa.select(Course).where(
            Course.provider_id == provider.id,
            sa.func.lower(Course.module_code) == code.lower(),
        )
    )
    if clash is not None and clash is not course:
        raise ModuleError(
            f"{provider.name} already has a module with the code {code}: {clash.title}",
            field="module_code",
        )
    activity_id = _clean(details.activity_id) or None
    if activity_id is not None:
        if len(activity_id) > MAX_LINK or not is_web_address(activity_id):
            raise ModuleError(
                "The activity id must be a full web address starting with http:// or https://, "
                "for example https://elearning.example.org/activities/L1",
                field="activity_id",
            )
        clash = db.session.scalar(sa.select(Course).where(Course.activity_id == activity_id))
        if clash is not None and clash is not course:
            raise ModuleError(
                f"Another module already has this activity id: {clash.title}",
                field="activity_id",
            )
    course_url = _clean(details.course_url) or None
    if course_url is not None and (len(course_url) > MAX_LINK or not is_web_address(course_url)):
        raise ModuleError(
            "The link to the provider's course must be a full web address starting with "
            "http:// or https://",
            field="course_url",
        )
    return ModuleDetails(module_code=code, activity_id=activity_id, course_url=course_url)


def _refuse_leaving_elearning(course: Course) -> None:
    from lms.elearning.models import Completion

    recorded = db.session.scalar(
        sa.select(sa.func.count()).select_from(Completion).where(Completion.course_id == course.id)
    )
    if recorded:
        raise ModuleError(
            "This module has completions recorded, so it must stay e-learning",
            field="delivery_mode",
        )


def apply_module(
    course: Course, details: ModuleDetails, *, validity_before: int | None, by=None
) -> int:
    """Store the module's details on the course; when its validity changed, every completion's
    expiry follows (in the same transaction, audited). Returns how many completions changed."""
    course.module_code = details.module_code
    course.activity_id = details.activity_id
    course.course_url = details.course_url
    if course.id is None or course.certificate_validity_months == validity_before:
        return 0
    from lms.audit import services as audit
    from lms.elearning.completions import refresh_expiry

    db.session.flush()
    moved = refresh_expiry(course)
    if moved:
        audit.record(
            "elearning.expiry_moved",
            course,
            actor=by,
            before={"validity_months": validity_before},
            after={"validity_months": course.certificate_validity_months, "completions": moved},
        )
    return moved


def validity_text(months: int | None) -> str:
    """'Valid for 3 years', 'Valid for 18 months', 'Does not expire'."""
    if months is None:
        return "Does not expire"
    if months % 12 == 0:
        years = months // 12
        return f"Valid for {years} year" if years == 1 else f"Valid for {years} years"
    return f"Valid for {months} month" if months == 1 else f"Valid for {months} months"
