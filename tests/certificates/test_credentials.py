"""Each certificate as an Open Badges 3.0 credential signed as a VC-JWT: what it says, that a
second JOSE library verifies it with the published keys, the downloads, and the status list."""

import hashlib
from datetime import date, datetime

import pytest
from jwcrypto import jwt as jwcrypto_jwt

from lms.accounts.models import Role, User
from lms.certificates import credentials, issuing
from lms.certificates.models import Certificate
from lms.core.models import utcnow
from lms.extensions import db
from tests.certificates import signing
from tests.certificates.credential_helpers import (
    HOST,
    jwcrypto_verifies,
    jwks_of,
    key_by_following_kid,
    part,
    with_part,
)


@pytest.fixture
def signed_in_person(app, make_user, login, make_certificate):
    """A practitioner, signed in, with one certificate; the partnership has a signing key."""

    def make(name="Zoë 李", **snapshot):
        kid = signing.install(app)
        person = make_user(name=name, email="Zoe.Li@Example.org")
        certificate_id = make_certificate(person.id, **snapshot)
        login(person)
        return person, certificate_id, kid

    return make


def download(client, certificate_id) -> str:
    response = client.get(f"/certificates/{certificate_id}/credential.jwt")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_credential_is_an_open_badge_signed_as_a_vc_jwt(app, client, signed_in_person):
    person, certificate_id, kid = signed_in_person(valid_until=date(2029, 3, 31))
    response = client.get(f"/certificates/{certificate_id}/credential.jwt")
    assert response.mimetype == "text/plain"  # Open Badges 3.0, "Web Resource"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith('.jwt"')
    assert response.headers["Cache-Control"] == "no-store"
    token = response.get_data(as_text=True)

    assert part(token, 0) == {"alg": "RS256", "kid": f"{HOST}/ob/keys/{kid}", "typ": "JWT"}
    claims = part(token, 1)
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        issued_at = certificate.issued_at
        credential_id, course_id = certificate.credential_id, certificate.course_id
        title, hours = certificate.course_title, certificate.cpd_hours
        course_code = certificate.course_code
    vc = claims["vc"]
    assert set(claims) == {"iss", "jti", "nbf", "exp", "vc"}  # no sub: the subject has no id
    assert claims["iss"] == vc["issuer"]["id"] == f"{HOST}/ob/issuer"
    assert claims["jti"] == vc["id"] == f"urn:uuid:{credential_id}"
    assert claims["nbf"] == int(issued_at.timestamp())
    # The end of 31 March 2029 in the UK (BST): 22:59:59 UTC.
    assert claims["exp"] == int(datetime.fromisoformat("2029-03-31T22:59:59+00:00").timestamp())
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"] == {
        "id": f"{HOST}/ob/issuer",
        "type": "Profile",
        "name": "Riverside Safeguarding Children Partnership",
        "url": f"{HOST}/",
    }
    assert vc["validUntil"] == "2029-03-31T22:59:59Z"
    assert vc["name"] == title
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    email, name = subject["identifier"]
    assert email["identityType"] == "emailAddress" and email["hashed"] is True
    salted = hashlib.sha256(("zoe.li@example.org" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${salted}"
    assert name == {
        "type": "IdentityObject",
        "identityHash": "Zoë 李",
        "identityType": "ext:name",
        "hashed": False,
    }
    achievement = subject["achievement"]
    assert achievement["id"] == f"{HOST}/ob/achievements/{course_id}"
    assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "Course"
    assert achievement["name"] == title and achievement["humanCode"] == course_code
    assert "level 2" in achievement["description"] and achievement["criteria"]["narrative"]
    assert achievement["creditsAvailable"] == float(hours) == subject["creditsEarned"]
    assert subject["activityStartDate"] <= subject["activityEndDate"]
    status = vc["credentialStatus"]
    assert status == {
        "id": f"{HOST}/ob/status/1#{certificate_id}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(certificate_id),
        "statusListCredential": f"{HOST}/ob/status/1",
    }


def test_jwcrypto_verifies_it_with_the_published_keys(app, client, signed_in_person):
    _, certificate_id, _ = signed_in_person()
    token = download(client, certificate_id)
    keyset = jwks_of(client)
    assert jwcrypto_verifies(token, keyset)
    # As a JWT too (jwcrypto checks nbf and exp as well), and with the key its kid leads to.
    checked = jwcrypto_jwt.JWT(jwt=token, key=keyset, algs=["RS256"])
    assert checked.token.jose_header["typ"] == "JWT"
    assert jwcrypto_verifies(token, key_by_following_kid(client, token))


def test_an_altered_payload_or_header_fails_in_both_libraries(app, client, signed_in_person):
    from joserfc import jws
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import RSAKey

    _, certificate_id, kid = signed_in_person()
    token = download(client, certificate_id)
    claims = part(token, 1)
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Level 3 safeguarding"
    header = part(token, 0) | {"typ": "JWT", "cty": "vc"}
    keyset = jwks_of(client)
    with app.app_context():
        public = RSAKey.import_key(_jwk(kid))
    for altered in (with_part(token, 1, claims), with_part(token, 0, header)):
        assert not jwcrypto_verifies(altered, keyset)
        with pytest.raises(BadSignatureError):
            jws.deserialize_compact(altered, public, algorithms=["RS256"])


def _jwk(kid):
    from lms.certificates import keys

    return keys.by_kid(kid).public_jwk


def test_names_come_through_exactly(app, client, make_user, login, make_certificate):
    signing.install(app)
    person = make_user(name="Siobhán O'Brien")
    login(person)
    for name in ("Zoë 李", "O'Brien", "<script>alert('x')</script>"):
        certificate_id = make_certificate(person.id, person_name=name)
        vc = part(download(client, certificate_id), 1)["vc"]
        assert vc["credentialSubject"]["identifier"][1]["identityHash"] == name


def test_the_coordinator_and_an_admin_download_it_and_a_stranger_may_not(
    app, client, make_user, login, make_certificate
):
    signing.install(app)
    person = make_user()
    certificate_id = make_certificate(person.id)
    path = f"/certificates/{certificate_id}/credential.jwt"
    assert client.get(path).status_code == 302
    for role, agency_id, expected in (
        (Role.PRACTITIONER, person.agency_id, 403),
        (Role.COORDINATOR, person.agency_id, 200),
        (Role.COORDINATOR, None, 403),
        (Role.ADMIN, None, 200),
    ):
        viewer = app.test_client()
        login(make_user(roles=(role,), agency_id=agency_id), using=viewer)
        assert viewer.get(path).status_code == expected, role
    assert viewer.get("/certificates/999999/credential.jwt").status_code == 404


def test_without_a_signing_key_the_download_says_what_to_run(
    app, client, make_user, login, make_certificate
):
    person = make_user()
    certificate_id = make_certificate(person.id)
    login(person)
    for path in (f"/certificates/{certificate_id}/credential.jwt", "/my-training/credentials.json"):
        response = client.get(path)
        assert response.status_code == 503
        assert "flask --app wsgi keys generate" in response.get_data(as_text=True)


def test_revoked_and_replaced_certificates_have_no_credential_to_download(
    app, client, signed_in_person
):
    person, certificate_id, _ = signed_in_person()
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, certificate_id), "Not attended", now=utcnow())
        db.session.commit()
    response = client.get(f"/certificates/{certificate_id}/credential.jwt")
    assert response.status_code == 410
    assert "It was revoked" in response.get_data(as_text=True)


