"""Reviewing an imported report: late joiners, the waiting room, the trainer recognised, a cap on
rows and a review paged without losing any decision."""

import re

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance.models import ImportBatch, Mark
from lms.bookings.models import Booking
from lms.catalogue.models import CourseSession, SessionDate
from lms.extensions import db
from lms.settings import services as settings
from tests.attendance.test_import import apply_review, marks, send, setup, upload

__all__ = ["setup"]  # the fixture, shared with test_import


def add_trainer(app, make_user, date_id, email, name):
    trainer = make_user(email, name=name)
    with app.app_context():
        course_session = db.session.get(SessionDate, date_id).session
        course_session.trainers.append(db.session.get(User, trainer.id))
        db.session.commit()
    return trainer


def section(page: str, heading: str) -> str:
    """The page's text from a heading to the next h2 (or the end)."""
    part = page.split(heading, 1)[1] if heading in page else ""
    return part.split("<h2", 1)[0]


def test_late_joiners_the_waiting_room_and_the_trainer_in_a_zoom_report(
    app, client, make_user, setup
):
    date_id, people = setup
    add_trainer(app, make_user, date_id, "grace.okafor@cityscp.org.uk", "Grace Okafor")
    location = upload(client, date_id, "zoom_waiting_room.csv").headers["Location"]
    page = client.get(location).get_data(as_text=True)

    trainers = section(page, "The session's trainers")
    assert "Grace Okafor (grace.okafor@cityscp.org.uk): 180 minutes" in trainers
    unmatched = section(page, "Rows that match nobody booked")
    assert "Grace Okafor" not in unmatched
    # A guest who never left the waiting room is listed, with no time.
    assert "Sam Jones: 0 minutes, in the waiting room only" in unmatched
    proposed = section(page, "Proposed marks")
    assert re.search(r"Tom Reid</td><td[^>]*>0</td><td[^>]*>Absent \(in the waiting room", proposed)
    assert re.search(r"Kwame Mensah</td><td[^>]*>158</td><td[^>]*>Late<", proposed)

    assert apply_review(client, location).status_code == 302
    assert marks(app) == {
        people["priya"].id: (Mark.ATTENDED, 180),
        people["tom"].id: (Mark.ABSENT, 0),
        people["kwame"].id: (Mark.LATE, 158),  # joined 22 minutes after the start
        people["zara"].id: (Mark.ABSENT, 0),
    }


def test_how_late_is_late_is_the_partnerships_setting(app, client, setup):
    date_id, people = setup
    with app.app_context():
        settings.update({"late_after_minutes": 30}, by=None)
        db.session.commit()
    location = upload(client, date_id, "zoom_waiting_room.csv").headers["Location"]
    assert "more than 30 minutes after the start" in client.get(location).get_data(as_text=True)
    apply_review(client, location)
    assert marks(app)[people["kwame"].id] == (Mark.ATTENDED, 158)


def test_the_trainer_is_recognised_by_name_when_the_report_has_no_email(
    app, client, make_user, setup
):
    date_id, _people = setup
    add_trainer(app, make_user, date_id, "g.okafor@cityscp.example", "Grace Okafor")
    location = upload(client, date_id, "teams_legacy.csv").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Grace Okafor: 180 minutes" in section(page, "The session's trainers")
    assert "Grace Okafor" not in section(page, "Rows that match nobody booked")


def test_a_teams_legacy_joined_before_then_joined_is_not_present_to_the_end(app, client, setup):
    date_id, people = setup
    text = (
        "Full Name\tUser Action\tTimestamp\n"
        "Mensah, Kwame\tJoined before\t3/9/2027, 9:15:00 AM\n"
        "Mensah, Kwame\tJoined\t3/9/2027, 9:31:00 AM\n"
        "Mensah, Kwame\tLeft\t3/9/2027, 10:15:00 AM\n"
        "Priya Patel\tJoined\t3/9/2027, 9:29:00 AM\n"
        "Priya Patel\tLeft\t3/9/2027, 12:31:00 PM\n"
    )
    location = upload(client, date_id, "teams.csv", text.encode("utf-16")).headers["Location"]
    apply_review(client, location)
    assert marks(app)[people["kwame"].id] == (Mark.LEFT_EARLY, 45)
    assert marks(app)[people["priya"].id] == (Mark.ATTENDED, 180)


def guests_report(count: int) -> bytes:
    header = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    rows = "".join(
        f"Guest {n:05d},,03/09/2027 09:30:00 AM,03/09/2027 10:{n % 60:02d}:00 AM,30,Yes\r\n"
        for n in range(count)
    )
    return (header + rows).encode()


