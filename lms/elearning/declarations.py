"""Self-declared training: a person records an e-learning module of the catalogue, or training
done outside the partnership, with a certificate as evidence. An admin, or the coordinator of
the person's agency, verifies or rejects it with a reason; only verified ones count. Verifying
a module's declaration records a completion (so it counts in the e-learning figures); verified
outside training counts on the person's record only.

A declaration is decided once: the decision moves it from pending with a conditional UPDATE,
so deciding twice (or two people at once) changes nothing the second time."""

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts import permissions
from lms.accounts.models import User
from lms.audit import services as audit
from lms.catalogue.models import Course, CourseStatus, DeliveryMode
from lms.core.errors import DomainError
from lms.core.text import multi_line, single_line
from lms.core.timefmt import long_date
from lms.core.urls import external_url
from lms.elearning import completions, evidence
from lms.elearning.models import CompletionSource, DeclarationStatus, TrainingDeclaration
from lms.extensions import db
from lms.mail.services import queue_message

EARLIEST = date(2000, 1, 1)
HOURS_LEAST, HOURS_MOST = Decimal("0.5"), Decimal("100")
TEXT_LIMIT = 200
REASON_LIMIT = 1000
_HOURS = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3})?|\.[0-9]{1,3}")


class DeclarationError(DomainError):
    pass


class DeclarationProblems(DeclarationError):
    """Every field of a declaration that was refused, each with its message."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


class Kind(enum.Enum):
    MODULE = "module"
    OUTSIDE = "outside"

    @property
    def label(self) -> str:
        return {
            "module": "An e-learning module from the partnership's catalogue",
            "outside": "Training outside the partnership",
        }[self.value]


@dataclass
class Declared:
    """What the person typed, as it came from the form."""

    kind: str | None
    course_id: int | None
    title: str | None
    provider_name: str | None
    completed_on: date | None
    hours: str | None


# Who may see and decide ---------------------------------------------------------------------


def can_see(user, declaration: TrainingDeclaration) -> bool:
    """The person, a coordinator of their agency (now) and admins see a declaration and its
    evidence."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.id == declaration.user_id or permissions.is_admin(user):
        return True
    return permissions.is_coordinator(user) and user.agency_id == declaration.user.agency_id


def can_decide(user, declaration: TrainingDeclaration) -> bool:
    """Admins and the coordinators of the person's agency, but nobody their own."""
    return can_see(user, declaration) and user.id != declaration.user_id


# Declaring ----------------------------------------------------------------------------------


def declarable_modules() -> list[Course]:
    """The published e-learning modules, by title."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .where(
                Course.delivery_mode == DeliveryMode.ELEARNING,
                Course.status == CourseStatus.PUBLISHED,
            )
            .order_by(Course.title, Course.id)
        )
    )


def parse_hours(text: str | None) -> Decimal:
    """Hours as typed ("3", "1.5"), between 0.5 and 100 in steps of half an hour."""
    text = (text or "").strip()
    if not text:
        raise DeclarationError("Enter how many hours the training took", field="hours")
    if not _HOURS.fullmatch(text):
        raise DeclarationError("Hours must be a number, like 3 or 1.5", field="hours")
    hours = Decimal(text)
    if not HOURS_LEAST <= hours <= HOURS_MOST:
        raise DeclarationError("Hours must be between 0.5 and 100", field="hours")
    if (hours * 2) % 1:
        raise DeclarationError(
            "Hours must be in steps of half an hour, like 1.5 or 2", field="hours"
        )
    return hours.quantize(Decimal("0.1"))


def _text(value: str | None, field: str, missing: str, label: str) -> str:
    text = " ".join((single_line(value or "") or "").split())
    if not text:
        raise DeclarationError(missing, field=field)
    if len(text) > TEXT_LIMIT:
        raise DeclarationError(f"{label} must be {TEXT_LIMIT} characters or fewer", field=field)
    return text


def _day(completed_on: date | None, today: date) -> date:
    if completed_on is None:
        raise DeclarationError("Enter the date you completed the training", field="completed_on")
    if completed_on > today:
        raise DeclarationError(
            "The date you completed the training must be today or in the past",
            field="completed_on",
        )
    if completed_on < EARLIEST:
        raise DeclarationError(
            f"The date you completed the training must be on or after {long_date(EARLIEST)}",
            field="completed_on",
        )
    return completed_on


def _module(course_id: int | None) -> Course:
    course = db.session.get(Course, course_id) if course_id else None
    if (
        course is None
        or course.delivery_mode is not DeliveryMode.ELEARNING
        or course.status is not CourseStatus.PUBLISHED
    ):
        raise DeclarationError("Select the e-learning module from the list", field="course_id")
    return course


def _cleaned(declared: Declared, today: date) -> tuple[dict, list[tuple[str, str]]]:
    """The declaration's values, and every problem found (all of them, not the first)."""
    values, problems = {}, []

    def attempt(name, check):
        try:
            values[name] = check()
        except DeclarationError as error:
            problems.append((error.field, error.message))

    kind = next((kind for kind in Kind if kind.value == declared.kind), None)
    if kind is None:
        problems.append(("kind", "Select whether you did an e-learning module or other training"))
    elif kind is Kind.MODULE:
        attempt("course", lambda: _module(declared.course_id))
    else:
        attempt(
            "title",
            lambda: _text(declared.title, "title", "Enter the title of the training", "The title"),
        )
        attempt(
            "provider_name",
            lambda: _text(
                declared.provider_name,
                "provider_name",
                "Enter who provided the training",
                "The provider",
            ),
        )
        attempt("hours", lambda: parse_hours(declared.hours))
    attempt("completed_on", lambda: _day(declared.completed_on, today))
    values["kind"] = kind
    return values, problems


