"""The charges pages on a 390-pixel phone: every charge fits the screen (nothing scrolls
sideways), a page holds 50 charges, and the totals and statement month picker are there."""

import pytest

from lms.accounts.demo import DEMO_PASSWORD
from lms.attendance.demo import DEMO_ADMIN_EMAIL, DEMO_COORDINATOR_EMAIL

pytestmark = pytest.mark.browser


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")


def overflow(page) -> int:
    """How far the page is wider than the screen, in CSS pixels."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(
    ("email", "path"),
    [(DEMO_COORDINATOR_EMAIL, "/agency/charges"), (DEMO_ADMIN_EMAIL, "/admin/charges")],
)
def test_the_charges_tables_fit_a_phone(runner, live_server, page, email, path):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}{path}")
    rows = page.locator("table.app-charges-table tbody tr")
    assert 0 < rows.count() <= 50
    assert overflow(page) <= 0
    first = rows.first.inner_text()
    assert "Person" in first and "Amount" in first  # each cell says what it is
    assert page.get_by_label("Month raised").count() == 1
    assert page.locator("#charge-totals").is_visible()
    assert page.console_errors == []
