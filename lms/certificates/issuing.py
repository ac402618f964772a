"""Issuing, revoking and replacing certificates: the one place a certificate's life changes.

- **Issued** when a booking is completed (attendance) or an e-learning completion is recorded
  (a provider file, an xAPI statement, a verified declaration of a module), once
  `lms.feedback.events.certificate_may_issue` says so: straight away, or once the evaluation
  straight after is answered, withdrawn or lapsed when the partnership's setting asks for it.
  The hooks below issue at once; `issue_due` (run-jobs) catches up with everything else (an
  evaluation that lapsed, a large import left to it, a crash between completing and issuing).
- **Revoked** when attendance is corrected so the booking is no longer completed, or the
  completion is withdrawn (an import undone, say).
- **Replaced** when the person's name is corrected: a new certificate with a new code and the
  new name; the old one says "replaced".
- A course retaken later is another booking or completion, with its own certificate.
"""

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.attendance import services as attendance
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession
from lms.certificates import codes
from lms.certificates.models import Certificate
from lms.core.timefmt import local
from lms.elearning import completions
from lms.elearning.models import Completion, CompletionSource
from lms.extensions import db
from lms.feedback import events, responses
from lms.feedback.models import Response, Stage

LIVE = sa.and_(Certificate.revoked_at.is_(None), Certificate.replaced_at.is_(None))
# A completion hook handles at most this many completions at once; a larger import leaves the
# rest to run-jobs, so importing a year of history does not wait for thousands of certificates.
INLINE_LIMIT = 200
# run-jobs issues at most this many at a time (the next run carries on).
SWEEP_LIMIT = 5000

Subject = responses.Subject


# The snapshot ------------------------------------------------------------------------------


def session_days(course_session: CourseSession) -> tuple[date, date]:
    days = [local(d.starts_at).date() for d in course_session.dates] or [
        local(course_session.starts_at).date()
    ]
    return min(days), max(days)


def last_valid_day(expires_on: date | None) -> date | None:
    """A completion's `expires_on` is the first day it no longer counts; a certificate states
    the last day it is valid."""
    return None if expires_on is None else expires_on - timedelta(days=1)


def delivered_by(course: Course, course_session: CourseSession | None) -> str:
    if course.provider is not None:
        return course.provider.name
    if course_session is not None and course_session.trainers:
        return ", ".join(trainer.name for trainer in course_session.trainers)[:300]
    return ""


def snapshot(subject: Subject, person: User) -> dict:
    """What a certificate for this booking or completion states, as of now."""
    course = subject.course
    if subject.booking is not None:
        course_session = subject.booking.session
        first, last = session_days(course_session)
        valid_until = last_valid_day(
            completions.expires_on(course.certificate_validity_months, last)
        )
        mode = "Virtual" if course_session.is_virtual else "Face to face"
        provider = delivered_by(course, course_session)
    else:
        completion = subject.completion
        first = last = completion.completed_on
        valid_until = last_valid_day(completion.expires_on)
        declared = completion.source is CompletionSource.SELF_DECLARED
        mode = "Declared and verified" if declared else "E-learning"
        provider = delivered_by(course, None)
    return {
        "user_id": person.id,
        "agency_id": subject.agency_id,
        "course_id": course.id,
        "booking_id": subject.booking.id if subject.booking is not None else None,
        "completion_id": subject.completion.id if subject.completion is not None else None,
        "person_name": person.name,
        "course_title": course.title,
        "course_code": course.code,
        "level": course.level,
        "cpd_hours": course.cpd_hours,
        "mode": mode,
        "first_day": first,
        "last_day": last,
        "delivered_by": provider,
        "valid_until": valid_until,
    }


# Issuing -----------------------------------------------------------------------------------


def live_for(subject: Subject) -> Certificate | None:
    column, value = _subject_key(subject)
    return db.session.scalar(sa.select(Certificate).where(column == value, LIVE))


def _subject_key(subject: Subject):
    if subject.booking is not None:
        return Certificate.booking_id, subject.booking.id
    return Certificate.completion_id, subject.completion.id


def still_completed(subject: Subject) -> bool:
    if subject.booking is not None:
        return subject.booking.completed_at is not None
    return subject.completion.withdrawn_at is None


def _add(values: dict, *, now: datetime) -> Certificate | None:
    """Insert a certificate; None when another live one got there first (the unique index)."""
    certificate = Certificate(
        code=codes.new_code(), credential_id=str(uuid.uuid4()), issued_at=now, **values
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        return None
    return certificate


def issue(subject: Subject, *, now: datetime) -> Certificate | None:
    """The live certificate of a completed booking or completion, issued now if it may be;
    None while it waits for the evaluation, or when the subject is no longer completed."""
    return _issue(subject, now=now)[0]


def _issue(subject: Subject, *, now: datetime) -> tuple[Certificate | None, bool]:
    """issue(), and whether this call made the certificate (not another run at once)."""
    if not still_completed(subject):
        return None, False
    existing = live_for(subject)
    if existing is not None:
        return existing, False
    if not events.certificate_may_issue(subject, now=now):
        return None, False
    person = db.session.get(User, subject.user_id)
    certificate = _add(snapshot(subject, person), now=now)
    if certificate is None:
        return live_for(subject), False
    return certificate, True


# Revoking and replacing --------------------------------------------------------------------


def revoke(certificate: Certificate, reason: str, *, now: datetime) -> None:
    if not certificate.is_live:
        return
    certificate.revoked_at = now
    certificate.revoked_reason = reason[:300]
    db.session.flush()


def _revoke_where(condition, reason: str, *, now: datetime) -> int:
    found = db.session.scalars(sa.select(Certificate).where(condition, LIVE)).all()
    for certificate in found:
        revoke(certificate, reason, now=now)
    return len(found)


def reissue_for_name(person: User, *, now: datetime) -> list[Certificate]:
    """Replace each live certificate showing another name than the person's own: the new one
    has a new code and the corrected name, the old one says "replaced"."""
    made = []
    old_ones = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.user_id == person.id, LIVE, Certificate.person_name != person.name)
        .order_by(Certificate.id)
    ).all()
    for old in old_ones:
        values = {
            column.key: getattr(old, column.key)
            for column in Certificate.__table__.columns
            if column.key
            not in {
                "id",
                "code",
                "credential_id",
                "issued_at",
                "revoked_at",
                "revoked_reason",
                "replaced_at",
                "replaced_by_id",
            }
        }
        old.replaced_at = now
        db.session.flush()
        new = _add(values | {"person_name": person.name}, now=now)
        old.replaced_by_id = new.id
        made.append(new)
    db.session.flush()
    return made


