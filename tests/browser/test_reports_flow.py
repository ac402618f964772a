"""A PDL viewer answers the subgroup's question in the browser: level 3 neglect training by
sector in 2025-26, and which agencies wasted places."""

import pytest

from lms.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_pdl_viewer_gets_level_3_neglect_by_sector_then_by_agency(demo_site, page):
    page.goto(f"{demo_site}/sign-in")
    page.get_by_label("Email address").fill("pdl@riverside-ccg.nhs.example")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Reports", exact=True).first.click()  # one
    page.get_by_label("Report").select_option(label="Attendance by sector")
    page.get_by_label("Financial year").select_option("2025-26")
    page.get_by_label("Theme").select_option(label="Neglect")
    page.get_by_label("Level").select_option(label="Level 3")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the figures").click()  # two
    assert page.locator("h1").inner_text() == "Attendance by sector"
    assert "theme Neglect and level Level 3" in page.locator("main").inner_text()
    total = page.locator("tfoot tr").inner_text()
    assert total.startswith("Total")
    chart = page.locator("figure svg[role=img]")
    assert chart.count() == 1 and "Health" in chart.locator("desc").text_content()
    with page.expect_navigation():
        page.get_by_role("link", name="Attendance by agency").click()  # three
    assert page.locator("h1").inner_text() == "Attendance by agency"
    assert page.locator("tbody tr").count() > 1
    assert "Places wasted" in page.locator("thead").inner_text()
    assert page.console_errors == []
