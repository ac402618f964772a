"""Declaring training: a module of the catalogue or training outside the partnership, with a
certificate whose type is read from its content. Bad input gets a clear message, keeps what was
typed and stores nothing."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lms.accounts.models import AgencyMembership, User
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.elearning import evidence
from lms.elearning.models import DeclarationStatus, TrainingDeclaration
from lms.extensions import db
from tests.conftest import count, csrf_token

NEW = "/my-training/declarations/new"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)


def outside(**overrides) -> dict:
    data = {
        "kind": "outside",
        "title": "Safer recruitment in education",
        "provider_name": "NSPCC",
        "hours": "6.5",
        "completed_on": ["14", "3", "2026"],
    }
    data.update(overrides)
    return data


def multipart(client, path: str, data: dict, *, token_from: str):
    """Post a form with files as a browser would, the body built in memory (the test client
    spools a large body to a temporary file it never closes)."""
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, token_from), **data})
    return client.post(
        path,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Referer": f"https://localhost{token_from}"},
    )


def upload(content: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")


def declare(client, data: dict, content: bytes | None = PDF, name: str = "certificate.pdf"):
    if content is not None:
        data = {**data, "evidence": upload(content, name)}
    return multipart(client, NEW, data, token_from=NEW)


def stored(app) -> TrainingDeclaration:
    with app.app_context():
        declaration = db.session.scalar(sa.select(TrainingDeclaration))
        assert declaration is not None
        assert declaration.evidence is not None  # load the deferred bytes
        db.session.expunge(declaration)
        return declaration


@pytest.fixture
def person(make_user, login):
    someone = make_user(name="Priya Shah")
    login(someone)
    return someone


def test_outside_training_is_declared_with_its_certificate(app, client, person):
    response = declare(client, outside())
    assert response.status_code == 302 and response.location.endswith("/my-training/declarations")
    declaration = stored(app)
    assert declaration.user_id == person.id and declaration.agency_id == person.agency_id
    assert (declaration.title, declaration.provider_name) == (
        "Safer recruitment in education",
        "NSPCC",
    )
    assert declaration.course_id is None and str(declaration.hours) == "6.5"
    assert declaration.completed_on == date(2026, 3, 14)
    assert declaration.evidence == PDF and declaration.evidence_type == "application/pdf"
    assert declaration.evidence_name == "certificate.pdf"
    assert declaration.status is DeclarationStatus.PENDING
    page = client.get("/my-training/declarations").get_data(as_text=True)
    assert "Safer recruitment in education" in page and "Waiting to be checked" in page


def test_a_module_of_the_catalogue_is_declared_with_its_cpd_hours(app, client, person, make_module):
    module = make_module("Safeguarding Children Level 1")
    response = declare(
        client,
        {"kind": "module", "course_id": str(module), "completed_on": ["2", "2", "2026"]},
        JPEG,
        "scan.jpeg",
    )
    assert response.status_code == 302
    declaration = stored(app)
    assert declaration.course_id == module and declaration.title == ""
    assert str(declaration.hours) == "3.0"  # the module's CPD hours
    assert (declaration.evidence_type, declaration.evidence_name) == ("image/jpeg", "scan.jpeg")


def test_the_agency_recorded_is_the_persons_agency_on_the_training_date(
    app, client, make_user, make_agency, login
):
    before, now = make_agency("Before"), make_agency("Now")
    someone = make_user(agency_id=now)
    with app.app_context():
        user = db.session.get(User, someone.id)
        user.memberships[0].started_at = datetime(2026, 4, 1, tzinfo=UTC)
        user.memberships.append(
            AgencyMembership(
                agency_id=before,
                job_title="Nurse",
                started_at=datetime(2023, 1, 1, tzinfo=UTC),
                ended_at=datetime(2026, 4, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    login(someone)
    declare(client, outside(completed_on=["14", "3", "2026"]))
    assert stored(app).agency_id == before


def test_a_png_renamed_pdf_is_taken_as_the_png_it_is(app, client, person):
    assert declare(client, outside(), PNG, "certificate.pdf").status_code == 302
    declaration = stored(app)
    assert declaration.evidence_type == "image/png"
    assert declaration.evidence_name == "certificate.png"


def refused(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_text_file_renamed_pdf_is_refused_and_what_was_typed_is_kept(app, client, person):
    page = refused(declare(client, outside(), b"Certificate of attendance\n", "certificate.pdf"))
    assert "The selected file must be a PDF, PNG or JPEG" in page
    assert 'value="Safer recruitment in education"' in page and 'value="NSPCC"' in page
    assert 'value="6.5"' in page and 'value="14"' in page and 'value="2026"' in page
    assert "Choose your certificate again" in page
    assert count(app, TrainingDeclaration) == 0


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04" + bytes(40), "certificate.pdf"),  # a zip
        (b"GIF89a" + bytes(40), "certificate.png"),
        (b"<html><script>alert(1)</script>", "certificate.jpg"),
        (b" %PDF-1.4", "certificate.pdf"),  # the signature must come first
    ],
)
def test_other_files_are_refused_whatever_their_name(app, client, person, content, name):
    page = refused(declare(client, outside(), content, name))
    assert "must be a PDF, PNG or JPEG" in page
    assert count(app, TrainingDeclaration) == 0


def test_no_file_or_an_empty_one_is_refused(app, client, person):
    assert "Choose the certificate or other evidence" in refused(declare(client, outside(), None))
    assert "The selected file is empty" in refused(declare(client, outside(), b"", "c.pdf"))
    assert count(app, TrainingDeclaration) == 0


def test_a_file_over_5_mb_is_refused_with_a_message_and_exactly_5_mb_is_accepted(
    app, client, person
):
    too_big = PDF + bytes(evidence.MAX_BYTES + 1 - len(PDF))
    page = refused(declare(client, outside(), too_big, "big.pdf"))
    assert "The selected file is larger than 5 MB" in page
    assert 'value="Safer recruitment in education"' in page
    assert count(app, TrainingDeclaration) == 0
    just_right = PDF + bytes(evidence.MAX_BYTES - len(PDF))
    assert declare(client, outside(), just_right, "exact.pdf").status_code == 302
    assert len(stored(app).evidence) == evidence.MAX_BYTES


def test_a_request_far_over_the_limit_gets_413_with_a_readable_page(app, client, person):
    response = declare(client, outside(), PDF + bytes(6 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large" in page and "5 MB or smaller" in page
    assert "Traceback" not in page
    assert count(app, TrainingDeclaration) == 0


def test_other_pages_keep_the_apps_own_request_limit(app, client, person):
    """The larger allowance is the declaration form's alone."""
    response = multipart(
        client,
        "/account/email",
        {"email": "x@example.org", "file": upload(bytes(5 * 1024 * 1024), "x.pdf")},
        token_from="/account/email",
    )
    assert response.status_code == 413


