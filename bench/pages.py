"""Pages under load: gunicorn serving the app in production mode on the PostgreSQL scale data,
wrk holding connections open against one page at a time (50, or as many as the scenario's
people: 10 for the report page), after a warm-up. The ceiling is /healthz on the same server (a
constant answer, no database): a page's throughput is quoted as a share of it. Each scenario has
its own targets (the issue's). Any response outside 2xx, or any socket error or timeout, fails
the bench.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench import upcoming
from bench.databases import DATA, ROOT, SECRET_KEY, Database, analyze, app_environment
from lms import create_app
from lms.extensions import db
from lms.scale.figures import PASSWORD

WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
LOG = DATA / "gunicorn.log"
USER_AGENT = "lms-bench"
REPORT_PATH = "/reports/attendance-by-agency?period=2025-26"
TIMEOUT = 30  # seconds; a request slower than this counts as an error
TARGET_P95_MS = 150  # anonymous pages; the others say their own
TARGET_SHARE = 0.35
SIGNED_IN_P95_MS = 300
REPORT_P95_MS = 500
REPORT_CONNECTIONS = 10  # PDL users reading reports at once
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NOTES = [
    "The rate limiter (flask-limiter, in-memory per worker) limits only POSTs to sign-in, "
    "registration and password reset; every page measured is a GET, so it stays on as in "
    "production. The bench signs in once, through the form with its CSRF token, well inside "
    "the sign-in limit and the wrong-password throttle.",
    "seed-scale makes history only, so the bench adds scheduled sessions over the next 26 weeks "
    f"({upcoming.SESSIONS} still to start, with confirmed bookings; `bench/upcoming.py`) for the "
    "catalogue to list. `/training` is the catalogue's first page (20 sessions).",
    "The session page is the soonest upcoming face-to-face session with people booked, "
    "seen by an anonymous visitor.",
    "The signed-in catalogue is `/training` as the scale data's first practitioner sees it.",
    "The report page is fetched signed in as a PDL viewer (every agency's figures; the bench "
    "adds the account, as seed-scale makes none), by "
    f"{REPORT_CONNECTIONS} connections at once. wrk sends each signed-in session cookie "
    "(marked Secure in production, so the bench passes it by hand over loopback http).",
]


@dataclass
class Server:
    workers: int
    worker_class: str
    threads: int
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def described(self) -> str:
        threads = f", {self.threads} threads each" if self.worker_class == "gthread" else ""
        return f"gunicorn, {self.workers} {self.worker_class} workers{threads}"


@dataclass
class Load:
    page: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    not_2xx: int = 0
    socket_errors: int = 0
    skipped: str = ""  # why it was not measured
    ceiling_rps: float | None = None  # /healthz, measured just before
    share: float | None = None  # of that ceiling's throughput
    connections: int | None = None  # None: the run's (--connections, 50)
    signed_in: str = ""  # "", "practitioner" or "PDL viewer"
    target_p95_ms: float = TARGET_P95_MS
    target_share: float | None = TARGET_SHARE  # None: no throughput target

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def met(self) -> bool:
        share_met = self.target_share is None or (self.share or 0) >= self.target_share
        return self.requests > 0 and self.p95_ms < self.target_p95_ms and share_met


def default_server() -> Server:
    """gunicorn's rule of thumb: 2 x cores + 1 workers; gthread keeps connections alive."""
    cores = os.cpu_count() or 1
    return Server(workers=2 * cores + 1, worker_class="gthread", threads=2)


def run(
    database: Database, server: Server, *, seconds: int, warmup: int, connections: int
) -> list[Load]:
    """The ceiling, then each page with the ceiling measured again just before it, so a page's
    share compares two runs a few seconds apart on this shared machine."""
    added = _top_up(database)
    if added:
        print(f"  added {added} upcoming sessions for the catalogue", flush=True)
    ceiling = Load("ceiling: /healthz", "/healthz", connections=connections)
    loads = [
        Load("catalogue", "/training"),
        Load("session page", f"/sessions/{_a_session(database.url)}"),
        Load(
            "catalogue (signed in)",
            "/training",
            signed_in="practitioner",
            target_p95_ms=SIGNED_IN_P95_MS,
            target_share=None,
        ),
        Load(
            "report page (signed in)",
            REPORT_PATH,
            connections=REPORT_CONNECTIONS,
            signed_in="PDL viewer",
            target_p95_ms=REPORT_P95_MS,
            target_share=None,
        ),
    ]
    for load in loads:
        load.connections = load.connections or connections
    with _serving(database, server):
        cookies = {
            "practitioner": _sign_in(server, _practitioner(database.url)),
            "PDL viewer": _sign_in(server, upcoming.PDL_VIEWER),
        }
        base = f"http://127.0.0.1:{server.port}"
        wrk = Wrk(_wrk(), wrk_threads(), connections)
        wrk.run(base + ceiling.path, {}, warmup, fast=True)
        _measure(ceiling, wrk.run(base + ceiling.path, {}, seconds, fast=True))
        for load in loads:
            wrk = Wrk(_wrk(), min(wrk_threads(), load.connections), load.connections)
            headers = {"Cookie": cookies[load.signed_in]} if load.signed_in else {}
            status = _get(server, load.path, headers)[0]
            if status == 404 and load.path == REPORT_PATH:
                load.skipped = "the page answers 404: the reports pages are not there yet"
                print(f"  {load.page:<26} skipped: {load.skipped}", flush=True)
                continue
            if status != 200:
                raise SystemExit(f"{load.path} answered {status} before the load; see {LOG}")
            again = Load(ceiling.page, ceiling.path)
            _measure(again, wrk.run(base + ceiling.path, {}, seconds, fast=True))
            wrk.run(base + load.path, headers, warmup)
            _measure(load, wrk.run(base + load.path, headers, seconds))
            load.ceiling_rps = again.rps
            load.share = load.rps / again.rps
    return [ceiling, *loads]