def test_a_report_over_the_row_cap_is_refused_and_nothing_is_saved(app, client, setup):
    date_id, _people = setup
    response = upload(client, date_id, "huge.csv", guests_report(5_001))
    assert response.status_code == 400
    assert "The report has 5,001 attendance rows" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_the_review_is_paged_and_keeps_every_decision_across_pages(app, client, setup):
    date_id, people = setup
    location = upload(client, date_id, "guests.csv", guests_report(250)).headers["Location"]
    first = client.get(location).get_data(as_text=True)
    assert "Page 1 of 3" in first and "govuk-pagination" in first
    assert first.count('<select class="govuk-select"') == 100
    assert f'href="/imports/{location.rsplit("/", 1)[1]}?page=2"' in first

    with app.app_context():
        zara = db.session.scalar(sa.select(Booking.id).where(Booking.user_id == people["zara"].id))
    # Page 1: Guest 00007 (online 09:30–10:07) is Zara; save the page and go on.
    saved = send(client, location, {"match-7": str(zara), "go": "2"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("?page=2")
    # Applying from page 2 keeps page 2's choices but is refused: page 3 is unchecked.
    refused = apply_review(client, f"{location}?page=2")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "have not been checked yet, on page 3" in text
    assert marks(app) == {}
    with app.app_context():
        assert db.session.scalar(sa.select(CourseSession.status)).value == "scheduled"
    # Page 1 still shows the choice made there.
    again = client.get(location).get_data(as_text=True)
    assert f'<option value="{zara}" selected>Zara Ahmed</option>' in again

    assert apply_review(client, f"{location}?page=3").status_code == 302
    assert marks(app)[people["zara"].id] == (Mark.LEFT_EARLY, 37)
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch))
        assert sum(1 for row in batch.proposal if row.get("choice")) == 1
        assert all("choice" in row for row in batch.proposal)


def test_admins_set_how_late_is_late_within_its_range(app, client, make_user, login):
    from lms.accounts.models import Role
    from lms.settings.models import PartnershipSettings
    from tests.conftest import post_form, settings_form

    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Minutes after the start from which someone counts as late" in page
    assert 'name="late_after_minutes" type="text" value="15"' in page
    form = settings_form(late_after_minutes=121)
    refused = post_form(client, "/admin/settings", form).get_data(as_text=True)
    assert "minutes after the start from which someone is late must be from 1 to 120" in refused
    assert 'value="121"' in refused  # what was typed is kept
    saved = post_form(client, "/admin/settings", {**form, "late_after_minutes": "20"})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.get(PartnershipSettings, 1)
        assert row.late_after_minutes == 20
        row.late_after_minutes = 0
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
        else:
            raise AssertionError("the database accepted 0 minutes")


def test_one_minute_reads_as_one_minute_in_the_review_and_on_the_register(
    app, client, make_user, setup
):
    date_id, people = setup
    add_trainer(app, make_user, date_id, "grace.okafor@cityscp.org.uk", "Grace Okafor")
    with app.app_context():
        settings.update({"late_after_minutes": 1}, by=None)
        db.session.commit()
    report = (
        b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        b"Grace Okafor,grace.okafor@cityscp.org.uk,"
        b"03/09/2027 09:30:00 AM,03/09/2027 09:31:00 AM,1,No\n"
        b"Priya Patel,priya.patel@northhealth.nhs.uk,"
        b"03/09/2027 09:30:00 AM,03/09/2027 09:31:00 AM,1,No\n"
        b"Kwame Mensah,kwame.mensah@westpolice.pnn.police.uk,"
        b"03/09/2027 09:30:00 AM,03/09/2027 09:32:00 AM,2,No\n"
        b"Sam Jones,,03/09/2027 09:40:00 AM,03/09/2027 09:41:00 AM,1,Yes\n"
        b"Ann Lowe,,03/09/2027 09:40:00 AM,03/09/2027 09:42:00 AM,2,Yes\n"
    )
    location = upload(client, date_id, "one_minute.csv", report).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "more than 1 minute after the start" in page
    assert "of the 180 scheduled minutes" in page
    assert "Grace Okafor (grace.okafor@cityscp.org.uk): 1 minute<" in page
    unmatched = section(page, "Rows that match nobody booked")
    assert "Sam Jones: 1 minute<" in unmatched
    assert "Ann Lowe: 2 minutes<" in unmatched
    assert "1 minutes" not in page

    assert apply_review(client, location).status_code == 302
    assert marks(app)[people["priya"].id][1] == 1
    register = client.get(f"/registers/{date_id}").get_data(as_text=True)
    assert "1 minute online" in register
    assert "2 minutes online" in register
    assert "1 minutes" not in register
