"""Follow-ups weeks after the course: who is asked, when, once, with a working link; one
reminder; withdrawn when the course stops counting."""

import re
import threading
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.bookings.models import Booking, BookingStatus
from lms.core.models import utcnow
from lms.core.timefmt import local, london_to_utc
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback import follow_ups, questions
from lms.feedback.models import Response, Stage
from lms.mail.models import OutboxMessage
from lms.settings import services as settings
from tests.conftest import count, counting_statements, one_day

LINK = re.compile(r"https?://\S+/follow-up/(?!thanks)[A-Za-z0-9_-]+")


@pytest.fixture
def course_days_ago(app, make_course_session):
    """A session that ran on the UK day this many days ago."""

    def make(days: int, course_id=None) -> int:
        with app.app_context():
            day = local(utcnow()).date() - timedelta(days=days)
        return make_course_session(
            course_id, dates=one_day(london_to_utc(day, time(9, 30))), status="completed"
        )

    return make


def set_manager(app, user_id, email="manager@example.org"):
    with app.app_context():
        db.session.get(User, user_id).line_manager_email = email
        db.session.commit()


def run_at(app, now) -> dict:
    """run-jobs' follow-ups at a given time, on a session of their own."""
    with app.app_context(), app.test_request_context():
        result = follow_ups.run(now=now)
        db.session.commit()
        return result


def messages(app, kind=None) -> list[tuple[str, str, str]]:
    """(recipient, kind, body) of every follow-up message in the outbox, oldest first (the
    requests straight after a course, which completing also sends, are another feature's)."""
    with app.app_context():
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        kinds = [kind] if kind else ["follow_up_request", "manager_follow_up"]
        query = query.where(OutboxMessage.kind.in_(kinds))
        return [(m.recipient, m.kind, m.body_text) for m in db.session.scalars(query)]


def link_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(0).split("/follow-up/", 1)[1]


