"""Downloading a certificate's PDF, the page of a revoked or replaced one, and the
certificates on "Your training"."""

import io
import re
from datetime import date, timedelta

from pypdf import PdfReader

from lms.accounts.models import Role
from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import counting_statements


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())


def code_of(app, certificate_id: int) -> str:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).code


def test_the_person_downloads_their_own_certificate(
    app, client, make_user, login, make_certificate
):
    person = make_user(name="Siobhán O'Brien")
    certificate_id = make_certificate(person.id)
    login(person)
    response = client.get(f"/certificates/{certificate_id}.pdf")
    text = pdf_text(response)
    code = code_of(app, certificate_id)
    assert "Siobhán O'Brien" in text
    assert f"://localhost/verify/{code}" in text
    assert "attachment" in response.headers["Content-Disposition"]
    assert code in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]


def test_coordinator_of_the_agency_downloads_and_others_are_refused(
    app, client, make_user, make_agency, login, make_certificate
):
    agency, other = make_agency(), make_agency()
    person = make_user(agency_id=agency)
    certificate_id = make_certificate(person.id)
    path = f"/certificates/{certificate_id}.pdf"
    assert client.get(path).status_code == 302  # anonymous: sign in
    login(make_user(roles=(Role.COORDINATOR,), agency_id=other))
    assert client.get(path).status_code == 403
    theirs = app.test_client()
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency), using=theirs)
    assert theirs.get(path).status_code == 200
    assert theirs.get("/certificates/999999.pdf").status_code == 404


def test_a_revoked_certificate_is_not_downloadable(app, client, make_user, login, make_certificate):
    person = make_user()
    certificate_id = make_certificate(person.id)
    with app.app_context():
        issuing.revoke(
            db.session.get(Certificate, certificate_id),
            "Attendance was corrected: the course was not completed",
            now=utcnow(),
        )
        db.session.commit()
    login(person)
    response = client.get(f"/certificates/{certificate_id}.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "This certificate was revoked" in page
    assert "Attendance was corrected: the course was not completed" in page


def test_a_replaced_certificate_points_to_the_new_one(
    app, client, make_user, login, make_certificate
):
    person = make_user(name="Mary Smith")
    old_id = make_certificate(person.id)
    with app.app_context():
        from lms.accounts.models import User

        user = db.session.get(User, person.id)
        user.name = "Mary Jones"
        (new,) = issuing.reissue_for_name(user, now=utcnow())
        db.session.commit()
        new_id = new.id
    login(person)
    response = client.get(f"/certificates/{old_id}.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This certificate was replaced" in page
    assert f'href="/certificates/{new_id}.pdf"' in page
    assert "Mary Jones" in pdf_text(client.get(f"/certificates/{new_id}.pdf"))


def _section(page: str) -> str:
    return page.split('id="certificates"')[1].split('id="elearning"')[0]


def test_your_training_lists_certificates_with_their_status(
    app, client, make_user, login, make_certificate
):
    person = make_user()
    valid = make_certificate(person.id, course_title="Neglect: Level 2", valid_until=None)
    expired = make_certificate(
        person.id, course_title="Online Safety", valid_until=date.today() - timedelta(days=3)
    )
    current = make_certificate(
        person.id, course_title="Domestic Abuse", valid_until=date(2099, 5, 1)
    )
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    section = _section(page)
    assert page.index('id="certificates"') > page.index("Past training")
    for certificate_id, title in ((valid, "Neglect: Level 2"), (expired, "Online Safety")):
        row = section.split(f'id="certificate-{certificate_id}"')[1].split("</tr>")[0]
        assert title in row
        assert f'href="/certificates/{certificate_id}.pdf"' in row
        assert re.search(
            r'Download certificate \(PDF\)<span class="govuk-visually-hidden"> for '
            + re.escape(title),
            row,
        )
    expired_row = section.split(f'id="certificate-{expired}"')[1].split("</tr>")[0]
    assert "Expired" in expired_row and "Valid" not in expired_row
    current_row = section.split(f'id="certificate-{current}"')[1].split("</tr>")[0]
    assert "Valid" in current_row and "until 1 May 2099" in current_row


def test_revoked_certificates_are_not_listed(app, client, make_user, login, make_certificate):
    person = make_user()
    certificate_id = make_certificate(person.id, course_title="Withdrawn Course")
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, certificate_id), "Corrected", now=utcnow())
        db.session.commit()
    login(person)
    section = _section(client.get("/my-training").get_data(as_text=True))
    assert "Withdrawn Course" not in section and "no certificates yet" in section


def test_a_certificate_waiting_for_the_evaluation_says_so(
    app, client, make_user, login, make_completed_booking, make_response, make_certificate
):
    person = make_user()
    booking_id = make_completed_booking(person.id)
    response_id = make_response("after", booking_id=booking_id)
    answered_for = make_certificate(person.id)  # another course, its certificate issued
    make_response("after", booking_id=_booking_of(app, answered_for))
    login(person)
    section = _section(client.get("/my-training").get_data(as_text=True))
    waiting = section.split('id="certificates-waiting"')[1].split("</ul>")[0]
    assert "issued once you answer its evaluation" in section
    assert waiting.count("<li>") == 1
    assert f'href="/feedback/{response_id}"' in waiting


def _booking_of(app, certificate_id: int) -> int:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).booking_id


def test_your_training_runs_as_many_queries_for_one_certificate_as_for_five(
    app, client, make_user, login, make_certificate
):
    person = make_user()
    make_certificate(person.id)
    login(person)
    client.get("/my-training")
    with counting_statements(app) as one:
        client.get("/my-training")
    for _ in range(4):
        make_certificate(person.id)
    with counting_statements(app) as five:
        page = client.get("/my-training").get_data(as_text=True)
    assert _section(page).count("Download certificate (PDF)") == 5
    assert len(five) == len(one)
