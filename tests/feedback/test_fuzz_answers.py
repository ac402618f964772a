"""Fuzzing the evaluation form's reading of what was sent: whatever the fields hold, the answers
come back checked (numbers within their scale, text without control characters other than line
breaks and tabs, within its limit) or the form is refused with a FeedbackError naming a field."""

import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from lms.extensions import db
from lms.feedback import questions, responses
from lms.feedback.models import QuestionKind, Response, Stage
from tests.fuzzing import bounded

BOUNDED = bounded(80, HealthCheck.function_scoped_fixture)
NASTY = st.one_of(
    st.text(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from("\x00\r\n\t\x0b\x7f\x85\u2028 0123456789²٣-yesnometpartly_"),
        ),
        max_size=12,
    ),
    st.sampled_from(["1", "5", "10", "0", "yes", "no", "partly", "x" * 5001]),
)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def asked(app, make_user, make_completed_booking, make_response):
    """A response straight after a course, with the question set it is answered against."""
    person = make_user()
    response_id = make_response("after", booking_id=make_completed_booking(person.id))
    with app.app_context():
        response = db.session.get(Response, response_id)
        question_set = questions.current_set(Stage.AFTER)
        fields = [responses.field_name(q) for q in question_set.questions]
        fields += [responses.outcome_field(n) for n in range(1, 4)]
        yield response, question_set, fields


def sound(question_set) -> dict:
    """A whole, sound set of answers."""
    typed = {responses.outcome_field(n): "partly" for n in range(1, 4)}
    for question in question_set.questions:
        typed[responses.field_name(question)] = (
            "Useful"
            if question.kind is QuestionKind.TEXT
            else "yes"
            if question.kind is QuestionKind.YES_NO
            else str(question.scale_max)
        )
    return typed


def test_a_sound_set_of_answers_is_read(asked):
    response, question_set, _fields = asked
    answers, _outcomes = responses.parse(response, question_set, sound(question_set))
    assert answers and "Useful" in answers.values()


@BOUNDED
@given(st.data())
def test_any_answers_are_checked_or_refused(asked, data):
    response, question_set, fields = asked
    changed = data.draw(st.dictionaries(st.sampled_from(fields), NASTY, max_size=3), label="sent")
    sent = (sound(question_set) if data.draw(st.booleans(), label="from sound") else {}) | changed
    try:
        answers, _outcomes = responses.parse(response, question_set, sent)
    except responses.FeedbackError as error:
        assert str(error) and error.field in fields
        return
    kinds = {question.id: question for question in question_set.questions}
    for question_id, value in answers.items():
        question = kinds[question_id]
        if question.kind is QuestionKind.TEXT:
            assert not CONTROLS.search(value) and len(value) <= responses.TEXT_ANSWER_MAX
            assert "\r" not in value
        elif question.kind is QuestionKind.YES_NO:
            assert value in (0, 1)
        else:
            assert question.scale_min <= value <= question.scale_max
