"""The signed-in answer page: only the person asked answers it, once, whole; refusals keep
what was typed; answered, withdrawn and expired requests show a clear page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.bookings.models import Booking
from lms.core.models import utcnow
from lms.extensions import db
from lms.feedback import questions, requests, responses
from lms.feedback.models import Answer, Response, Stage
from tests.conftest import post_form
from tests.feedback.test_responses import _answers


@pytest.fixture
def asked(app, make_user, make_completed_booking):
    """A practitioner asked straight after a course they completed a week ago."""
    person = make_user(name="Amina Patel")
    booking_id = make_completed_booking(person.id)
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        response = requests.ask_after(responses.Subject(booking=booking), now=utcnow())
        db.session.commit()
        return {"person": person, "booking": booking_id, "response": response.id}


def _data(app, response_id, **overrides) -> dict:
    with app.app_context():
        response = db.session.get(Response, response_id)
        question_set = questions.current_set(response.stage)
        db.session.commit()
        return {"question_set": str(question_set.id)} | _answers(
            response, question_set, **overrides
        )


def _stored(app, response_id) -> tuple:
    with app.app_context():
        response = db.session.get(Response, response_id)
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.response_id == response_id)
        )
        return response.answered_at, count


def _field(app, measure: str, stage=Stage.AFTER) -> str:
    with app.app_context():
        question_set = questions.current_set(stage)
        db.session.commit()
        return responses.field_name(next(q for q in question_set.questions if q.measure == measure))


def test_someone_elses_request_is_refused_even_to_an_admin(app, client, login, asked, make_user):
    path = f"/feedback/{asked['response']}"
    for roles in ((Role.PRACTITIONER,), (Role.ADMIN,)):
        client.delete_cookie("session")
        login(make_user(roles=roles))
        assert client.get(path).status_code == 403
        token_page = "/my-training"
        refused = post_form(client, path, _data(app, asked["response"]), token_from=token_page)
        assert refused.status_code == 403
    assert _stored(app, asked["response"]) == (None, 0)


def test_a_follow_up_is_not_answered_here(app, client, login, asked, make_response):
    follow_up = make_response("follow_up", booking_id=asked["booking"])
    login(asked["person"])
    assert client.get(f"/feedback/{follow_up}").status_code == 404
    assert client.get("/feedback/999999").status_code == 404


def test_the_page_shows_the_course_and_answering_stores_it_once(app, client, login, asked):
    login(asked["person"])
    path = f"/feedback/{asked['response']}"
    page = client.get(path).get_data(as_text=True)
    assert "How was the course?" in page and "Recognise the signs" in page
    assert "Know how to refer" in page and "Date (UK time)" in page
    assert "Do not name or describe children, families, colleagues" in page
    data = _data(app, asked["response"], rating="5", knowledge="8", knowledge_before="3")
    done = post_form(client, path, data)
    assert done.status_code == 302 and done.headers["Location"].endswith("/my-training")
    answered_at, count = _stored(app, asked["response"])
    assert answered_at is not None and count > 0
    with app.app_context():
        response = db.session.get(Response, asked["response"])
        assert (response.rating, response.knowledge, response.knowledge_before) == (5, 8, 3)
        assert response.before_recalled is True
    again = post_form(client, path, data)
    assert again.status_code == 200
    assert "You have already answered" in again.get_data(as_text=True)
    assert _stored(app, asked["response"]) == (answered_at, count)
    assert "You have already answered" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("measure", "value", "message"),
    [
        ("rating", "6", "Choose a number from 1 to 5"),
        ("rating", "", "Answer this question"),
        ("knowledge", "0", "Choose a number from 1 to 10"),
        ("knowledge", "²", "Choose a number from 1 to 10"),
    ],
)
def test_a_refused_answer_keeps_what_was_typed_and_stores_nothing(
    app, client, login, asked, measure, value, message
):
    login(asked["person"])
    path = f"/feedback/{asked['response']}"
    comments = _field(app, "comments")
    script = "<script>alert('x')</script> we will check records"
    data = _data(app, asked["response"], **{measure: value}) | {comments: script}
    page = post_form(client, path, data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "There is a problem" in html and message in html
    field = _field(app, measure)
    assert f'href="#{field}' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    # Another answer given stays chosen.
    confidence = _field(app, "confidence")
    assert f'name="{confidence}" type="radio" value="{data[confidence]}" checked' in html
    assert _stored(app, asked["response"]) == (None, 0)


def test_a_version_replaced_while_the_form_was_open_keeps_its_version(app, client, login, asked):
    login(asked["person"])
    path = f"/feedback/{asked['response']}"
    shown = _data(app, asked["response"])
    client.get(path)
    with app.app_context():
        current = questions.current_set(Stage.AFTER)
        specs = [questions.QuestionSpec.of(q) for q in current.questions]
        specs[0] = questions.QuestionSpec(**{**specs[0].__dict__, "text": "Rate the day"})
        newer = questions.save_version(Stage.AFTER, specs, by=None)
        db.session.commit()
        assert newer.id != int(shown["question_set"])
    assert post_form(client, path, shown).status_code == 302
    with app.app_context():
        assert db.session.get(Response, asked["response"]).question_set_id == int(
            shown["question_set"]
        )


@pytest.mark.parametrize("posted", ["999999", "x", "", "²", "other-stage", "99999999999999999999"])
def test_an_unknown_or_wrong_stage_set_shows_the_current_questions(
    app, client, login, asked, posted
):
    login(asked["person"])
    path = f"/feedback/{asked['response']}"
    if posted == "other-stage":
        with app.app_context():
            posted = str(questions.current_set(Stage.FOLLOW_UP).id)
            db.session.commit()
    page = post_form(client, path, _data(app, asked["response"]) | {"question_set": posted})
    assert page.status_code == 200
    assert "The questions have changed since the form was opened" in page.get_data(as_text=True)
    assert _stored(app, asked["response"]) == (None, 0)


def test_withdrawn_and_expired_requests_show_a_clear_page_and_store_nothing(
    app, client, login, asked
):
    login(asked["person"])
    path = f"/feedback/{asked['response']}"
    data = _data(app, asked["response"])
    with app.app_context():
        booking = db.session.get(Booking, asked["booking"])
        booking.outcome, booking.completed_at = "no_show", None
        requests.on_outcome_corrected(booking, before="completed", now=utcnow())
        db.session.commit()
    for page in (client.get(path), post_form(client, path, data)):
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "This is no longer asked" in html
        assert "The booking was not completed" in html
    assert _stored(app, asked["response"]) == (None, 0)
    with app.app_context():
        response = db.session.get(Response, asked["response"])
        response.withdrawn_at, response.expires_at = None, utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = post_form(client, path, data)
    assert page.status_code == 200
    assert "This can no longer be answered" in page.get_data(as_text=True)
    assert _stored(app, asked["response"]) == (None, 0)
