"""The starting point before a course: offered on "Your training" as soon as the place is
confirmed (and asked by run-jobs), answered once; straight after, the recalled questions are
not asked again and the figures before come from it. "Your training" lists what is open."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from lms.feedback import measures, questions, requests, responses
from lms.feedback.models import Response, Stage
from lms.mail.models import OutboxMessage
from tests.conftest import post_form
from tests.feedback.test_responses import _answers


@pytest.fixture
def booked(app, make_user, make_course, make_course_session):
    """Amina's confirmed place on a course that asks for a starting point, next month."""

    def make(person=None, *, before=True) -> dict:
        person = person or make_user(name="Amina Patel")
        course_id = make_course("Neglect: <b>recognising</b> it")
        session_id = make_course_session(course_id)
        with app.app_context():
            db.session.get(Course, course_id).evaluation_before = before
            course_session = db.session.get(CourseSession, session_id)
            booking = Booking(
                user_id=person.id,
                session_id=session_id,
                agency_id=person.agency_id,
                status=BookingStatus.CONFIRMED,
                confirmed_at=utcnow(),
            )
            db.session.add(booking)
            course_session.places_taken = 1
            db.session.commit()
            return {"person": person, "booking": booking.id, "starts_at": course_session.starts_at}

    return make


def _responses(app, stage=None) -> list[Response]:
    with app.app_context():
        query = sa.select(Response).order_by(Response.id)
        if stage is not None:
            query = query.where(Response.stage == stage)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def _post_answers(app, client, response_id, **overrides):
    with app.app_context():
        response = db.session.get(Response, response_id)
        question_set = questions.current_set(response.stage)
        db.session.commit()
        data = {"question_set": str(question_set.id)} | _answers(
            response, question_set, **overrides
        )
    return post_form(client, f"/feedback/{response_id}", data)


def test_the_starting_point_is_offered_straight_after_booking_then_listed_until_answered(
    app, client, login, booked
):
    place = booked()
    login(place["person"])
    page = client.get("/my-training").get_data(as_text=True)
    action = f'action="/feedback/before/{place["booking"]}"'
    assert action in page and "Rate your starting point" in page
    assert "Evaluations to answer" not in page
    assert _responses(app) == []  # the page itself asks nothing
    assert client.get(f"/feedback/before/{place['booking']}").status_code == 405

    started = post_form(
        client, f"/feedback/before/{place['booking']}", {}, token_from="/my-training"
    )
    [before] = _responses(app)
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/feedback/{before.id}")
    assert before.stage is Stage.BEFORE and before.expires_at == place["starts_at"]
    page = client.get("/my-training").get_data(as_text=True)
    assert "Evaluations to answer" in page and f'href="/feedback/{before.id}"' in page
    assert action not in page
    # Pressing it again goes to the same request.
    again = post_form(client, f"/feedback/before/{place['booking']}", {}, token_from="/my-training")
    assert again.headers["Location"].endswith(f"/feedback/{before.id}")

    form = client.get(f"/feedback/{before.id}").get_data(as_text=True)
    assert "Your starting point" in form
    assert "&lt;b&gt;recognising&lt;/b&gt;" in form and "<b>recognising" not in form
    assert _post_answers(app, client, before.id, knowledge="3", confidence="4").status_code == 302
    page = client.get("/my-training").get_data(as_text=True)
    assert "Evaluations to answer" not in page and action not in page