def test_my_credentials_lists_every_live_certificate(
    app, client, signed_in_person, make_certificate
):
    person, first, _ = signed_in_person()
    second = make_certificate(person.id)
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, second), "Not attended", now=utcnow())
        db.session.commit()
    third = make_certificate(person.id)
    response = client.get("/my-training/credentials.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    tokens = response.get_json(force=True)
    with app.app_context():
        wanted = {
            f"urn:uuid:{db.session.get(Certificate, each).credential_id}" for each in (first, third)
        }
    assert {part(token, 1)["jti"] for token in tokens} == wanted
    keyset = jwks_of(client)
    assert all(jwcrypto_verifies(token, keyset) for token in tokens)


def test_a_person_with_no_certificates_gets_an_empty_list_even_without_a_key(
    client, make_user, login
):
    login(make_user())
    response = client.get("/my-training/credentials.json")
    assert response.status_code == 200 and response.get_json(force=True) == []


def status_bits(client, list_id=1) -> bytes:
    response = client.get(f"/ob/status/{list_id}")
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    assert jwcrypto_verifies(token, jwks_of(client))
    vc = part(token, 1)["vc"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = vc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    return credentials.decoded_list(subject["encodedList"])


def test_the_status_list_sets_the_bit_of_revoked_and_replaced_certificates(
    app, client, signed_in_person, make_certificate
):
    person, revoked, _ = signed_in_person()
    renamed = make_certificate(person.id)
    untouched = make_certificate(person.id)
    bits = status_bits(client)
    assert len(bits) * 8 >= 131_072
    assert not any(credentials.bit_is_set(bits, each) for each in (revoked, renamed, untouched))
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, revoked), "Not attended", now=utcnow())
        user = db.session.get(User, person.id)
        user.name = "Zoë Li"
        [new] = [
            each
            for each in issuing.reissue_for_name(user, now=utcnow())
            if each.booking_id == db.session.get(Certificate, renamed).booking_id
        ]
        db.session.commit()
        new_id = new.id
    bits = status_bits(client)
    assert credentials.bit_is_set(bits, revoked)
    assert credentials.bit_is_set(bits, renamed)
    assert not credentials.bit_is_set(bits, new_id)


