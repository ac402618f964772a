"""Registers and charges through the pages: permissions, the edit conflict (C6), walk-ins."""

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.attendance.models import (
    AttendanceMark,
    ChargeReason,
    ChargeStatus,
    Mark,
    NonAttendanceCharge,
)
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import csrf_token, post_form


def running_session(app, make_course_session, make_user, trainer_ids=(), people=2):
    start = utcnow() - timedelta(hours=1)
    session_id = make_course_session(
        dates=[(start, start + timedelta(hours=3))], trainer_ids=trainer_ids
    )
    persons = [make_user(name=f"Person {n}") for n in range(people)]
    with app.app_context():
        for person in persons:
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=person.agency_id,
                    status=BookingStatus.CONFIRMED,
                )
            )
        db.session.get(CourseSession, session_id).places_taken = people
        date_id = db.session.get(CourseSession, session_id).dates[0].id
        booking_ids = [b for (b,) in db.session.execute(sa.select(Booking.id).order_by(Booking.id))]
        db.session.commit()
    return date_id, booking_ids


def form_of(page: str) -> dict:
    """The register form's hidden versions, as a browser would send them back."""
    return dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))


def test_a_trainer_of_another_session_gets_403(app, client, make_user, make_course_session, login):
    mine, other = make_user(roles=(Role.TRAINER,)), make_user(roles=(Role.TRAINER,))
    date_id, _ = running_session(app, make_course_session, make_user, trainer_ids=[mine.id])
    login(other)
    assert client.get(f"/registers/{date_id}").status_code == 403
    token = csrf_token(client, "/my-training")
    response = client.post(
        f"/registers/{date_id}",
        data={"csrf_token": token},
        headers={"Referer": "https://localhost/"},
    )
    assert response.status_code == 403


def test_two_people_editing_one_register_the_second_gets_a_conflict_and_keeps_their_marks(
    app, make_user, make_course_session, login
):
    trainer = make_user(roles=(Role.TRAINER,))
    admin = make_user(roles=(Role.ADMIN,))
    date_id, (first, second) = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id]
    )
    one, two = app.test_client(), app.test_client()
    login(trainer, using=one)
    login(admin, using=two)
    page_one = one.get(f"/registers/{date_id}").get_data(as_text=True)
    page_two = two.get(f"/registers/{date_id}").get_data(as_text=True)
    saved = post_form(
        one,
        f"/registers/{date_id}",
        {**form_of(page_one), f"mark-{first}": "attended", f"mark-{second}": "absent"},
    )
    assert saved.status_code == 302
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_two).group(1)
    late = two.post(
        f"/registers/{date_id}",
        data={
            "csrf_token": token,
            **form_of(page_two),
            f"mark-{first}": "late",
            f"mark-{second}": "attended",
        },
        headers={"Referer": "https://localhost/"},
    )
    text = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Someone else saved this register while you were editing it" in text
    assert f'id="mark-{first}-late" name="mark-{first}" type="radio" value="late" checked' in text
    with app.app_context():
        saved_marks = dict(
            db.session.execute(sa.select(AttendanceMark.booking_id, AttendanceMark.mark)).all()
        )
    assert saved_marks == {first: Mark.ATTENDED, second: Mark.ABSENT}


def test_a_walk_in_without_an_account_is_created_invited_and_marked(
    app, client, make_user, make_agency, make_course_session, login
):
    trainer = make_user(roles=(Role.TRAINER,))
    agency = make_agency("Riverside Youth Trust")
    date_id, _ = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id], people=1
    )
    login(trainer)
    form = {
        "email": "new.person@youthtrust.example",
        "name": "New Person",
        "job_title": "Youth worker",
        "agency_id": str(agency),
    }
    response = post_form(
        client,
        f"/registers/{date_id}/walk-in",
        form,
        token_from=f"/registers/{date_id}",
        follow_redirects=True,
    )
    assert "New Person has been added to the register as attended" in response.get_data(
        as_text=True
    )
    with app.app_context():
        person = db.session.scalar(
            sa.select(User).where(User.email == "new.person@youthtrust.example")
        )
        assert person.agency_id == agency
        assert (
            db.session.scalar(
                sa.select(OutboxMessage.kind).where(OutboxMessage.user_id == person.id)
            )
            == "account_created"
        )
        booking = db.session.scalar(sa.select(Booking).where(Booking.user_id == person.id))
        assert booking.is_walk_in and booking.status is BookingStatus.CONFIRMED


