"""Requests straight after a session, through the real attendance flow: close-out asks each
person who completed (once, with one message), run-jobs reminds once, and a correction that
takes the completion away withdraws the request.

The session runs 13:00 to 16:00 UK time on 9 March 2027 (see tests/attendance/test_closeout)."""

from datetime import timedelta

import sqlalchemy as sa

from lms.bookings.models import Booking
from lms.extensions import db
from lms.feedback.models import Response, Stage
from lms.mail.models import OutboxMessage
from tests.attendance import test_closeout as closeout
from tests.conftest import post_form

# The close-out tests' session and clock, shared.
clock, session, later = closeout.clock, closeout.session, closeout.later
END, mark = closeout.END, closeout.mark


def _requests(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(
                Response.booking_id,
                Response.stage,
                Response.invited_at,
                Response.expires_at,
                Response.reminded_at,
                Response.withdrawn_at,
            ).order_by(Response.id)
        ).all()


def _messages(app, kind="evaluation_request") -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return messages


def _close_with_amina_present(client, runner, later, session):
    later("14:00")
    date_id = session["date"]
    post_form(
        client, f"/registers/{date_id}/everyone-present", {}, token_from=f"/registers/{date_id}"
    )
    mark(client, date_id, **{str(session["kwame"]): "absent"})
    later("16:05")
    output = runner.invoke(args=["run-jobs"]).output
    assert "sessions closed: 1" in output


def test_close_out_asks_each_person_who_completed_once(app, client, runner, later, session):
    _close_with_amina_present(client, runner, later, session)
    asked = _requests(app)
    assert [(row.booking_id, row.stage) for row in asked] == [(session["amina"], Stage.AFTER)]
    assert asked[0].expires_at - asked[0].invited_at == timedelta(weeks=8)
    sent = _messages(app)
    with app.app_context():
        amina = db.session.get(Booking, session["amina"]).user
        response_id = db.session.scalar(sa.select(Response.id))
        assert [m.recipient for m in sent] == [amina.email]
    body = sent[0].body_text
    assert "Neglect briefing" in body and "9 March 2027" in body
    assert f"/feedback/{response_id}" in body
    assert "about 3 minutes" in body
    assert "Your certificate for this course waits for your answers" in body
    # run-jobs again: nothing more asked or sent (the no-show is never asked).
    output = runner.invoke(args=["run-jobs"]).output
    assert "evaluations asked for after a course (caught up): 0" in output
    assert len(_requests(app)) == 1 and len(_messages(app)) == 1


def test_the_message_leaves_out_the_certificate_when_the_setting_is_off(
    app, client, runner, later, session
):
    from lms.settings import services as settings

    with app.test_request_context():
        settings.update({"certificates_wait_for_evaluation": False}, by=None)
        db.session.commit()
    _close_with_amina_present(client, runner, later, session)
    assert "certificate" not in _messages(app)[0].body_text


def test_run_jobs_reminds_once_after_the_reminder_days(app, client, runner, later, session):
    _close_with_amina_present(client, runner, later, session)
    # Six days on: not yet.
    later("16:10")
    import time_machine

    with time_machine.travel(END + timedelta(days=6), tick=True):
        assert "evaluation reminders sent: 0" in runner.invoke(args=["run-jobs"]).output
    with time_machine.travel(END + timedelta(days=7, minutes=10), tick=True):
        first = runner.invoke(args=["run-jobs"]).output
        second = runner.invoke(args=["run-jobs"]).output
    assert "evaluation reminders sent: 1" in first
    assert "evaluation reminders sent: 0" in second
    sent = _messages(app)
    assert len(sent) == 2
    assert sent[1].subject.startswith("Reminder:") and "A reminder" in sent[1].body_text
    assert _requests(app)[0].reminded_at is not None
    # Nor once the request has lapsed, reminded or not.
    with time_machine.travel(END + timedelta(weeks=9), tick=True):
        assert "evaluation reminders sent: 0" in runner.invoke(args=["run-jobs"]).output
    assert len(_messages(app)) == 2


def test_correcting_attendance_withdraws_the_request_and_completing_again_asks_afresh(
    app, client, runner, later, session
):
    _close_with_amina_present(client, runner, later, session)
    later("16:30")
    assert mark(client, session["date"], **{str(session["amina"]): "absent"}).status_code == 302
    asked = _requests(app)
    assert len(asked) == 1 and asked[0].withdrawn_at is not None
    with app.app_context():
        assert db.session.get(Booking, session["amina"]).completed_at is None
    # The safety net and the catch-up leave it withdrawn.
    output = runner.invoke(args=["run-jobs"]).output
    assert "evaluations asked for after a course (caught up): 0" in output
    assert _requests(app)[0].withdrawn_at is not None
    # Corrected back: asked again, with a second message.
    mark(client, session["date"], **{str(session["amina"]): "attended"})
    asked = _requests(app)
    assert len(asked) == 1 and asked[0].withdrawn_at is None
    assert len(_messages(app)) == 2


def test_run_jobs_catches_up_with_a_completed_booking_never_asked(
    app, runner, make_user, make_completed_booking
):
    person = make_user()
    recent = make_completed_booking(person.id)
    old = make_completed_booking(person.id)
    with app.app_context():
        booking = db.session.get(Booking, old)
        booking.completed_at = booking.completed_at - timedelta(weeks=10)
        db.session.commit()
    no_show = make_completed_booking(person.id, completed=False)
    output = runner.invoke(args=["run-jobs"]).output
    assert "evaluations asked for after a course (caught up): 1" in output
    assert [row.booking_id for row in _requests(app)] == [recent]
    assert no_show not in [row.booking_id for row in _requests(app)]
    assert "evaluations asked for after a course (caught up): 0" in (
        runner.invoke(args=["run-jobs"]).output
    )
    assert len(_messages(app)) == 1