# Catching up (run-jobs) --------------------------------------------------------------------


def _waiting_for_answer(kind: str, key, now: datetime):
    """An evaluation straight after is open and not yet expired for the subject."""
    return sa.exists().where(
        Response.stage == Stage.AFTER,
        getattr(Response, kind) == key,
        Response.answered_at.is_(None),
        Response.withdrawn_at.is_(None),
        Response.expires_at > now,
    )


def _bookings_due(now: datetime):
    # A revocation after the latest completion was deliberate: not undone here.
    return (
        sa.select(Booking)
        .where(
            Booking.completed_at.is_not(None),
            ~sa.exists().where(
                Certificate.booking_id == Booking.id,
                sa.or_(LIVE, Certificate.revoked_at >= Booking.completed_at),
            ),
            ~_waiting_for_answer("booking_id", Booking.id, now),
        )
        .options(
            joinedload(Booking.session)
            .joinedload(CourseSession.course)
            .joinedload(Course.provider),
            joinedload(Booking.session).selectinload(CourseSession.dates),
            joinedload(Booking.session).selectinload(CourseSession.trainers),
        )
        .order_by(Booking.id)
    )


def _completions_due(now: datetime):
    return (
        sa.select(Completion)
        .where(
            Completion.withdrawn_at.is_(None),
            ~sa.exists().where(Certificate.completion_id == Completion.id),
            ~_waiting_for_answer("completion_id", Completion.id, now),
        )
        .options(joinedload(Completion.course).joinedload(Course.provider))
        .order_by(Completion.id)
    )


def issue_due(*, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Issue every certificate that may be issued and is not yet; returns how many."""
    issued = 0
    for query, key in ((_bookings_due(now), "booking"), (_completions_due(now), "completion")):
        for subject_row in db.session.scalars(query.limit(limit - issued)).unique():
            if _issue(Subject(**{key: subject_row}), now=now)[1]:
                issued += 1
        if issued >= limit:
            break
    return issued


# The hooks ---------------------------------------------------------------------------------


def on_booking_completed(booking: Booking, *, now: datetime) -> None:
    issue(Subject(booking=booking), now=now)


def on_outcome_corrected(booking: Booking, *, before: str | None, now: datetime) -> None:
    if booking.completed_at is None:
        _revoke_where(
            Certificate.booking_id == booking.id,
            "Attendance was corrected: the course was not completed",
            now=now,
        )


def on_completions_added(completion_ids: Iterable[int], *, now: datetime) -> None:
    ids = sorted(set(completion_ids))
    if not ids or len(ids) > INLINE_LIMIT:
        return
    found = db.session.scalars(
        sa.select(Completion)
        .where(Completion.id.in_(ids))
        .options(joinedload(Completion.course).joinedload(Course.provider))
    ).all()
    for completion in found:
        issue(Subject(completion=completion), now=now)


def on_completions_withdrawn(completion_ids: Iterable[int], *, now: datetime) -> None:
    ids = set(completion_ids)
    if ids:
        _revoke_where(
            Certificate.completion_id.in_(completions.ids_param(ids)),
            "The e-learning completion was withdrawn",
            now=now,
        )


def on_answered(response: Response, *, now: datetime) -> None:
    if response.stage is not Stage.AFTER:
        return
    if response.booking_id is not None:
        subject = Subject(booking=db.session.get(Booking, response.booking_id))
    else:
        subject = Subject(completion=db.session.get(Completion, response.completion_id))
    issue(subject, now=now)


def on_name_changed(person: User, *, before: str, now: datetime) -> None:
    reissue_for_name(person, now=now)


def register_hooks() -> None:
    """Hang certificates on completing, correcting, withdrawing, answering and renaming (once,
    however often the app is made). Registered after the evaluation hooks, so a completion's
    evaluation request exists before its certificate is considered."""
    from lms.accounts import services as accounts

    for hooks, hook in (
        (attendance.BOOKING_COMPLETED, on_booking_completed),
        (attendance.OUTCOME_CORRECTED, on_outcome_corrected),
        (completions.COMPLETED, on_completions_added),
        (completions.WITHDRAWN, on_completions_withdrawn),
        (responses.ANSWERED, on_answered),
        (accounts.NAME_CHANGED, on_name_changed),
    ):
        if hook not in hooks:
            hooks.append(hook)


def certificates_of(user_id: int, *, live_only: bool = True) -> list[Certificate]:
    """A person's certificates, newest training first."""
    query = sa.select(Certificate).where(Certificate.user_id == user_id)
    if live_only:
        query = query.where(LIVE)
    return list(
        db.session.scalars(
            query.order_by(Certificate.last_day.desc(), Certificate.id.desc()).options(
                selectinload(Certificate.replaced_by)
            )
        )
    )
