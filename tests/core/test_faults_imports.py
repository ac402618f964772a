"""Faults survived: a crash half-way through an import or a bulk action commits nothing of that
run, and running it again completes it with nothing doubled. The crash is a function called
once per row raising on the Nth row. Both databases (TEST_DATABASE_URL)."""

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role
from lms.attendance import services as attendance
from lms.attendance.models import AttendanceMark, ImportBatch
from lms.audit.models import AuditEvent
from lms.bookings import notify
from lms.bookings.models import Booking
from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.elearning import completions, importing
from lms.elearning.models import (
    Completion,
    CompletionSource,
    ElearningImport,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from tests.attendance import test_import as attendance_import
from tests.attendance.test_import import apply_review, marks, upload
from tests.bookings.test_jobs import NOW, book, on, recipients, uk
from tests.conftest import count, post_form
from tests.elearning import import_fixtures
from tests.elearning.import_fixtures import csv_bytes

setup = attendance_import.setup
provider = import_fixtures.provider


class Crash(RuntimeError):
    """The process dying half-way, as far as the database can tell."""


def crash_on(monkeypatch, owner, name: str, nth: int) -> list:
    """Make owner.name raise Crash on its nth call; returns the list of calls made."""
    real = getattr(owner, name)
    calls = []

    def crashing(*args, **kwargs):
        calls.append(args)
        if len(calls) == nth:
            raise Crash(f"crashed at call {nth} of {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, crashing)
    return calls


def audit_count(app, prefix: str) -> int:
    return count(app, AuditEvent, AuditEvent.action.startswith(prefix))


# Attendance --------------------------------------------------------------------------------


def test_a_crash_applying_an_attendance_report_saves_no_mark_and_it_applies_again(
    app, client, setup, monkeypatch
):
    date_id, people = setup
    review = upload(client, date_id, "zoom_with_meeting_block.csv").headers["Location"]
    audited = audit_count(app, "attendance")
    calls = crash_on(monkeypatch, attendance, "set_mark", 3)
    with pytest.raises(Crash):
        apply_review(client, review)
    assert len(calls) == 3
    assert marks(app) == {}
    assert audit_count(app, "attendance") == audited
    with app.app_context():
        assert db.session.scalar(sa.select(ImportBatch.applied_at)) is None
    monkeypatch.undo()
    response = apply_review(client, review, follow_redirects=True)
    assert "The report has been applied: 4 marks set or changed" in response.get_data(as_text=True)
    assert set(marks(app)) == {person.id for person in people.values()}
    assert count(app, AttendanceMark) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(ImportBatch.applied_at)) is not None


def test_a_crash_marking_everyone_present_saves_no_mark_and_it_marks_again(
    app, client, setup, monkeypatch
):
    date_id, people = setup
    crash_on(monkeypatch, attendance, "set_mark", 3)
    with pytest.raises(Crash):
        post_form(
            client, f"/registers/{date_id}/everyone-present", {}, token_from=f"/registers/{date_id}"
        )
    assert count(app, AttendanceMark) == 0
    monkeypatch.undo()
    response = post_form(
        client,
        f"/registers/{date_id}/everyone-present",
        {},
        token_from=f"/registers/{date_id}",
        follow_redirects=True,
    )
    assert "4 people marked present" in response.get_data(as_text=True)
    again = post_form(
        client,
        f"/registers/{date_id}/everyone-present",
        {},
        token_from=f"/registers/{date_id}",
        follow_redirects=True,
    )
    assert "0 people marked present" in again.get_data(as_text=True)
    assert count(app, AttendanceMark) == 4
    assert set(marks(app)) == {person.id for person in people.values()}


# E-learning --------------------------------------------------------------------------------


def test_a_crash_half_way_through_import_elearning_commits_nothing_and_it_imports_again(
    app, runner, provider, make_user, tmp_path, monkeypatch
):
    people = [make_user(f"person{n}@example.org") for n in range(8)]
    rows = [[person.email, "Someone", "SG1", "03/02/2026", "Completed"] for person in people]
    rows.append(["nobody.yet@example.org", "Nobody", "SG2", "03/02/2026", "Completed"])
    path = tmp_path / "completions.csv"
    path.write_bytes(csv_bytes(rows))
    args = ["import-elearning", str(path), "--provider", "Learning Pool"]
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)  # two chunks are in the database by then
    calls = crash_on(monkeypatch, importing.Rules, "read", 6)
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and isinstance(result.exception, Crash)
    assert len(calls) == 6
    assert count(app, Completion) == count(app, UnmatchedCompletion) == 0
    assert count(app, ElearningImport) == 0 and audit_count(app, "elearning") == 0
    monkeypatch.undo()
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Read 9 rows: 8 added, 0 already held")
    again = runner.invoke(args=args)
    assert again.output.startswith("Read 9 rows: 0 added, 8 already held")
    assert count(app, Completion) == 8 and count(app, UnmatchedCompletion) == 1
    with app.app_context():
        people_held = db.session.scalars(sa.select(Completion.user_id)).all()
    assert sorted(people_held) == sorted(person.id for person in people)


