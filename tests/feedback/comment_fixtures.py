"""A small evaluation history with comments for the comments and quotes tests: who wrote what
is known here, so the tests can check the pages never show it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from lms.accounts.models import Role
from lms.extensions import db

NAME, EMAIL, AGENCY = (
    "Zara Whitfield",
    "zara.whitfield@northgate.example",
    "Northgate Health Visiting",
)
JUNE = datetime(2025, 6, 10, 9, 30, tzinfo=UTC)  # 2025-26
NOVEMBER = datetime(2024, 11, 4, 9, 30, tzinfo=UTC)  # 2024-25
SCRIPT = "<script>alert('x')</script> I will use the graded care profile on every visit"
FORMULA = "=cmd|' /C calc'!A0"
PRIVATE = "The room was too warm, and I would rather this stayed between us"
EXAMPLE = "I now ask about the home conditions at every contact and record 100% of them"
MANAGER = "Her referrals are clearer since the course"
BARRIER = "Caseload pressure got in the way"


@dataclass
class History:
    admin: object
    viewer: object
    course: int
    other_course: int
    theme: int
    answers: dict  # text -> answer id


def add_answers(response_id: int, stage: str, texts: dict) -> dict:
    """Text answers to the current set's questions of the given measures."""
    from lms.feedback import questions
    from lms.feedback.models import Answer, Stage

    question_set = questions.current_set(Stage(stage))
    by_measure = {q.measure: q for q in question_set.questions}
    made = {}
    for measure, text in texts.items():
        answer = Answer(response_id=response_id, question_id=by_measure[measure].id, text=text)
        db.session.add(answer)
        db.session.flush()
        made[text] = answer.id
    return made


@pytest.fixture
def history(
    app,
    make_user,
    make_agency,
    make_course,
    make_course_session,
    make_theme,
    make_completed_booking,
    make_response,
):
    theme = make_theme("Neglect")
    agency = make_agency(AGENCY)
    person = make_user(EMAIL, name=NAME, agency_id=agency)
    course = make_course("Neglect: recognising and responding", level=3, theme_ids=(theme,))
    other_course = make_course("Domestic abuse awareness", level=1)
    june = datetime(2025, 6, 12, 10, tzinfo=UTC)
    consented = make_response(
        "after",
        booking_id=make_completed_booking(person.id, ran(make_course_session, course, JUNE)),
        answered_at=june,
        rating=5,
        quote_consent=True,
    )
    follow_up = make_response(
        "follow_up",
        booking_id=db_booking(app, consented),
        answered_at=datetime(2025, 8, 20, 10, tzinfo=UTC),
        practice_changed=4,
        quote_consent=True,
    )
    manager = make_response(
        "manager",
        booking_id=db_booking(app, consented),
        answered_at=datetime(2025, 8, 21, 10, tzinfo=UTC),
        change_seen=4,
        respondent_email="manager@northgate.example",
    )
    private = make_response(
        "after",
        booking_id=make_completed_booking(
            person.id, ran(make_course_session, other_course, NOVEMBER)
        ),
        answered_at=datetime(2024, 11, 5, 10, tzinfo=UTC),
        rating=3,
        quote_consent=False,
    )
    with app.app_context():
        answers = {}
        answers |= add_answers(consented, "after", {"will_change": SCRIPT, "comments": FORMULA})
        answers |= add_answers(follow_up, "follow_up", {"example": EXAMPLE, "barriers": BARRIER})
        answers |= add_answers(manager, "manager", {"example": MANAGER})
        answers |= add_answers(private, "after", {"comments": PRIVATE})
        db.session.commit()
    return History(
        admin=make_user(roles=(Role.ADMIN,)),
        viewer=make_user(roles=(Role.PDL_VIEWER,)),
        course=course,
        other_course=other_course,
        theme=theme,
        answers=answers,
    )


def ran(make_course_session, course: int, start: datetime) -> int:
    return make_course_session(
        course, dates=[(start, start + timedelta(hours=6))], status="completed"
    )


def db_booking(app, response_id: int) -> int:
    from lms.feedback.models import Response

    with app.app_context():
        return db.session.get(Response, response_id).booking_id