def test_straight_after_the_recalled_questions_are_not_asked_and_the_before_figures_copied(
    app, client, login, booked
):
    place = booked()
    login(place["person"])
    post_form(client, f"/feedback/before/{place['booking']}", {}, token_from="/my-training")
    [before] = _responses(app)
    _post_answers(app, client, before.id, knowledge="3", confidence="4")
    with app.test_request_context():
        booking = db.session.get(Booking, place["booking"])
        booking.completed_at = utcnow()
        after = requests.ask_after(responses.Subject(booking=booking), now=utcnow())
        db.session.commit()
        after_id = after.id
        recalled = [
            responses.field_name(q)
            for q in questions.current_set(Stage.AFTER).questions
            if q.measure in measures.RECALLED
        ]
    form = client.get(f"/feedback/{after_id}").get_data(as_text=True)
    assert "How was the course?" in form
    assert recalled and all(f'name="{name}"' not in form for name in recalled)
    assert _post_answers(app, client, after_id, knowledge="8", confidence="9").status_code == 302
    with app.app_context():
        after = db.session.get(Response, after_id)
        assert (after.knowledge_before, after.confidence_before) == (3, 4)
        assert (after.knowledge, after.confidence) == (8, 9)
        assert after.before_recalled is False


def test_someone_else_cannot_start_a_starting_point(app, client, login, booked, make_user):
    place = booked()
    login(make_user())
    refused = post_form(
        client, f"/feedback/before/{place['booking']}", {}, token_from="/my-training"
    )
    assert refused.status_code == 403
    assert _responses(app) == []


def test_a_course_without_a_starting_point_offers_none(app, client, login, booked):
    place = booked(before=False)
    login(place["person"])
    assert "Rate your starting point" not in client.get("/my-training").get_data(as_text=True)
    refused = post_form(
        client, f"/feedback/before/{place['booking']}", {}, token_from="/my-training"
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/my-training")
    assert _responses(app) == []
    assert "A starting point is asked only for" in client.get("/my-training").get_data(as_text=True)


def test_run_jobs_asks_for_starting_points_once_and_withdraws_a_cancelled_one(app, runner, booked):
    first, second = booked(), booked()
    output = runner.invoke(args=["run-jobs"]).output
    assert "evaluations asked for before a course: 2" in output
    assert "evaluations asked for before a course: 0" in runner.invoke(args=["run-jobs"]).output
    with app.app_context():
        sent = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "before_request")
        ).all()
        assert sorted(m.recipient for m in sent) == sorted(
            [first["person"].email, second["person"].email]
        )
        assert "&lt;b&gt;" not in sent[0].body_text and "<b>recognising</b>" in sent[0].body_text
        booking = db.session.get(Booking, second["booking"])
        booking.status = BookingStatus.CANCELLED
        db.session.commit()
    assert "evaluation requests withdrawn: 1" in runner.invoke(args=["run-jobs"]).output
    withdrawn = [r.booking_id for r in _responses(app, Stage.BEFORE) if r.withdrawn_at]
    assert withdrawn == [second["booking"]]


def _queries(app, client) -> int:
    count = [0]

    def counted(*_args, **_kwargs):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get("/my-training").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def test_your_training_takes_the_same_queries_however_many_evaluations(
    app, client, login, booked, make_user, make_completed_booking
):
    person = make_user()

    def add_one():
        booked(person)
        booking_id = make_completed_booking(person.id)
        with app.test_request_context():
            booking = db.session.get(Booking, booking_id)
            requests.ask_after(responses.Subject(booking=booking), now=utcnow())
            db.session.commit()

    add_one()
    login(person)
    client.get("/my-training")
    one = _queries(app, client)
    for _ in range(3):
        add_one()
    page = client.get("/my-training").get_data(as_text=True)
    assert page.count("Say how it went") == 4 and page.count("Rate your starting point") == 4
    assert _queries(app, client) == one


def test_an_expired_request_leaves_the_list(app, client, login, make_user, make_completed_booking):
    person = make_user()
    booking_id = make_completed_booking(person.id)
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        response = requests.ask_after(responses.Subject(booking=booking), now=utcnow())
        db.session.commit()
        response_id = response.id
    login(person)
    assert f'href="/feedback/{response_id}"' in client.get("/my-training").get_data(as_text=True)
    with app.app_context():
        db.session.get(Response, response_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "Evaluations to answer" not in client.get("/my-training").get_data(as_text=True)