def future() -> list[str]:
    day = local(utcnow()).date() + timedelta(days=1)
    return [str(day.day), str(day.month), str(day.year)]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (None, "Enter the date you completed the training"),
        ("future", "must be today or in the past"),
        (["31", "12", "1999"], "must be on or after 1 January 2000"),
        (["31", "2", "2025"], "Date you completed it must be a real date"),
        (["1", "13", "2025"], "Date you completed it must be a real date"),
        (["1", "", "2025"], "Date you completed it must include a month"),
    ],
)
def test_the_date_must_be_real_not_in_the_future_nor_absurdly_old(
    app, client, person, day, message
):
    data = outside()
    if day is None:
        data.pop("completed_on")
    else:
        data["completed_on"] = future() if day == "future" else day
    page = refused(declare(client, data))
    assert message in page
    assert count(app, TrainingDeclaration) == 0


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("", "Enter how many hours the training took"),
        ("abc", "Hours must be a number"),
        ("1e3", "Hours must be a number"),
        ("NaN", "Hours must be a number"),
        ("-2", "Hours must be a number"),
        ("9" * 30, "Hours must be a number"),
        ("0", "between 0.5 and 100"),
        ("100.5", "between 0.5 and 100"),
        ("1.25", "steps of half an hour"),
    ],
)
def test_hours_are_half_hours_between_half_an_hour_and_100(app, client, person, hours, message):
    page = refused(declare(client, outside(hours=hours)))
    assert message in page and f'value="{hours}"' in page
    assert count(app, TrainingDeclaration) == 0


