"""Close-out through the pages and run-jobs: a register marked during the session leaves it open
(no outcome, charge or message) until the last date has ended or the trainer says it is final.

The session runs 13:00 to 16:00 UK time on 9 March 2027 (GMT, so UTC equals the wall clock)."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role, User
from lms.attendance.models import ChargeReason, NonAttendanceCharge
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession, SessionStatus
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.settings import services as settings
from tests.conftest import post_form

START = datetime(2027, 3, 9, 13, 0, tzinfo=UTC)
END = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)


def at(clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(2027, 3, 9, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock():
    """Move the clock (ticking, so sign-in and CSRF behave) to a time on the session's day."""
    travellers = []

    def move(to: str):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(at(to), tick=True)
        traveller.start()
        travellers.append(traveller)

    move("12:00")
    yield move
    if travellers:
        travellers.pop().stop()


@pytest.fixture
def session(app, clock, make_user, make_agency, make_course, make_course_session, login):
    """A 13:00-16:00 session with its trainer signed in; Amina and Kwame booked; £50 no-shows."""
    school = make_agency("Alder Road Primary School")
    trainer = make_user(roles=(Role.TRAINER,), name="Tomasz Nowak")
    amina = make_user(name="Amina Patel", agency_id=school)
    kwame = make_user(name="Kwame Mensah", agency_id=school)
    session_id = make_course_session(
        make_course("Neglect briefing"), dates=[(START, END)], trainer_ids=[trainer.id]
    )
    with app.test_request_context():
        settings.update({"no_show_charge_pence": 5000}, by=None)
        db.session.get(User, kwame.id).line_manager_email = "head@alderroad.example"
        ids = {}
        for name, person in (("amina", amina), ("kwame", kwame)):
            booking = Booking(
                user_id=person.id,
                session_id=session_id,
                agency_id=school,
                status=BookingStatus.CONFIRMED,
                confirmed_at=at("12:00"),
            )
            db.session.add(booking)
            db.session.flush()
            ids[name] = booking.id
        db.session.get(CourseSession, session_id).places_taken = 2
        date_id = db.session.get(CourseSession, session_id).dates[0].id
        db.session.commit()
    login(trainer)
    return {"session": session_id, "date": date_id, "trainer": trainer, **ids}


@pytest.fixture
def later(client, clock, session, login):
    """Move the clock and sign the trainer in again (sessions lapse after 30 idle minutes)."""

    def move(to: str):
        clock(to)
        client.delete_cookie("session")
        login(session["trainer"])

    return move


def versions(page: str) -> dict:
    return dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))


def mark(client, date_id, **marks):
    """Save the register as the page would, with marks by booking id."""
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    form = versions(page) | {f"mark-{booking}": value for booking, value in marks.items()}
    return post_form(client, f"/registers/{date_id}", form)


def state(app, session_id):
    with app.app_context():
        status = db.session.get(CourseSession, session_id).status
        charges = db.session.execute(
            sa.select(NonAttendanceCharge.booking_id, NonAttendanceCharge.reason)
        ).all()
        sent = sorted(
            (m.kind, m.recipient)
            for m in db.session.scalars(sa.select(OutboxMessage))
            if m.kind.startswith("no_show")
        )
        outcomes = dict(db.session.execute(sa.select(Booking.id, Booking.outcome)).all())
        return status, charges, sent, outcomes


