"""What the register's pages are sent from outside, checked at the boundary. Numbers in other
scripts' digits ("²", "١") or thousands of digits long: str.isdigit() accepts both and int()
then failed, a server error; they are read as no number now, and nothing is saved that should
not be. A report's file name keeps no folders or control characters, and a report's names
none either."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.attendance.models import AttendanceMark, ImportBatch
from lms.extensions import db
from tests.attendance.test_import import SAMPLES, send, setup, upload
from tests.attendance.test_register_pages import running_session
from tests.conftest import post_form

__all__ = ["setup"]  # the fixture, shared with test_import
ODD_NUMBERS = ["²", "١٢", "9" * 5000]


@pytest.mark.parametrize("typed", ODD_NUMBERS)
def test_a_register_version_that_is_no_number(
    app, client, make_user, make_course_session, login, typed
):
    trainer = make_user(roles=(Role.TRAINER,))
    date_id, bookings = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id], people=1
    )
    login(trainer)
    form = {f"mark-{bookings[0]}": "attended", f"version-{bookings[0]}": typed}
    response = post_form(client, f"/registers/{date_id}", form)
    assert response.status_code in (200, 302, 409)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceMark)) <= 1


@pytest.mark.parametrize("typed", ODD_NUMBERS)
def test_a_walk_in_agency_that_is_no_number(
    app, client, make_user, make_course_session, login, typed
):
    trainer = make_user(roles=(Role.TRAINER,))
    date_id, _ = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id], people=1
    )
    login(trainer)
    form = {
        "email": "walk.in@example.org",
        "name": "Walk In",
        "job_title": "Nurse",
        "agency_id": typed,
    }
    response = post_form(
        client, f"/registers/{date_id}/walk-in", form, token_from=f"/registers/{date_id}"
    )
    assert response.status_code < 500
    with app.app_context():
        person = db.session.scalar(sa.select(User).where(User.email == "walk.in@example.org"))
        assert person is None or person.agency_id is None


@pytest.mark.parametrize("typed", ODD_NUMBERS)
def test_a_review_choice_that_is_no_number(client, setup, typed):
    date_id, _people = setup
    location = upload(client, date_id, "zoom_with_meeting_block.csv").headers["Location"]
    assert send(client, location, {"match-0": typed}).status_code == 400
    assert send(client, location, {f"match-{typed}": "1", "go": typed}).status_code == 302


def test_a_reports_file_name_is_stored_without_folders_or_control_characters(app, client, setup):
    date_id, _people = setup
    data = (SAMPLES / "zoom_with_meeting_block.csv").read_bytes()
    assert (
        upload(client, date_id, "..\\\\C:\\\\x/Zoom\x01\t report\x7f.csv", data).status_code == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(ImportBatch.file_name)) == "Zoom report .csv"


def test_a_utf16_report_with_nul_in_a_name_is_proposed_clean(app, client, setup):
    """UTF-16 text may hold NUL and other control characters: they were stored in the proposal."""
    date_id, _people = setup
    text = (SAMPLES / "zoom_with_meeting_block.csv").read_bytes().decode("utf-8-sig")
    text = text.replace("Grace Okafor", "Grace\x00 Okafor\x01")
    response = upload(client, date_id, "report.csv", text.encode("utf-16"))
    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.scalar(sa.select(ImportBatch.proposal))
    names = [row["name"] for row in proposal]
    assert "Grace Okafor" in names and not any("\x00" in n or "\x01" in n for n in names)
