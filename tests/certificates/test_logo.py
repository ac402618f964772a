"""The logo printed on certificates: an admin uploads, sees, replaces and removes it; a file
that is not a sensible PNG or JPEG is refused with a clear message and nothing changes."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.certificates import logos
from lms.certificates.models import PartnershipLogo
from lms.extensions import db
from tests.conftest import csrf_token, post_form

PAGE = "/admin/certificate-logo"


def image_bytes(kind="PNG", size=(300, 100), colour=(20, 80, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def upload(client, content: bytes, name="logo.png", *, token_from=PAGE):
    """Post the form with a file as a browser would, the body built in memory (the test client
    spools a large body to a temporary file it never closes)."""
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, token_from),
            "logo": FileStorage(io.BytesIO(content), filename=name, content_type="image/png"),
        }
    )
    return client.post(
        PAGE,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Referer": f"https://localhost{token_from}"},
    )


def stored(app):
    with app.app_context():
        logo = db.session.get(PartnershipLogo, 1)
        return None if logo is None else (logo.sha256, logo.media_type, logo.width, logo.height)


def audit_actions(app, actor_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.actor_id == actor_id, AuditEvent.object_type == "PartnershipLogo")
                .order_by(AuditEvent.id)
            )
        )


def pdf_images(data: bytes) -> int:
    page = PdfReader(io.BytesIO(data)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    return sum(1 for name in xobjects if xobjects[name].get_object()["/Subtype"] == "/Image")


@pytest.fixture
def admin(make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


def test_admin_uploads_sees_and_removes_the_logo(app, client, admin, make_user, make_certificate):
    certificate_id = make_certificate(make_user(agency_id=admin.agency_id).id)
    before = client.get(f"/certificates/{certificate_id}.pdf")
    assert pdf_images(before.data) == 0
    assert 'id="no-logo"' in client.get(PAGE).get_data(as_text=True)

    response = upload(client, image_bytes())
    assert response.status_code == 302
    assert stored(app)[1:] == ("image/png", 300, 100)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "300 by 100 pixels" in page
    assert pdf_images(client.get(f"/certificates/{certificate_id}.pdf").data) == 1

    assert upload(client, image_bytes("JPEG", (200, 200)), "logo.jpg").status_code == 302
    assert stored(app)[1:] == ("image/jpeg", 200, 200)
    with app.app_context():
        assert db.session.get(PartnershipLogo, 1).content == image_bytes("JPEG", (200, 200))

    response = post_form(client, f"{PAGE}/remove", {}, token_from=PAGE)
    assert response.status_code == 302
    assert stored(app) is None
    assert pdf_images(client.get(f"/certificates/{certificate_id}.pdf").data) == 0
    assert audit_actions(app, admin.id) == [
        "certificate_logo.uploaded",
        "certificate_logo.uploaded",
        "certificate_logo.removed",
    ]


def _gif() -> bytes:
    return image_bytes("GIF")


def _truncated_png() -> bytes:
    return image_bytes(size=(400, 400), colour=(1, 2, 3))[:200]


def _text_named_png() -> bytes:
    return b"hello, this is not an image at all"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The selected file is empty"),
        (_text_named_png(), "must be a PNG or JPEG"),
        (_gif(), "must be a PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "could not be read as an image"),
        (_truncated_png(), "could not be read as an image"),
        (image_bytes(size=(10, 10)), "at least 32 pixels"),
        (image_bytes(size=(4100, 40)), "at most 4000 pixels"),
        (image_bytes() + b"\x00" * (logos.MAX_BYTES), "larger than 1 MB"),
    ],
)
def test_bad_files_are_refused_and_nothing_changes(app, client, admin, content, message):
    assert upload(client, image_bytes(size=(120, 60))).status_code == 302
    kept = stored(app)
    response = upload(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert stored(app) == kept
    assert audit_actions(app, admin.id) == ["certificate_logo.uploaded"]


def test_no_file_chosen(app, client, admin):
    response = post_form(client, PAGE, {}, content_type="multipart/form-data")
    assert "Choose a PNG or JPEG file of the logo" in response.get_data(as_text=True)
    assert stored(app) is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRACTITIONER, Role.PDL_VIEWER])
def test_only_admins_change_the_logo(app, client, make_user, login, role):
    login(make_user(roles=(role,)))
    assert client.get(PAGE).status_code == 403
    token_page = "/account"
    assert upload(client, image_bytes(), token_from=token_page).status_code == 403
    assert post_form(client, f"{PAGE}/remove", {}, token_from=token_page).status_code == 403
    assert stored(app) is None


def test_the_settings_page_links_to_the_logo(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert f'href="{PAGE}"' in page


def test_a_request_far_over_the_limit_gets_413_with_a_readable_page(app, client, admin):
    response = upload(client, image_bytes() + bytes(2 * 1024 * 1024))
    assert response.status_code == 413
    assert "1 MB or smaller" in response.get_data(as_text=True)
    assert stored(app) is None
