"""Two colleagues book the last place and the waiting list in a real browser; a cancellation
promotes the person waiting."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

COURSE = "Neglect: spotting the signs"


def watch_console(page) -> list[str]:
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")


def open_your_training(page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Your training", exact=True).click()
    assert page.locator("h1").inner_text() == "Your training"


def success_banner(page) -> str:
    return page.locator(".govuk-notification-banner--success").inner_text()


def booking_row(page):
    return page.locator(".govuk-table__body .govuk-table__row").filter(has_text=COURSE)


def test_a_cancelled_place_goes_to_the_colleague_waiting(
    live_server, page, browser, make_agency, make_user, make_course, make_course_session
):
    agency = make_agency("Alder Road Primary School")
    first = make_user("first@alderroad.sch.example", agency_id=agency, name="Amina Patel")
    second = make_user("second@alderroad.sch.example", agency_id=agency, name="Ben Okafor")
    session_id = make_course_session(make_course(COURSE), capacity=1)
    session_url = f"{live_server}/sessions/{session_id}"

    # The first colleague books the only place.
    sign_in(page, live_server, first.email)
    page.goto(session_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Book a place").click()
    assert "You have a place." in success_banner(page)
    assert "Your booking: Confirmed" in page.locator(".app-panel").inner_text()

    # The second, in a browser of their own, finds the session full and joins the waiting list.
    other = browser.new_context()
    try:
        second_page = other.new_page()
        second_errors = watch_console(second_page)
        sign_in(second_page, live_server, second.email)
        second_page.goto(session_url)
        with second_page.expect_navigation():
            second_page.get_by_role("button", name="Join the waiting list").click()
        assert "You are number 1 on the waiting list" in success_banner(second_page)
        panel = second_page.locator(".app-panel").inner_text()
        assert "Your booking: On the waiting list" in panel
        assert "You are number 1 on the waiting list" in panel
        open_your_training(second_page)
        assert "On the waiting list: number 1" in booking_row(second_page).inner_text()

        # The first cancels, giving a reason.
        open_your_training(page)
        assert "Confirmed" in booking_row(page).inner_text()
        with page.expect_navigation():
            booking_row(page).get_by_role("link", name="Cancel").click()
        assert page.locator("h1").inner_text() == f"Cancel the booking for {COURSE}"
        page.get_by_label("Why are you cancelling?").fill("Needed at a strategy meeting that day.")
        with page.expect_navigation():
            page.get_by_role("button", name="Cancel the booking").click()
        assert "The booking has been cancelled." in success_banner(page)
        assert booking_row(page).count() == 0

        # The session is a month away, so the place goes straight to the second colleague.
        second_page.reload()
        row = booking_row(second_page).inner_text()
        assert "Confirmed" in row and "waiting list" not in row
        second_page.goto(session_url)
        assert "Your booking: Confirmed" in second_page.locator(".app-panel").inner_text()
        assert second_errors == []
    finally:
        other.close()
    assert page.console_errors == []
