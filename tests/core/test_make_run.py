"""`make run PORT=...` serves on that port and delivers development mail while it runs; Ctrl+C
stops the server and the delivery loop together."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import flask_migrate
import pytest

import lms
from lms import create_app
from lms.accounts.models import Agency, AgencyMembership, Role, Sector, User, UserRole
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import app_config

ROOT = Path(lms.__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def prepare_database(url: str, tmp_path: Path) -> None:
    """A migrated database with one account (so `seed-demo --if-empty` adds nothing) and one
    message waiting in the outbox."""
    app = create_app(app_config({"SQLALCHEMY_DATABASE_URI": url}, tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        agency = Agency(name="Riverside Council", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(agency)
        db.session.flush()
        user = User(
            email="practitioner@example.org",
            name="Pat Practitioner",
            job_title="Social worker",
            agency_id=agency.id,
            password_hash="unused",
            is_active=True,
        )
        user.role_grants = [UserRole(role=Role.PRACTITIONER)]
        user.memberships = [
            AgencyMembership(agency_id=agency.id, job_title="Social worker", started_at=utcnow())
        ]
        db.session.add(user)
        db.session.add(
            OutboxMessage(
                recipient="practitioner@example.org",
                kind="test",
                subject="Your place is confirmed",
                body_text="See you there.",
            )
        )
        db.session.commit()
        db.engine.dispose()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_on_port_delivers_mail_and_stops_on_ctrl_c(tmp_path):
    database = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    prepare_database(database, tmp_path)
    outbox, port = tmp_path / "outbox", free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database,
        "MAIL_OUTBOX_DIR": str(outbox),
        "SECRET_KEY": "k" * 64,
        "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
    }
    environment.pop("MAIL_SERVER", None)
    command = ["make", "run", f"PORT={port}", "JOBS_EVERY=2", f"JOBS_LOG={tmp_path / 'jobs.log'}"]
    with open(tmp_path / "make.out", "w") as output:
        # A session of its own, like a terminal's foreground job: Ctrl+C signals the whole group.
        make = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(lambda: serving(port), 180, f"the server on port {port}")
            wait_for(lambda: list(outbox.glob("*.eml")), 60, "the message in instance/outbox")
            os.killpg(make.pid, signal.SIGINT)
            make.wait(timeout=60)
            wait_for(lambda: not group_alive(make.pid), 30, "the delivery loop to stop")
        finally:
            if group_alive(make.pid):
                os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)
    printed = (tmp_path / "make.out").read_text()
    assert f"Serving on http://127.0.0.1:{port}" in printed
    assert "run-jobs delivers it every 2 seconds" in printed
    [message] = outbox.glob("*.eml")
    assert "Subject: Your place is confirmed" in message.read_text()
    assert "mail sent: 1" in (tmp_path / "jobs.log").read_text()
    assert len(list((tmp_path / "keys").glob("*.pem"))) == 1  # credentials can be signed
    assert not serving(port)
