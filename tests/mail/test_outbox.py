import email
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from lms.mail.services import Attachment, queue_message
from tests.mail.conftest import free_port


def queue(app, recipient="amina@example.org", with_calendar=False):
    with app.test_request_context():
        from lms.accounts.models import User

        user = User(name="Amina Patel", email=recipient)
        attachments = (
            [Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")]
            if with_calendar
            else []
        )
        message = queue_message(
            recipient=recipient,
            kind="password_reset",
            subject="Reset your password",
            context={
                "user": user,
                "link": "https://example.org/reset",
                "valid_for": timedelta(hours=1),
            },
            attachments=attachments,
        )
        db.session.commit()
        return message.id


def status(app, message_id):
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        return message.status, message.attempts, message.last_error


def test_without_smtp_run_jobs_writes_eml_files(app, runner, tmp_path):
    message_id = queue(app, with_calendar=True)
    result = runner.invoke(args=["run-jobs"])
    assert "mail sent: 1" in result.output
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == "amina@example.org" and parsed["Subject"] == "Reset your password"
    assert [part.get_filename() for part in parsed.walk() if part.get_filename()] == ["session.ics"]
    assert status(app, message_id)[0] is MessageStatus.SENT


def test_running_jobs_twice_sends_nothing_twice(app, runner, tmp_path):
    queue(app)
    runner.invoke(args=["run-jobs"])
    result = runner.invoke(args=["run-jobs"])
    assert "mail sent: 0" in result.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_smtp_delivery_to_a_real_server(app, runner, smtp_server):
    controller, inbox = smtp_server
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USE_TLS=False,
        MAIL_FROM="training@riverside.example",
    )
    queue(app, "zoe@example.org")
    result = runner.invoke(args=["run-jobs"])
    assert "mail sent: 1" in result.output
    assert [(m["From"], m["To"], m["Subject"]) for m in inbox.messages] == [
        ("training@riverside.example", "zoe@example.org", "Reset your password")
    ]
    assert "https://example.org/reset" in inbox.messages[0].get_payload(decode=True).decode()


def test_a_failed_delivery_stays_queued_with_its_error_and_is_retried(app, runner, smtp_server):
    controller, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    message_id = queue(app)
    result = runner.invoke(args=["run-jobs"])
    assert "mail failed, queued for retry: 1" in result.output
    state, attempts, error = status(app, message_id)
    assert state is MessageStatus.QUEUED and attempts == 1
    assert "ConnectionRefusedError" in error
    # Not retried before its time, then delivered once the server is back.
    app.config.update(MAIL_PORT=controller.port)
    assert "mail sent: 0" in runner.invoke(args=["run-jobs"]).output
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert "mail sent: 1" in runner.invoke(args=["run-jobs"]).output
    state, attempts, error = status(app, message_id)
    assert (state, attempts, error) == (MessageStatus.SENT, 2, None)
    assert len(inbox.messages) == 1


def test_a_message_claimed_by_another_run_is_left_alone(app, runner):
    message_id = queue(app)
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage).values(claimed_until=utcnow() + timedelta(minutes=5))
        )
        db.session.commit()
    assert "mail sent: 0" in runner.invoke(args=["run-jobs"]).output
    assert status(app, message_id)[0] is MessageStatus.QUEUED
