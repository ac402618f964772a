"""The one way a response is asked and answered: whole or not at all, once, keeping the version
of the questions it answered."""

from datetime import timedelta

import pytest

from lms.bookings.models import Booking
from lms.core.models import utcnow
from lms.extensions import db
from lms.feedback import questions, responses
from lms.feedback.models import Answer, OutcomeAnswer, QuestionKind, Response, Stage


@pytest.fixture
def asked(app, make_user, make_completed_booking):
    person = make_user()
    booking_id = make_completed_booking(person.id)
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        now = utcnow()
        response, _, created = responses.invite(
            Stage.AFTER,
            responses.Subject(booking=booking),
            now=now,
            expires_at=now + timedelta(days=56),
        )
        assert created
        db.session.commit()
        return response.id


def _answers(response, question_set, **overrides) -> dict:
    data = {}
    for question in responses.questions_shown(response, question_set):
        if question.kind is QuestionKind.OUTCOMES:
            for position, _ in enumerate(response.course.outcomes, start=1):
                data[responses.outcome_field(position)] = "yes"
        elif question.kind is QuestionKind.SCALE:
            data[responses.field_name(question)] = str(question.scale_max - 1)
        elif question.kind is QuestionKind.YES_NO:
            data[responses.field_name(question)] = "yes"
        else:
            data[responses.field_name(question)] = "I will check records first."
    by_measure = {q.measure: q for q in question_set.questions if q.measure}
    for measure, value in overrides.items():
        data[responses.field_name(by_measure[measure])] = value
    return data


def test_an_answer_is_stored_whole_with_its_figures_and_version(app, asked):
    with app.app_context():
        response = db.session.get(Response, asked)
        question_set = questions.current_set(Stage.AFTER)
        data = _answers(response, question_set, knowledge="8", knowledge_before="3", rating="5")
        responses.submit(response, question_set, data, now=utcnow())
        db.session.commit()
        response = db.session.get(Response, asked)
        assert (response.knowledge, response.knowledge_before, response.rating) == (8, 3, 5)
        assert response.before_recalled is True
        assert response.quote_consent is True
        assert response.question_set_id == question_set.id
        assert db.session.query(OutcomeAnswer).filter_by(response_id=asked).count() == 2
        texts = [a.text for a in db.session.query(Answer).filter_by(response_id=asked) if a.text]
        assert "I will check records first." in texts


def test_a_required_answer_missing_or_out_of_range_stores_nothing(app, asked):
    with app.app_context():
        response = db.session.get(Response, asked)
        question_set = questions.current_set(Stage.AFTER)
        for bad in ({"rating": ""}, {"rating": "6"}, {"knowledge": "0"}, {"rating": "x"}):
            with pytest.raises(responses.FeedbackError):
                responses.submit(
                    response, question_set, _answers(response, question_set, **bad), now=utcnow()
                )
            db.session.rollback()
        response = db.session.get(Response, asked)
        assert response.answered_at is None
        assert db.session.query(Answer).filter_by(response_id=asked).count() == 0


def test_answering_twice_is_refused(app, asked):
    with app.app_context():
        response = db.session.get(Response, asked)
        question_set = questions.current_set(Stage.AFTER)
        data = _answers(response, question_set)
        responses.submit(response, question_set, data, now=utcnow())
        db.session.commit()
        with pytest.raises(responses.NotOpen) as refused:
            responses.submit(response, question_set, data, now=utcnow())
        assert refused.value.reason == "answered"


def test_an_answer_to_a_version_replaced_while_the_form_was_open_keeps_it(app, asked, make_user):
    with app.app_context():
        response = db.session.get(Response, asked)
        shown = questions.current_set(Stage.AFTER)
        specs = [questions.QuestionSpec.of(q) for q in shown.questions]
        specs[0] = questions.QuestionSpec(**{**specs[0].__dict__, "text": "Rate the course"})
        newer = questions.save_version(Stage.AFTER, specs, by=None)
        assert newer.version == shown.version + 1
        responses.submit(response, shown, _answers(response, shown), now=utcnow())
        db.session.commit()
        assert db.session.get(Response, asked).question_set_id == shown.id
        assert [q.text for q in shown.questions][0] != "Rate the course"


def test_a_measured_question_cannot_be_removed_but_can_be_reworded(app):
    with app.app_context():
        current = questions.current_set(Stage.FOLLOW_UP)
        specs = [questions.QuestionSpec.of(q) for q in current.questions]
        with pytest.raises(questions.DomainError):
            questions.save_version(Stage.FOLLOW_UP, specs[1:], by=None)
        assert questions.save_version(Stage.FOLLOW_UP, specs, by=None).id == current.id
