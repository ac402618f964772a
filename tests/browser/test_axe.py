"""The axe-core check itself: it names each violation with its page, rule and element, a page
the test left before it could be checked is loaded again and checked at the end, and a page axe
cannot check is named."""

import pytest

pytestmark = pytest.mark.browser

SITE = "http://axe.test"
CLEAN = (
    '<!doctype html><html lang="en"><head><title>Clean</title></head><body><main>'
    '<h1>Clean</h1><a href="/broken">Next</a></main></body></html>'
)
# An image with no text alternative and a text box with no label.
BROKEN = (
    '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>'
    '<h1>Broken</h1><img id="crest" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    '<input id="search" type="text"></main></body></html>'
)


# A page on which axe itself fails.
UNCHECKABLE = (
    '<!doctype html><html lang="en"><head><title>Unchecked</title></head><body><main>'
    "<h1>Unchecked</h1><script>axe.run = () => { throw new Error('axe broke'); };</script>"
    "</main></body></html>"
)


def serve_fake_site(context) -> None:
    pages = {f"{SITE}/clean": CLEAN, f"{SITE}/broken": BROKEN, f"{SITE}/unchecked": UNCHECKABLE}
    context.route(
        f"{SITE}/**",
        lambda route: route.fulfill(content_type="text/html", body=pages[route.request.url]),
    )


def forget(audit) -> str | None:
    """The audit's report, then cleared so that this test itself passes."""
    report = audit.report()
    audit.findings.clear()
    audit.unreachable.clear()
    return report


def test_a_violation_is_reported_with_its_page_rule_impact_and_element(browser, axe_audit):
    context = browser.new_context()
    serve_fake_site(context)
    page = context.new_page()
    page.goto(f"{SITE}/clean")
    assert page.title() == "Clean"  # any call on the page has axe check the document first
    assert axe_audit.findings == []
    page.goto(f"{SITE}/broken")
    assert page.title() == "Broken"
    context.close()
    report = forget(axe_audit)
    assert report is not None
    lines = report.splitlines()
    assert lines[0].startswith("axe-core 4.14.1 found 2 WCAG 2.2 A/AA violation(s) on 1 page(s)")
    assert lines[1] == f"{SITE}/broken"
    assert "  - image-alt (critical): Images must have alternative text" in lines
    assert "      #crest" in lines
    assert any(line.startswith("  - label (critical)") for line in lines)
    assert "      #search" in lines


def test_a_page_met_again_reports_what_axe_found_on_it_the_first_time(browser, axe_audit):
    context = browser.new_context()
    serve_fake_site(context)
    page = context.new_page()
    for _ in range(2):
        page.goto(f"{SITE}/broken")
        page.goto(f"{SITE}/clean")
    page.title()
    context.close()
    assert [found["url"] for found in axe_audit.findings] == [f"{SITE}/broken"] * 2
    assert axe_audit.findings[0]["violations"] == axe_audit.findings[1]["violations"]
    assert len(axe_audit.findings[0]["violations"]) == 2
    forget(axe_audit)


def test_a_page_left_before_its_check_is_loaded_again_and_checked(browser, axe_audit):
    context = browser.new_context()
    serve_fake_site(context)
    page = context.new_page()
    page.raw.goto(f"{SITE}/broken")  # the unwrapped page: nothing checks it here
    page.raw.goto(f"{SITE}/clean")
    axe_audit.finish()
    context.close()
    report = forget(axe_audit)
    assert report is not None and f"{SITE}/broken" in report.splitlines()
    assert {f"{SITE}/broken", f"{SITE}/clean"} <= axe_audit.checked


def test_a_page_axe_cannot_check_is_named(browser, axe_audit):
    context = browser.new_context()
    serve_fake_site(context)
    page = context.new_page()
    page.goto(f"{SITE}/unchecked")
    assert page.title() == "Unchecked"
    axe_audit.finish()
    context.close()
    report = forget(axe_audit)
    assert report is not None
    assert f"  {SITE}/unchecked (Page.evaluate: Error: axe broke)" in report.splitlines()
