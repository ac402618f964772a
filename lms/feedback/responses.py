"""Asking and answering: the one place a response is created (idempotently) and answered.

Every stage's page (signed in or through a follow-up link) checks its form with the same rules
here, so an answer is stored whole or not at all: the response is claimed by one UPDATE (so a
link used twice, or two tabs, cannot answer twice), then its answers and the figures the
statistics read are written in the same transaction."""

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lms.bookings.models import Booking
from lms.core.errors import DomainError
from lms.core.text import has_nul, multi_line
from lms.core.timefmt import local
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback import measures
from lms.feedback.models import (
    Answer,
    OutcomeAnswer,
    OutcomeMet,
    Question,
    QuestionKind,
    QuestionSet,
    Response,
    Stage,
)

TEXT_ANSWER_MAX = 5000
# Called as hook(response, now=...) once a response is answered (certificates wait for the
# answer straight after, when the partnership's setting says so).
ANSWERED: list[Callable] = []


class FeedbackError(DomainError):
    pass


class NotOpen(FeedbackError):
    """The response was answered, withdrawn or has expired: the page says which."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason  # answered, withdrawn or expired


@dataclass(frozen=True)
class Subject:
    """What a response is about: one booking or one e-learning completion."""

    booking: Booking | None = None
    completion: Completion | None = None

    @property
    def user_id(self) -> int:
        return (self.booking or self.completion).user_id

    @property
    def course(self):
        if self.booking is not None:
            return self.booking.session.course
        return self.completion.course

    @property
    def agency_id(self) -> int:
        return (self.booking or self.completion).agency_id

    @property
    def course_on(self) -> date:
        """The UK day the course was done: a session's first date, a completion's day."""
        if self.booking is not None:
            return local(self.booking.session.starts_at).date()
        return self.completion.completed_on

    def condition(self):
        if self.booking is not None:
            return Response.booking_id == self.booking.id
        return Response.completion_id == self.completion.id

    @classmethod
    def of(cls, response: Response) -> "Subject":
        return cls(booking=response.booking, completion=response.completion)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_secret(response: Response) -> str:
    """The secret in a response's link, derived (never stored) from the app's SECRET_KEY and
    what never changes about the response (its id and when it was asked), so a reminder can
    carry the same working link while only its digest is kept. URL-safe, 256 bits."""
    asked = int(response.invited_at.timestamp())
    message = f"feedback-link:{response.id}:{asked}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def find(stage: Stage, subject: Subject) -> Response | None:
    return db.session.scalar(
        sa.select(Response).where(Response.stage == stage, subject.condition())
    )


def invite(
    stage: Stage,
    subject: Subject,
    *,
    now: datetime,
    expires_at: datetime,
    respondent_email: str | None = None,
    with_link: bool = False,
) -> tuple[Response, str | None, bool]:
    """The stage's response for the subject, created if it does not exist yet. Returns it, the
    secret of its link (only when just created with `with_link`; only its digest is kept) and
    whether it was created. A race is settled by the unique (stage, subject) constraint."""
    existing = find(stage, subject)
    if existing is not None:
        return existing, None, False
    response = Response(
        stage=stage,
        booking_id=subject.booking.id if subject.booking is not None else None,
        completion_id=subject.completion.id if subject.completion is not None else None,
        user_id=subject.user_id,
        course_id=subject.course.id,
        agency_id=subject.agency_id,
        course_on=subject.course_on,
        respondent_email=respondent_email,
        invited_at=now,
        expires_at=expires_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        existing = find(stage, subject)
        if existing is None:
            raise
        return existing, None, False
    secret = None
    if with_link:  # derived from the id, known only once inserted
        secret = link_secret(response)
        response.token_hash = digest(secret)
        db.session.flush()
    return response, secret, True


def claim_reminder(response: Response, *, now: datetime) -> bool:
    """Mark a request reminded; False when another run of run-jobs reminded it first, so a
    reminder is never sent twice."""
    return (
        db.session.execute(
            sa.update(Response)
            .where(Response.id == response.id, Response.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def by_secret(secret: str) -> Response | None:
    """The response a link's secret belongs to; None for an altered or unknown one."""
    if not secret or len(secret) > 100 or has_nul(secret):
        return None
    response = db.session.scalar(sa.select(Response).where(Response.token_hash == digest(secret)))
    if response is None or not hmac.compare_digest(link_secret(response), secret):
        return None
    return response


def check_open(response: Response, *, now: datetime) -> None:
    if response.answered_at is not None:
        raise NotOpen("This has already been answered. Thank you", reason="answered")
    if response.withdrawn_at is not None:
        raise NotOpen("This is no longer asked, so it cannot be answered", reason="withdrawn")
    if now >= response.expires_at:
        raise NotOpen("This can no longer be answered: its time has passed", reason="expired")


def before_given(response: Response) -> Response | None:
    """For a response straight after a course, the person's answered "before" response."""
    if response.booking_id is None:
        return None
    return db.session.scalar(
        sa.select(Response).where(
            Response.stage == Stage.BEFORE,
            Response.booking_id == response.booking_id,
            Response.answered_at.is_not(None),
        )
    )


