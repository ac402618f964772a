"""Faults survived: the mail server down through a whole `run-jobs` and back later, and the
database's connections dropped between two requests. Both databases (TEST_DATABASE_URL)."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller

from lms import create_app
from lms.accounts.models import Role
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from tests.conftest import app_config
from tests.mail.conftest import Inbox, free_port
from tests.mail.test_outbox import queue

RECIPIENTS = ["amina@example.org", "zoe@example.org", "kwame@example.org"]


class MailServer:
    """A real SMTP server on a port that stays the same while it is stopped and started."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def delivered(self) -> list[str]:
        return sorted(address for envelope in self.inbox.envelopes for address in envelope)


@pytest.fixture
def mail_server(app):
    server = MailServer()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_FROM="training@riverside.example",
    )
    yield server
    server.stop()


def outbox(app) -> list[tuple[str, MessageStatus, int, str | None]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(
                    OutboxMessage.recipient,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.last_error,
                ).order_by(OutboxMessage.id)
            )
        ]


def run_jobs(runner) -> str:
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


# SMTP down -----------------------------------------------------------------------------------


def test_mail_server_down_for_a_whole_run_then_back_delivers_each_message_once(
    app, runner, mail_server
):
    for recipient in RECIPIENTS:
        queue(app, recipient)
    # Down (nothing listening on the port): every message stays queued with the error.
    output = run_jobs(runner)
    assert "mail sent: 0" in output and "mail failed, queued for retry: 3" in output
    rows = outbox(app)
    assert [(r, s, a) for r, s, a, _ in rows] == [(r, MessageStatus.QUEUED, 1) for r in RECIPIENTS]
    assert all("Connection refused" in error or "ConnectionRefused" in error for *_, error in rows)
    # Still down a minute later: tried again, still kept, no duplicates made.
    with time_machine.travel(utcnow() + timedelta(minutes=1, seconds=5), tick=False):
        assert "mail failed, queued for retry: 3" in run_jobs(runner)
    assert [attempts for _, _, attempts, _ in outbox(app)] == [2, 2, 2]

    mail_server.start()
    # Back up, but before the retry is due: nothing goes yet.
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert "mail sent: 0" in run_jobs(runner)
    assert mail_server.delivered() == []
    # Once due, each message is delivered once; later runs send nothing more.
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        assert "mail sent: 3" in run_jobs(runner)
        assert "mail sent: 0" in run_jobs(runner)
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        assert "mail sent: 0" in run_jobs(runner)
    assert mail_server.delivered() == sorted(RECIPIENTS)
    assert outbox(app) == [(r, MessageStatus.SENT, 3, None) for r in RECIPIENTS]
    assert count_outbox(app) == len(RECIPIENTS)


class GoesDownAfterOne(Inbox):
    """Accepts the first message, then answers every later one "421 closing" (going down)."""

    async def handle_DATA(self, server, session, envelope):
        if self.messages:
            return "421 4.3.2 Service shutting down"
        return await super().handle_DATA(server, session, envelope)


def test_mail_server_going_down_mid_run_keeps_the_rest_and_sends_none_twice(
    app, runner, mail_server
):
    mail_server.inbox = GoesDownAfterOne()
    mail_server.start()
    for recipient in RECIPIENTS:
        queue(app, recipient)
    output = run_jobs(runner)
    assert "mail sent: 1" in output and "mail failed, queued for retry: 2" in output
    first, *rest = outbox(app)
    assert first == (RECIPIENTS[0], MessageStatus.SENT, 1, None)
    assert [(r, s) for r, s, _, _ in rest] == [(r, MessageStatus.QUEUED) for r in RECIPIENTS[1:]]
    assert all("Service shutting down" in error for *_, error in rest)
    # Later, with a server that accepts everything: the two left go, the first not again.
    mail_server.stop()
    mail_server.inbox.__class__ = Inbox
    mail_server.start()
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        assert "mail sent: 2" in run_jobs(runner)
        assert "mail sent: 0" in run_jobs(runner)
    assert mail_server.delivered() == sorted(RECIPIENTS)
    assert [s for _, s, _, _ in outbox(app)] == [MessageStatus.SENT] * 3


def count_outbox(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


# The database's connections dropped between two requests ---------------------------------------


class Connections:
    """A second app on the same database whose connections can be ended from outside, as a
    database restart ends them: on PostgreSQL by pg_terminate_backend from another connection
    (only this app's, by its application name: other test runs share the server); on SQLite,
    which has no server, by closing each of the app's driver connections under the pool."""

    def __init__(self, database, shared_database, tmp_path, *, pre_ping: bool):
        self.database = database
        self.name = f"faults-{uuid.uuid4().hex[:8]}"
        options = dict(shared_database.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        if database.is_postgresql:
            options["connect_args"] = {
                **options.get("connect_args", {}),
                "application_name": self.name,
            }
        settings = {
            **shared_database,
            "SQLALCHEMY_ENGINE_OPTIONS": {**options, "pool_pre_ping": pre_ping},
        }
        self.app = create_app(app_config(settings, tmp_path))
        self.opened = []
        with self.app.app_context():
            sa.event.listen(db.engine, "connect", lambda raw, _record: self.opened.append(raw))

    def end_all(self) -> int:
        if not self.database.is_postgresql:
            for raw in self.opened:
                raw.close()
            return len(self.opened)
        engine = sa.create_engine(self.database.server_url)
        try:
            with engine.begin() as connection:
                return len(
                    connection.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :name"
                        ),
                        {"name": self.name},
                    ).all()
                )
        finally:
            engine.dispose()

    def close(self):
        with self.app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "pre_ping",
    [
        True,
        pytest.param(
            False,
            marks=pytest.mark.xfail(
                strict=True, reason="without pool_pre_ping the next request fails: the test sees it"
            ),
        ),
    ],
)
def test_the_next_request_after_the_database_dropped_every_connection_succeeds(
    app, database, shared_database, tmp_path, make_user, make_agency, login, pre_ping
):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True  # as deployed
    agency = make_agency("Riverside Community Health")
    admin = make_user(roles=(Role.ADMIN,), name="Ada Admin", agency_id=agency)
    make_user("siobhan@example.org", name="Siobhán O'Brien", agency_id=agency)
    connections = Connections(database, shared_database, tmp_path, pre_ping=pre_ping)
    try:
        client = connections.app.test_client()
        login(admin, using=client)
        first = client.get("/admin/users")
        assert first.status_code == 200 and "Siobhán O&#39;Brien" in first.get_data(as_text=True)
        assert connections.end_all() >= 1  # the pooled connection, ended
        response = client.get("/admin/users")
        assert response.status_code == 200
        assert "Siobhán O&#39;Brien" in response.get_data(as_text=True)
    finally:
        connections.close()
