"""The bulk download pages: counting, downloading at once, a large ZIP built by run-jobs with
its progress page, and who may do what."""

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.certificates import export_batches, exports
from lms.certificates.models import CertificateBatch
from lms.cli import run_jobs
from lms.extensions import db
from tests.conftest import post_form

YEAR = "2025-26"


@pytest.fixture
def staff_certificates(make_user, make_certificate):
    def make(agency_id, names, last_day=date(2025, 6, 2)) -> list[int]:
        return [
            make_certificate(
                make_user(agency_id=agency_id, name=name).id, first_day=last_day, last_day=last_day
            )
            for name in names
        ]

    return make


def download(client, agency_id, period=YEAR):
    """Press the download button; the response is read whole (and its file closed)."""
    response = post_form(
        client,
        "/agency/certificates/download",
        {"for_agency": str(agency_id), "for_period": period},
        token_from="/agency/certificates",
    )
    response.get_data()
    response.close()
    return response


def batches_of(app, agency_id) -> list[CertificateBatch]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(CertificateBatch).where(CertificateBatch.agency_id == agency_id)
        ).all()
        db.session.expunge_all()
        return list(found)


def audit_actions(app, object_type, object_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.object_type == object_type, AuditEvent.object_id == object_id
                )
            )
        )


def test_a_coordinator_counts_and_downloads_their_agencys_certificates(
    app, client, make_agency, make_user, login, staff_certificates
):
    agency = make_agency("Riverside Youth Trust")
    staff_certificates(agency, ["Zoë 李", "Siobhán O'Brien"])
    staff_certificates(make_agency(), ["Someone Else"])
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))

    page = client.get(f"/agency/certificates?period={YEAR}").get_data(as_text=True)
    assert "Riverside Youth Trust holds 2 certificates for this period" in page
    response = download(client, agency)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert [name.split(" - ")[0] for name in names] == ["Siobhán O'Brien", "Zoë 李"]
        for name in names:
            text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
            assert name.split(" - ")[0] in text
    assert audit_actions(app, "Agency", agency) == ["certificates.downloaded"]
    assert batches_of(app, agency) == []


def test_an_empty_period_says_so_and_sends_no_zip(
    app, client, make_agency, make_user, login, staff_certificates
):
    agency = make_agency()
    staff_certificates(agency, ["Ann Lee"], last_day=date(2025, 6, 2))
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    page = client.get("/agency/certificates?period=2025-26 Q4").get_data(as_text=True)
    assert (
        "holds no certificates for this period" in page and "Download the certificates" not in page
    )
    response = download(client, agency, "2025-26 Q4")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no certificates for 2025-26 Q4" in page and "nothing to download" in page
    assert audit_actions(app, "Agency", agency) == []