def questions_shown(response: Response, question_set: QuestionSet) -> list[Question]:
    """The set's questions this response asks: not the recalled "before" ratings when the
    person gave them before the course, not the outcomes question when the course has none."""
    shown = []
    has_before = response.stage is Stage.AFTER and before_given(response) is not None
    for question in question_set.questions:
        if has_before and question.measure in measures.RECALLED:
            continue
        if question.kind is QuestionKind.OUTCOMES and not response.course.outcomes:
            continue
        shown.append(question)
    return shown


def field_name(question: Question) -> str:
    return f"q{question.id}"


def outcome_field(position: int) -> str:
    return f"outcome{position}"


def _number(question: Question, raw: str) -> int:
    if question.kind is QuestionKind.YES_NO:
        if raw not in ("yes", "no"):
            raise FeedbackError("Choose yes or no", field=field_name(question))
        return 1 if raw == "yes" else 0
    low, high = question.scale_min, question.scale_max
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not low <= int(raw) <= high:
        raise FeedbackError(f"Choose a number from {low} to {high}", field=field_name(question))
    return int(raw)


def parse(
    response: Response, question_set: QuestionSet, data: Mapping[str, str]
) -> tuple[dict[int, int | str], dict[int, OutcomeMet]]:
    """The answers in submitted form data (field names from `field_name` and `outcome_field`),
    checked: a required answer missing, a number out of range or a text too long is refused
    with the field it concerns. Returns answers by question id and outcomes by position."""
    if question_set.stage is not response.stage:
        raise FeedbackError("These questions are for a different stage", field="question_set")
    answers: dict[int, int | str] = {}
    outcomes: dict[int, OutcomeMet] = {}
    for question in questions_shown(response, question_set):
        if question.kind is QuestionKind.OUTCOMES:
            for position, _ in enumerate(response.course.outcomes, start=1):
                raw = (data.get(outcome_field(position)) or "").strip()
                if not raw:
                    if question.required:
                        raise FeedbackError(
                            "Say whether each learning outcome was met",
                            field=outcome_field(position),
                        )
                    continue
                try:
                    outcomes[position] = OutcomeMet(raw)
                except ValueError:
                    raise FeedbackError(
                        "Choose met, partly met or not met", field=outcome_field(position)
                    ) from None
            continue
        raw = data.get(field_name(question)) or ""
        if question.kind is QuestionKind.TEXT:
            if has_nul(raw):
                raise FeedbackError(
                    "The answer contains characters that cannot be stored",
                    field=field_name(question),
                )
            value = multi_line(raw).strip()
            if len(value) > TEXT_ANSWER_MAX:
                raise FeedbackError(
                    f"The answer must be {TEXT_ANSWER_MAX:,} characters or fewer",
                    field=field_name(question),
                )
        else:
            value = raw.strip()
        if not value:
            if question.required:
                raise FeedbackError("Answer this question", field=field_name(question))
            continue
        answers[question.id] = (
            value if question.kind is QuestionKind.TEXT else _number(question, value)
        )
    return answers, outcomes


def submit(
    response: Response,
    question_set: QuestionSet,
    data: Mapping[str, str],
    *,
    now: datetime,
) -> Response:
    """Answer a response from submitted form data: all of it stored, or (refused) nothing."""
    check_open(response, now=now)
    answers, outcomes = parse(response, question_set, data)
    claimed = db.session.execute(
        sa.update(Response)
        .where(
            Response.id == response.id,
            Response.answered_at.is_(None),
            Response.withdrawn_at.is_(None),
        )
        .values(answered_at=now, question_set_id=question_set.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotOpen("This has already been answered. Thank you", reason="answered")
    db.session.refresh(response)
    by_id = {question.id: question for question in question_set.questions}
    for question_id, value in answers.items():
        question = by_id[question_id]
        text_answer = question.kind is QuestionKind.TEXT
        db.session.add(
            Answer(
                response_id=response.id,
                question_id=question_id,
                number=None if text_answer else value,
                text=value if text_answer else None,
            )
        )
        fixed = measures.measure(response.stage, question.measure)
        if fixed is not None and fixed.column is not None:
            setattr(
                response, fixed.column, bool(value) if fixed.kind is QuestionKind.YES_NO else value
            )
    for position, met in outcomes.items():
        db.session.add(
            OutcomeAnswer(
                response_id=response.id,
                position=position,
                outcome=response.course.outcomes[position - 1][:500],
                met=met,
            )
        )
    if response.stage is Stage.AFTER:
        _starting_point(response)
    db.session.flush()
    for hook in ANSWERED:
        hook(response, now=now)
    return response


def _starting_point(response: Response) -> None:
    """Where the person started: their "before" answer when they gave one, else what they
    recalled straight after (marked as recalled)."""
    before = before_given(response)
    if before is not None:
        response.knowledge_before = before.knowledge
        response.confidence_before = before.confidence
        response.before_recalled = False
    elif response.knowledge_before is not None or response.confidence_before is not None:
        response.before_recalled = True
