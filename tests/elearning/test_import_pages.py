"""Importing a provider's file through the admin pages: upload, columns, preview, import,
summary, error report, undo; and every bad file refused with a message, changing nothing."""

import io
import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.catalogue.models import Provider
from lms.elearning.models import Completion, ElearningImport, UnmatchedCompletion
from lms.extensions import db
from tests.conftest import count, csrf_token, post_form
from tests.elearning import import_fixtures
from tests.elearning.import_fixtures import MAPPING, csv_bytes, xlsx_bytes

SAMPLES = Path(__file__).parent / "samples"
BASE = "/admin/elearning/imports"
ROWS = [
    ["amina@example.org", "Amina Patel", "SG1", "03/02/2026", "Completed", "85", ""],
    ["zoe@example.org", "Zoë Brown", "SG2", "03/02/2026", "In Progress", "", ""],
    ["newcomer@example.org", "Kwame Mensah", "SG1", "04/02/2026", "Completed", "", ""],
    ['=HYPERLINK("http://evil.example","x")', "Eve", "SG1", "04/02/2026", "Completed"],
]

provider = import_fixtures.provider


def sign_in_admin(login, make_user, provider):
    login(make_user(roles=(Role.ADMIN,), agency_id=provider["agency"]))


def upload(client, provider_id, data, name="export.csv"):
    """Post the upload form as a browser would, the body built here (werkzeug's builder
    leaves a temporary file open for a large one)."""
    boundary = "----completion-report-boundary"
    fields = {"csrf_token": csrf_token(client, f"{BASE}/new"), "provider_id": str(provider_id)}
    body = io.BytesIO()
    for key, value in fields.items():
        part = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        body.write(f"{part}{value}\r\n".encode())
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    body.write(data + f"\r\n--{boundary}--\r\n".encode())
    return client.post(
        f"{BASE}/new",
        data=body.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Referer": f"https://localhost{BASE}/new"},
    )


def selected(page: str, field: str) -> str | None:
    select = page.split(f'name="{field}"')[1].split("</select>")[0]
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


