"""A certificate's life: issued on completion (after the evaluation when the setting asks),
revoked when attendance is corrected or a completion withdrawn, replaced when the name is
corrected, one per course taken, and never two live for one completion."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts import services as accounts
from lms.accounts.models import Role, User
from lms.attendance import services as attendance
from lms.attendance.models import Mark
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession
from lms.certificates import issuing
from lms.certificates.models import Certificate, Status
from lms.cli import run_jobs
from lms.core.models import utcnow
from lms.elearning import completions
from lms.elearning.models import Completion, CompletionSource
from lms.extensions import db
from lms.feedback.models import Response, Stage
from lms.settings import services as settings
from tests.conftest import post_form, uk
from tests.feedback.test_answer_pages import _data


def _wait_for_evaluation(app, wait: bool) -> None:
    with app.app_context():
        settings.current().certificates_wait_for_evaluation = wait
        db.session.commit()


def _certificates(app, **where) -> list[Certificate]:
    with app.app_context():
        query = sa.select(Certificate).filter_by(**where).order_by(Certificate.id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


@pytest.fixture
def two_day_course(app, make_user, make_course, make_course_session):
    """A person booked on a two-day Level 3 course that has ended, not yet completed."""
    person = make_user(name="Siobhán O'Brien")
    course = make_course(code="SCP-L3", title="Working Together Level 3", level=3)
    start = uk(2026, 3, 30, 9, 30)
    session_id = make_course_session(
        course,
        dates=[
            (start, start + timedelta(hours=6)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=6)),
        ],
        status="completed",
    )
    with app.app_context():
        course_row = db.session.get(Course, course)
        course_row.cpd_hours = 12
        course_row.certificate_validity_months = 36
        booking = Booking(
            user_id=person.id,
            session_id=session_id,
            agency_id=person.agency_id,
            status=BookingStatus.CONFIRMED,
            confirmed_at=start - timedelta(days=20),
        )
        db.session.add(booking)
        db.session.commit()
        return {"person": person, "booking": booking.id, "course": course, "session": session_id}


def _complete(app, booking_id, now=None):
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        attendance.complete_booking(booking, now=now or utcnow())
        db.session.commit()


def test_completing_issues_a_certificate_with_a_snapshot_of_what_it_states(app, two_day_course):
    _wait_for_evaluation(app, False)
    _complete(app, two_day_course["booking"])
    [certificate] = _certificates(app, booking_id=two_day_course["booking"])
    assert certificate.person_name == "Siobhán O'Brien"
    assert certificate.course_title == "Working Together Level 3"
    assert (certificate.level, certificate.cpd_hours) == (3, 12)
    assert (certificate.first_day, certificate.last_day) == (date(2026, 3, 30), date(2026, 3, 31))
    assert certificate.valid_until == date(2029, 3, 30)  # three years, to the day before
    assert certificate.mode == "Face to face"
    assert len(certificate.code) == 16 and certificate.status(date(2026, 4, 1)) is Status.VALID
    assert certificate.status(date(2029, 3, 30)) is Status.VALID
    assert certificate.status(date(2029, 3, 31)) is Status.EXPIRED

    with app.app_context():
        db.session.get(Course, two_day_course["course"]).title = "Renamed course"
        db.session.commit()
    assert _certificates(app, id=certificate.id)[0].course_title == "Working Together Level 3"


def test_with_the_setting_on_the_certificate_waits_for_the_evaluation_answer(
    app, client, login, two_day_course
):
    _complete(app, two_day_course["booking"])
    assert _certificates(app, booking_id=two_day_course["booking"]) == []
    with app.app_context():
        response_id = db.session.scalar(
            sa.select(Response.id).where(
                Response.booking_id == two_day_course["booking"], Response.stage == Stage.AFTER
            )
        )
    assert response_id is not None  # the request straight after was made first
    login(two_day_course["person"])
    data = _data(app, response_id, rating="4", knowledge="7", knowledge_before="3")
    assert post_form(client, f"/feedback/{response_id}", data).status_code == 302
    assert len(_certificates(app, booking_id=two_day_course["booking"])) == 1


def test_an_evaluation_left_unanswered_releases_the_certificate_once_it_lapses(app, two_day_course):
    _complete(app, two_day_course["booking"])
    with app.app_context():
        run_jobs()
    assert _certificates(app, booking_id=two_day_course["booking"]) == []
    with app.app_context():
        response = db.session.scalar(
            sa.select(Response).where(Response.booking_id == two_day_course["booking"])
        )
        response.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert run_jobs()["certificates issued"] == 1
        assert run_jobs()["certificates issued"] == 0
    assert len(_certificates(app, booking_id=two_day_course["booking"])) == 1


def test_a_correction_revokes_and_a_later_completion_issues_a_new_one(app, two_day_course):
    _wait_for_evaluation(app, False)
    _complete(app, two_day_course["booking"])
    with app.test_request_context():
        booking = db.session.get(Booking, two_day_course["booking"])
        for day in db.session.get(CourseSession, two_day_course["session"]).dates:
            attendance.set_mark(day, booking, Mark.ATTENDED, by=None, now=utcnow())
        booking.outcome = "completed"
        first_day = db.session.get(CourseSession, two_day_course["session"]).dates[0]
        attendance.set_mark(first_day, booking, Mark.ABSENT, by=None, now=utcnow())
        attendance.resettle(booking, now=utcnow())
        db.session.commit()
    [revoked] = _certificates(app, booking_id=two_day_course["booking"])
    assert revoked.status(date(2026, 4, 1)) is Status.REVOKED
    assert "not completed" in revoked.revoked_reason

    with app.app_context():
        assert run_jobs()["certificates issued"] == 0  # a revocation is not undone by itself
    with app.test_request_context():
        booking = db.session.get(Booking, two_day_course["booking"])
        first_day = db.session.get(CourseSession, two_day_course["session"]).dates[0]
        attendance.set_mark(first_day, booking, Mark.ATTENDED, by=None, now=utcnow())
        attendance.resettle(booking, now=utcnow())
        db.session.commit()
    old, new = _certificates(app, booking_id=two_day_course["booking"])
    assert old.id == revoked.id and new.is_live and new.code != old.code


def test_a_corrected_name_replaces_the_certificate_with_a_new_code(app, two_day_course):
    _wait_for_evaluation(app, False)
    _complete(app, two_day_course["booking"])
    [before] = _certificates(app, booking_id=two_day_course["booking"])
    with app.app_context():
        person = db.session.get(User, two_day_course["person"].id)
        details = accounts.PersonDetails(
            name="Siobhán O'Brien-Walsh",
            email=person.email,
            job_title=person.job_title,
            agency_id=person.agency_id,
            line_manager_email=person.line_manager_email,
        )
        accounts.update_details(person, details, by=person, now=utcnow())
        db.session.commit()
    old, new = _certificates(app, booking_id=two_day_course["booking"])
    assert old.id == before.id and old.status(date(2026, 4, 1)) is Status.REPLACED
    assert old.replaced_by_id == new.id and old.person_name == "Siobhán O'Brien"
    assert new.person_name == "Siobhán O'Brien-Walsh" and new.code != old.code
    assert (new.course_title, new.first_day, new.valid_until) == (
        old.course_title,
        old.first_day,
        old.valid_until,
    )


def test_a_course_retaken_gets_its_own_certificate(
    app, make_user, make_course, make_completed_booking
):
    _wait_for_evaluation(app, False)
    person = make_user()
    course = make_course(code="SCP-AGAIN")
    first = make_completed_booking(person.id, course_id=course)
    second = make_completed_booking(person.id, course_id=course)
    for booking_id in (first, second):
        _complete(app, booking_id)
    found = _certificates(app, user_id=person.id)
    assert {c.booking_id for c in found} == {first, second}
    assert len({c.code for c in found}) == 2


def test_never_two_live_certificates_for_one_booking(app, two_day_course):
    _wait_for_evaluation(app, False)
    _complete(app, two_day_course["booking"])
    with app.app_context():
        booking = db.session.get(Booking, two_day_course["booking"])
        assert issuing.issue(issuing.Subject(booking=booking), now=utcnow()).booking_id == (
            booking.id
        )
        values = issuing.snapshot(issuing.Subject(booking=booking), booking.user)
        db.session.add(Certificate(code="0" * 16, credential_id="x", **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert len(_certificates(app, booking_id=two_day_course["booking"])) == 1


def test_e_learning_completions_are_certified_and_revoked_when_withdrawn(
    app, make_user, make_module
):
    person = make_user(name="Zoë 李")
    module = make_module()
    with app.app_context():
        completion, _ = completions.record(
            db.session.get(User, person.id),
            db.session.get(Course, module),
            date(2025, 6, 1),
            source=CompletionSource.IMPORT,
        )
        db.session.commit()
        completion_id = completion.id
    # A year-old completion is not evaluated, so it is certified at once.
    [certificate] = _certificates(app, completion_id=completion_id)
    assert certificate.person_name == "Zoë 李" and certificate.mode == "E-learning"
    assert certificate.first_day == certificate.last_day == date(2025, 6, 1)
    with app.app_context():
        completions.withdraw(db.session.get(Completion, completion_id), by=None, reason="Undone")
        db.session.commit()
    assert _certificates(app, completion_id=completion_id)[0].revoked_at is not None


def test_a_large_import_leaves_its_certificates_to_run_jobs(app, make_user, make_module):
    module = make_module()
    people = [make_user() for _ in range(issuing.INLINE_LIMIT + 1)]
    with app.app_context():
        rows = [
            Completion(
                user_id=person.id,
                course_id=module,
                agency_id=person.agency_id,
                completed_on=date(2025, 6, 1),
                source=CompletionSource.IMPORT,
            )
            for person in people
        ]
        db.session.add_all(rows)
        db.session.flush()
        completions.completed([row.id for row in rows], now=utcnow())  # as an import does
        db.session.commit()
    assert _certificates(app, course_id=module) == []
    with app.app_context():
        assert run_jobs()["certificates issued"] == len(people)
    assert len(_certificates(app, course_id=module)) == len(people)


def test_a_verified_declaration_of_a_module_is_certified_as_declared(app, make_user, make_module):
    from lms.elearning import declarations
    from lms.elearning.models import TrainingDeclaration

    person = make_user()
    admin = make_user(roles=(Role.ADMIN,))
    module = make_module()
    with app.test_request_context():
        declaration = TrainingDeclaration(
            user_id=person.id,
            agency_id=person.agency_id,
            course_id=module,
            completed_on=date(2026, 2, 3),
            hours=2,
            evidence=b"%PDF-1.4 evidence",
            evidence_type="application/pdf",
            evidence_name="certificate.pdf",
        )
        db.session.add(declaration)
        db.session.flush()
        declarations.verify(declaration, by=db.session.get(User, admin.id), now=utcnow())
        db.session.commit()
    [certificate] = _certificates(app, user_id=person.id)
    assert certificate.mode == "Declared and verified"
    assert certificate.first_day == date(2026, 2, 3)
