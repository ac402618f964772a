"""Importing a Zoom or Teams attendance report through the pages: review, apply, re-import."""

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role
from lms.attendance.models import AttendanceMark, ImportBatch, Mark
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.extensions import db
from tests.conftest import csrf_token

SAMPLES = Path(__file__).parent / "samples"
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 9, 9, 30, tzinfo=LONDON).astimezone(UTC)
END = datetime(2027, 3, 9, 12, 30, tzinfo=LONDON).astimezone(UTC)
AFTER = datetime(2027, 3, 9, 13, 0, tzinfo=LONDON)


@pytest.fixture
def setup(app, client, make_user, make_course, make_course_session, login):
    """A virtual session on 9 March 2027, four people booked, an admin signed in just after."""
    traveller = time_machine.travel(AFTER, tick=True)
    traveller.start()
    session_id = make_course_session(
        make_course(mode="virtual"), virtual=True, dates=[(START, END)]
    )
    people = {
        "priya": make_user("priya.patel@northhealth.nhs.uk", name="Priya Patel"),
        "tom": make_user("t.reid@elsewhere.example", name="Tom Reid"),  # matched by name
        "kwame": make_user("kwame.mensah@westpolice.pnn.police.uk", name="Kwame Mensah"),
        "zara": make_user("zara@example.org", name="Zara Ahmed"),
    }
    with app.app_context():
        for person in people.values():
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=person.agency_id,
                    status=BookingStatus.CONFIRMED,
                )
            )
        db.session.get(CourseSession, session_id).places_taken = 4
        date_id = db.session.get(CourseSession, session_id).dates[0].id
        db.session.commit()
    login(make_user(roles=(Role.ADMIN,)))
    yield date_id, people
    traveller.stop()


def upload(client, date_id, name, data=None):
    token = csrf_token(client, f"/registers/{date_id}/import")
    content = data if data is not None else (SAMPLES / name).read_bytes()
    return client.post(
        f"/registers/{date_id}/import",
        data={"csrf_token": token, "report": (io.BytesIO(content), name)},
        headers={"Referer": "https://localhost/"},
        content_type="multipart/form-data",
    )


def choices_on(page: str) -> dict:
    """The review form's selects as a browser sends them: the selected option, else the first."""
    form = {}
    for name, body in re.findall(r'<select[^>]*name="(match-\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="(\d*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    return form


def send(client, location, extra=None, **options):
    """Post the review page at `location` as a browser would, with `extra` fields changed."""
    page = client.get(location).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    page_number = re.search(r'name="page" value="(\d+)"', page).group(1)
    data = {"csrf_token": token, "page": page_number, **choices_on(page), **(extra or {})}
    return client.post(location, data=data, headers={"Referer": "https://localhost/"}, **options)


def apply_review(client, location, extra=None, **options):
    return send(client, location, {"action": "apply", **(extra or {})}, **options)


def marks(app):
    with app.app_context():
        rows = db.session.execute(
            sa.select(Booking.user_id, AttendanceMark.mark, AttendanceMark.minutes).join(Booking)
        ).all()
        return {user_id: (mark, minutes) for user_id, mark, minutes in rows}


def test_a_zoom_report_is_reviewed_then_applied_and_run_jobs_closes_the_session(
    app, client, runner, setup
):
    date_id, people = setup
    response = upload(client, date_id, "zoom_with_meeting_block.csv")
    assert response.status_code == 302
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grace Okafor" in review and "Sam Jones" in review  # trainer and guest: unmatched
    assert marks(app) == {}  # nothing saved before the trainer applies it
    applied = apply_review(client, response.headers["Location"])
    assert applied.status_code == 302
    assert marks(app) == {
        people["priya"].id: (Mark.ATTENDED, 164),
        people["tom"].id: (Mark.ATTENDED, 178),
        people["kwame"].id: (Mark.LEFT_EARLY, 30),
        people["zara"].id: (Mark.ABSENT, 0),
    }
    with app.app_context():
        assert db.session.scalar(sa.select(CourseSession.status)).value == "scheduled"
    assert "sessions closed: 1" in runner.invoke(args=["run-jobs"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(CourseSession.status)).value == "completed"
        batch = db.session.scalar(sa.select(ImportBatch))
        assert all(
            set(row)
            == {
                "name",
                "email",
                "minutes",
                "role",
                "booking_id",
                "trainer_id",
                "joined_after_seconds",
                "waiting_only",
                "choice",
            }
            - ({"choice"} if row["booking_id"] else set())
            for row in batch.proposal
        )


def test_importing_the_same_file_again_changes_nothing(app, client, setup):
    date_id, _people = setup
    for attempt in range(2):
        response = upload(client, date_id, "zoom_with_meeting_block.csv")
        location = response.headers["Location"]
        page = client.get(location).get_data(as_text=True)
        if attempt:
            assert "This same file was applied" in page
        before = marks(app)
        result = apply_review(client, location, follow_redirects=True)
        if attempt:
            assert "0 marks set or changed" in result.get_data(as_text=True)
            assert marks(app) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("image_renamed.csv", "not a CSV or text file"),
        ("not_a_report.csv", "Teams or Zoom"),
        ("empty.csv", "empty"),
    ],
)
def test_a_file_that_is_not_a_report_is_refused_clearly(app, client, setup, name, message):
    date_id, _people = setup
    response = upload(client, date_id, name)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_a_report_for_another_date_is_refused(app, client, setup):
    date_id, _people = setup
    text = (
        (SAMPLES / "zoom_with_meeting_block.csv").read_bytes().replace(b"03/09/2027", b"03/16/2027")
    )
    response = upload(client, date_id, "zoom.csv", text)
    assert response.status_code == 400
    assert re.search(r"do not match the session date", response.get_data(as_text=True))


def test_a_file_over_the_size_limit_gets_413(app, client, setup):
    date_id, _people = setup
    # A small limit keeps the upload in memory (a large body would be spooled to a file).
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(client, date_id, "huge.csv", b"Name,Join time\n" + b"x" * 8192)
    assert response.status_code == 413