def test_a_file_goes_from_upload_to_summary_and_undo(client, login, make_user, provider, app):
    sign_in_admin(login, make_user, provider)
    response = upload(client, provider["id"], csv_bytes(ROWS))
    assert response.status_code == 302
    columns = response.headers["Location"]
    page = client.get(columns).get_data(as_text=True)
    assert selected(page, "email") == "Email" and selected(page, "status") == "Status"
    assert 'value="Completed" checked' in page and 'value="In Progress"' in page
    response = post_form(
        client,
        columns,
        {
            **{k: v for k, v in MAPPING.items() if k != "completed_values"},
            "completed_values": ["Completed"],
        },
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amina Patel" in preview and "Riverside Health" in preview
    assert "Not completed" in preview and "Status “In Progress” is not completed" in preview
    assert "Unmatched" in preview and "Rejected" in preview and "not an email address" in preview
    assert count(app, Completion) == 0  # the preview changes nothing
    batch_id = int(columns.split("/")[-2])
    response = post_form(
        client, f"{BASE}/{batch_id}/import", {}, token_from=f"{BASE}/{batch_id}/preview"
    )
    assert response.status_code == 302
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    line = "Read 4 rows: 1 added, 0 already held, 1 not completed, 1 unmatched, 1 rejected."
    assert line in summary
    assert "newcomer@example.org" in summary and "Download the error report" in summary
    report = client.get(f"{BASE}/{batch_id}/errors.csv")
    assert report.mimetype == "text/csv"
    text = report.get_data().decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "\n4,newcomer@example.org," in text
    assert text.splitlines()[0] == "Row,Value,Reason"
    listing = client.get(BASE).get_data(as_text=True)
    assert "export.csv" in listing and "Imported" in listing
    with app.app_context():
        saved = db.session.get(Provider, provider["id"]).import_mapping
        assert saved["completed_values"] == ["Completed"]
        assert db.session.get(ElearningImport, batch_id).content is None
    confirm = client.get(f"{BASE}/{batch_id}/undo").get_data(as_text=True)
    assert "Undo the import of export.csv?" in confirm
    response = post_form(client, f"{BASE}/{batch_id}/undo", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This import was undone" in page and "1 completion withdrawn" in page
    assert count(app, Completion, Completion.withdrawn_at.is_(None)) == 0
    assert count(app, UnmatchedCompletion) == 0
    assert client.get(f"{BASE}/{batch_id}/undo").status_code == 302


def test_the_columns_are_guessed_for_a_provider_with_no_saved_mapping(
    client, login, make_user, provider, app
):
    with app.app_context():
        db.session.get(Provider, provider["id"]).import_mapping = None
        db.session.commit()
    sign_in_admin(login, make_user, provider)
    headings = ["Learner Email", "Full Name", "Course Title", "Completion Date", "Status"]
    data = csv_bytes(
        [["amina@example.org", "Amina", "SG1", "03/02/2026", "Passed"]], headings=headings
    )
    columns = upload(client, provider["id"], data).headers["Location"]
    page = client.get(columns).get_data(as_text=True)
    assert [
        selected(page, f) for f in ("email", "name", "module", "completed_at", "status")
    ] == headings
    assert selected(page, "score") == ""


def test_a_status_column_needs_the_statuses_that_mean_completed(
    client, login, make_user, provider, app
):
    sign_in_admin(login, make_user, provider)
    columns = upload(client, provider["id"], csv_bytes(ROWS)).headers["Location"]
    form = {k: v for k, v in MAPPING.items() if k != "completed_values"}
    response = post_form(client, columns, form | {"name": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Choose the column that holds the person&#39;s name" in page
    assert selected(page, "email") == "Email"  # what was chosen is kept
    response = post_form(client, columns, form)
    assert "Choose which status values mean the module was completed" in response.get_data(
        as_text=True
    )


def test_an_xlsx_file_with_serial_dates_imports(client, login, make_user, provider, app):
    sign_in_admin(login, make_user, provider)
    rows = [
        ["amina@example.org", "Amina", "SG1", 46056, "Completed", 90, None],
        ["zoe@example.org", "Zoë", "SG1", datetime(2026, 2, 4, 9, 30), "Passed", None, None],
    ]
    response = upload(client, provider["id"], xlsx_bytes(rows), name="export.xlsx")
    columns = response.headers["Location"]
    batch_id = int(columns.split("/")[-2])
    post_form(
        client,
        columns,
        {
            **{k: v for k, v in MAPPING.items() if k != "completed_values"},
            "completed_values": ["Completed", "Passed"],
        },
    )
    post_form(client, f"{BASE}/{batch_id}/import", {}, token_from=f"{BASE}/{batch_id}/preview")
    with app.app_context():
        days = db.session.scalars(
            sa.select(Completion.completed_on).order_by(Completion.completed_on)
        ).all()
    assert [str(day) for day in days] == ["2026-02-03", "2026-02-04"]


def test_a_windows_1252_file_matches_zoe(client, login, make_user, provider):
    sign_in_admin(login, make_user, provider)
    data = (SAMPLES / "zoe-windows-1252.csv").read_bytes()
    columns = upload(client, provider["id"], data).headers["Location"]
    form = {k: v for k, v in MAPPING.items() if k != "completed_values"}
    response = post_form(client, columns, form | {"completed_values": ["Completed"]})
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zoë Brown" in preview and "Added" in preview


def test_files_that_are_not_reports_are_refused_with_a_message(
    client, login, make_user, provider, app
):
    sign_in_admin(login, make_user, provider)
    for sample, message in [
        ("photo-renamed.csv", "The file is a PNG image, not a CSV or Excel (.xlsx) file"),
        ("archive-renamed.csv", "The file is a zip archive, not a CSV or Excel (.xlsx) file"),
        ("header-only.csv", "The file has only a heading row and no completions"),
    ]:
        response = upload(client, provider["id"], (SAMPLES / sample).read_bytes(), name=sample)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    response = upload(client, "", csv_bytes(ROWS))
    assert "Choose the provider whose report this is" in response.get_data(as_text=True)
    assert count(app, ElearningImport) == 0


def test_a_file_over_the_limit_gets_413_with_a_readable_message(
    client, login, make_user, provider, app
):
    app.config["ELEARNING_IMPORT_MAX_BYTES"] = 200_000
    sign_in_admin(login, make_user, provider)
    data = csv_bytes([["amina@example.org", "Amina", "SG1", "03/02/2026", "Completed"]] * 6000)
    assert len(data) > 200_000 + 64 * 1024
    response = upload(client, provider["id"], data)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is larger than 0.2 MB, the largest that can be imported" in page
    just_over = data[:200_100]
    response = upload(client, provider["id"], just_over)
    assert response.status_code == 413
    assert count(app, ElearningImport) == 0


def test_a_file_above_the_services_own_upload_limit_but_within_the_imports_is_taken(
    client, login, make_user, provider, app
):
    sign_in_admin(login, make_user, provider)
    row = ["amina@example.org", "Amina Patel", "SG1", "03/02/2026", "Completed", "85", "x" * 40]
    data = csv_bytes([row] * 90_000)
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) < 20 * 1024 * 1024
    assert upload(client, provider["id"], data).status_code == 302
    assert count(app, ElearningImport) == 1


def test_only_administrators_can_upload_or_undo(client, login, make_user, provider, app):
    login(make_user(roles=(Role.COORDINATOR,), agency_id=provider["agency"]))
    token = csrf_token(client, "/account")
    response = client.post(
        f"{BASE}/new",
        data={"csrf_token": token, "provider_id": str(provider["id"])},
        headers={"Referer": f"https://localhost{BASE}/new"},
    )
    assert response.status_code == 403
    assert count(app, ElearningImport) == 0


def test_the_file_name_keeps_no_folders_or_control_characters(
    client, login, make_user, provider, app
):
    sign_in_admin(login, make_user, provider)
    upload(client, provider["id"], csv_bytes(ROWS), name="exports/june\x07.csv")
    with app.app_context():
        assert db.session.scalars(sa.select(ElearningImport.file_name)).one() == "june .csv"