def test_status_lists_beyond_the_last_certificate_are_not_found(app, client):
    signing.install(app)
    assert client.get("/ob/status/1").status_code == 200
    assert client.get("/ob/status/0").status_code == 404
    assert client.get("/ob/status/2").status_code == 404
    assert client.get("/ob/status/99999999999").status_code == 404


def test_the_achievement_is_published_for_a_course_but_not_a_draft(client, make_course):
    course = make_course("Working Together: <roles> & O'Neill", level=3)
    response = client.get(f"/ob/achievements/{course}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json(force=True)
    assert document["id"] == f"{HOST}/ob/achievements/{course}"
    assert document["name"] == "Working Together: <roles> & O'Neill"
    assert document["type"] == ["Achievement"] and document["achievementType"] == "Course"
    assert client.get(f"/ob/achievements/{make_course(status='draft')}").status_code == 404
    assert client.get("/ob/achievements/999999").status_code == 404


def test_addresses_outside_a_request_come_from_base_url(app, signed_in_person):
    _, certificate_id, _ = signed_in_person()
    app.config["BASE_URL"] = "https://training.partnership.example"
    with app.app_context():
        token = credentials.signed_credential(db.session.get(Certificate, certificate_id))
    vc = part(token, 1)["vc"]
    assert vc["issuer"]["id"] == "https://training.partnership.example/ob/issuer"
    assert vc["credentialStatus"]["statusListCredential"].startswith(
        "https://training.partnership.example/ob/status/"
    )
    assert part(token, 0)["kid"].startswith("https://training.partnership.example/ob/keys/")


def test_the_credential_states_the_snapshot_not_the_course_as_renamed(
    app, client, signed_in_person
):
    from lms.catalogue.models import Course

    _, certificate_id, _ = signed_in_person()
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        title, code = certificate.course_title, certificate.course_code
        course = db.session.get(Course, certificate.course_id)
        course.title, course.code, course.level = "Renamed course", "NEW-CODE", 4
        db.session.commit()
    achievement = part(download(client, certificate_id), 1)["vc"]["credentialSubject"][
        "achievement"
    ]
    assert (achievement["name"], achievement["humanCode"]) == (title, code)
    assert "level 2" in achievement["description"]
