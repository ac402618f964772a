"""Writing messages to the outbox and delivering them.

Messages are rendered and stored in the request that causes them, so nothing is lost when mail
delivery is down; `run-jobs` delivers them later, by SMTP or as .eml files in development.
"""

import logging
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

from lms.core.files import write_atomically
from lms.core.text import single_line
from lms.extensions import db
from lms.mail.headers import checked_recipient, clean_subject, subject_header
from lms.mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from lms.privacy.erasure_map import PLACEHOLDER_DOMAIN

CLAIM_FOR = timedelta(minutes=5)
log = logging.getLogger("lms.mail")


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
    """Render templates/mail/<kind>.txt and store the message in the outbox. A message to an
    erased person is never stored (nor rendered), so it is never sent."""
    if _to_erased(recipient, user):
        return OutboxMessage(recipient=single_line(recipient), kind=kind, subject="", body_text="")
    message = OutboxMessage(
        recipient=single_line(recipient),
        user_id=user.id if user is not None else None,
        kind=kind,
        subject=clean_subject(subject),
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


def _to_erased(recipient: str, user) -> bool:
    if user is not None and getattr(user, "erased_at", None) is not None:
        return True
    return (recipient or "").strip().lower().endswith("@" + PLACEHOLDER_DOMAIN)


def build_email(message: OutboxMessage, *, sender: str) -> EmailMessage:
    """Build the RFC 5322 message for an outbox row. Raises InvalidMessage (or another
    ValueError) for a message that can never be built as it stands."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = checked_recipient(message.recipient)
    email["Subject"] = subject_header(message.subject)
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        _attach(email, attachment)
    return email


def _attach(email: EmailMessage, attachment: OutboxAttachment) -> None:
    """Attach a file; a text part (a calendar invitation) says it is UTF-8, with its other
    parameters ("method=REQUEST") kept."""
    kind, *parameters = (part.strip() for part in attachment.content_type.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = dict(
        (key.strip().lower(), value.strip().strip('"'))
        for key, _, value in (parameter.partition("=") for parameter in parameters if parameter)
    )
    if maintype == "text":
        params["charset"] = "UTF-8"
    email.add_attachment(
        attachment.content,
        maintype=maintype,
        subtype=subtype,
        filename=single_line(attachment.filename),
        params=params,
    )


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
        write_atomically(self.directory / f"message-{message.id:08d}.eml", email.as_bytes())


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
    """Deliver every due message, committing after each; returns how many were sent, how many
    are kept for a retry and how many failed for good.

    A message is claimed with a conditional UPDATE first, so two runs at once never send it
    twice. A passing fault (the server is down, busy or says "try later") keeps the message
    queued with its error and a later retry time. A message that can never be sent as it stands
    (it cannot be built, or the server refuses its recipient outright) is marked failed with its
    error, and the run goes on to the next.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
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
        outcome = _deliver_one(message, transport=transport, sender=sender)
        if outcome is None:
            message.status = MessageStatus.SENT
            message.sent_at = now
            message.last_error = None
            counts["sent"] += 1
        elif outcome.permanent:
            message.status = MessageStatus.FAILED
            message.last_error = outcome.error
            counts["failed"] += 1
            log.error("mail %s failed for good: %s", message.id, outcome.error)
        else:
            message.last_error = outcome.error
            message.next_attempt_at = now + retry_delay(message.attempts, backoff_ceiling)
            counts["retry"] += 1
            log.warning("mail %s kept for a retry: %s", message.id, outcome.error)
        message.claimed_until = None
        db.session.commit()
    return counts


@dataclass(frozen=True)
class Failure:
    error: str
    permanent: bool


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _deliver_one(message: OutboxMessage, *, transport, sender: str) -> Failure | None:
    """Build and send one message; None when it went, otherwise why not and whether for good."""
    try:
        email = build_email(message, sender=sender)
    except sa.exc.SQLAlchemyError:
        raise  # the database, not this message: the run stops and is tried again whole
    except Exception as error:  # whatever the cause, this row can never be built
        return Failure(_describe(error), permanent=True)
    try:
        transport.send(email, message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        return Failure(_describe(error), permanent=all(500 <= code < 600 for code in codes))
    except smtplib.SMTPNotSupportedError as error:
        # The message needs something the server lacks (an international address, say).
        return Failure(_describe(error), permanent=True)
    except Exception as error:  # the server or the network: try again later
        return Failure(_describe(error), permanent=False)
    return None


def messages_for(user) -> list[OutboxMessage]:
    """Messages sent or queued about one person, newest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.user_id == user.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )
