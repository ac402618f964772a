"""A new employer pastes a training credential into the verify page in a real browser."""

import pytest

from lms.certificates import credentials
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates import signing
from tests.certificates.credential_helpers import part, with_part

pytestmark = pytest.mark.browser


def test_a_pasted_credential_is_checked_line_by_line(
    app, live_server, page, make_user, make_certificate
):
    signing.install(app)
    person = make_user(name="Zoë O'Brien 李")
    certificate_id = make_certificate(person.id)
    with app.test_request_context(base_url=live_server):
        token = credentials.signed_credential(db.session.get(Certificate, certificate_id))

    page.goto(f"{live_server}/verify/credential")
    page.get_by_label("Credential").fill(token)
    with page.expect_navigation():
        page.get_by_role("button", name="Check the credential").click()
    assert (
        page.locator("#verdict-1").inner_text().endswith("This credential is genuine and stands.")
    )
    assert "Zoë O'Brien 李" in page.locator("#credential-1").inner_text()

    claims = part(token, 1)
    claims["vc"]["name"] = "Level 4 safeguarding"
    page.get_by_label("Credential").fill(with_part(token, 1, claims))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the credential").click()
    assert "Do not rely on this credential." in page.locator("#verdict-1").inner_text()
    assert "Does not match" in page.locator("#credential-1").inner_text()
    assert page.console_errors == []
