"""Faults survived: two `run-jobs` at once (two cron entries overlapping, two servers) do
nothing twice: no message delivered twice, no reminder twice, no promotion twice, no certificate
twice. Threads started together by a barrier, each with its own app context (so its own
session and connection), on the test database (a file for SQLite; PostgreSQL by
TEST_DATABASE_URL), delivering to a real SMTP server."""

import re
import threading
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.certificates.models import Certificate
from lms.cli import run_jobs
from lms.elearning.models import Completion, CompletionSource
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from tests.bookings.test_jobs import NOW, book, on, recipients, status, uk
from tests.conftest import count
from tests.core.test_faults import mail_server  # noqa: F401 (a fixture)

RUN_AT = NOW + timedelta(days=5)  # Thursday 25 March 2027, noon
SOON = uk(2027, 3, 27, 9, 30)  # within the three days of a reminder


def together(app, runs: int = 2) -> tuple[list[dict], list[BaseException]]:
    """run_jobs() in `runs` threads released at the same moment."""
    barrier = threading.Barrier(runs, timeout=30)
    results, errors = [], []

    def one():
        try:
            with app.app_context():
                barrier.wait()
                results.append(run_jobs())
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_two_run_jobs_at_once_do_nothing_twice(
    app,
    mail_server,  # noqa: F811
    make_user,
    make_agency,
    make_course,
    make_course_session,
    make_module,
):
    app.config["BASE_URL"] = "https://training.example"
    mail_server.start()
    with time_machine.travel(NOW, tick=False) as clock:
        # Reminders: three people booked on a session two days after the run.
        soon = make_course_session(dates=on(SOON), capacity=5)
        reminded = [make_user() for _ in range(3)]
        for person in reminded:
            book(app, soon, person)
        # A promotion: Dana's booking waits for approval and lapses; Erin is first waiting.
        course = make_course("Working with families", approval_required=True)
        full = make_course_session(course, dates=on(uk(2027, 4, 19, 9, 30)), capacity=1)
        agency = make_agency()
        coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
        dana, erin, fay = (make_user(agency_id=agency) for _ in range(3))
        pending = book(app, full, dana)
        promoted = book(app, full, erin, by=coordinator)
        still_waiting = book(app, full, fay, by=coordinator)
        # Certificates: e-learning completions imported without one yet.
        module = make_module()
        learners = [make_user() for _ in range(4)]
        with app.app_context():
            db.session.add_all(
                Completion(
                    user_id=person.id,
                    course_id=module,
                    agency_id=person.agency_id,
                    completed_on=date(2025, 6, 1),  # long ago: no evaluation to wait for
                    source=CompletionSource.IMPORT,
                )
                for person in learners
            )
            db.session.commit()

        clock.move_to(RUN_AT)
        results, errors = together(app)
        assert errors == [], errors
        # A later run finds nothing left to do.
        with app.app_context():
            after = run_jobs()

    assert len(results) == 2
    assert sum(result["reminders sent"] for result in results) == 3
    assert sum(result["pending approvals lapsed"] for result in results) == 1
    assert sum(result["certificates issued"] for result in results) == 4
    assert after["reminders sent"] == after["pending approvals lapsed"] == 0
    assert after["certificates issued"] == after["mail sent"] == 0

    assert sorted(recipients(app, "reminder")) == sorted(person.email for person in reminded)
    assert recipients(app, "approval_lapsed") == [dana.email]
    assert recipients(app, "booking_promoted") == [erin.email]
    assert [status(app, b) for b in (pending, promoted, still_waiting)] == [
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
    ]
    with app.app_context():
        assert db.session.get(CourseSession, full).places_taken == 1
        confirmed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .where(Booking.session_id == full, Booking.status == BookingStatus.CONFIRMED)
        )
        assert confirmed == 1
        holders = Counter(db.session.scalars(sa.select(Certificate.user_id)))
        outbox = dict(db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status)).all())
    assert holders == Counter(person.id for person in learners)

    # Every message in the outbox was delivered, and each exactly once.
    assert set(outbox.values()) == {MessageStatus.SENT}
    delivered = Counter(
        int(re.search(r"outbox-(\d+)", message["Message-ID"]).group(1))
        for message in mail_server.inbox.messages
    )
    assert delivered == Counter(outbox.keys())
    assert sum(result["mail sent"] for result in results) == len(outbox)
    assert count(app, OutboxMessage) == len(outbox) >= 3 + 2 + 6
