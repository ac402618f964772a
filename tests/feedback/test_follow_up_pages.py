"""The follow-up pages a link opens without signing in: answered once, every closed state a
clear page, bad answers refused with nothing stored, the secret kept out of logs and Referers."""

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.bookings.models import Booking
from lms.core.models import utcnow
from lms.extensions import db
from lms.feedback import questions, responses
from lms.feedback.models import Answer, Response, Stage
from tests.conftest import count, post_form


@pytest.fixture
def person(app, make_user):
    person = make_user(name="Ada Lovelace")
    with app.app_context():
        db.session.get(User, person.id).line_manager_email = "boss@example.org"
        db.session.commit()
    return person


@pytest.fixture
def booking_id(person, make_completed_booking, make_course):
    return make_completed_booking(person.id, course_id=make_course("Neglect: Level 3"))


def ask(app, booking_id, stage=Stage.FOLLOW_UP, *, invited_at=None, days=28) -> str:
    """Ask the stage about the booking; the secret of its link."""
    with app.app_context():
        now = invited_at or utcnow()
        _, secret, created = responses.invite(
            stage,
            responses.Subject(booking=db.session.get(Booking, booking_id)),
            now=now,
            expires_at=now + timedelta(days=days),
            respondent_email="boss@example.org" if stage is Stage.MANAGER else None,
            with_link=True,
        )
        db.session.commit()
        assert created and re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)  # 256 bits, URL-safe
        return secret


def fields(app, stage: Stage, **by_measure) -> dict:
    """Form data answering the stage's current questions, by measure code."""
    with app.app_context():
        question_set = questions.current_set(stage)
        db.session.commit()
        by_code = {q.measure: q for q in question_set.questions}
        data = {"question_set": str(question_set.id)}
        for code, value in by_measure.items():
            data[responses.field_name(by_code[code])] = value
        return data


def response_of(app, stage) -> Response:
    with app.app_context():
        response = db.session.scalar(sa.select(Response).where(Response.stage == stage))
        db.session.expunge(response)
        return response


FOLLOW_UP = {
    "practice_changed": "4",
    "example": "I now check the chronology first.",
    "barriers": "Caseload.",
    "quote_consent": "yes",
}


