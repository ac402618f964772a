"""The follow-up weeks after a course, to the practitioner and their line manager, through
single-use links that work without signing in.

Each run of run-jobs asks, once, everyone who completed a course (a completed booking, or an
e-learning completion that is not self-declared) whose course day is `follow_up_weeks` weeks
ago, and their line manager when they gave one; reminds each once after
`feedback_reminder_days`; and withdraws what stopped counting. A course day older than the
follow-up plus the life of a link is never asked about, so turning evaluation on does not write
to people about last year's courses. A message is queued only for a response this run created
(or a reminder it claimed), so running twice, or two runs at once, sends nothing twice."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.timefmt import local, london_to_utc, long_date
from lms.core.urls import external_url
from lms.elearning.models import Completion, CompletionSource
from lms.extensions import db
from lms.feedback import responses
from lms.feedback.models import Response, Stage
from lms.mail.services import queue_message
from lms.settings import services as settings

STAGES = (Stage.FOLLOW_UP, Stage.MANAGER)


def run(*, now: datetime) -> dict:
    """run-jobs: the follow-ups and reminders due, and the links that lapsed."""
    withdrawn = withdraw_lapsed(now=now)
    asked, managers = ask_due(now=now)
    reminded = send_reminders(now=now)
    return {
        "follow-ups asked": asked,
        "line manager follow-ups asked": managers,
        "follow-up reminders sent": reminded,
        "follow-ups withdrawn": withdrawn,
    }


def due_window(*, now: datetime) -> tuple[date, date]:
    """The course days asked about today: from `follow_up_weeks` weeks ago back to as long
    before that as a link works."""
    row = settings.current()
    today = local(now).date()
    latest = today - timedelta(weeks=row.follow_up_weeks)
    return latest - timedelta(days=row.feedback_link_days), latest


def _not_asked(column):
    return ~sa.exists().where(Response.stage == Stage.FOLLOW_UP, column)


def due_subjects(*, now: datetime) -> list[responses.Subject]:
    """The completed bookings and e-learning completions whose follow-up is due and not yet
    asked: one query for each kind, with the person and course loaded alongside."""
    earliest, latest = due_window(now=now)
    bookings = db.session.scalars(
        sa.select(Booking)
        .join(Booking.session)
        .join(Booking.user)
        .options(contains_eager(Booking.session).joinedload(CourseSession.course))
        .options(contains_eager(Booking.user))
        .where(
            Booking.completed_at.is_not(None),
            Booking.status == BookingStatus.CONFIRMED,
            CourseSession.starts_at >= london_to_utc(earliest, time(0)),
            CourseSession.starts_at < london_to_utc(latest + timedelta(days=1), time(0)),
            User.is_active.is_(True),
            _not_asked(Response.booking_id == Booking.id),
        )
        .order_by(Booking.id)
    ).all()
    completions = db.session.scalars(
        sa.select(Completion)
        .join(Completion.user)
        .options(contains_eager(Completion.user), sa.orm.joinedload(Completion.course))
        .where(
            Completion.withdrawn_at.is_(None),
            Completion.source != CompletionSource.SELF_DECLARED,
            Completion.completed_on.between(earliest, latest),
            User.is_active.is_(True),
            _not_asked(Response.completion_id == Completion.id),
        )
        .order_by(Completion.id)
    ).all()
    return [responses.Subject(booking=booking) for booking in bookings] + [
        responses.Subject(completion=completion) for completion in completions
    ]


def ask_due(*, now: datetime) -> tuple[int, int]:
    """Ask every follow-up due, and the line manager's alongside. Returns how many of each."""
    expires_at = now + timedelta(days=settings.current().feedback_link_days)
    asked = managers = 0
    for subject in due_subjects(now=now):
        response, secret, created = responses.invite(
            Stage.FOLLOW_UP, subject, now=now, expires_at=expires_at, with_link=True
        )
        if created:
            _send(response, secret)
            asked += 1
        person = _person(subject)
        if not person.line_manager_email:
            continue
        response, secret, created = responses.invite(
            Stage.MANAGER,
            subject,
            now=now,
            expires_at=expires_at,
            respondent_email=person.line_manager_email,
            with_link=True,
        )
        if created:
            _send(response, secret)
            managers += 1
    db.session.flush()
    return asked, managers


def send_reminders(*, now: datetime) -> int:
    """Remind, once, each follow-up (and manager's) still open and unexpired that was asked
    `feedback_reminder_days` ago, with the same working link."""
    asked_before = now - timedelta(days=settings.current().feedback_reminder_days)
    due = db.session.scalars(
        sa.select(Response)
        .options(sa.orm.joinedload(Response.user), sa.orm.joinedload(Response.course))
        .where(
            Response.stage.in_(STAGES),
            Response.token_hash.is_not(None),
            Response.answered_at.is_(None),
            Response.withdrawn_at.is_(None),
            Response.reminded_at.is_(None),
            Response.invited_at <= asked_before,
            Response.expires_at > now,
        )
        .order_by(Response.id)
    ).all()
    sent = 0
    for response in due:
        secret = responses.link_secret(response)
        if responses.digest(secret) != response.token_hash:
            continue  # the secret key changed since it was asked: this link no longer works
        if response.stage is Stage.FOLLOW_UP and not response.user.is_active:
            continue
        if not responses.claim_reminder(response, now=now):
            continue  # another run reminded it
        _send(response, secret, reminder=True)
        sent += 1
    db.session.flush()
    return sent


def withdraw_lapsed(*, now: datetime) -> int:
    """Withdraw the open follow-ups whose booking stopped being completed or whose completion
    was withdrawn: one UPDATE."""
    uncompleted = sa.select(Booking.id).where(
        sa.or_(Booking.completed_at.is_(None), Booking.status != BookingStatus.CONFIRMED)
    )
    withdrawn = sa.select(Completion.id).where(Completion.withdrawn_at.is_not(None))
    return db.session.execute(
        sa.update(Response)
        .where(
            Response.stage.in_(STAGES),
            Response.answered_at.is_(None),
            Response.withdrawn_at.is_(None),
            sa.or_(Response.booking_id.in_(uncompleted), Response.completion_id.in_(withdrawn)),
        )
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _person(subject: responses.Subject) -> User:
    return (subject.booking or subject.completion).user


def _send(response: Response, secret: str, *, reminder: bool = False) -> None:
    """Queue the request (or its reminder) to the practitioner or their line manager."""
    person = response.user
    course = response.course
    context = {
        "person": person,
        "course": course,
        "course_on": long_date(response.course_on),
        "link": external_url("follow_up.answer", token=secret),
        "expires_on": long_date(local(response.expires_at).date()),
        "reminder": reminder,
    }
    prefix = "Reminder: " if reminder else ""
    if response.stage is Stage.MANAGER:
        queue_message(
            recipient=response.respondent_email,
            kind="manager_follow_up",
            subject=f"{prefix}Has {person.name}'s practice changed since {course.title}?",
            context=context,
        )
        return
    queue_message(
        recipient=person.email,
        user=person,
        kind="follow_up_request",
        subject=f"{prefix}Two minutes on what changed since {course.title}",
        context=context,
    )