def test_run_jobs_eight_weeks_on_asks_the_practitioner_and_manager_once_with_working_links(
    app,
    client,
    runner,
    make_user,
    make_completed_booking,
    course_days_ago,
    make_module,
    make_completion,
):
    attended = make_user(name="Ada Attended")
    set_manager(app, attended.id, "boss@example.org")
    no_show, partial, cancelled, old, early = (make_user() for _ in range(5))
    for person in (no_show, partial, cancelled):
        set_manager(app, person.id, "other.boss@example.org")
    session_id = course_days_ago(56)
    booking_id = make_completed_booking(attended.id, session_id)
    make_completed_booking(no_show.id, session_id, completed=False)
    partial_id = make_completed_booking(partial.id, session_id, completed=False)
    cancelled_id = make_completed_booking(cancelled.id, session_id, completed=False)
    with app.app_context():
        db.session.get(Booking, partial_id).outcome = "partial"
        db.session.get(Booking, cancelled_id).status = BookingStatus.CANCELLED
        db.session.commit()
    # A course long before evaluation was turned on, and one not yet eight weeks ago.
    make_completed_booking(old.id, course_days_ago(56 + 28 + 1))
    make_completed_booking(early.id, course_days_ago(55))
    # E-learning: a completion from the provider is asked, one declared by the person is not.
    module_id = make_module()
    with app.app_context():
        day = local(utcnow()).date() - timedelta(days=60)
    completion_id = make_completion(attended.id, module_id, day)
    make_completion(old.id, make_module(), day, source="self_declared")

    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "follow-ups asked: 2" in result.output
    assert "line manager follow-ups asked: 2" in result.output

    with app.app_context():
        # (The evaluation straight after is asked too: that is another feature's.)
        asked = db.session.execute(
            sa.select(Response.stage, Response.booking_id, Response.completion_id).where(
                Response.stage.in_([Stage.FOLLOW_UP, Stage.MANAGER])
            )
        ).all()
    assert sorted(asked, key=str) == sorted(
        [
            (Stage.FOLLOW_UP, booking_id, None),
            (Stage.MANAGER, booking_id, None),
            (Stage.FOLLOW_UP, None, completion_id),
            (Stage.MANAGER, None, completion_id),
        ],
        key=str,
    )
    sent = messages(app)
    assert sorted((recipient, kind) for recipient, kind, _ in sent) == sorted(
        [
            (attended.email, "follow_up_request"),
            (attended.email, "follow_up_request"),
            ("boss@example.org", "manager_follow_up"),
            ("boss@example.org", "manager_follow_up"),
        ]
    )
    for _, kind, body in sent:
        assert "2 minutes" in body and "do not name" in body
        page = client.get(f"/follow-up/{link_in(body)}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        if kind == "manager_follow_up":
            assert "Ada Attended" in body and "change in their practice" in body
            assert "Ada Attended" in text and "Has their practice changed?" in text
        else:
            assert "Has your practice changed?" in text
    # Only the digest of a link is stored.
    with app.app_context():
        hashes = db.session.scalars(sa.select(Response.token_hash)).all()
    links = {link_in(body) for _, _, body in sent}
    assert len(links) == 4 and not links & set(hashes)

    again = runner.invoke(args=["run-jobs"])
    assert "follow-ups asked: 0" in again.output
    assert len(messages(app)) == 4
    assert count(app, Response, Response.stage.in_([Stage.FOLLOW_UP, Stage.MANAGER])) == 4


def test_one_reminder_each_with_the_same_working_link(
    app, client, make_user, make_completed_booking, course_days_ago
):
    person = make_user()
    set_manager(app, person.id)
    make_completed_booking(person.id, course_days_ago(56 + 8))
    start = utcnow() - timedelta(days=8)
    assert run_at(app, start)["follow-ups asked"] == 1
    first_links = {kind: link_in(body) for _, kind, body in messages(app)}

    assert run_at(app, start + timedelta(days=6, hours=23))["follow-up reminders sent"] == 0
    assert run_at(app, start + timedelta(days=7))["follow-up reminders sent"] == 2
    assert run_at(app, start + timedelta(days=8))["follow-up reminders sent"] == 0
    reminders = [m for m in messages(app) if "A reminder" in m[2]]
    assert sorted(kind for _, kind, _ in reminders) == ["follow_up_request", "manager_follow_up"]
    for _, kind, body in reminders:
        assert link_in(body) == first_links[kind]
        assert client.get(f"/follow-up/{link_in(body)}").status_code == 200
    with app.app_context():
        assert all(r.reminded_at is not None for r in db.session.scalars(sa.select(Response)))


def test_an_answered_or_expired_follow_up_is_not_reminded(
    app, make_user, make_completed_booking, course_days_ago
):
    person = make_user()
    make_completed_booking(person.id, course_days_ago(56 + 30))
    start = utcnow() - timedelta(days=30)
    run_at(app, start)
    # Its link lasts 28 days: by day 30 it has expired, and is not reminded.
    assert run_at(app, start + timedelta(days=30))["follow-up reminders sent"] == 0
    with app.app_context():
        question_set = questions.current_set(Stage.FOLLOW_UP)
        response = db.session.scalar(sa.select(Response))
        response.expires_at = start + timedelta(days=60)
        response.answered_at = start + timedelta(days=1)
        response.question_set_id = question_set.id
        db.session.commit()
    assert run_at(app, start + timedelta(days=30))["follow-up reminders sent"] == 0
    assert len(messages(app)) == 1


def test_follow_up_weeks_moves_when_they_are_asked(
    app, make_user, make_completed_booking, course_days_ago
):
    admin = make_user()
    person = make_user()
    make_completed_booking(person.id, course_days_ago(29))
    assert run_at(app, utcnow())["follow-ups asked"] == 0
    with app.app_context():
        settings.update({"follow_up_weeks": 4}, by=db.session.get(User, admin.id))
        db.session.commit()
    assert run_at(app, utcnow())["follow-ups asked"] == 1
    assert [kind for _, kind, _ in messages(app)] == ["follow_up_request"]


def test_a_follow_up_is_withdrawn_when_the_course_stops_counting(
    app, client, make_user, make_completed_booking, course_days_ago, make_module, make_completion
):
    person = make_user()
    set_manager(app, person.id)
    booking_id = make_completed_booking(person.id, course_days_ago(56))
    with app.app_context():
        day = local(utcnow()).date() - timedelta(days=56)
    completion_id = make_completion(person.id, make_module(), day)
    run_at(app, utcnow())
    links = [link_in(body) for _, _, body in messages(app)]
    assert len(links) == 4
    with app.app_context():
        db.session.get(Booking, booking_id).completed_at = None
        db.session.get(Completion, completion_id).withdrawn_at = utcnow()
        db.session.commit()
    assert run_at(app, utcnow())["follow-ups withdrawn"] == 4
    assert run_at(app, utcnow())["follow-ups withdrawn"] == 0
    for link in links:
        page = client.get(f"/follow-up/{link}")
        assert page.status_code == 410
        assert "no longer asked" in page.get_data(as_text=True)
    # Withdrawn, they are neither asked again nor reminded.
    assert run_at(app, utcnow() + timedelta(days=8)) == {
        "follow-ups asked": 0,
        "line manager follow-ups asked": 0,
        "follow-up reminders sent": 0,
        "follow-ups withdrawn": 0,
    }


def test_finding_who_is_due_takes_the_same_queries_for_one_or_many(
    app, make_user, make_completed_booking, course_days_ago
):
    session_id = course_days_ago(56)
    make_completed_booking(make_user().id, session_id)

    def queries() -> int:
        with counting_statements(app) as statements, app.app_context():
            subjects = follow_ups.due_subjects(now=utcnow())
            for subject in subjects:
                assert subject.booking.user.email and subject.booking.session.course.title
            return len(statements), len(subjects)

    queries()  # the settings row is made the first time
    one = queries()
    for _ in range(4):
        make_completed_booking(make_user().id, session_id)
    many = queries()
    assert (one[1], many[1]) == (1, 5)
    assert one[0] == many[0]


def test_a_response_another_run_created_meanwhile_sends_nothing(
    app, make_user, make_completed_booking, course_days_ago
):
    """Two runs at once: the second finds the subject due, but the first's response is there
    by the time it asks (the unique constraint settles it): nothing is sent twice."""
    person = make_user()
    make_completed_booking(person.id, course_days_ago(56))
    with app.app_context():
        settings.current()  # made now, so neither run waits on the other's new row
        db.session.commit()
    now = utcnow()
    with app.app_context(), app.test_request_context():
        due = follow_ups.due_subjects(now=now)
        assert len(due) == 1
        run_at(app, now)  # the other run, on its own session, commits first
        original = follow_ups.due_subjects
        follow_ups.due_subjects = lambda *, now: due
        try:
            asked = follow_ups.ask_due(now=now)
        finally:
            follow_ups.due_subjects = original
        db.session.commit()
    assert asked == (0, 0)
    assert len(messages(app)) == 1


def test_two_runs_at_once_send_each_message_once(
    app, monkeypatch, make_user, make_completed_booking, course_days_ago
):
    """Both runs find the same people due before either asks anyone: the unique constraint
    lets one ask each, and only the one that asked sends."""
    people = [make_user() for _ in range(3)]
    session_id = course_days_ago(56)
    for person in people:
        set_manager(app, person.id)
        make_completed_booking(person.id, session_id)
    with app.app_context():
        settings.current()
        db.session.commit()
    now = utcnow()
    both_found = threading.Barrier(2, timeout=30)
    find_due = follow_ups.due_subjects

    def found_together(*, now):
        due = find_due(now=now)
        both_found.wait()
        return due

    monkeypatch.setattr(follow_ups, "due_subjects", found_together)
    results, errors = [], []

    def run_jobs():
        try:
            with app.app_context(), app.test_request_context():
                results.append(follow_ups.ask_due(now=now))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run_jobs) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(results) == 2
    assert [sum(asked) for asked in zip(*results, strict=True)] == [3, 3]
    assert len(messages(app)) == 6
    assert count(app, Response, Response.stage.in_([Stage.FOLLOW_UP, Stage.MANAGER])) == 6
