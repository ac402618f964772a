"""The per-address sign-in limit holds across workers and servers: counted in the database."""

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core.models import utcnow
from lms.core.ratelimit import RateLimitCounter
from lms.extensions import db
from tests.conftest import CSRF_PATTERN, app_config
from tests.mail.conftest import free_port

SERVE = """
import json, os, sys
from werkzeug.serving import make_server
from lms import create_app

app = create_app(json.loads(os.environ["LMS_TEST_CONFIG"]))
server = make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


@pytest.fixture
def two_servers(app, shared_database, tmp_path):
    """Two processes serving the app on one database, as two workers or two servers would,
    with the settings a deployment gets out of the box (no RATELIMIT_STORAGE_URI)."""
    config = app_config(shared_database, tmp_path)
    config.pop("JINJA_BYTECODE_CACHE")
    config.pop("RATELIMIT_STORAGE_URI")
    environment = {**os.environ, "LMS_TEST_CONFIG": json.dumps(config)}
    environment.pop("RATELIMIT_STORAGE_URI", None)
    ports, processes = [free_port(), free_port()], []
    try:
        for port in ports:
            process = subprocess.Popen(
                [sys.executable, "-c", SERVE, str(port)],
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            processes.append(process)
            assert process.stdout.readline().strip() == "ready"
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


def request(port, method, path, *, cookie="", form=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode(form) if form else None
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    return response, page


def test_two_workers_share_one_budget_of_sign_in_attempts(app, two_servers):
    first, second = two_servers
    response, page = request(first, "GET", "/sign-in")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = CSRF_PATTERN.search(page).group(1)
    statuses = []
    for attempt in range(60):
        port = two_servers[attempt % 2]
        form = {"csrf_token": token, "email": f"guess{attempt}@example.org", "password": "x"}
        response, page = request(port, "POST", "/sign-in", cookie=cookie, form=form)
        statuses.append(response.status)
    assert statuses == [200] * 60
    assert "Enter a correct email address and password" in page
    for port in (first, second):
        form = {"csrf_token": token, "email": "one-more@example.org", "password": "x"}
        response, page = request(port, "POST", "/sign-in", cookie=cookie, form=form)
        assert response.status == 429
        assert "Too many attempts" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(RateLimitCounter.hits))) == 62


def test_run_jobs_purges_counters_whose_window_has_ended(app, runner):
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                RateLimitCounter(key="ended", hits=3, expires_at=now - timedelta(seconds=1)),
                RateLimitCounter(key="current", hits=3, expires_at=now + timedelta(minutes=1)),
            ]
        )
        db.session.commit()
    assert "rate-limit counters purged: 1" in runner.invoke(args=["run-jobs"]).output
    with app.app_context():
        assert db.session.scalars(sa.select(RateLimitCounter.key)).all() == ["current"]


def test_the_default_storage_is_the_database_and_redis_can_be_named(monkeypatch, tmp_path):
    from lms.config import from_environment

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == "database://"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379")
    assert from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379"


def test_a_window_that_has_ended_starts_again(app):
    from lms.core.ratelimit import DatabaseStorage

    storage = DatabaseStorage("database://")
    with app.app_context():
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3
        db.session.execute(
            sa.update(RateLimitCounter).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        assert storage.get_expiry("k") > utcnow().timestamp() + 50
        storage.clear("k")
        assert storage.get("k") == 0
        assert storage.incr("x" * 300, 60) == 1 and storage.incr("x" * 300, 60) == 2
