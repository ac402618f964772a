"""The verify page's check of a pasted credential: signature, issuer, dates and status, each
said separately; forged, altered, foreign and malformed ones refused with a clear message."""

import base64
import json
from datetime import date

import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.jwk import OctKey, RSAKey

from lms.accounts.models import User
from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateCheck, CheckMethod
from lms.core.models import utcnow
from lms.extensions import db
from tests.certificates import signing
from tests.certificates.credential_helpers import (
    encode,
    jwcrypto_verifies,
    jwks_of,
    part,
    verify_page,
    with_part,
)
from tests.conftest import count


@pytest.fixture
def issued(app, make_user, make_certificate):
    """A certificate of "Zoë 李" and its credential, signed with the partnership's key."""

    def make(name="Zoë 李", **snapshot):
        from lms.certificates import credentials

        signing.install(app)
        person = make_user(name=name)
        certificate_id = make_certificate(person.id, **snapshot)
        with app.test_request_context(base_url="https://localhost"):
            token = credentials.signed_credential(db.session.get(Certificate, certificate_id))
        return certificate_id, token

    return make


def page_of(client, text: str) -> str:
    response = verify_page(client, text)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def checks(app, certificate_id) -> int:
    return count(
        app,
        CertificateCheck,
        CertificateCheck.certificate_id == certificate_id,
        CertificateCheck.method == CheckMethod.CREDENTIAL,
    )


def test_the_form_is_public(client):
    page = client.get("/verify/credential").get_data(as_text=True)
    assert "Check a training credential" in page and 'name="credential"' in page


def test_a_genuine_credential_checks_out_line_by_line(app, client, issued):
    certificate_id, token = issued()
    page = page_of(client, token)
    assert "This credential is genuine and stands." in page
    assert "Valid: signed with one of this partnership&#39;s published keys." in page
    assert "This partnership (https://localhost/ob/issuer)." in page
    assert "with no end date." in page
    assert "Valid: the partnership has not revoked it." in page
    assert "Zoë 李" in page
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate.course_title in page
    assert checks(app, certificate_id) == 1
    assert token not in page  # the form is empty, ready for the next one


def test_names_are_escaped_on_the_page(app, client, issued):
    _, token = issued(name="<script>alert('x')</script> O'Brien")
    page = page_of(client, token)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; O&#39;Brien" in page
    assert "<script>alert" not in page


def test_line_breaks_and_spaces_around_a_pasted_credential_are_ignored(client, issued):
    _, token = issued()
    wrapped = "\n".join(token[i : i + 76] for i in range(0, len(token), 76))
    assert "genuine and stands" in page_of(client, f"  \n{wrapped}\n ")


def test_an_altered_payload_does_not_match(app, client, issued):
    certificate_id, token = issued()
    claims = part(token, 1)
    claims["vc"]["credentialSubject"]["identifier"][1]["identityHash"] = "Someone Else"
    page = page_of(client, with_part(token, 1, claims))
    assert "Does not match: the credential was altered after it was issued, or forged." in page
    assert "Do not rely on this credential." in page
    assert "Someone Else" not in page
    assert checks(app, certificate_id) == 0


def test_an_altered_header_does_not_match(client, issued):
    _, token = issued()
    header = part(token, 0) | {"typ": "vc+jwt"}
    assert "Does not match" in page_of(client, with_part(token, 0, header))


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_and_shared_secret_credentials_are_refused(client, issued, algorithm):
    _, token = issued()
    header = part(token, 0) | {"alg": algorithm}
    if algorithm == "none":
        forged = f"{encode(header)}.{token.split('.')[1]}.x"
    else:
        # Signed with the public key's text as the secret: the classic confusion attack.
        forged = jws.serialize_compact(
            header, json.dumps(part(token, 1)), OctKey.import_key(b"k" * 32)
        )
    page = page_of(client, forged)
    assert f"Refused: signed with “{algorithm}”" in page
    assert "genuine" not in page


def test_a_credential_of_another_issuer_says_so(client, issued):
    _, token = issued()
    theirs = RSAKey.generate_key(2048, private=True)
    claims = part(token, 1)
    claims["iss"] = claims["vc"]["issuer"]["id"] = "https://other.example/issuer"
    header = {"alg": "RS256", "kid": "https://other.example/keys/1", "typ": "JWT"}
    foreign = jws.serialize_compact(header, json.dumps(claims), theirs)
    page = page_of(client, foreign)
    assert "Not signed with any of this partnership&#39;s keys." in page
    assert "Issued by https://other.example/issuer, not by this partnership" in page


