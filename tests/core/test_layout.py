"""The pages follow the GOV.UK Design System without GOV.UK's own branding."""

import re
from pathlib import Path

import lms

STATIC = Path(lms.__file__).parent / "static"


def test_header_carries_the_partnerships_name_and_no_crown(client):
    page = client.get("/").get_data(as_text=True)
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Riverside Safeguarding Children Partnership" in header
    assert "GOV.UK" not in header and "<svg" not in header and "crown" not in header.lower()


def test_footer_has_no_crown_copyright_and_links_the_statements(client):
    page = client.get("/").get_data(as_text=True)
    footer = page.split("<footer", 1)[1].split("</footer>", 1)[0]
    assert "Crown copyright" not in footer and "<svg" not in footer
    assert "Open Government Licence" not in footer
    assert 'href="/accessibility"' in footer and 'href="/privacy"' in footer


def test_compiled_styles_use_arial_not_gds_transport():
    css = (STATIC / "govuk-frontend.min.css").read_text(encoding="utf-8-sig")
    assert "GDS Transport" not in css and "@font-face" not in css
    assert re.search(r"\.govuk-body[^{]*\{[^}]*font-family:arial,sans-serif", css)
    assert "govuk-frontend 6.3.0" in (STATIC / "GOVUK-FRONTEND-VERSION.txt").read_text()
    assert "MIT" in (STATIC / "GOVUK-FRONTEND-LICENCE.txt").read_text()


def test_assets_are_served_under_assets(client):
    with client.get("/assets/govuk-frontend.min.css") as response:
        assert response.status_code == 200
    with client.get("/assets/govuk-frontend.min.js") as response:
        assert response.status_code == 200 and "initAll" in response.get_data(as_text=True)


def test_every_invalid_form_shows_an_error_summary_linked_to_its_fields(client):
    from tests.conftest import post_form

    page = post_form(client, "/sign-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert "<title>Error: Sign in" in page
    summary = page.split('class="govuk-error-summary', 1)[1].split("</div>\n</div>", 1)[0]
    assert 'href="#email"' in summary and "Enter your email address" in summary
    assert 'href="#password"' in summary and "Enter your password" in summary


def test_flash_messages_are_notification_banners(client, make_user, login):
    from tests.conftest import post_form

    login(make_user())
    page = post_form(client, "/sign-out", {}, token_from="/", follow_redirects=True).get_data(
        as_text=True
    )
    assert "govuk-notification-banner--success" in page and "You have signed out" in page


def test_accessibility_statement_and_privacy_notice(client):
    assert "WCAG" in client.get("/accessibility").get_data(as_text=True)
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "UK GDPR" in privacy and "line manager" in privacy
