"""Admins' rules for training requirements and role tags, and the role tags coordinators set on
their staff. Every change is audited with what it was before and after; services flush, the
view commits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from lms.accounts.models import Agency, Sector, User
from lms.audit import services as audit
from lms.catalogue.models import Course, Theme
from lms.compliance.models import PersonTag, RoleTag, Satisfied, TrainingRequirement
from lms.core.errors import DomainError
from lms.core.text import multi_line, single_line
from lms.extensions import db

LARGEST_HOURS = Decimal("99.5")


class RequirementError(DomainError):
    """A requirement or role tag change the rules refuse."""


@dataclass(frozen=True)
class RequirementValues:
    """A requirement as an admin wrote it: who it applies to, what satisfies it, how often."""

    name: str
    satisfied_by: Satisfied
    description: str = ""
    sectors: tuple[Sector, ...] = ()
    agency_ids: tuple[int, ...] = ()
    job_title_words: str = ""
    tag_ids: tuple[int, ...] = ()
    course_ids: tuple[int, ...] = ()
    level: int | None = None
    theme_ids: tuple[int, ...] = ()
    hours: Decimal | None = None
    within_years: int | None = None
    outside_training_counts: bool = False
    renew_months: int | None = None


def snapshot(requirement: TrainingRequirement) -> dict:
    """The requirement as plain values, for its audit trail."""
    return {
        "name": requirement.name,
        "description": requirement.description,
        "is_example": requirement.is_example,
        "is_active": requirement.is_active,
        "sectors": [sector.value for sector in requirement.sectors],
        "agencies": sorted(agency.name for agency in requirement.agencies),
        "job_titles": requirement.job_titles,
        "tags": sorted(tag.name for tag in requirement.tags),
        "satisfied_by": requirement.satisfied_by.value if requirement.satisfied_by else None,
        "courses": sorted(f"{course.code} {course.title}" for course in requirement.courses),
        "level": requirement.level,
        "themes": sorted(theme.name for theme in requirement.themes),
        "hours": None if requirement.hours is None else str(requirement.hours),
        "within_years": requirement.within_years,
        "outside_training_counts": requirement.outside_training_counts,
        "renew_months": requirement.renew_months,
    }


def _rows(model, ids: Iterable[int], what: str, field_name: str) -> list:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    query = sa.select(model).where(model.id.in_(wanted))
    found = {row.id: row for row in db.session.scalars(query)}
    if len(found) != len(wanted):
        raise RequirementError(f"Select the {what} from the list", field=field_name)
    return [found[row_id] for row_id in wanted]


def _in_range(value, low, high, message: str, field_name: str):
    if value is not None and not low <= value <= high:
        raise RequirementError(message, field=field_name)
    return value


def _hours(value) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        hours = Decimal("NaN")
    if not hours.is_finite() or not 0 < hours <= LARGEST_HOURS:
        raise RequirementError(
            f"Enter the hours as a number from 0.5 to {LARGEST_HOURS}", field="hours"
        )
    if hours != hours.quantize(Decimal("0.1")):
        raise RequirementError("Enter the hours to one decimal place, like 6 or 7.5", field="hours")
    return hours.quantize(Decimal("0.1"))


def _checked(values: RequirementValues, requirement: TrainingRequirement | None) -> dict:
    """The values the requirement will hold, or a RequirementError saying what is wrong."""
    name = " ".join(single_line(values.name or "").split())
    if not name:
        raise RequirementError("Enter the requirement's name", field="name")
    if len(name) > 200:
        raise RequirementError("The name must be 200 characters or fewer", field="name")
    same = db.session.scalar(
        sa.select(TrainingRequirement.id).where(
            sa.func.lower(TrainingRequirement.name) == name.lower(),
            TrainingRequirement.id != (requirement.id if requirement else -1),
        )
    )
    if same is not None:
        raise RequirementError(f"There is already a requirement called {name}", field="name")
    words = [" ".join(line.split()) for line in multi_line(values.job_title_words).splitlines()]
    words = list(dict.fromkeys(word for word in words if word))
    if any(len(word) > 100 for word in words) or len(words) > 100:
        raise RequirementError(
            "Job-title words: at most 100 lines of up to 100 characters", field="job_title_words"
        )
    kind = values.satisfied_by
    level = _in_range(values.level, 1, 5, "Select a level from 1 to 5", "level")
    years = _in_range(
        values.within_years, 1, 10, "Enter a number of years from 1 to 10", "within_years"
    )
    renew = _in_range(
        values.renew_months, 1, 120, "Enter a number of months from 1 to 120", "renew_months"
    )
    hours = _hours(values.hours) if kind is Satisfied.HOURS else None
    courses = themes = []
    if kind is Satisfied.COURSES:
        courses = _rows(Course, values.course_ids, "courses or modules", "course_ids")
        if not courses:
            raise RequirementError(
                "Select at least one course or module that satisfies it", field="course_ids"
            )
    elif kind is Satisfied.LEVEL:
        if level is None:
            raise RequirementError("Select the level of training that satisfies it", field="level")
        themes = _rows(Theme, values.theme_ids, "themes", "theme_ids")
    elif kind is Satisfied.HOURS:
        if hours is None:
            raise RequirementError("Enter the hours of training needed", field="hours")
        if years is None:
            raise RequirementError(
                "Enter the number of years the hours are counted over", field="within_years"
            )
        if renew is not None:
            raise RequirementError(
                "An hours requirement is renewed by its years: leave 'renew every' empty",
                field="renew_months",
            )
    else:
        raise RequirementError("Select what satisfies the requirement", field="satisfied_by")
    return {
        "name": name,
        "description": multi_line(values.description or "").strip(),
        "sectors": list(values.sectors),
        "agencies": _rows(Agency, values.agency_ids, "agencies", "agency_ids"),
        "job_title_words": "\n".join(words),
        "tags": _rows(RoleTag, values.tag_ids, "role tags", "tag_ids"),
        "satisfied_by": kind,
        "courses": courses,
        "level": level if kind is not Satisfied.COURSES else None,
        "themes": themes,
        "hours": hours,
        "within_years": years if kind is Satisfied.HOURS else None,
        "outside_training_counts": bool(values.outside_training_counts) and kind is Satisfied.HOURS,
        "renew_months": renew if kind is not Satisfied.HOURS else None,
    }


def save_requirement(
    requirement: TrainingRequirement | None, values: RequirementValues, *, by: User
) -> TrainingRequirement:
    """Create or change a requirement. Saving an example confirms it: it is no longer marked
    as an example. Audited with its values before and after."""
    checked = _checked(values, requirement)
    before = snapshot(requirement) if requirement is not None else None
    if requirement is None:
        requirement = TrainingRequirement(is_active=True, is_example=False)
        db.session.add(requirement)
    for name, value in checked.items():
        setattr(requirement, name, value)
    requirement.is_example = False
    db.session.flush()
    after = snapshot(requirement)
    action = "requirement.created" if before is None else "requirement.updated"
    if before != after:
        audit.record(action, requirement, actor=by, before=before, after=after)
    return requirement


def set_active(requirement: TrainingRequirement, active: bool, *, by: User) -> None:
    """Stop a requirement counting (it is kept, with its history), or start it again."""
    if requirement.is_active == active:
        return
    before = snapshot(requirement)
    requirement.is_active = active
    action = "requirement.reactivated" if active else "requirement.deactivated"
    audit.record(action, requirement, actor=by, before=before, after=snapshot(requirement))
    db.session.flush()


def requirements() -> list[TrainingRequirement]:
    """Every requirement, the active ones first, by name."""
    return list(
        db.session.scalars(
            sa.select(TrainingRequirement).order_by(
                TrainingRequirement.is_active.desc(), TrainingRequirement.name
            )
        )
    )


def applies_to(requirement: TrainingRequirement) -> list[str]:
    """Who the requirement applies to, a line for each kind it narrows by."""
    lines = []
    if requirement.sectors:
        lines.append("Sectors: " + ", ".join(sector.label for sector in requirement.sectors))
    if requirement.agencies:
        names = sorted(agency.name for agency in requirement.agencies)
        lines.append("Agencies: " + ", ".join(names))
    if requirement.job_titles:
        lines.append("Job titles with: " + ", ".join(requirement.job_titles))
    if requirement.tags:
        lines.append("Roles: " + ", ".join(sorted(tag.name for tag in requirement.tags)))
    return lines or ["Everyone"]


def satisfied_by(requirement: TrainingRequirement) -> str:
    """What satisfies the requirement, in a sentence."""
    kind = requirement.satisfied_by
    if kind is Satisfied.COURSES:
        titles = sorted(course.title for course in requirement.courses)
        return "Any of: " + "; ".join(titles)
    themes = sorted(theme.name for theme in requirement.themes)
    on = f", on {' or '.join(themes)}" if themes else ""
    if kind is Satisfied.LEVEL:
        return f"Training at level {requirement.level} or above{on}"
    at = f" at level {requirement.level} or above" if requirement.level else ""
    hours = f"{requirement.hours.normalize():f}"
    outside = ""
    if requirement.outside_training_counts:
        outside = "; verified training from outside counts"
    years = requirement.within_years
    return f"{hours} hours{at} within {years} year{'s' if years != 1 else ''}{outside}"


def how_often(requirement: TrainingRequirement) -> str:
    if requirement.satisfied_by is Satisfied.HOURS:
        return f"Rolling {requirement.within_years}-year window"
    if requirement.renew_months is None:
        return "Once is enough"
    months = requirement.renew_months
    return f"Every {months} month{'s' if months != 1 else ''}"


# Role tags -----------------------------------------------------------------------------------


def role_tags() -> list[RoleTag]:
    return list(db.session.scalars(sa.select(RoleTag).order_by(RoleTag.name)))


def save_tag(tag: RoleTag | None, *, name: str, description: str, by: User) -> RoleTag:
    """Create or rename a role tag; names are unique whatever their case. Audited."""
    name = " ".join(single_line(name or "").split())
    if not name:
        raise RequirementError("Enter the role's name", field="name")
    if len(name) > 100:
        raise RequirementError("The name must be 100 characters or fewer", field="name")
    same = db.session.scalar(
        sa.select(RoleTag.id).where(
            sa.func.lower(RoleTag.name) == name.lower(), RoleTag.id != (tag.id if tag else -1)
        )
    )
    if same is not None:
        raise RequirementError(f"There is already a role called {name}", field="name")
    before = None if tag is None else {"name": tag.name, "description": tag.description}
    if tag is None:
        tag = RoleTag()
        db.session.add(tag)
    tag.name, tag.description = name, multi_line(description or "").strip()
    db.session.flush()
    after = {"name": tag.name, "description": tag.description}
    if before != after:
        action = "role_tag.created" if before is None else "role_tag.updated"
        audit.record(action, tag, actor=by, before=before, after=after)
    return tag


def requirements_using(tag: RoleTag) -> list[TrainingRequirement]:
    return list(
        db.session.scalars(
            sa.select(TrainingRequirement)
            .where(TrainingRequirement.tags.any(RoleTag.id == tag.id))
            .order_by(TrainingRequirement.name)
        )
    )


def people_tagged(tag: RoleTag) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(PersonTag).where(PersonTag.tag_id == tag.id)
    )


def delete_tag(tag: RoleTag, *, by: User) -> None:
    """Delete a role tag, taking it off the people who have it. Refused while a requirement
    uses it: the requirement would otherwise quietly apply to everyone else it names."""
    using = requirements_using(tag)
    if using:
        names = ", ".join(requirement.name for requirement in using)
        raise RequirementError(
            f"{tag.name} cannot be deleted while these requirements use it: {names}. "
            "Take it off them first."
        )
    audit.record(
        "role_tag.deleted",
        tag,
        actor=by,
        before={"name": tag.name, "description": tag.description, "people": people_tagged(tag)},
    )
    db.session.execute(sa.delete(PersonTag).where(PersonTag.tag_id == tag.id))
    db.session.delete(tag)
    db.session.flush()


def tags_of(person: User) -> list[PersonTag]:
    """The role tags set on a person, by name."""
    return list(
        db.session.scalars(
            sa.select(PersonTag)
            .join(RoleTag, RoleTag.id == PersonTag.tag_id)
            .where(PersonTag.user_id == person.id)
            .order_by(RoleTag.name)
        )
    )


def set_person_tags(person: User, tag_ids: Iterable[int], *, by: User, now: datetime) -> None:
    """Set exactly these role tags on a person: new ones are marked as set by `by` at `now`,
    ones kept keep when they were first set. Audited when anything changes."""
    wanted = {tag.id: tag for tag in _rows(RoleTag, tag_ids, "roles", "tag_ids")}
    held = {row.tag_id: row for row in tags_of(person)}
    before = sorted(row.tag.name for row in held.values())
    for tag_id, row in held.items():
        if tag_id not in wanted:
            db.session.delete(row)
    for tag_id in wanted.keys() - held.keys():
        db.session.add(PersonTag(user_id=person.id, tag_id=tag_id, set_by_id=by.id, set_at=now))
    after = sorted(tag.name for tag in wanted.values())
    if before != after:
        audit.record(
            "person.role_tags_set", person, actor=by, before={"tags": before}, after={"tags": after}
        )
    db.session.flush()