def test_a_crash_matching_every_row_of_an_address_matches_none_and_it_matches_again(
    app, client, login, make_user, provider, tmp_path, runner, monkeypatch
):
    rows = [
        ["k.mensah@home.example", "Kwame Mensah", module, day, "Completed"]
        for module, day in [("SG1", "03/02/2026"), ("SG2", "04/02/2026"), ("SG1", "05/03/2026")]
    ]
    path = tmp_path / "unmatched.csv"
    path.write_bytes(csv_bytes(rows))
    runner.invoke(args=["import-elearning", str(path), "--provider", "Learning Pool"])
    assert count(app, UnmatchedCompletion, UnmatchedCompletion.status == UnmatchedStatus.OPEN) == 3
    kwame = make_user("kwame.mensah@work.example", name="Kwame Mensah")
    login(make_user(roles=(Role.ADMIN,), agency_id=provider["agency"]))
    with app.app_context():
        first = db.session.scalar(sa.select(sa.func.min(UnmatchedCompletion.id)))
    target = f"/admin/unmatched/{first}/match/{kwame.id}"
    crash_on(monkeypatch, completions, "match_unmatched", 2)
    with pytest.raises(Crash):
        post_form(client, target, {"same_address": "y"})
    assert count(app, UnmatchedCompletion, UnmatchedCompletion.status == UnmatchedStatus.OPEN) == 3
    assert count(app, Completion) == 0
    monkeypatch.undo()
    response = post_form(client, target, {"same_address": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(app, UnmatchedCompletion, UnmatchedCompletion.status == UnmatchedStatus.OPEN) == 0
    assert count(app, Completion, Completion.user_id == kwame.id) == 3


# Certificates issued by run-jobs -------------------------------------------------------------


def test_a_crash_half_way_through_issuing_certificates_issues_none_and_the_next_run_all(
    app, runner, make_user, make_module, monkeypatch
):
    module = make_module()
    people = [make_user() for _ in range(5)]
    with app.app_context():
        db.session.add_all(
            Completion(
                user_id=person.id,
                course_id=module,
                agency_id=person.agency_id,
                completed_on=date(2025, 6, 1),
                source=CompletionSource.IMPORT,
            )
            for person in people
        )
        db.session.commit()
    crash_on(monkeypatch, issuing, "_add", 3)
    result = runner.invoke(args=["run-jobs"])
    assert isinstance(result.exception, Crash)
    assert count(app, Certificate) == 0
    monkeypatch.undo()
    assert "certificates issued: 5" in runner.invoke(args=["run-jobs"]).output
    assert "certificates issued: 0" in runner.invoke(args=["run-jobs"]).output
    with app.app_context():
        holders = db.session.scalars(sa.select(Certificate.user_id)).all()
    assert sorted(holders) == sorted(person.id for person in people)


# Reminders sent by run-jobs ------------------------------------------------------------------


def test_a_crash_half_way_through_reminders_keeps_each_one_whole_and_sends_none_twice(
    app, runner, make_user, make_course_session, monkeypatch
):
    """Reminders are committed one at a time with their message: those sent before the crash
    stay sent, the one being sent is undone whole, and the next run sends only the rest."""
    with time_machine.travel(NOW, tick=False):
        session_id = make_course_session(dates=on(uk(2027, 3, 22, 9, 30)), capacity=5)
        people = [make_user() for _ in range(3)]
        bookings = [book(app, session_id, person) for person in people]
        calls = crash_on(monkeypatch, notify, "reminder", 2)
        result = runner.invoke(args=["run-jobs"])
        assert isinstance(result.exception, Crash) and len(calls) == 2
        assert recipients(app, "reminder") == [people[0].email]
        assert count(app, Booking, Booking.reminder_sent_at.is_not(None)) == 1
        monkeypatch.undo()
        assert "reminders sent: 2" in runner.invoke(args=["run-jobs"]).output
        assert "reminders sent: 0" in runner.invoke(args=["run-jobs"]).output
    assert sorted(recipients(app, "reminder")) == sorted(person.email for person in people)
    assert count(app, Booking, Booking.id.in_(bookings), Booking.reminder_sent_at.is_(None)) == 0
