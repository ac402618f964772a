"""The public verify page: the form, what it says of each status and nothing more, the same
answer for an unknown and a malformed code, a check counted for each lookup, the rate limit and
the caching headers."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateCheck, CheckMethod
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.extensions import db


@pytest.fixture
def certificate(app, make_agency, make_user, make_certificate):
    """A live certificate of Zoë 李 O'Brien's, from an agency with a name the page must not show."""
    agency = make_agency("Riverside Hidden Agency")
    person = make_user("zoe.hidden@example.org", agency_id=agency, name="Zoë 李 O'Brien")
    made = make_certificate(
        person.id,
        course_title="Safeguarding <children> & young people",
        first_day=date(2026, 3, 30),
        last_day=date(2026, 4, 1),
        valid_until=None,
    )
    with app.app_context():
        return db.session.get(Certificate, made).code


def checks(app, code) -> list[CheckMethod]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(CertificateCheck.method)
                .join(Certificate, Certificate.id == CertificateCheck.certificate_id)
                .where(Certificate.code == code)
            )
        )


def change(app, code, **values) -> None:
    with app.app_context():
        found = db.session.scalar(sa.select(Certificate).where(Certificate.code == code))
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def today():
    return local(utcnow()).date()


def summary(html: str) -> dict[str, str]:
    """The page's summary list, as the words a reader sees: {key: value}."""
    pairs = re.findall(
        r'summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.S,
    )
    return {key.strip(): re.sub(r"<[^>]+>", "", value).strip() for key, value in pairs}


def without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", html)


# The form -------------------------------------------------------------------------------------