def test_an_unknown_walk_in_email_without_details_is_explained(
    app, client, make_user, make_course_session, login
):
    trainer = make_user(roles=(Role.TRAINER,))
    date_id, _ = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id], people=1
    )
    login(trainer)
    page = post_form(
        client,
        f"/registers/{date_id}/walk-in",
        {"email": "nobody@example.org"},
        token_from=f"/registers/{date_id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "fill in their name, job title and agency" in page


def test_an_admin_decides_about_someone_who_left_early(
    app, client, make_user, make_course_session, login
):
    admin = make_user(roles=(Role.ADMIN,))
    date_id, (booking_id, _other) = running_session(app, make_course_session, make_user, people=2)
    login(admin)
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    post_form(
        client,
        f"/registers/{date_id}",
        {**form_of(page), f"mark-{booking_id}": "left_early", f"mark-{_other}": "attended"},
    )
    assert "Person 0" not in client.get("/admin/attendance-decisions").get_data(as_text=True)
    post_form(client, f"/registers/{date_id}/final", {}, token_from=f"/registers/{date_id}/final")
    assert "Person 0" in client.get("/admin/attendance-decisions").get_data(as_text=True)
    post_form(
        client,
        f"/bookings/{booking_id}/left-early/counts",
        {},
        token_from="/admin/attendance-decisions",
    )
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking.outcome == "completed" and booking.completed_at is not None


def test_only_the_agencys_coordinator_disputes_its_charge(
    app, client, make_user, make_agency, make_course_session, login
):
    agency, other = make_agency(), make_agency()
    date_id, (booking_id,) = running_session(app, make_course_session, make_user, people=1)
    with app.app_context():
        charge = NonAttendanceCharge(
            booking_id=booking_id,
            agency_id=agency,
            reason=ChargeReason.NO_SHOW,
            amount_pence=5000,
            raised_at=utcnow(),
        )
        db.session.add(charge)
        db.session.commit()
        charge_id = charge.id
    login(make_user(roles=(Role.COORDINATOR,), agency_id=other))
    assert (
        post_form(
            client,
            f"/charges/{charge_id}/dispute",
            {"reason": "Not ours"},
            token_from="/agency/charges",
        ).status_code
        == 403
    )
    post_form(client, "/sign-out", {}, token_from="/")
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    page = client.get("/agency/charges").get_data(as_text=True)
    assert "£50.00" in page and "Dispute" in page
    post_form(
        client,
        f"/charges/{charge_id}/dispute",
        {"reason": "Train strike"},
        token_from="/agency/charges",
    )
    with app.app_context():
        assert db.session.get(NonAttendanceCharge, charge_id).status is ChargeStatus.DISPUTED
    csv = client.get("/charges/statement.csv").get_data(as_text=True)
    assert "No-show" in csv and "50.00" in csv
    with client.get("/charges/statement.pdf") as pdf:
        assert pdf.data.startswith(b"%PDF")


def test_charges_show_the_register_evidence_behind_them(
    app, client, make_user, make_agency, make_course_session, login
):
    from lms.settings import services as settings

    agency = make_agency()
    trainer = make_user(roles=(Role.TRAINER,), name="Tomasz Nowak")
    date_id, (booking_id,) = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id], people=1
    )
    with app.app_context():
        db.session.get(Booking, booking_id).agency_id = agency
        settings.update({"no_show_charge_pence": 5000}, by=None)
        db.session.commit()
    login(trainer)
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    post_form(client, f"/registers/{date_id}", {**form_of(page), f"mark-{booking_id}": "absent"})
    post_form(client, f"/registers/{date_id}/final", {}, token_from=f"/registers/{date_id}/final")
    post_form(client, "/sign-out", {}, token_from="/")
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    page = client.get("/agency/charges").get_data(as_text=True)
    assert "marked absent by Tomasz Nowak" in page and "(register)" in page


def test_the_register_fits_a_phone_with_a_stacked_layout(
    app, client, make_user, make_course_session, login
):
    """The markup the phone layout rests on; a browser test checks the width itself."""
    trainer = make_user(roles=(Role.TRAINER,))
    date_id, booking_ids = running_session(
        app, make_course_session, make_user, trainer_ids=[trainer.id]
    )
    login(trainer)
    page = client.get(f"/registers/{date_id}").get_data(as_text=True)
    assert '<table class="govuk-table app-register">' in page
    assert page.count('<tr class="govuk-table__row app-register__row">') == len(booking_ids)
    assert page.count('class="govuk-table__cell app-register__person"') == len(booking_ids)
    assert page.count('class="govuk-table__cell app-register__marks"') == len(booking_ids)
    assert 'style="' not in page  # no inline styles under the CSP
    with client.get("/assets/app.css") as response:
        css = response.get_data(as_text=True)
    register_css = css.split("/* Attendance register */", 1)[1]
    phone = register_css.split("@media (max-width: 40.0525em) {", 1)[1]
    for selector in (".app-register__row", ".app-register__person", ".app-register__marks"):
        assert selector in phone
    assert "display: block;" in phone and "flex-wrap: wrap;" in phone
    # The hidden legend is a GOV.UK display: table box, as wide as its text, unless made a block.
    legend = register_css.split(".app-register__marks .govuk-fieldset__legend {", 1)[1]
    assert legend.split("}", 1)[0].strip().startswith("display: block;")
