"""Whether a certificate may issue yet (`events.certificate_may_issue`): it waits for the
evaluation straight after while one is open, or applies and has not been asked yet."""

from datetime import timedelta

import pytest

from lms.bookings.models import Booking
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.elearning import completions
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback import events, questions, requests, responses
from lms.feedback.models import Response, Stage
from lms.settings import services as settings


def _may(app, *, booking_id=None, completion_id=None, now=None) -> bool:
    with app.app_context():
        subject = responses.Subject(
            booking=db.session.get(Booking, booking_id) if booking_id else None,
            completion=db.session.get(Completion, completion_id) if completion_id else None,
        )
        return events.certificate_may_issue(subject, now=now or utcnow())


@pytest.fixture
def person(make_user):
    return make_user()


def test_a_completed_booking_waits_until_answered(app, person, make_completed_booking):
    booking_id = make_completed_booking(person.id)
    assert _may(app, booking_id=booking_id) is False  # not asked yet: it waits
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        response = requests.ask_after(responses.Subject(booking=booking), now=utcnow())
        db.session.commit()
        response_id = response.id
    assert _may(app, booking_id=booking_id) is False  # open
    with app.app_context():
        set_id = questions.current_set(Stage.AFTER).id
        response = db.session.get(Response, response_id)
        response.answered_at, response.question_set_id = utcnow(), set_id
        db.session.commit()
    assert _may(app, booking_id=booking_id) is True


def test_the_setting_off_lets_it_issue(app, person, make_completed_booking):
    booking_id = make_completed_booking(person.id)
    with app.test_request_context():
        settings.update({"certificates_wait_for_evaluation": False}, by=None)
        db.session.commit()
    assert _may(app, booking_id=booking_id) is True


@pytest.mark.parametrize("lapse", ["expired", "withdrawn"])
def test_an_expired_or_withdrawn_request_lets_it_issue(
    app, person, make_completed_booking, make_response, lapse
):
    booking_id = make_completed_booking(person.id)
    now = utcnow()
    response_id = make_response("after", booking_id=booking_id)
    with app.app_context():
        response = db.session.get(Response, response_id)
        if lapse == "expired":
            response.expires_at = now - timedelta(minutes=1)
        else:
            response.withdrawn_at = now
        db.session.commit()
    assert _may(app, booking_id=booking_id, now=now) is True


def test_an_old_booking_never_asked_lets_it_issue(app, person, make_completed_booking):
    booking_id = make_completed_booking(person.id)
    later = utcnow() + timedelta(weeks=8)
    assert _may(app, booking_id=booking_id, now=later) is True


def test_a_no_show_is_not_held_back(app, person, make_completed_booking):
    booking_id = make_completed_booking(person.id, completed=False)
    with app.app_context():
        db.session.get(Booking, booking_id).completed_at = None
        db.session.commit()
    assert _may(app, booking_id=booking_id) is True


def test_completions_recent_ones_wait_declared_and_old_ones_do_not(
    app, person, make_module, make_completion
):
    module = make_module()
    today = local(utcnow()).date()
    declared = make_completion(person.id, module, today, source="self_declared")
    old = make_completion(person.id, module, today - timedelta(weeks=9))
    assert _may(app, completion_id=declared) is True
    assert _may(app, completion_id=old) is True
    recent = make_completion(person.id, module, today - timedelta(days=2))
    assert _may(app, completion_id=recent) is False  # asked at once, open
    with app.app_context():
        assert responses.find(
            Stage.AFTER, responses.Subject(completion=db.session.get(Completion, recent))
        )
        # Not asked yet (as if the hook had not run): it still waits.
        db.session.delete(
            responses.find(
                Stage.AFTER, responses.Subject(completion=db.session.get(Completion, recent))
            )
        )
        db.session.commit()
    assert _may(app, completion_id=recent) is False
    with app.app_context():
        completions.withdraw(db.session.get(Completion, recent), by=None, reason="Wrong person")
        db.session.commit()
    assert _may(app, completion_id=recent) is True