def test_the_practitioner_answers_once_and_a_second_use_says_it_was_answered(
    app, client, booking_id
):
    secret = ask(app, booking_id)
    page = client.get(f"/follow-up/{secret}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Neglect: Level 3" in text and "Has your practice changed?" in text
    assert page.headers["Cache-Control"] == "no-store"
    assert '<meta name="referrer" content="same-origin">' in text

    sent = post_form(client, f"/follow-up/{secret}", fields(app, Stage.FOLLOW_UP, **FOLLOW_UP))
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/follow-up/thanks")
    thanks = client.get("/follow-up/thanks")
    assert "Thank you for your answers" in thanks.get_data(as_text=True)
    response = response_of(app, Stage.FOLLOW_UP)
    assert (response.practice_changed, response.quote_consent) == (4, True)
    assert response.answered_at is not None
    answers = count(app, Answer)
    assert answers == 4

    for again in (
        client.get(f"/follow-up/{secret}"),
        post_form(
            client,
            f"/follow-up/{secret}",
            fields(app, Stage.FOLLOW_UP, **FOLLOW_UP | {"practice_changed": "1"}),
            token_from="/sign-in",
        ),
    ):
        assert again.status_code == 200
        assert "this has been answered already" in again.get_data(as_text=True)
    assert count(app, Answer) == answers
    assert response_of(app, Stage.FOLLOW_UP).practice_changed == 4


def test_the_manager_answers_when_the_practitioner_did_not(app, client, booking_id):
    ask(app, booking_id)
    secret = ask(app, booking_id, Stage.MANAGER)
    page = client.get(f"/follow-up/{secret}").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Neglect: Level 3" in page
    assert "Has their practice changed?" in page
    data = fields(app, Stage.MANAGER, change_seen="5", example="Referrals are clearer.")
    assert post_form(client, f"/follow-up/{secret}", data).status_code == 302
    manager = response_of(app, Stage.MANAGER)
    assert (manager.change_seen, manager.answered_at is not None) == (5, True)
    assert response_of(app, Stage.FOLLOW_UP).answered_at is None


def test_an_expired_link_says_so_and_stores_nothing(app, client, booking_id):
    secret = ask(app, booking_id, invited_at=utcnow() - timedelta(days=29), days=28)
    page = client.get(f"/follow-up/{secret}")
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    sent = post_form(
        client,
        f"/follow-up/{secret}",
        fields(app, Stage.FOLLOW_UP, **FOLLOW_UP),
        token_from="/sign-in",
    )
    assert sent.status_code == 410
    assert count(app, Answer) == 0
    assert response_of(app, Stage.FOLLOW_UP).answered_at is None


@pytest.mark.parametrize("where", [0, 20, -1])
def test_an_altered_link_is_not_valid_and_stores_nothing(app, client, booking_id, where):
    secret = ask(app, booking_id)
    changed = "A" if secret[where] != "A" else "B"
    altered = secret[:where] + changed + (secret[where + 1 :] if where != -1 else "")
    assert altered != secret and len(altered) == len(secret)
    page = client.get(f"/follow-up/{altered}")
    assert page.status_code == 404
    assert "This link is not valid" in page.get_data(as_text=True)
    sent = post_form(
        client,
        f"/follow-up/{altered}",
        fields(app, Stage.FOLLOW_UP, **FOLLOW_UP),
        token_from="/sign-in",
    )
    assert sent.status_code == 404
    assert count(app, Answer) == 0


def test_a_link_to_a_stage_answered_signed_in_or_made_with_another_key_is_not_valid(
    app, client, booking_id
):
    after = ask(app, booking_id, Stage.AFTER)
    assert client.get(f"/follow-up/{after}").status_code == 404
    secret = ask(app, booking_id)
    assert client.get(f"/follow-up/{secret}").status_code == 200
    app.config["SECRET_KEY"] = "another key altogether, rotated"
    assert client.get(f"/follow-up/{secret}").status_code == 404


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"practice_changed": "6"}, "Choose a number from 1 to 5"),
        ({"practice_changed": "0"}, "Choose a number from 1 to 5"),
        ({"practice_changed": ""}, "Answer this question"),
        ({"quote_consent": "maybe"}, "Choose yes or no"),
    ],
)
def test_a_refused_answer_keeps_what_was_typed_and_stores_nothing(
    app, client, booking_id, changes, message
):
    secret = ask(app, booking_id)
    data = fields(
        app,
        Stage.FOLLOW_UP,
        **FOLLOW_UP | {"example": '<script>alert("x")</script> kept'} | changes,
    )
    page = post_form(client, f"/follow-up/{secret}", data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert message in text and "govuk-error-summary" in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; kept" in text
    assert '<script>alert("x")' not in text
    assert count(app, Answer) == 0
    assert response_of(app, Stage.FOLLOW_UP).answered_at is None


def test_answers_to_an_unknown_question_set_are_asked_again(app, client, booking_id):
    secret = ask(app, booking_id)
    manager_set = fields(app, Stage.MANAGER)["question_set"]
    for posted in ("999999", manager_set, "not a number"):
        data = fields(app, Stage.FOLLOW_UP, **FOLLOW_UP) | {"question_set": posted}
        page = post_form(client, f"/follow-up/{secret}", data)
        assert page.status_code == 200
        assert "The questions changed while the page was open" in page.get_data(as_text=True)
    assert count(app, Answer) == 0


def test_a_withdrawn_follow_up_says_it_is_no_longer_asked(app, client, booking_id):
    secret = ask(app, booking_id)
    with app.app_context():
        db.session.scalar(sa.select(Response)).withdrawn_at = utcnow()
        db.session.commit()
    page = client.get(f"/follow-up/{secret}")
    assert page.status_code == 410
    assert "no longer asked" in page.get_data(as_text=True)


def test_the_secret_stays_out_of_the_logs(app, client, booking_id, caplog):
    secret = ask(app, booking_id)
    caplog.set_level(logging.INFO, logger="lms")
    refused = client.post(f"/follow-up/{secret}", data={"q1": "5"})
    assert refused.status_code == 400
    assert "CSRF check failed" in caplog.text
    assert secret not in caplog.text
    post_form(client, f"/follow-up/{secret}", fields(app, Stage.FOLLOW_UP, **FOLLOW_UP))
    assert secret not in caplog.text


def test_the_link_pages_are_rate_limited(app, client, booking_id):
    app.config["FOLLOW_UP_RATE_LIMIT"] = "3 per hour"
    statuses = [client.get("/follow-up/guessed-token").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
