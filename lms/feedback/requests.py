"""Asking for evaluations before and straight after a course: the requests, their one reminder,
and withdrawing them when the booking or completion stops counting.

Straight after: every completed booking, and every e-learning completion that is not training
declared as done elsewhere and was completed recently (no more than `follow_up_weeks` ago, so
a history import asks nobody about last year), is asked once; the request stays open for
`follow_up_weeks` weeks. Before: a confirmed booking of a course that asks for a starting point,
until the session starts. Each open request is reminded once after `feedback_reminder_days`.
Completing raises the request at once (the hooks below); `run` catches up with anything missed
(a crash between completing and asking) and is safe to run any number of times."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance import services as attendance
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.core.timefmt import local
from lms.elearning import completions
from lms.elearning.bulk import Driver
from lms.elearning.models import Completion, CompletionSource
from lms.extensions import db
from lms.feedback import responses
from lms.feedback.models import Response, Stage
from lms.feedback.request_mail import Letters, in_request, queue, queue_many
from lms.settings import services as settings

ASKED = (Stage.BEFORE, Stage.AFTER)


# When evaluations apply --------------------------------------------------------------------


def weeks_open() -> timedelta:
    return timedelta(weeks=settings.current().follow_up_weeks)


def recent_from(now: datetime) -> date:
    """The first UK day a completion may have been done on to be asked about."""
    return local(now).date() - weeks_open()


def completion_asked(completion: Completion, *, now: datetime) -> bool:
    """Whether an e-learning completion is evaluated straight after: held, not declared
    training done elsewhere, and recent."""
    return (
        completion.withdrawn_at is None
        and completion.source is not CompletionSource.SELF_DECLARED
        and completion.completed_on >= recent_from(now)
    )


def booking_asked(booking: Booking, *, now: datetime) -> bool:
    """Whether a booking is evaluated straight after: completed, and recently (a request that
    old would have lapsed by now)."""
    return booking.completed_at is not None and booking.completed_at > now - weeks_open()


def _completions_to_ask(now: datetime):
    """Held, recent completions not declared as done elsewhere, not asked yet."""
    return sa.and_(
        Completion.withdrawn_at.is_(None),
        Completion.source != CompletionSource.SELF_DECLARED,
        Completion.completed_on >= recent_from(now),
        ~sa.exists().where(Response.stage == Stage.AFTER, Response.completion_id == Completion.id),
    )


# Asking ----------------------------------------------------------------------------------


def ask_after(subject: responses.Subject, *, now: datetime) -> Response:
    """The request straight after, made (and its message queued) if not made yet; one that was
    withdrawn (attendance corrected) and is now due again is asked afresh."""
    response, _, created = responses.invite(
        Stage.AFTER, subject, now=now, expires_at=now + weeks_open()
    )
    if not created:
        if response.withdrawn_at is None or response.answered_at is not None:
            return response
        response.withdrawn_at, response.reminded_at = None, None
        response.invited_at, response.expires_at = now, now + weeks_open()
        db.session.flush()
    with in_request():
        queue([Letters().of(response)])
    return response


def ask_before(booking: Booking, *, now: datetime, tell: bool = True) -> Response | None:
    """The "before" request of a confirmed booking of a course that asks for one, open until
    the session starts; None when it does not apply (any more)."""
    course_session = booking.session
    if not (
        booking.status is BookingStatus.CONFIRMED
        and course_session.course.evaluation_before
        and course_session.status is not SessionStatus.CANCELLED
        and course_session.starts_at > now
    ):
        return None
    response, _, created = responses.invite(
        Stage.BEFORE,
        responses.Subject(booking=booking),
        now=now,
        expires_at=course_session.starts_at,
    )
    if created and tell:
        with in_request():
            queue([Letters().of(response)])
    return response


def ask_completions(condition, *, now: datetime) -> int:
    """Ask straight after about every completion matching `condition` that is evaluated and not
    asked yet: one query finds them (with the person's name and address), one insert makes the
    requests, one reads back their ids, one inserts their messages. Returns how many."""
    db.session.flush()
    found = (
        db.session.connection()
        .execute(  # plain rows: no ORM work for thousands
            sa.select(
                Completion.id,
                Completion.user_id,
                Completion.course_id,
                Completion.agency_id,
                Completion.completed_on,
                User.name,
                User.email,
            )
            .join(User, User.id == Completion.user_id)
            .where(condition, _completions_to_ask(now))
        )
        .all()
    )
    if not found:
        return 0
    expires_at = now + weeks_open()
    driver = Driver()  # straight through the driver: an import can ask thousands at once
    invited, expires, after = driver.moment(now), driver.moment(expires_at), Stage.AFTER.value
    no = 0 if driver.sqlite else False
    driver.insert(
        "feedback_responses",
        (
            "stage",
            "completion_id",
            "user_id",
            "course_id",
            "agency_id",
            "course_on",
            "invited_at",
            "expires_at",
            "before_recalled",
            "quote_consent",
        ),
        [
            (
                after,
                row.id,
                row.user_id,
                row.course_id,
                row.agency_id,
                driver.day(row.completed_on),
                invited,
                expires,
                no,
                no,
            )
            for row in found
        ],
    )
    made = dict(
        db.session.connection()
        .execute(
            sa.select(Response.completion_id, Response.id).where(
                Response.stage == Stage.AFTER,
                Response.completion_id.in_(completions.ids_param({row.id for row in found})),
            )
        )
        .all()
    )
    courses = {
        course.id: course
        for course in db.session.scalars(
            sa.select(Course).where(Course.id.in_({row.course_id for row in found}))
        )
    }
    with in_request():
        letters = Letters()
        queue_many(
            driver,
            [
                letters.row(
                    Stage.AFTER,
                    courses[row.course_id],
                    response_id=made[row.id],
                    user_id=row.user_id,
                    name=row.name,
                    email=row.email,
                    when=letters.when(row.completed_on),
                    expires_at=expires_at,
                )
                for row in found
            ],
        )
    return len(found)


# Withdrawing ------------------------------------------------------------------------------

OPEN = sa.and_(Response.answered_at.is_(None), Response.withdrawn_at.is_(None))


def _withdraw(condition, *, now: datetime) -> int:
    return db.session.execute(
        sa.update(Response)
        .where(OPEN, condition)
        .values(withdrawn_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount


# The hooks --------------------------------------------------------------------------------


def on_booking_completed(booking: Booking, *, now: datetime) -> None:
    ask_after(responses.Subject(booking=booking), now=now)


def on_outcome_corrected(booking: Booking, *, before: str | None, now: datetime) -> None:
    """A correction after close-out: a booking no longer completed is no longer asked about
    (answers already given stay)."""
    if booking.completed_at is None:
        _withdraw(Response.booking_id == booking.id, now=now)


def on_completions_added(completion_ids, *, now: datetime) -> None:
    if completion_ids:
        ask_completions(Completion.id.in_(completions.ids_param(set(completion_ids))), now=now)


def on_completions_withdrawn(completion_ids, *, now: datetime) -> None:
    if completion_ids:
        _withdraw(Response.completion_id.in_(completions.ids_param(set(completion_ids))), now=now)


def register_hooks() -> None:
    """Hang the evaluation requests on completing a booking or an e-learning module (once,
    however often the app is made)."""
    for hooks, hook in (
        (attendance.BOOKING_COMPLETED, on_booking_completed),
        (attendance.OUTCOME_CORRECTED, on_outcome_corrected),
        (completions.COMPLETED, on_completions_added),
        (completions.WITHDRAWN, on_completions_withdrawn),
    ):
        if hook not in hooks:
            hooks.append(hook)


# run-jobs ----------------------------------------------------------------------------------


def _catch_up(now: datetime) -> int:
    bookings = db.session.scalars(
        sa.select(Booking).where(
            Booking.completed_at.is_not(None),
            Booking.completed_at > now - weeks_open(),
            ~sa.exists().where(Response.stage == Stage.AFTER, Response.booking_id == Booking.id),
        )
    ).all()
    for booking in bookings:
        ask_after(responses.Subject(booking=booking), now=now)
    return len(bookings) + ask_completions(sa.true(), now=now)


def _ask_before(now: datetime) -> int:
    bookings = db.session.scalars(
        sa.select(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Course.evaluation_before.is_(True),
            CourseSession.status != SessionStatus.CANCELLED,
            CourseSession.starts_at > now,
            ~sa.exists().where(Response.stage == Stage.BEFORE, Response.booking_id == Booking.id),
        )
    ).all()
    return sum(ask_before(booking, now=now) is not None for booking in bookings)


def _remind(now: datetime) -> int:
    """One reminder for each open request asked long enough ago; each is claimed by an UPDATE
    first, so two runs at once never remind anyone twice."""
    due = db.session.scalars(
        sa.select(Response).where(
            Response.stage.in_(ASKED),
            OPEN,
            Response.reminded_at.is_(None),
            Response.expires_at > now,
            Response.invited_at <= now - timedelta(days=settings.current().feedback_reminder_days),
        )
    ).all()
    rows, letters = [], Letters()
    for response in due:
        if responses.claim_reminder(response, now=now):
            rows.append(letters.of(response, reminder=True))
    queue(rows)
    return len(rows)


def _safety_net(now: datetime) -> int:
    """Withdraw open requests whose booking was cancelled (before) or is not completed (after
    and later stages), or whose completion was withdrawn."""
    booking = sa.exists().where(Booking.id == Response.booking_id)
    return _withdraw(
        sa.or_(
            sa.and_(
                Response.stage == Stage.BEFORE,
                booking.where(Booking.status != BookingStatus.CONFIRMED),
            ),
            sa.and_(Response.stage != Stage.BEFORE, booking.where(Booking.completed_at.is_(None))),
            sa.exists().where(
                Completion.id == Response.completion_id, Completion.withdrawn_at.is_not(None)
            ),
        ),
        now=now,
    )


def run(*, now: datetime) -> dict:
    """run-jobs: the requests and reminders due; running it twice changes nothing more."""
    withdrawn = _safety_net(now)
    asked_after = _catch_up(now)
    asked_before = _ask_before(now)
    reminded = _remind(now)
    db.session.flush()
    return {
        "evaluations asked for after a course (caught up)": asked_after,
        "evaluations asked for before a course": asked_before,
        "evaluation reminders sent": reminded,
        "evaluation requests withdrawn": withdrawn,
    }
