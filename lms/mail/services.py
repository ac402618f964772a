"""Writing messages to the outbox and delivering them.

Messages are rendered and stored in the request that causes them, so nothing is lost when mail
delivery is down; `run-jobs` delivers them later, by SMTP or as .eml files in development.
"""

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import render_template

from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxAttachment, OutboxMessage

CLAIM_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def queue_message(
    *,
    recipient: str,
    kind: str,
    subject: str,
    context: dict,
    user=None,
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage:
    """Render templates/mail/<kind>.txt and store the message in the outbox."""
    message = OutboxMessage(
        recipient=recipient,
        user_id=user.id if user is not None else None,
        kind=kind,
        subject=subject,
        body_text=render_template(f"mail/{kind}.txt", **context),
    )
    for item in attachments:
        message.attachments.append(
            OutboxAttachment(
                filename=item.filename, content_type=item.content_type, content=item.content
            )
        )
    db.session.add(message)
    db.session.flush()
    return message


def build_email(message: OutboxMessage, *, sender: str) -> EmailMessage:
    """Build the RFC 5322 message for an outbox row."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email


class SMTPTransport:
    """Deliver through an SMTP server (STARTTLS or implicit TLS, optional login)."""

    def __init__(self, config):
        self.config = config

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        config = self.config
        context = ssl.create_default_context()
        if config["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30, context=context
            )
        else:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        with client:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                client.starttls(context=context)
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            client.send_message(email)


class FileTransport:
    """Write each message as an .eml file, for development."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / f"message-{message.id:08d}.eml").write_bytes(email.as_bytes())


def transport_for(config):
    """SMTP when MAIL_SERVER is set, otherwise .eml files under the outbox folder."""
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return FileTransport(config["MAIL_OUTBOX_DIR"])


def retry_delay(attempts: int, ceiling: timedelta) -> timedelta:
    """Wait longer after each failure: 1, 2, 4, ... minutes, up to the ceiling."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 20)), ceiling)


def _due(now: datetime):
    return (
        (OutboxMessage.status == MessageStatus.QUEUED)
        & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.claimed_until.is_(None) | (OutboxMessage.claimed_until < now))
    )


def deliver_due(*, transport, sender: str, now: datetime, backoff_ceiling: timedelta) -> dict:
    """Deliver every due message, committing after each; returns counts of sent and failed.

    A message is claimed with a conditional UPDATE first, so two runs at once never send it
    twice. A failure keeps the message queued with its error and a later retry time.
    """
    counts = {"sent": 0, "failed": 0}
    due_ids = db.session.scalars(
        sa.select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id)
    ).all()
    for message_id in due_ids:
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(claimed_until=now + CLAIM_FOR)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount != 1:
            continue
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        try:
            transport.send(build_email(message, sender=sender), message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = now + retry_delay(message.attempts, backoff_ceiling)
            counts["failed"] += 1
        else:
            message.status = MessageStatus.SENT
            message.sent_at = now
            message.last_error = None
            counts["sent"] += 1
        message.claimed_until = None
        db.session.commit()
    return counts


def messages_for(user) -> list[OutboxMessage]:
    """Messages sent or queued about one person, newest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.user_id == user.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )
