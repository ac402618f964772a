"""One bad message never stops the rest: headers no value can break, a message that can never
be sent marked failed with its error, and everything else delivered."""

import email
from datetime import timedelta
from email import policy

import sqlalchemy as sa

from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from lms.mail.services import Attachment, queue_message
from tests.mail.test_outbox import queue, status

LONG_SUBJECT = (
    "Booking confirmed for Zoë 李 O'Brien: Recognising neglect in the early years " * 3
)[:200]


def use_smtp(app, controller):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USE_TLS=False,
        MAIL_FROM="training@riverside.example",
    )


def poison(app, message_id, **values):
    """Write a value straight into the outbox row, as rows queued before the fix could hold."""
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )
        db.session.commit()


def queue_with(app, *, subject="Reset your password", attachments=(), recipient="zoe@example.org"):
    with app.test_request_context():
        from lms.accounts.models import User

        message = queue_message(
            recipient=recipient,
            kind="password_reset",
            subject=subject,
            context={
                "user": User(name="Zoë 李", email=recipient),
                "link": "https://example.org/reset",
                "valid_for": timedelta(hours=1),
            },
            attachments=attachments,
        )
        db.session.commit()
        return message.id


def test_a_message_that_cannot_be_built_is_failed_and_the_next_is_delivered(
    app, runner, smtp_server
):
    controller, inbox = smtp_server
    use_smtp(app, controller)
    poisoned = queue(app, "amina@example.org")
    poison(app, poisoned, recipient="amina@example.org\r\nBcc: everyone@evil.example")
    reset = queue(app, "zoe@example.org")
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "mail sent: 1" in result.output
    assert "mail that cannot be sent, marked failed: 1" in result.output
    state, attempts, error = status(app, poisoned)
    assert (state, attempts) == (MessageStatus.FAILED, 1)
    assert "not a valid email address" in error
    assert status(app, reset) == (MessageStatus.SENT, 1, None)
    assert inbox.envelopes == [["zoe@example.org"]]
    assert inbox.parsed[0]["Subject"] == "Reset your password"
    # A failed message is not tried again.
    assert "mail sent: 0" in runner.invoke(args=["run-jobs"]).output
    assert status(app, poisoned)[1] == 1


def test_a_subject_with_a_line_break_in_the_outbox_goes_on_one_line(app, runner, smtp_server):
    controller, inbox = smtp_server
    use_smtp(app, controller)
    message_id = queue(app, "amina@example.org")
    poison(app, message_id, subject="Reset your password\r\nBcc: everyone@evil.example")
    following = queue(app, "zoe@example.org")
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "mail sent: 2" in result.output, result.output
    assert [message["Subject"] for message in inbox.parsed] == [
        "Reset your password Bcc: everyone@evil.example",
        "Reset your password",
    ]
    assert all(message["Bcc"] is None for message in inbox.parsed)
    assert inbox.envelopes == [["amina@example.org"], ["zoe@example.org"]]
    assert status(app, following)[0] is MessageStatus.SENT


def test_a_name_with_a_line_break_is_queued_on_one_line(app):
    message_id = queue_with(app, subject="Booking to approve: Amina\r\nPatel,\u2028Neglect\x00")
    with app.app_context():
        subject = db.session.get(OutboxMessage, message_id).subject
    assert subject == "Booking to approve: Amina Patel, Neglect"


def test_a_recipient_the_server_refuses_outright_is_failed_and_a_busy_server_retried(
    app, runner, smtp_server
):
    controller, inbox = smtp_server
    use_smtp(app, controller)
    inbox.refuse.add("gone@example.org")
    refused = queue(app, "gone@example.org")
    delivered = queue(app, "zoe@example.org")
    result = runner.invoke(args=["run-jobs"])
    assert "mail sent: 1" in result.output
    assert "mail that cannot be sent, marked failed: 1" in result.output
    state, _attempts, error = status(app, refused)
    assert state is MessageStatus.FAILED and "No such mailbox" in error
    assert status(app, delivered)[0] is MessageStatus.SENT


def test_a_long_subject_in_any_script_folds_and_reads_back_exactly(app, runner, smtp_server):
    controller, inbox = smtp_server
    use_smtp(app, controller)
    assert len(LONG_SUBJECT) == 200
    plain = "Booking confirmed: " + "Recognising and responding to neglect " * 5
    queue_with(app, subject=LONG_SUBJECT)
    queue_with(app, subject=plain.strip())
    assert "mail sent: 2" in runner.invoke(args=["run-jobs"]).output
    assert [message["Subject"] for message in inbox.parsed] == [LONG_SUBJECT, plain.strip()]
    for message in inbox.messages:
        headers = message.as_bytes().split(b"\n\n")[0]
        assert max(len(line) for line in headers.splitlines()) <= 78


def test_a_long_subject_written_to_an_eml_file_reads_back_exactly(app, runner, tmp_path):
    queue_with(app, subject=LONG_SUBJECT)
    assert "mail sent: 1" in runner.invoke(args=["run-jobs"]).output
    (written,) = (tmp_path / "outbox").glob("*.eml")
    parsed = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == LONG_SUBJECT


def test_a_calendar_invitation_says_it_is_utf8(app, runner, smtp_server):
    controller, inbox = smtp_server
    use_smtp(app, controller)
    calendar = "BEGIN:VCALENDAR\r\nSUMMARY:Zoë 李\r\nEND:VCALENDAR\r\n".encode()
    queue_with(
        app,
        attachments=[Attachment("invite.ics", "text/calendar; method=REQUEST", calendar)],
    )
    assert "mail sent: 1" in runner.invoke(args=["run-jobs"]).output
    (part,) = [part for part in inbox.parsed[0].walk() if part.get_filename() == "invite.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_content_charset() == "utf-8"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content() == calendar.decode()
