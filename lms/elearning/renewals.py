"""Validity and renewals: whether a person's e-learning is valid, due for renewal or expired,
and the one reminder each completion earns before it runs out.

A completion's `expires_on` is the first day it is no longer valid, so it is valid until the
day before. It is due for renewal from `renewal_reminder_days` (a partnership setting) before
that day. Only a person's latest completion of a module counts: a renewal supersedes the
completions before it, which are never reminded about."""

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from lms.accounts.models import User
from lms.catalogue.models import Course, CourseStatus
from lms.catalogue.modules import validity_text
from lms.core.timefmt import local, long_date
from lms.core.urls import external_url
from lms.elearning.models import Completion
from lms.extensions import db
from lms.mail.services import queue_message
from lms.settings import services as settings


class RenewalStatus(enum.Enum):
    VALID = "valid"
    DUE = "due"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"valid": "Valid", "due": "Due for renewal", "expired": "Expired"}[self.value]

    @property
    def tag_class(self) -> str:
        return {
            "valid": "govuk-tag--green",
            "due": "govuk-tag--yellow",
            "expired": "govuk-tag--red",
        }[self.value]


def status_on(expires_on: date | None, today: date, reminder_days: int) -> RenewalStatus:
    """Valid, due for renewal (it expires within the reminder window) or expired."""
    if expires_on is None:
        return RenewalStatus.VALID
    if expires_on <= today:
        return RenewalStatus.EXPIRED
    if expires_on <= today + timedelta(days=reminder_days):
        return RenewalStatus.DUE
    return RenewalStatus.VALID


def valid_until(expires_on: date | None) -> date | None:
    """The last day a completion is valid; None when it never expires."""
    return None if expires_on is None else expires_on - timedelta(days=1)


@dataclass(frozen=True)
class Renewal:
    """A person's latest completion of a module, and where it stands today."""

    completion: Completion
    status: RenewalStatus

    @property
    def valid_until(self) -> date | None:
        return valid_until(self.completion.expires_on)


def latest_held() -> sa.ColumnElement[bool]:
    """Held (not withdrawn) and not superseded by a later held completion of the same module by
    the same person. Same-day duplicates cannot be held (a unique index), so the date decides."""
    later = aliased(Completion)
    return sa.and_(
        Completion.withdrawn_at.is_(None),
        ~sa.exists().where(
            later.user_id == Completion.user_id,
            later.course_id == Completion.course_id,
            later.withdrawn_at.is_(None),
            later.completed_on > Completion.completed_on,
        ),
    )


def reminder_days() -> int:
    return settings.current().renewal_reminder_days


def today_in_uk(now: datetime) -> date:
    return local(now).date()


def as_renewals(completions, *, today: date, days: int) -> list[Renewal]:
    return [
        Renewal(completion, status_on(completion.expires_on, today, days))
        for completion in completions
    ]


def renewals_of(user_id: int, *, today: date, days: int | None = None) -> list[Renewal]:
    """A person's e-learning: their latest completion of each module, by module title."""
    days = reminder_days() if days is None else days
    completions = db.session.scalars(
        sa.select(Completion)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.user_id == user_id, latest_held())
        .options(selectinload(Completion.course).selectinload(Course.provider))
        .order_by(Course.title, Completion.id)
    ).all()
    return as_renewals(completions, today=today, days=days)


def agency_renewals(
    agency_id: int, *, today: date, days: int, status: RenewalStatus | None = None
) -> sa.Select:
    """The latest completions of an agency's active staff (their agency now) that are due for
    renewal or expired (or only one of the two), soonest expiry first."""
    horizon = today + timedelta(days=days)
    query = (
        sa.select(Completion)
        .join(User, User.id == Completion.user_id)
        .join(Course, Course.id == Completion.course_id)
        .where(
            User.agency_id == agency_id,
            User.is_active.is_(True),
            latest_held(),
            Completion.expires_on.is_not(None),
            Completion.expires_on <= horizon,
        )
        .options(
            selectinload(Completion.user).selectinload(User.role_grants),
            selectinload(Completion.course),
        )
        .order_by(Completion.expires_on, User.name, Course.title, Completion.id)
    )
    if status is RenewalStatus.DUE:
        query = query.where(Completion.expires_on > today)
    elif status is RenewalStatus.EXPIRED:
        query = query.where(Completion.expires_on <= today)
    return query


def reminders_due(*, today: date, days: int) -> list[int]:
    """The completions whose holder should be told now: latest of their module, expiring
    within the window and not yet expired, not reminded before, of an active person, of a
    module still offered."""
    return list(
        db.session.scalars(
            sa.select(Completion.id)
            .join(User, User.id == Completion.user_id)
            .join(Course, Course.id == Completion.course_id)
            .where(
                latest_held(),
                Completion.renewal_reminded_at.is_(None),
                Completion.expires_on > today,
                Completion.expires_on <= today + timedelta(days=days),
                User.is_active.is_(True),
                Course.status != CourseStatus.ARCHIVED,
            )
            .order_by(Completion.id)
        )
    )


def send_renewal_reminders(*, now: datetime) -> int:
    """One reminder per completion, the set number of days before it expires, never twice:
    the completion is marked in the same transaction as its mail is queued, by a conditional
    UPDATE, so two runs at once cannot both send it. Needs a request context (for links)."""
    days = reminder_days()
    sent = 0
    for completion_id in reminders_due(today=today_in_uk(now), days=days):
        claimed = db.session.execute(
            sa.update(Completion)
            .where(
                Completion.id == completion_id,
                Completion.renewal_reminded_at.is_(None),
                Completion.withdrawn_at.is_(None),
            )
            .values(renewal_reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            _remind(db.session.get(Completion, completion_id))
            sent += 1
        db.session.commit()
    return sent


def _remind(completion: Completion) -> None:
    course, person = completion.course, completion.user
    queue_message(
        recipient=person.email,
        user=person,
        kind="renewal_due",
        subject=f"Due for renewal: {course.title}",
        context={
            "person": person,
            "course": course,
            "completed_on": long_date(completion.completed_on),
            "valid_until": long_date(valid_until(completion.expires_on)),
            "validity": validity_text(course.certificate_validity_months),
            "course_url": course.course_url,
            "provider": course.provider.name if course.provider else None,
            "my_training": external_url("bookings.my_training"),
        },
    )