def _already_declared(user: User, values: dict) -> None:
    """Refuse a second live declaration of the same training on the same day, and a module
    the person already holds for that day."""
    query = sa.select(TrainingDeclaration).where(
        TrainingDeclaration.user_id == user.id,
        TrainingDeclaration.completed_on == values["completed_on"],
        TrainingDeclaration.status != DeclarationStatus.REJECTED,
    )
    if values["kind"] is Kind.MODULE:
        course = values["course"]
        if completions.held(user.id, course.id, values["completed_on"]) is not None:
            raise DeclarationError(
                f"Your completion of {course.title} on {long_date(values['completed_on'])} "
                "is already on your record",
                field="course_id",
            )
        query = query.where(TrainingDeclaration.course_id == course.id)
    else:
        query = query.where(
            TrainingDeclaration.course_id.is_(None),
            sa.func.lower(TrainingDeclaration.title) == values["title"].lower(),
        )
    if db.session.scalar(query.limit(1)) is not None:
        raise DeclarationError(
            "You have already declared this training for that date", field="completed_on"
        )


def declare(
    user: User,
    declared: Declared,
    *,
    content: bytes | None,
    file_name: str | None,
    today: date,
) -> TrainingDeclaration:
    """Record a declaration, waiting to be checked, with its evidence; counted for the agency
    the person was in on the day of the training. Raises DeclarationProblems listing every
    field refused."""
    values, problems = _cleaned(declared, today)
    try:
        proof = evidence.check(content, file_name)
    except evidence.EvidenceError as error:
        problems.append((error.field, error.message))
    if problems:
        raise DeclarationProblems(problems)
    _already_declared(user, values)
    course = values.get("course")
    declaration = TrainingDeclaration(
        user_id=user.id,
        agency_id=completions.agency_on(user.id, values["completed_on"]),
        course_id=course.id if course else None,
        title="" if course else values["title"],
        provider_name="" if course else values["provider_name"],
        completed_on=values["completed_on"],
        hours=min(course.cpd_hours or Decimal(0), HOURS_MOST) if course else values["hours"],
        evidence=proof.content,
        evidence_type=proof.content_type,
        evidence_name=proof.name,
        status=DeclarationStatus.PENDING,
    )
    db.session.add(declaration)
    db.session.flush()
    audit.record(
        "elearning.declaration_submitted",
        declaration,
        actor=user,
        after={
            "what": declaration.what,
            "completed_on": declaration.completed_on.isoformat(),
            "evidence": f"{proof.name} ({proof.content_type}, {len(proof.content)} bytes)",
        },
    )
    return declaration


# Deciding -----------------------------------------------------------------------------------


def _decide(
    declaration: TrainingDeclaration,
    status: DeclarationStatus,
    *,
    by: User,
    now: datetime,
    reason: str = "",
) -> None:
    if by.id == declaration.user_id:
        raise DeclarationError("You cannot verify or reject your own training")
    changed = db.session.execute(
        sa.update(TrainingDeclaration)
        .where(
            TrainingDeclaration.id == declaration.id,
            TrainingDeclaration.status == DeclarationStatus.PENDING,
        )
        .values(status=status, decided_by_id=by.id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(declaration)
    if changed != 1:
        raise DeclarationError(
            f"This declaration has already been {declaration.status.value}. Nothing was changed"
        )


def _tell(declaration: TrainingDeclaration, kind: str, subject: str) -> None:
    person = declaration.user
    queue_message(
        recipient=person.email,
        user=person,
        kind=kind,
        subject=subject,
        context={
            "person": person,
            "declaration": declaration,
            "link": external_url("declarations.mine"),
        },
    )


def verify(declaration: TrainingDeclaration, *, by: User, now: datetime):
    """Verify a pending declaration: a module's becomes a completion (source self-declared),
    counted in the e-learning figures; the person is told. Returns the completion, if any."""
    _decide(declaration, DeclarationStatus.VERIFIED, by=by, now=now)
    completion = None
    if declaration.course_id is not None:
        completion, _ = completions.record(
            declaration.user,
            declaration.course,
            declaration.completed_on,
            source=CompletionSource.SELF_DECLARED,
            declaration_id=declaration.id,
        )
    audit.record(
        "elearning.declaration_verified",
        declaration,
        actor=by,
        before={"status": DeclarationStatus.PENDING.value},
        after={
            "status": DeclarationStatus.VERIFIED.value,
            "completion_id": completion.id if completion else None,
        },
    )
    _tell(declaration, "declaration_verified", "Your declared training has been verified")
    return completion


def reject(declaration: TrainingDeclaration, reason: str | None, *, by: User, now: datetime):
    """Reject a pending declaration with a reason the person is told; it never counts."""
    reason = multi_line(reason or "").strip()
    if not reason:
        raise DeclarationError("Enter why the declaration is rejected", field="reason")
    if len(reason) > REASON_LIMIT:
        raise DeclarationError(
            f"The reason must be {REASON_LIMIT} characters or fewer", field="reason"
        )
    _decide(declaration, DeclarationStatus.REJECTED, by=by, now=now, reason=reason)
    audit.record(
        "elearning.declaration_rejected",
        declaration,
        actor=by,
        before={"status": DeclarationStatus.PENDING.value},
        after={"status": DeclarationStatus.REJECTED.value},
        reason=reason,
    )
    _tell(declaration, "declaration_rejected", "Your declared training was not verified")
