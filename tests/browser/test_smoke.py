"""Each demo role signs in through a real browser and sees its own navigation."""

import pytest

from lms.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.browser

EXPECTED = {
    "admin@riverside-council.example": [
        "Find training",
        "Your training",
        "Reports",
        "Admin",
        "Account",
    ],
    "pdl@riverside-ccg.nhs.example": [
        "Find training",
        "Your training",
        "Reports",
        "Account",
    ],
    "coordinator@ruh.nhs.example": [
        "Find training",
        "Your training",
        "Your agency",
        "Reports",
        "Account",
    ],
    "trainer@riverside-council.example": [
        "Find training",
        "Your training",
        "Teaching",
        "Account",
    ],
    "practitioner@alderroad.sch.example": [
        "Find training",
        "Your training",
        "Account",
    ],
    "coordinator@alderroad.sch.example": [
        "Find training",
        "Your training",
        "Your agency",
        "Reports",
        "Account",
    ],
}


def navigation(page) -> list[str]:
    return [
        text.strip() for text in page.locator(".govuk-service-navigation__list a").all_inner_texts()
    ]


def test_each_demo_role_signs_in_and_sees_its_navigation(demo_site, page):
    assert set(EXPECTED) == {account[0] for account in DEMO_ACCOUNTS}
    for email, expected in EXPECTED.items():
        page.goto(f"{demo_site}/sign-in")
        assert navigation(page) == ["Find training", "Create an account", "Sign in"]
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{demo_site}/")
        assert page.locator("h1").inner_text().startswith("Welcome")
        assert navigation(page) == expected, email
        for item in expected:
            with page.expect_navigation():
                page.get_by_role("link", name=item, exact=True).first.click()
            assert page.locator("h1").count() == 1
            assert "Sorry" not in page.locator("h1").inner_text()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{demo_site}/")
        assert "You have signed out" in page.content()
    assert page.console_errors == []


def test_javascript_enhancements_load_under_the_content_security_policy(demo_site, page):
    page.goto(f"{demo_site}/")
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert page.console_errors == []


def test_a_mistake_in_the_sign_in_form_is_summarised_and_focused(demo_site, page):
    page.goto(f"{demo_site}/sign-in")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your email address" in summary.inner_text()
    assert page.title().startswith("Error: Sign in")


def test_a_visitor_finds_a_twilight_neglect_session_with_places(demo_site, page):
    page.goto(f"{demo_site}/training")
    total = page.locator("#results").inner_text()
    page.get_by_label("Theme").select_option(label="Neglect")
    page.get_by_label("Twilight (from 4pm)").check()
    page.get_by_label("Only sessions with places left").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "time=twilight" in page.url and "places=y" in page.url
    # Sessions; the e-learning modules that match the theme follow under their own heading, as
    # they can be done at any time.
    results = page.locator(".app-result:not(.app-result--module)")
    assert page.locator("#results").inner_text() != total
    assert results.count() >= 1
    for index in range(results.count()):
        card = results.nth(index).inner_text()
        assert "Twilight" in card and "Full" not in card
    page.get_by_label("Search").fill("zzzz no such course")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "0 sessions match your filters" in page.locator("#results").inner_text()
    assert page.console_errors == []