def test_a_register_marked_at_2pm_closes_only_when_run_jobs_runs_after_4pm(
    app, client, runner, later, session
):
    later("14:00")
    date_id, amina, kwame = session["date"], session["amina"], session["kwame"]
    everyone = post_form(
        client, f"/registers/{date_id}/everyone-present", {}, token_from=f"/registers/{date_id}"
    )
    assert everyone.status_code == 302
    assert mark(client, date_id, **{str(kwame): "absent"}).status_code == 302
    # A correction before close-out changes nothing irreversible either.
    mark(client, date_id, **{str(amina): "absent"})
    mark(client, date_id, **{str(amina): "attended"})

    status, charges, sent, outcomes = state(app, session["session"])
    assert status is SessionStatus.SCHEDULED
    assert charges == [] and sent == []
    assert outcomes == {amina: None, kwame: None}
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    assert "Saving marks does not close the session" in page
    assert "It closes by itself soon after it ends, at 9 March 2027, 4pm" in page

    later("15:59")
    assert "sessions closed: 0" in runner.invoke(args=["run-jobs"]).output
    assert state(app, session["session"])[0] is SessionStatus.SCHEDULED

    later("16:05")
    first = runner.invoke(args=["run-jobs"])
    assert first.exit_code == 0 and "sessions closed: 1" in first.output
    status, charges, sent, outcomes = state(app, session["session"])
    assert status is SessionStatus.COMPLETED
    assert charges == [(kwame, ChargeReason.NO_SHOW)]
    with app.app_context():
        kwame_email = db.session.get(Booking, kwame).user.email
    assert sent == [("no_show", kwame_email), ("no_show_manager", "head@alderroad.example")]
    assert outcomes == {amina: "completed", kwame: "no_show"}

    second = runner.invoke(args=["run-jobs"])
    assert "sessions closed: 0" in second.output
    assert state(app, session["session"])[1:] == (charges, sent, outcomes)
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    assert "This session is closed" in page


def test_run_jobs_leaves_an_ended_session_open_while_anyone_is_unmarked(
    app, client, runner, later, session
):
    later("14:00")
    mark(client, session["date"], **{str(session["amina"]): "attended"})
    later("17:00")
    assert "sessions closed: 0" in runner.invoke(args=["run-jobs"]).output
    assert state(app, session["session"])[0] is SessionStatus.SCHEDULED
    page = client.get(f"/registers/{session['date']}").get_data(as_text=True)
    assert "(1 mark still to set)" in page and "The register is final" not in page


def test_the_trainer_makes_the_register_final_before_the_end(app, client, runner, later, session):
    date_id, amina, kwame = session["date"], session["amina"], session["kwame"]
    final = f"/registers/{date_id}/final"

    # Before the session starts: refused, with the reason.
    refused = post_form(client, final, {}, token_from=f"/registers/{date_id}")
    assert refused.status_code == 400
    assert "once the last date has started, on 9 March 2027, 1pm" in refused.get_data(as_text=True)

    later("14:00")
    mark(client, date_id, **{str(amina): "attended"})
    page = client.get(final).get_data(as_text=True)
    assert "Not marked: Kwame Mensah" in page and "Close the session now" not in page
    refused = post_form(client, final, {}, token_from=f"/registers/{date_id}")
    assert refused.status_code == 400
    assert "Mark everyone on every date before making the register final" in refused.get_data(
        as_text=True
    )
    assert state(app, session["session"])[0] is SessionStatus.SCHEDULED

    mark(client, date_id, **{str(kwame): "absent"})
    register = client.get(f"/registers/{date_id}").get_data(as_text=True)
    assert f'href="{final}"' in register and "The register is final" in register
    page = client.get(final).get_data(as_text=True)
    assert "no-shows are charged to their agency" in page
    assert "so recorded as no-shows: Kwame Mensah." in page
    assert state(app, session["session"])[1] == []  # looking at the page changes nothing

    closed = post_form(client, final, {}, token_from=final, follow_redirects=True)
    assert "The register is final and the session has been closed" in closed.get_data(as_text=True)
    status, charges, sent, outcomes = state(app, session["session"])
    assert status is SessionStatus.COMPLETED
    assert charges == [(kwame, ChargeReason.NO_SHOW)]
    assert ("no_show_manager", "head@alderroad.example") in sent
    assert outcomes == {amina: "completed", kwame: "no_show"}

    again = post_form(client, final, {}, token_from=f"/registers/{date_id}")
    assert "already closed" in again.get_data(as_text=True)
    later("16:05")
    assert "sessions closed: 0" in runner.invoke(args=["run-jobs"]).output
    assert state(app, session["session"])[1:] == (charges, sent, outcomes)