def test_the_form_asks_for_the_code_with_an_example(client):
    page = client.get("/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Check a certificate" in html
    assert 'name="code"' in html and 'method="get"' in html
    assert "The 16-character code printed on the certificate, for example ABCD-EFGH-JKMN-PQRS" in (
        html
    )
    assert "There is a problem" not in html
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_code_is_a_form_error(client, typed):
    page = client.get("/verify", query_string={"code": typed})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "There is a problem" in html
    assert 'href="#code">Enter the code printed on the certificate</a>' in html
    assert "govuk-input--error" in html
    assert "<title>Error: Check a certificate" in html


def test_a_typed_code_goes_to_its_page_whatever_its_case_spaces_and_dashes(
    app, client, certificate
):
    typed = " " + "-".join(certificate[i : i + 4] for i in range(0, 16, 4)).lower() + " "
    response = client.get("/verify", query_string={"code": typed.replace("-", " - ", 1)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{certificate}"
    assert checks(app, certificate) == []  # counted when the page itself is shown
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "This certificate is valid" in page.get_data(as_text=True)
    assert checks(app, certificate) == [CheckMethod.CODE]


def test_a_malformed_code_typed_gets_the_no_certificate_page(client):
    page = client.get("/verify", query_string={"code": "not a code at all"})
    assert page.status_code == 404
    assert "No certificate has this code" in page.get_data(as_text=True)


# What the page says ---------------------------------------------------------------------------


def test_a_valid_certificate_shows_name_course_dates_and_status_and_nothing_else(
    app, client, certificate
):
    page = client.get(f"/verify/{certificate}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This certificate is valid" in html
    assert "It does not expire." in html
    assert summary(html) == {
        "Name": "Zoë 李 O&#39;Brien",
        "Course": "Safeguarding &lt;children&gt; &amp; young people",
        "Dates": "30 March 2026 to 1 April 2026",
        "Status": "Valid",
    }
    assert 'govuk-tag govuk-tag--green">Valid</strong>' in html
    for hidden in ("zoe.hidden@example.org", "Riverside Hidden Agency", "Health visitor"):
        assert hidden not in html
    with app.app_context():
        found = db.session.scalar(sa.select(Certificate).where(Certificate.code == certificate))
        ids = (found.id, found.user_id, found.agency_id, found.course_id, found.credential_id)
    assert found.credential_id not in html
    assert f"/{ids[0]}" not in html.replace(certificate, "")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Robots-Tag"] == "noindex"
    assert checks(app, certificate) == [CheckMethod.CODE]


def test_the_code_in_the_address_is_forgiving(app, client, certificate):
    spaced = "-".join(certificate[i : i + 4] for i in range(0, 16, 4)).lower()
    page = client.get(f"/verify/{spaced}")
    assert page.status_code == 200
    assert "Zoë 李 O&#39;Brien" in page.get_data(as_text=True)


def test_a_certificate_valid_until_today_says_until_when(app, client, certificate):
    change(app, certificate, valid_until=today(), first_day=date(2025, 5, 12))
    change(app, certificate, last_day=date(2025, 5, 12))
    html = client.get(f"/verify/{certificate}").get_data(as_text=True)
    assert "This certificate is valid" in html
    day = today()
    assert f"It is valid until {day.day} {day:%B %Y}." in html
    assert summary(html)["Date"] == "12 May 2025"


def test_an_expired_certificate_says_so(app, client, certificate):
    yesterday = today() - timedelta(days=1)
    change(app, certificate, valid_until=yesterday)
    page = client.get(f"/verify/{certificate}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This certificate has expired" in html
    assert f"It was valid until {yesterday.day} {yesterday:%B %Y}." in html
    assert summary(html)["Status"] == "Expired"
    assert checks(app, certificate) == [CheckMethod.CODE]


def test_a_revoked_certificate_says_so_at_once_without_the_reason(app, client, certificate):
    assert "This certificate is valid" in client.get(f"/verify/{certificate}").get_data(True)
    with app.app_context():
        found = db.session.scalar(sa.select(Certificate).where(Certificate.code == certificate))
        issuing.revoke(found, "Attendance corrected by Sam Secret", now=utcnow())
        db.session.commit()
    page = client.get(f"/verify/{certificate}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This certificate has been revoked" in html and summary(html)["Status"] == "Revoked"
    assert "Sam Secret" not in html and "Attendance corrected" not in html
    assert "Zoë 李 O&#39;Brien" in html
    assert checks(app, certificate) == [CheckMethod.CODE, CheckMethod.CODE]


def test_a_replaced_certificate_says_a_newer_one_replaced_it_without_its_code(
    app, client, certificate
):
    with app.app_context():
        old = db.session.scalar(sa.select(Certificate).where(Certificate.code == certificate))
        old.user.name = "Zoë 李 O'Brien-Smith"
        (new,) = issuing.reissue_for_name(old.user, now=utcnow())
        db.session.commit()
        new_code = new.code
    html = client.get(f"/verify/{certificate}").get_data(as_text=True)
    assert "This certificate has been replaced" in html and summary(html)["Status"] == "Replaced"
    assert "A newer certificate replaced this one" in html
    assert summary(html)["Name"] == "Zoë 李 O&#39;Brien"  # as it states, not the corrected name
    assert new_code not in html
    assert new_code[:4] + "-" not in html
    newer = client.get(f"/verify/{new_code}").get_data(as_text=True)
    assert "This certificate is valid" in newer and "O&#39;Brien-Smith" in newer


# Unknown and malformed codes ------------------------------------------------------------------


def test_unknown_and_malformed_codes_get_the_same_page_and_status(app, client, certificate):
    unknown = "0" * 16 if certificate != "0" * 16 else "1" * 16
    answers = []
    for path in (
        f"/verify/{unknown}",
        f"/verify/{certificate}X",  # too long by one
        "/verify/" + "A" * 5000,
        "/verify/ABCD-EFGH-JKMN-PQRU",  # U is not in the alphabet
        "/verify/%3Cscript%3E",
        "/verify/ABCD%00EFGHJKMNPQRS",
        "/verify/%00",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["Cache-Control"] == "no-store"
        answers.append(without_nonce(page.get_data(as_text=True)))
    assert len(set(answers)) == 1
    assert "No certificate has this code" in answers[0]
    assert "for example ABCD-EFGH-JKMN-PQRS" in answers[0]
    assert checks(app, certificate) == []
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Certificate)
                .where(Certificate.code == unknown)
            )
            == 0
        )


def test_a_nul_in_the_form_gets_the_same_page(client):
    page = client.get("/verify?code=ABCD%00")
    assert page.status_code == 404
    assert "No certificate has this code" in page.get_data(as_text=True)


def test_a_nul_elsewhere_in_the_form_is_still_a_bad_request(client):
    page = client.get("/verify?other=%00")
    assert page.status_code == 400
    assert "There is a problem with your request" in page.get_data(as_text=True)


# Rate limit -----------------------------------------------------------------------------------


def test_the_31st_lookup_in_a_minute_gets_429_with_a_clear_page(app, client, certificate):
    assert app.config["VERIFY_RATE_LIMIT"].startswith("30 per minute")
    statuses = [client.get(f"/verify/{certificate}").status_code for _ in range(15)]
    statuses += [client.get(f"/verify/{'0' * 15}{n % 10}").status_code for n in range(15)]
    assert statuses[:15] == [200] * 15 and set(statuses[15:]) <= {404}
    refused = client.get(f"/verify/{certificate}")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many certificate checks" in html and "Wait a minute, then try again" in html
    assert refused.headers["Cache-Control"] == "no-store"
    assert "Zoë" not in html
    assert len(checks(app, certificate)) == 15
    # Another address is not held back.
    other = client.get(f"/verify/{certificate}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_the_limit_is_the_configured_one(app, client, certificate):
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get(f"/verify/{certificate}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_signed_in_person_sees_the_same_page(client, login, make_user, certificate):
    login(make_user())
    page = client.get(f"/verify/{certificate}")
    assert page.status_code == 200
    assert "Zoë 李 O&#39;Brien" in page.get_data(as_text=True)


def test_a_head_request_answers_without_counting_a_check(app, client, certificate):
    assert client.head(f"/verify/{certificate}").status_code == 200
    assert checks(app, certificate) == []
