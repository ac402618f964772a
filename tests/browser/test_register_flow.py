"""A trainer takes a register in a real browser and makes it final; the admin then sees the
no-show's charge."""

from datetime import timedelta

import pytest

from lms.accounts.models import Role
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from lms.settings import services as settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base, email):
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_trainer_marks_a_register_makes_it_final_and_the_admin_sees_the_charge(
    app, live_server, page, browser, make_user, make_agency, make_course, make_course_session
):
    school = make_agency("Alder Road Primary School")
    trainer = make_user("trainer@example.org", roles=(Role.TRAINER,))
    admin = make_user("admin@example.org", roles=(Role.ADMIN,))
    came = make_user(name="Amina Patel", agency_id=school)
    missed = make_user(name="Kwame Mensah", agency_id=school)
    start = utcnow() - timedelta(hours=1)
    session_id = make_course_session(
        make_course("Neglect briefing"),
        dates=[(start, start + timedelta(hours=2))],
        trainer_ids=[trainer.id],
    )
    with app.test_request_context():
        settings.update({"no_show_charge_pence": 4000}, by=None)
        for person in (came, missed):
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=school,
                    status=BookingStatus.CONFIRMED,
                    confirmed_at=start - timedelta(days=9),
                )
            )
        db.session.get(CourseSession, session_id).places_taken = 2
        db.session.commit()

    sign_in(page, live_server, trainer.email)
    page.goto(f"{live_server}/trainer/sessions")
    with page.expect_navigation():
        page.get_by_role("link", name="Register").first.click()
    assert "Register: Neglect briefing" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Mark everyone not yet marked as present").click()
    page.get_by_role("group", name="Attendance of Kwame Mensah").get_by_label("Absent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the register").click()
    assert "The register has been saved" in page.content()
    assert "Saving marks does not close the session" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="The register is final").click()
    assert "Kwame Mensah" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Close the session now").click()
    assert "The register is final and the session has been closed" in page.content()
    assert page.console_errors == []

    context = browser.new_context()
    admin_page = context.new_page()
    sign_in(admin_page, live_server, admin.email)
    admin_page.goto(f"{live_server}/admin/charges")
    row = admin_page.locator("tr", has_text="Kwame Mensah")
    assert "No-show" in row.inner_text() and "£40.00" in row.inner_text()
    assert "Amina Patel" not in admin_page.content()
    context.close()