def test_a_credential_signed_with_a_withdrawn_key_fails(app, client, runner, issued):
    certificate_id, token = issued()
    kid = part(token, 0)["kid"].rsplit("/", 1)[-1]
    assert runner.invoke(args=["keys", "withdraw", "--confirm", "--", kid]).exit_code == 0
    assert not jwcrypto_verifies(token, jwks_of(client))
    page = page_of(client, token)
    assert "Signed with a key this partnership withdrew on" in page
    assert checks(app, certificate_id) == 0


def test_after_a_rotation_old_credentials_verify_and_new_ones_use_the_new_key(
    app, client, runner, issued, make_user, make_certificate, login
):
    _, old_token = issued()
    old_kid = part(old_token, 0)["kid"]
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    keyset = jwks_of(client)
    assert jwcrypto_verifies(old_token, keyset)
    assert "genuine and stands" in page_of(client, old_token)

    person = make_user()
    certificate_id = make_certificate(person.id)
    viewer = app.test_client()
    login(person, using=viewer)
    new_token = viewer.get(f"/certificates/{certificate_id}/credential.jwt").get_data(as_text=True)
    assert part(new_token, 0)["kid"] != old_kid
    assert jwcrypto_verifies(new_token, jwks_of(client))
    assert "genuine and stands" in page_of(client, new_token)


def test_revoked_replaced_and_expired_certificates_say_so(app, client, issued, make_certificate):
    revoked_id, revoked = issued()
    _, expired = issued(valid_until=date(2021, 1, 1))
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, revoked_id), "Not attended", now=utcnow())
        db.session.commit()
    page = page_of(client, revoked)
    assert "Revoked by the partnership: it no longer stands." in page
    assert "Do not rely on this credential." in page
    # Its signature is still the partnership's: the check is recorded.
    assert checks(app, revoked_id) == 1

    page = page_of(client, expired)
    assert "Expired on 1 January 2021" in page
    assert "Expired: the training is due to be renewed." in page

    replaced_id, replaced = issued(name="Jo Bloggs")
    with app.app_context():
        person = db.session.get(User, db.session.get(Certificate, replaced_id).user_id)
        person.name = "Joanna Bloggs"
        issuing.reissue_for_name(person, now=utcnow())
        db.session.commit()
    assert "Replaced by a newer certificate" in page_of(client, replaced)


def test_the_credentials_file_is_checked_entry_by_entry(app, client, issued):
    _, first = issued()
    _, second = issued(name="O'Brien")
    claims = part(second, 1)
    claims["vc"]["name"] = "Altered"
    text = json.dumps([first, with_part(second, 1, claims)], indent=2)
    page = page_of(client, text)
    assert "for each of 2 credentials" in page
    assert page.count("This credential is genuine and stands.") == 1
    assert page.count("Does not match") == 1


def test_a_credential_not_in_the_records_is_not_found(app, client, issued):
    certificate_id, token = issued()
    with app.app_context():
        db.session.execute(sa.delete(Certificate).where(Certificate.id == certificate_id))
        db.session.commit()
    assert "Not found in this partnership&#39;s records." in page_of(client, token)


def encode_raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste a credential"),
        ("hello", "This is not a signed credential"),
        ("a.b", "This is not a signed credential"),
        ("e30.e30.!!!", "This is not a signed credential"),
        ("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "This is not a signed credential"),
        ("W10.W10.c2ln", "This is not a signed credential"),
        ("x" * 100_001, "too long to be a credential"),
        ("[1, 2]", "this list holds something else"),
        ("[]", "The list holds no credentials"),
        ("[not json", "is not valid JSON"),
        ('{"proof": {"type": "DataIntegrityProof"}}', "carries an embedded proof"),
        ('{"credentialSubject": {}}', "content without its signature"),
        ("{}", "This is not a credential"),
        ("[" * 50_000, "is not valid JSON"),
        ("{" * 50_000, "This is not a credential"),
        (encode_raw("[" * 50_000) + ".e30.c2ln", "This is not a signed credential"),
    ],
)
def test_malformed_input_gets_a_clear_message(client, text, message):
    response = verify_page(client, text)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'")
    if text and len(text) < 100:
        assert f">{text}</textarea>" in page.replace("&#34;", '"')  # kept to correct
    assert "There is a problem" in page or "Do not rely on this credential." in page


def test_a_nul_character_is_refused_not_a_server_error(client):
    assert verify_page(client, "eyJ\x00.a.b").status_code == 400


def test_checking_is_rate_limited(app, client):
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    assert verify_page(client, "hello").status_code == 200
    assert verify_page(client, "hello").status_code == 200
    assert verify_page(client, "hello").status_code == 429
    assert client.get("/verify/credential").status_code == 200
