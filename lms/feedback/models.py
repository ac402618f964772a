"""Evaluation and impact: the partnership's versioned question sets, and the responses asked of
practitioners (before the course, straight after it, and weeks later) and of their line managers.

A `Response` is one invitation and, once given, its answers: it is created when the person (or
their manager) is asked, and filled in when they answer. It belongs to one completed booking or
one e-learning completion (the "subject"), and keeps the course, the agency the subject counts
for and the day the course was done, so the statistics group and filter it without walking back.
The figures the statistics read (ratings, knowledge and confidence, changed practice) are copied
into the response's own columns when it is answered; every answer also points at the question,
and so at the version of the set, it answered."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import enum_type, utcnow
from lms.extensions import db


class Stage(enum.Enum):
    BEFORE = "before"
    AFTER = "after"
    FOLLOW_UP = "follow_up"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return {
            "before": "Before the course",
            "after": "Straight after the course",
            "follow_up": "Follow-up, weeks later",
            "manager": "Line manager's follow-up",
        }[self.value]


class QuestionKind(enum.Enum):
    SCALE = "scale"  # a whole number from scale_min to scale_max
    YES_NO = "yes_no"
    TEXT = "text"
    OUTCOMES = "outcomes"  # one line per learning outcome of the course: met, partly, not met

    @property
    def label(self) -> str:
        return {
            "scale": "Rating scale",
            "yes_no": "Yes or no",
            "text": "Free text",
            "outcomes": "Each learning outcome met",
        }[self.value]


class OutcomeMet(enum.Enum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"

    @property
    def label(self) -> str:
        return {"yes": "Met", "partly": "Partly met", "no": "Not met"}[self.value]


class QuestionSet(db.Model):
    """One version of a stage's questions. Never changed once saved: editing saves the next
    version, so every answer keeps the wording it answered."""

    __tablename__ = "question_sets"
    __table_args__ = (sa.UniqueConstraint("stage", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[Stage] = mapped_column(enum_type(Stage, "feedback_stage"))
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    questions: Mapped[list["Question"]] = relationship(
        back_populates="question_set", order_by="Question.position"
    )


class Question(db.Model):
    """A question of one set version. A question with a `measure` is one the statistics read
    (see `lms.feedback.measures`): its kind and scale are fixed, its wording is the admin's."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.UniqueConstraint("set_id", "position"),
        sa.UniqueConstraint("set_id", "measure"),
        sa.CheckConstraint(
            "(kind = 'scale') = (scale_min IS NOT NULL AND scale_max IS NOT NULL)",
            name="scale_bounds",
        ),
        sa.CheckConstraint("scale_min IS NULL OR scale_min < scale_max", name="scale_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("question_sets.id"), index=True)
    position: Mapped[int]
    measure: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "question_kind"))
    text: Mapped[str] = mapped_column(sa.String(500))
    hint: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(default=True)
    scale_min: Mapped[int | None]
    scale_max: Mapped[int | None]
    # The words beside the ends of a scale, e.g. "Not at all" and "A great deal".
    low_label: Mapped[str] = mapped_column(sa.String(100), default="")
    high_label: Mapped[str] = mapped_column(sa.String(100), default="")

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")


class Response(db.Model):
    """One invitation to answer a stage, about one completed booking or e-learning completion
    (or, before the course, one confirmed booking), and its answers once given."""

    __tablename__ = "feedback_responses"
    __table_args__ = (
        sa.CheckConstraint("(booking_id IS NULL) <> (completion_id IS NULL)", name="one_subject"),
        sa.CheckConstraint(
            "answered_at IS NULL OR question_set_id IS NOT NULL", name="answered_has_set"
        ),
        sa.UniqueConstraint("stage", "booking_id"),
        sa.UniqueConstraint("stage", "completion_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint("trainer_rating BETWEEN 1 AND 5", name="trainer_rating_range"),
        sa.CheckConstraint("venue_rating BETWEEN 1 AND 5", name="venue_rating_range"),
        sa.CheckConstraint("knowledge BETWEEN 1 AND 10", name="knowledge_range"),
        sa.CheckConstraint("confidence BETWEEN 1 AND 10", name="confidence_range"),
        sa.CheckConstraint("knowledge_before BETWEEN 1 AND 10", name="knowledge_before_range"),
        sa.CheckConstraint("confidence_before BETWEEN 1 AND 10", name="confidence_before_range"),
        sa.CheckConstraint("practice_changed BETWEEN 1 AND 5", name="practice_changed_range"),
        sa.CheckConstraint("change_seen BETWEEN 1 AND 5", name="change_seen_range"),
        sa.Index("ix_feedback_responses_course_on_stage", "course_on", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[Stage] = mapped_column(enum_type(Stage, "feedback_stage"))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    completion_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("elearning_completions.id"), index=True
    )
    # The practitioner the response is about (for the manager's stage too).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    # The agency the booking or completion counts for.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    # The UK day the course was done (a session's first date, a completion's date): the period
    # a response belongs to.
    course_on: Mapped[date]
    # The line manager's address the manager's stage was sent to.
    respondent_email: Mapped[str | None] = mapped_column(sa.String(254))
    # The SHA-256 of the secret in a link that works without signing in (follow-ups).
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    # No longer asked: the booking stopped being completed, or the completion was withdrawn.
    withdrawn_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    question_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_sets.id"))

    # The figures the statistics read, copied from the measured answers.
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    trainer_rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    venue_rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    knowledge: Mapped[int | None] = mapped_column(sa.SmallInteger)
    confidence: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # Straight after: where they started, from their "before" answer or, without one, as
    # they recall it now (`before_recalled`).
    knowledge_before: Mapped[int | None] = mapped_column(sa.SmallInteger)
    confidence_before: Mapped[int | None] = mapped_column(sa.SmallInteger)
    before_recalled: Mapped[bool] = mapped_column(default=False)
    practice_changed: Mapped[int | None] = mapped_column(sa.SmallInteger)
    change_seen: Mapped[int | None] = mapped_column(sa.SmallInteger)
    quote_consent: Mapped[bool] = mapped_column(default=False)

    question_set: Mapped[QuestionSet | None] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", order_by="Answer.question_id"
    )
    outcomes: Mapped[list["OutcomeAnswer"]] = relationship(
        back_populates="response", order_by="OutcomeAnswer.position"
    )
    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    agency = relationship("Agency")
    booking = relationship("Booking")
    completion = relationship("Completion")

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.withdrawn_at is None


class Answer(db.Model):
    """One question answered: a number (scale, or 1 yes / 0 no) or text. An administrator can
    redact text: the original is gone, and who redacted it and when are kept."""

    __tablename__ = "feedback_answers"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id"),
        sa.CheckConstraint("number IS NULL OR text IS NULL", name="number_or_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    number: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    redacted_at: Mapped[datetime | None]
    redacted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class OutcomeAnswer(db.Model):
    """Whether one learning outcome of the course was met, with the outcome's words as they
    were when answered (a course's outcomes can be edited later)."""

    __tablename__ = "feedback_outcomes"
    __table_args__ = (sa.UniqueConstraint("response_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    outcome: Mapped[str] = mapped_column(sa.String(500))
    met: Mapped[OutcomeMet] = mapped_column(enum_type(OutcomeMet, "outcome_met"))

    response: Mapped[Response] = relationship(back_populates="outcomes")