def test_a_period_that_cannot_be_read_is_refused_on_the_page(client, make_user, login):
    login(make_user(roles=(Role.COORDINATOR,)))
    response = client.get("/agency/certificates?period=2025-27")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "is not a financial year" in page and "certificate-count" not in page
    response = post_form(
        client,
        "/agency/certificates/download",
        {"for_agency": "1x", "for_period": "2025-26"},
        token_from="/agency/certificates",
    )
    assert response.status_code == 302
    assert "Choose an agency" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_large_zip_is_built_by_run_jobs_with_its_progress_shown(
    app, client, make_agency, make_user, login, staff_certificates, monkeypatch
):
    app.config["CERTIFICATES_INLINE_ZIP"] = 2
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    agency = make_agency()
    staff_certificates(agency, ["Amy Ash", "Ben Ode", "Cal Dee", "Dev Eke", "Eve Fox"])
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))

    page = client.get(f"/agency/certificates?period={YEAR}").get_data(as_text=True)
    assert "prepared in the background" in page
    response = download(client, agency)
    (batch,) = batches_of(app, agency)
    assert response.headers["Location"] == f"/agency/certificates/exports/{batch.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 of 5 certificates" in page and "Check progress" in page
    assert 'data-refresh-every="5"' in page
    not_ready = client.get(f"/agency/certificates/exports/{batch.id}.zip")
    assert not_ready.status_code == 409 and "not ready yet" in not_ready.get_data(as_text=True)
    # Asking again shows the same batch.
    assert download(client, agency).headers["Location"] == response.headers["Location"]
    assert len(batches_of(app, agency)) == 1

    seen = []
    real = exports.renderer

    def render(certificate):
        return real()(certificate)

    def look() -> str:
        with client.get(f"/agency/certificates/exports/{batch.id}") as page:
            return page.get_data(as_text=True)

    def watching(certificate):
        # The page as the person sees it while run-jobs builds (another thread: its own
        # request, its own database session).
        with ThreadPoolExecutor(1) as other:
            seen.append(other.submit(look).result())
        return render(certificate)

    monkeypatch.setattr(exports, "renderer", lambda: watching)
    with app.app_context():
        assert run_jobs()["certificate ZIPs built"] == 1
    progress = [re.search(r"(\d) of 5 certificates", text).group(1) for text in seen]
    assert progress == ["0", "0", "2", "2", "4"]

    page = client.get(f"/agency/certificates/exports/{batch.id}").get_data(as_text=True)
    assert "5 of 5 certificates" in page and "data-refresh-every" not in page
    assert f'href="/agency/certificates/exports/{batch.id}.zip"' in page
    listing = client.get(f"/agency/certificates?period={YEAR}").get_data(as_text=True)
    assert f"/agency/certificates/exports/{batch.id}" in listing and "Ready" in listing
    with client.get(f"/agency/certificates/exports/{batch.id}.zip") as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            assert len(archive.namelist()) == 5
    assert audit_actions(app, "CertificateBatch", batch.id) == [
        "certificates.export_requested",
        "certificates.export_downloaded",
    ]


def test_an_expired_zip_is_gone(app, client, make_agency, make_user, login, staff_certificates):
    from datetime import timedelta

    from lms.core.models import utcnow

    app.config["CERTIFICATES_INLINE_ZIP"] = 0
    agency = make_agency()
    staff_certificates(agency, ["Amy Ash"])
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    download(client, agency)
    (batch,) = batches_of(app, agency)
    with app.app_context():
        run_jobs()
        later = utcnow() + app.config["CERTIFICATE_EXPORTS_KEPT_FOR"] + timedelta(minutes=1)
        assert export_batches.delete_expired(now=later) == 1
    response = client.get(f"/agency/certificates/exports/{batch.id}.zip")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    page = client.get(f"/agency/certificates/exports/{batch.id}").get_data(as_text=True)
    assert "Expired" in page and ".zip" not in page


def test_who_may_download(app, client, make_agency, make_user, login, staff_certificates):
    app.config["CERTIFICATES_INLINE_ZIP"] = 0
    mine, theirs = make_agency(), make_agency("Northgate Health")
    staff_certificates(theirs, ["Nia Bell"])
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=theirs)
    login(coordinator)
    download(client, theirs)
    (batch,) = batches_of(app, theirs)
    client.post("/sign-out", data={})

    other = app.test_client()
    login(make_user(roles=(Role.COORDINATOR,), agency_id=mine), using=other)
    assert download(other, theirs).status_code == 403
    assert other.get(f"/agency/certificates/exports/{batch.id}").status_code == 403
    assert other.get(f"/agency/certificates/exports/{batch.id}.zip").status_code == 403
    assert other.get("/agency/certificates/exports/999999").status_code == 404

    practitioner = app.test_client()
    login(make_user(agency_id=theirs), using=practitioner)
    assert practitioner.get("/agency/certificates").status_code == 403
    assert practitioner.get(f"/agency/certificates/exports/{batch.id}").status_code == 403

    admin = app.test_client()
    login(make_user(roles=(Role.ADMIN,), agency_id=mine), using=admin)
    page = admin.get(f"/agency/certificates?agency={theirs}&period={YEAR}").get_data(as_text=True)
    assert "Northgate Health holds 1 certificate for this period" in page
    assert admin.get(f"/agency/certificates/exports/{batch.id}").status_code == 200
    app.config["CERTIFICATES_INLINE_ZIP"] = 100
    response = download(admin, theirs)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "Choose an agency" in admin.get("/agency/certificates").get_data(as_text=True)
