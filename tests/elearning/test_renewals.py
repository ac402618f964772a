"""Validity and renewals: where each completion stands, and the one reminder run-jobs sends
the set number of days before it expires (never twice, never for a superseded, withdrawn or
inactive person's completion)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from lms.catalogue.models import Course, CourseStatus
from lms.elearning import completions
from lms.elearning.models import Completion
from lms.elearning.renewals import RenewalStatus, renewals_of, status_on, valid_until
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.settings import services as settings

NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)  # 12pm UK time (GMT)
TODAY = date(2027, 3, 20)
BASE = "https://training.example"


@pytest.fixture
def clock(app):
    app.config["BASE_URL"] = BASE
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def expiring(app, make_completion, user_id, course_id, expires_on, *, completed_on=None):
    """A completion of the module, with its expiry set to the day wanted."""
    completion_id = make_completion(user_id, course_id, completed_on or date(2024, 3, 1))
    with app.app_context():
        db.session.get(Completion, completion_id).expires_on = expires_on
        db.session.commit()
    return completion_id


def run_jobs(runner) -> dict[str, int]:
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    counts = {}
    for line in result.output.splitlines():
        name, _, number = line.rpartition(": ")
        counts[name] = int(number)
    return counts


def renewal_mail(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (message.recipient, message.subject, message.body_text)
            for message in db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "renewal_due")
                .order_by(OutboxMessage.id)
            )
        ]


# Where a completion stands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "status"),
    [
        (None, RenewalStatus.VALID),  # never expires
        (TODAY + timedelta(days=31), RenewalStatus.VALID),
        (TODAY + timedelta(days=30), RenewalStatus.DUE),  # due from today
        (TODAY + timedelta(days=1), RenewalStatus.DUE),  # expires tomorrow
        (TODAY, RenewalStatus.EXPIRED),  # valid until yesterday
        (TODAY - timedelta(days=1), RenewalStatus.EXPIRED),
    ],
)
def test_status_at_the_boundaries(expires_on, status):
    assert status_on(expires_on, TODAY, 30) is status


def test_valid_until_is_the_day_before_expiry():
    assert valid_until(date(2027, 4, 1)) == date(2027, 3, 31)
    assert valid_until(None) is None


def test_only_the_latest_completion_of_a_module_counts(
    app, make_user, make_module, make_completion
):
    person = make_user()
    module = make_module("Level 1", validity_months=12)
    make_completion(person.id, module, date(2025, 1, 10))  # expired
    make_completion(person.id, module, date(2027, 1, 10))  # the renewal
    with app.app_context():
        rows = renewals_of(person.id, today=TODAY, days=30)
        assert [(r.completion.completed_on, r.status) for r in rows] == [
            (date(2027, 1, 10), RenewalStatus.VALID)
        ]


def test_a_withdrawn_renewal_brings_back_the_one_before(
    app, make_user, make_module, make_completion
):
    person = make_user()
    module = make_module("Level 1", validity_months=12)
    make_completion(person.id, module, date(2025, 1, 10))
    renewal = make_completion(person.id, module, date(2027, 1, 10))
    with app.app_context():
        completions.withdraw(db.session.get(Completion, renewal), by=None, reason="Wrong person")
        db.session.commit()
        rows = renewals_of(person.id, today=TODAY, days=30)
        assert [(r.completion.completed_on, r.status) for r in rows] == [
            (date(2025, 1, 10), RenewalStatus.EXPIRED)
        ]


# Reminders ----------------------------------------------------------------------------------


def test_run_jobs_reminds_once_before_expiry(
    app, runner, clock, make_user, make_module, make_completion
):
    person = make_user(name="Erin Walsh")
    module = make_module("Safeguarding children level 1", validity_months=36, module_code="SC1")
    completion = expiring(app, make_completion, person.id, module, TODAY + timedelta(days=30))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 1
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    ((recipient, subject, body),) = renewal_mail(app)
    assert recipient == person.email
    assert subject == "Due for renewal: Safeguarding children level 1"
    assert "Safeguarding children level 1" in body
    assert "valid until 18 April 2027" in body
    assert "https://elearning.example.org/courses/SC1" in body
    assert f"{BASE}/my-training" in body
    with app.app_context():
        assert db.session.get(Completion, completion).renewal_reminded_at == NOW


def test_no_reminder_before_the_window_then_one_when_it_opens(
    app, runner, clock, make_user, make_module, make_completion
):
    person = make_user()
    module = make_module(validity_months=36)
    expiring(app, make_completion, person.id, module, TODAY + timedelta(days=31))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    clock.move_to(NOW + timedelta(days=1))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 1
    clock.move_to(NOW + timedelta(days=2))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    assert len(renewal_mail(app)) == 1


def test_the_window_is_the_setting(app, runner, clock, make_user, make_module, make_completion):
    person = make_user()
    module = make_module(validity_months=36)
    expiring(app, make_completion, person.id, module, TODAY + timedelta(days=60))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    with app.app_context():
        settings.update({"renewal_reminder_days": 60}, by=None)
        db.session.commit()
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 1


def test_a_superseded_completion_is_not_reminded(
    app, runner, clock, make_user, make_module, make_completion
):
    person = make_user()
    module = make_module(validity_months=36)
    expiring(app, make_completion, person.id, module, TODAY + timedelta(days=10))
    make_completion(person.id, module, date(2027, 3, 1))  # renewed already: valid to 2030
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    assert renewal_mail(app) == []


@pytest.mark.parametrize("case", ["withdrawn", "inactive", "expired", "never", "archived"])
def test_no_reminder_for(app, runner, clock, make_user, make_module, make_completion, case):
    person = make_user(active=case != "inactive")
    module = make_module(validity_months=None if case == "never" else 36)
    expires_on = {"expired": TODAY, "never": None}.get(case, TODAY + timedelta(days=5))
    completion = expiring(app, make_completion, person.id, module, expires_on)
    with app.app_context():
        if case == "withdrawn":
            completions.withdraw(db.session.get(Completion, completion), by=None, reason="Wrong")
        if case == "archived":
            db.session.get(Course, module).status = CourseStatus.ARCHIVED
        db.session.commit()
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 0
    assert renewal_mail(app) == []


def test_one_reminder_each_for_two_people(
    app, runner, clock, make_user, make_module, make_completion
):
    module = make_module(validity_months=36)
    first, second = make_user(), make_user()
    for person in (first, second):
        expiring(app, make_completion, person.id, module, TODAY + timedelta(days=7))
    assert run_jobs(runner)["e-learning renewal reminders sent"] == 2
    assert sorted(recipient for recipient, _, _ in renewal_mail(app)) == sorted(
        [first.email, second.email]
    )
