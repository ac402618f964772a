"""Fuzzing the verify page's credential check, which reads text anyone pastes: whatever the
text, and whatever a correctly signed credential claims, the check says what it found line by
line or refuses the text with a CheckRefused; never another exception."""

import copy
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from lms.certificates import credentials, keys
from lms.certificates.credential_checks import CheckRefused, check_text
from tests.certificates import signing
from tests.fuzzing import bounded, json_values

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
BOUNDED = bounded(60, HealthCheck.function_scoped_fixture)
TEXT = st.text(
    st.one_of(st.characters(codec="utf-8"), st.sampled_from('.-_=[]{},"\n eyJ0AQ')), max_size=80
)

JSON = json_values(TEXT, max_leaves=6)


@pytest.fixture
def signer(app):
    signing.install(app)
    with app.test_request_context(base_url="https://localhost"):
        yield keys.current()


def checked(text: str):
    try:
        results = check_text(text, now=NOW)
    except CheckRefused as error:
        assert str(error)
        return None
    for result in results:
        assert result.lines and all(line.text for line in result.lines)
    return results


def claims() -> dict:
    jti = f"urn:uuid:{uuid.UUID(int=7)}"
    issuer = credentials.issuer_url()
    return {
        "iss": issuer,
        "jti": jti,
        "nbf": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
        "exp": int(datetime(2029, 1, 1, tzinfo=UTC).timestamp()),
        "vc": {"id": jti, "issuer": {"id": issuer}},
    }


def test_a_sound_credential_of_no_certificate_is_trusted_but_not_found(signer):
    [result] = checked(credentials.sign(claims(), signer))
    assert [(line.label, line.passed) for line in result.lines] == [
        ("Signature", True),
        ("Issuer", True),
        ("Dates", True),
        ("Status", False),
    ]


@BOUNDED
@given(TEXT)
def test_any_pasted_text_is_checked_or_refused(signer, text):
    checked(text)


@BOUNDED
@given(st.sampled_from(["iss", "jti", "nbf", "exp", "vc", "vc.id", "vc.issuer"]), JSON)
def test_a_signed_credential_claiming_anything(signer, place, value):
    """Signed with the partnership's own key, so every check after the signature runs."""
    document = copy.deepcopy(claims())
    *parents, key = place.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    target[key] = value
    checked(credentials.sign(document, signer))


@BOUNDED
@given(st.data())
def test_a_signed_credential_with_characters_changed(signer, data):
    token = credentials.sign(claims(), signer)
    at = data.draw(st.integers(0, len(token)), label="at")
    cut = data.draw(st.integers(0, 8), label="cut")
    spliced = data.draw(TEXT, label="text")
    checked(token[:at] + spliced + token[at + cut :])