@dataclass
class Wrk:
    path: str
    threads: int
    connections: int

    def run(self, url: str, headers: dict, seconds: int, *, fast: bool = False) -> dict:
        command = [self.path, "-t", str(self.threads), "-c", str(self.connections)]
        command += ["-d", f"{seconds}s", "--timeout", f"{TIMEOUT}s", "-s", str(WRK_SCRIPT)]
        for name, value in ({"User-Agent": USER_AGENT} | headers).items():
            command += ["-H", f"{name}: {value}"]
        environment = os.environ | {"BENCH_WRK_FAST": "1" if fast else "0"}
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, env=environment
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def _measure(load: Load, figures: dict) -> None:
    load.requests, load.seconds = figures["requests"], figures["duration_us"] / 1e6
    load.p50_ms, load.p95_ms = figures["p50_us"] / 1000, figures["p95_us"] / 1000
    load.p99_ms = figures["p99_us"] / 1000
    load.not_2xx = figures["not_2xx"]
    load.socket_errors = sum(figures[name] for name in ("connect", "read", "write", "timeout"))
    print(
        f"  {load.page:<26} {load.rps:8.0f} req/s  p50 {load.p50_ms:6.1f} ms"
        f"  p95 {load.p95_ms:6.1f} ms  not 2xx {load.not_2xx}"
        f"  socket errors {load.socket_errors}",
        flush=True,
    )
    if load.not_2xx or load.socket_errors:
        raise SystemExit(
            f"{load.path}: {load.not_2xx} responses outside 2xx and "
            f"{load.socket_errors} socket errors under load; see {LOG}"
        )


@contextmanager
def _serving(database: Database, server: Server, log_path: Path = LOG):
    """gunicorn serving the app as production runs it, on a free port, until the block ends;
    its log goes to `log_path`."""
    server.port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(server.workers),
        "--worker-class", server.worker_class,
        "--threads", str(server.threads),
        "--bind", f"127.0.0.1:{server.port}",
        "--backlog", "2048",
        "wsgi:app",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        server.process = subprocess.Popen(
            command, cwd=ROOT, env=app_environment(database.url), stdout=log, stderr=log
        )
        try:
            _wait_until_up(server)
            yield server
        finally:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _top_up(database: Database) -> int:
    """Upcoming sessions for the catalogue to list (seed-scale makes history only)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        try:
            added = upcoming.ensure()
            upcoming.ensure_pdl_viewer()
        finally:
            db.session.remove()
            db.engine.dispose()
    if added and database.is_postgresql:
        analyze(database.url)
    return added


def wrk_threads() -> int:
    return min(4, os.cpu_count() or 1)


def wrk_version() -> str:
    done = subprocess.run([_wrk(), "-v"], capture_output=True, text=True)
    return (done.stdout + done.stderr).split("Copyright")[0].strip()


def _wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (make bench does this)")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(server: Server) -> None:
    for _ in range(120):
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start; see {LOG}")
        try:
            if _get(server, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def _get(server: Server, path: str, headers: dict | None = None):
    return _request(server, "GET", path, headers=headers)


def _request(server: Server, method: str, path: str, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={"User-Agent": USER_AGENT} | (headers or {})
        )
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()


def _session_cookie(set_cookie: str) -> str:
    """The session cookie as a browser would send it back. It is marked Secure (production),
    so a cookie jar would not send it over plain http: the bench sends it itself."""
    match = re.search(r"(?:^|,\s*)(session=[^;]+)", set_cookie)
    if match is None:
        raise SystemExit(f"no session cookie in {set_cookie!r}")
    return match.group(1)


def _sign_in(server: Server, email: str) -> str:
    """Sign in through the form, as a person does; return the signed-in session cookie."""
    status, set_cookie, page = _get(server, "/sign-in")
    token = CSRF.search(page)
    if status != 200 or token is None:
        raise SystemExit(f"/sign-in answered {status} without a form")
    form = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    status, set_cookie, page = _request(
        server,
        "POST",
        "/sign-in",
        body=form,
        headers={
            "Cookie": _session_cookie(set_cookie),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    if status != 302:
        raise SystemExit(f"signing in as {email} answered {status}, not a redirect")
    return _session_cookie(set_cookie)


def _practitioner(url: str) -> str:
    return _scalar(
        url,
        "SELECT u.email FROM users u JOIN user_roles r ON r.user_id = u.id "
        "WHERE r.role = 'practitioner' AND u.is_active = TRUE "
        "AND u.email_confirmed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM user_roles o "
        "WHERE o.user_id = u.id AND o.role <> 'practitioner') ORDER BY u.id LIMIT 1",
    )


def _a_session(url: str) -> int:
    """The soonest upcoming face-to-face session with people booked: a typical public page."""
    return _scalar(
        url,
        "SELECT id FROM course_sessions WHERE status = 'scheduled' AND starts_at > :now "
        "AND venue_id IS NOT NULL AND places_taken > 0 ORDER BY starts_at, id LIMIT 1",
        now=datetime.now(UTC),
    )


def _scalar(url: str, sql: str, **parameters):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            value = connection.scalar(sa.text(sql), parameters)
    finally:
        engine.dispose()
    if value is None:
        raise SystemExit(f"nothing found in the scale data for: {sql}")
    return value