@pytest.mark.parametrize(("typed", "kept"), [("100", "100.0"), (" .5 ", "0.5"), ("2", "2.0")])
def test_hours_accepted(app, client, person, typed, kept):
    assert declare(client, outside(hours=typed)).status_code == 302
    assert str(stored(app).hours) == kept


def test_every_missing_field_is_listed_at_once(app, client, person):
    page = refused(declare(client, {"kind": "outside"}, None))
    for message in (
        "Enter the title of the training",
        "Enter who provided the training",
        "Enter how many hours the training took",
        "Enter the date you completed the training",
        "Choose the certificate or other evidence",
    ):
        assert message in page
    assert "Select whether you did an e-learning module" in refused(declare(client, {}, PDF))


def test_only_a_published_e_learning_module_can_be_declared(
    app, client, person, make_module, make_course
):
    classroom = make_course("Face to face", mode="classroom")
    draft = make_module("Not yet", status="draft")
    for course_id in (classroom, draft, 999999, "abc", ""):
        page = refused(
            declare(
                client,
                {"kind": "module", "course_id": str(course_id), "completed_on": ["2", "2", "2026"]},
            )
        )
        assert "Select the e-learning module from the list" in page
    assert count(app, TrainingDeclaration) == 0


def test_title_and_provider_are_cleaned_and_limited(app, client, person):
    page = refused(declare(client, outside(title="x" * 201)))
    assert "The title must be 200 characters or fewer" in page
    declare(client, outside(title="  Safer\r\nrecruitment\x07 ", provider_name="Zoë 李 O'Brien"))
    declaration = stored(app)
    assert declaration.title == "Safer recruitment"
    assert declaration.provider_name == "Zoë 李 O'Brien"


@pytest.mark.parametrize(
    ("name", "content", "cleaned"),
    [
        ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
        ("C:\\Users\\me\\My cert<script>.PDF", PDF, "My cert_script.pdf"),
        ("scan", JPEG, "scan.jpg"),
        ("certificate.exe", PNG, "certificate.exe.png"),
        ("...", PDF, "certificate.pdf"),
        ("a" * 300 + ".pdf", PDF, "a" * 96 + ".pdf"),
    ],
)
def test_the_file_name_is_cleaned(name, content, cleaned):
    assert evidence.check(content, name).name == cleaned


def test_the_same_training_is_not_declared_twice(app, client, person, make_module):
    declare(client, outside())
    page = refused(declare(client, outside(title="SAFER recruitment in education")))
    assert "You have already declared this training for that date" in page
    module = make_module()
    module_data = {"kind": "module", "course_id": str(module), "completed_on": ["2", "2", "2026"]}
    declare(client, module_data)
    assert "already declared" in refused(declare(client, module_data))
    assert count(app, TrainingDeclaration) == 2


def test_a_module_already_on_the_record_is_not_declared(
    app, client, person, make_module, make_completion
):
    module = make_module("Level 1")
    make_completion(person.id, module, date(2026, 2, 2))
    page = refused(
        declare(
            client, {"kind": "module", "course_id": str(module), "completed_on": ["2", "2", "2026"]}
        )
    )
    assert "Your completion of Level 1 on 2 February 2026 is already on your record" in page
    assert count(app, TrainingDeclaration) == 0


def test_your_training_links_to_declared_training(client, person):
    page = client.get("/my-training").get_data(as_text=True)
    assert 'href="/my-training/declarations"' in page
    listing = client.get("/my-training/declarations").get_data(as_text=True)
    assert "You have not declared any training yet" in listing and 'href="' + NEW in listing


def test_signing_in_is_needed(client):
    assert client.get(NEW).status_code == 302
    assert client.get("/my-training/declarations").status_code == 302
