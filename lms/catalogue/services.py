"""Rules for the catalogue's reference data and courses: themes, providers, venues, courses."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.audit import services as audit
from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Provider,
    SessionStatus,
    Theme,
    Venue,
)
from lms.catalogue.modules import ModuleDetails, apply_module, check_module
from lms.core.errors import DomainError
from lms.core.text import single_line
from lms.extensions import db


class CatalogueError(DomainError):
    pass


def _required(value: str | None, message: str, field_name: str) -> str:
    value = " ".join(single_line(value or "").split())
    if not value:
        raise CatalogueError(message, field=field_name)
    return value


def _unique(model, column, value, current, message: str, field_name: str) -> None:
    clash = db.session.scalar(sa.select(model).where(sa.func.lower(column) == value.lower()))
    if clash is not None and clash is not current:
        raise CatalogueError(message, field=field_name)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def save_theme(theme: Theme | None, *, name: str, description: str = "") -> Theme:
    """Create or rename a theme; names are unique ignoring case."""
    name = _required(name, "Enter the theme's name", "name")
    _unique(Theme, Theme.name, name, theme, "A theme with this name already exists", "name")
    if theme is None:
        theme = Theme(name=name)
        db.session.add(theme)
    theme.name = name
    theme.slug = slugify(name)
    theme.description = (description or "").strip()
    db.session.flush()
    return theme


def save_provider(
    provider: Provider | None,
    *,
    name: str,
    contact_email: str | None,
    contract_starts_on: date | None,
    contract_ends_on: date | None,
) -> Provider:
    """Create or update a commissioned provider; a contract cannot end before it starts."""
    name = _required(name, "Enter the provider's name", "name")
    _unique(
        Provider, Provider.name, name, provider, "A provider with this name already exists", "name"
    )
    if contract_starts_on and contract_ends_on and contract_ends_on < contract_starts_on:
        raise CatalogueError(
            "The contract end date must be the same as or after its start date",
            field="contract_ends_on",
        )
    if provider is None:
        provider = Provider(name=name)
        db.session.add(provider)
    provider.name = name
    provider.contact_email = (contact_email or "").strip().lower() or None
    provider.contract_starts_on = contract_starts_on
    provider.contract_ends_on = contract_ends_on
    db.session.flush()
    return provider


def save_venue(
    venue: Venue | None,
    *,
    name: str,
    address: str,
    postcode: str,
    capacity: int | None,
    accessibility_notes: str,
    agency_id: int | None,
) -> Venue:
    """Create or update a venue; capacity is at least 1."""
    name = _required(name, "Enter the venue's name", "name")
    _unique(Venue, Venue.name, name, venue, "A venue with this name already exists", "name")
    address = (address or "").strip()
    if not address:
        raise CatalogueError("Enter the venue's address", field="address")
    postcode = " ".join((postcode or "").upper().split())
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", postcode):
        raise CatalogueError("Enter a real postcode, like E1 6AN", field="postcode")
    if capacity is None or capacity < 1:
        raise CatalogueError("The venue's capacity must be 1 or more", field="capacity")
    if agency_id is not None and db.session.get(Agency, agency_id) is None:
        raise CatalogueError(
            "Select the agency that owns the venue from the list", field="agency_id"
        )
    if venue is None:
        venue = Venue(name=name)
        db.session.add(venue)
    venue.name, venue.address, venue.postcode = name, address, postcode
    venue.capacity = capacity
    venue.accessibility_notes = (accessibility_notes or "").strip()
    venue.agency_id = agency_id
    db.session.flush()
    return venue


def set_active(row: Theme | Provider | Venue, active: bool) -> None:
    """Retire a theme, provider or venue from new use (rows are archived, never deleted)."""
    row.is_active = active


@dataclass
class CourseDetails:
    code: str
    title: str
    summary: str
    learning_outcomes: str
    level: int | None
    delivery_mode: DeliveryMode
    audience: Audience
    cpd_hours: Decimal | None
    provider_id: int | None
    theme_ids: list[int] = field(default_factory=list)
    approval_required: bool = False
    # Ask people booked to rate their knowledge and confidence before the course.
    evaluation_before: bool = False
    prerequisite_id: int | None = None
    certificate_validity_months: int | None = None
    # E-learning modules only (see `modules`): the provider's code, xAPI activity id, link.
    module: ModuleDetails = field(default_factory=ModuleDetails)


def _check_prerequisite(course: Course | None, prerequisite_id: int | None) -> Course | None:
    if prerequisite_id is None:
        return None
    prerequisite = db.session.get(Course, prerequisite_id)
    if prerequisite is None:
        raise CatalogueError(
            "Select the prerequisite course from the list", field="prerequisite_id"
        )
    seen = set()
    step = prerequisite
    while step is not None and step.id not in seen:
        if course is not None and step.id == course.id:
            raise CatalogueError(
                "A course cannot require itself, directly or through another course",
                field="prerequisite_id",
            )
        seen.add(step.id)
        step = step.prerequisite
    return prerequisite


def save_course(course: Course | None, details: CourseDetails, *, by: User) -> Course:
    """Create a draft course or update one; codes are unique, levels 1 to 4."""
    code = _required(details.code, "Enter the course code", "code").upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,19}", code):
        raise CatalogueError(
            "The course code must be 2 to 20 letters, numbers or hyphens", field="code"
        )
    _unique(Course, Course.code, code, course, "A course with this code already exists", "code")
    title = _required(details.title, "Enter the course title", "title")
    summary = (details.summary or "").strip()
    if not summary:
        raise CatalogueError("Enter a summary of the course", field="summary")
    if details.level not in (1, 2, 3, 4):
        raise CatalogueError("Select a level from 1 to 4", field="level")
    if details.cpd_hours is None or details.cpd_hours < 0 or details.cpd_hours > 100:
        raise CatalogueError("CPD hours must be a number from 0 to 100", field="cpd_hours")
    validity = details.certificate_validity_months
    if validity is not None and not 1 <= validity <= 120:
        raise CatalogueError(
            "The months it is valid for must be from 1 to 120, or left blank",
            field="certificate_validity_months",
        )
    provider = db.session.get(Provider, details.provider_id) if details.provider_id else None
    if details.provider_id and provider is None:
        raise CatalogueError("Select the provider from the list", field="provider_id")
    themes = list(db.session.scalars(sa.select(Theme).where(Theme.id.in_(details.theme_ids))))
    if len(themes) != len(set(details.theme_ids)):
        raise CatalogueError("Select themes from the list", field="theme_ids")
    if (
        course is not None
        and details.delivery_mode is DeliveryMode.ELEARNING
        and course.delivery_mode is not DeliveryMode.ELEARNING
        and _future_sessions(course)
    ):
        raise CatalogueError(
            "This course has scheduled sessions, so it cannot become e-learning",
            field="delivery_mode",
        )
    module = check_module(course, details.delivery_mode, provider, details.module)
    prerequisite = _check_prerequisite(course, details.prerequisite_id)
    before = _course_snapshot(course) if course is not None else None
    validity_before = course.certificate_validity_months if course is not None else None
    if course is None:
        course = Course(status=CourseStatus.DRAFT)
        db.session.add(course)
    course.code, course.title, course.summary = code, title, summary
    course.learning_outcomes = (details.learning_outcomes or "").strip()
    course.level = details.level
    course.delivery_mode, course.audience = details.delivery_mode, details.audience
    course.cpd_hours = details.cpd_hours
    course.provider = provider
    course.themes = themes
    course.approval_required = details.approval_required
    course.evaluation_before = bool(details.evaluation_before)
    course.prerequisite = prerequisite
    course.certificate_validity_months = validity
    apply_module(course, module, validity_before=validity_before, by=by)
    db.session.flush()
    after = _course_snapshot(course)
    if before != after:
        audit.record(
            "course.created" if before is None else "course.updated",
            course,
            actor=by,
            before=before,
            after=after,
        )
    return course


def _course_snapshot(course: Course) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "level": course.level,
        "delivery_mode": course.delivery_mode.value,
        "status": course.status.value,
        "themes": sorted(theme.name for theme in course.themes),
        "validity_months": course.certificate_validity_months,
        "provider_id": course.provider_id,
        "module_code": course.module_code,
        "activity_id": course.activity_id,
        "course_url": course.course_url,
        "evaluation_before": course.evaluation_before,
    }


def _future_sessions(course: Course, now: datetime | None = None) -> list[CourseSession]:
    query = sa.select(CourseSession).where(
        CourseSession.course_id == course.id, CourseSession.status == SessionStatus.SCHEDULED
    )
    if now is not None:
        query = query.where(CourseSession.ends_at > now)
    return list(db.session.scalars(query))


def publish_course(course: Course, *, by: User) -> None:
    """Show a draft or archived course in the public catalogue."""
    if course.status is CourseStatus.PUBLISHED:
        raise CatalogueError("This course is already published")
    before = course.status.value
    course.status = CourseStatus.PUBLISHED
    audit.record(
        "course.published",
        course,
        actor=by,
        before={"status": before},
        after={"status": "published"},
    )


def archive_course(course: Course, *, by: User, now: datetime) -> None:
    """Withdraw a course; refused while it has sessions still to run."""
    if course.status is CourseStatus.ARCHIVED:
        raise CatalogueError("This course is already archived")
    upcoming = _future_sessions(course, now)
    if upcoming:
        raise CatalogueError(
            f"This course has {len(upcoming)} scheduled "
            f"{'session' if len(upcoming) == 1 else 'sessions'} still to run. "
            "Cancel them before archiving the course"
        )
    before = course.status.value
    course.status = CourseStatus.ARCHIVED
    audit.record(
        "course.archived", course, actor=by, before={"status": before}, after={"status": "archived"}
    )
