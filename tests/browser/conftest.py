"""Serve the app on a free loopback port and drive Debian's Chromium with Playwright; axe-core
checks every page the tests load (see tests/browser/axe.py)."""

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms import create_app
from lms.demo import seed_demo
from lms.extensions import db
from tests.browser import axe
from tests.certificates import signing
from tests.conftest import app_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


AUDIT = pytest.StashKey[axe.Audit]()


def missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    return axe.missing_reason()


def pytest_collection_modifyitems(config, items):
    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test that passed fails if axe found anything on the pages it loaded."""
    audit = item.stash.get(AUDIT, None)
    try:
        result = yield
    except BaseException:
        if audit is not None:
            audit.running = False
        raise
    if audit is not None:
        audit.finish()
        report = audit.report()
        if report:
            pytest.fail(report, pytrace=False)
    return result


@contextmanager
def serving(app):
    """The app over plain HTTP on a free loopback port (so cookies are not marked Secure)."""
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test app, served for the browser."""
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def demo_site(shared_database, tmp_path_factory):
    """The demo partnership, loaded once and served for every test of a module; the tables are
    emptied when the module is done, as the `app` fixture empties them after each test."""
    app = create_app(app_config(shared_database, tmp_path_factory.mktemp("demo")))
    with app.app_context():
        seed_demo()
        _open_a_charge_to_dispute()
        DEMO_LINKS["follow_up"] = _open_evaluations_to_answer()
        DEMO_LINKS.update(_certificates_to_check())
        db.session.commit()
    signing.install(app)  # the partnership's key, for the credentials the pages offer
    with serving(app) as base:
        yield base
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


# Secrets the demo's set-up made, for the tests that open a link from a message.
DEMO_LINKS: dict[str, str] = {}


def _open_evaluations_to_answer() -> str:
    """The demo practitioner's latest unanswered requests asked yesterday, whatever the day:
    an evaluation straight after open on "Your training", and a follow-up whose link works (a
    demo follow-up's link was never sent, so it is made here). Returns the link's secret."""
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.bookings.demo import DEMO_PRACTITIONER_EMAIL
    from lms.core.models import utcnow
    from lms.feedback import responses
    from lms.feedback.models import Response, Stage

    asked = utcnow().replace(microsecond=0) - timedelta(days=1)
    latest = {}
    for response in db.session.scalars(
        sa.select(Response)
        .join(Response.user)
        .where(
            User.email == DEMO_PRACTITIONER_EMAIL,
            Response.booking_id.is_not(None),
            Response.answered_at.is_(None),
        )
        .order_by(Response.course_on)
    ):
        latest[response.stage] = response
    for stage in (Stage.AFTER, Stage.FOLLOW_UP):
        response = latest[stage]
        response.withdrawn_at = None
        response.invited_at, response.expires_at = asked, asked + timedelta(weeks=8)
    db.session.flush()
    follow_up = latest[Stage.FOLLOW_UP]
    secret = responses.link_secret(follow_up)
    follow_up.token_hash = responses.digest(secret)
    return secret


def _certificates_to_check() -> dict[str, str]:
    """The code of one of the demo practitioner's certificates (as printed on it), and a ZIP of
    the demo coordinator's agency's certificates waiting for run-jobs."""
    from datetime import date

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.attendance.demo import DEMO_COORDINATOR_EMAIL
    from lms.bookings.demo import DEMO_PRACTITIONER_EMAIL
    from lms.certificates import issuing
    from lms.certificates.models import Certificate, CertificateBatch

    practitioner = db.session.scalar(sa.select(User).where(User.email == DEMO_PRACTITIONER_EMAIL))
    coordinator = db.session.scalar(sa.select(User).where(User.email == DEMO_COORDINATOR_EMAIL))
    certificate = db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.user_id == practitioner.id, issuing.LIVE)
        .order_by(Certificate.id)
        .limit(1)
    )
    batch = CertificateBatch(
        agency_id=coordinator.agency_id,
        starts_on=date(2020, 4, 1),
        ends_on=date(2030, 3, 31),
        requested_by_id=coordinator.id,
        total=1,
    )
    db.session.add(batch)
    db.session.flush()
    return {"certificate": certificate.code, "export": str(batch.id)}


def _open_a_charge_to_dispute() -> None:
    """The demo gives its coordinator a charge inside the dispute window only when a session
    closed lately; whatever the day, make their agency's latest raised charge a recent one."""
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.attendance.demo import DEMO_COORDINATOR_EMAIL
    from lms.attendance.models import ChargeStatus, NonAttendanceCharge
    from lms.core.models import utcnow

    coordinator = db.session.scalar(sa.select(User).where(User.email == DEMO_COORDINATOR_EMAIL))
    charge = db.session.scalar(
        sa.select(NonAttendanceCharge)
        .where(
            NonAttendanceCharge.agency_id == coordinator.agency_id,
            NonAttendanceCharge.status == ChargeStatus.RAISED,
        )
        .order_by(NonAttendanceCharge.raised_at.desc())
        .limit(1)
    )
    charge.raised_at = max(charge.raised_at, utcnow() - timedelta(days=1))


@pytest.fixture(scope="session")
def browser():
    """Chromium; each context it opens gives pages that axe checks for the running test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield axe.CheckedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def axe_audit(request, browser):
    """A fresh record of the axe checks for each browser test."""
    audit = request.node.stash[AUDIT] = browser.new_audit()
    return audit


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()


__all__ = ["app_config", "create_app"]
