"""Faults survived: a full disk while an export is written gives a clear error (a message from
the command, no traceback; a batch failed with a readable reason on its page) and leaves no
half-written file behind. (`flask backup` is tested with the backups.)"""

import errno
import os
import zipfile
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role
from lms.certificates import export_batches
from lms.certificates.models import BatchStatus
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports.models import ReportSnapshot
from tests.certificates.test_exports_pages import (
    audit_actions,
    batches_of,
    download,
    staff_certificates,
)
from tests.conftest import count
from tests.mail.test_outbox import queue, status

staff_certificates = staff_certificates  # a fixture
INTERNAL = ("annual-pack-2025-26-internal.pdf", "annual-pack-2025-26-internal.xlsx")


class FullDisk:
    """os.write to a file under `folder` writes part of what it is given, then finds the disk
    full, from the `after`-th file opened there on (os.write elsewhere is untouched)."""

    def __init__(self, monkeypatch, folder: Path, *, after: int = 1):
        self.folder = str(folder.resolve())
        self.after = after
        self.files = []
        self.real = os.write
        monkeypatch.setattr(os, "write", self.write)

    def write(self, descriptor, data):
        try:
            target = os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            target = ""
        if not target.startswith(self.folder + os.sep):
            return self.real(descriptor, data)
        if target not in self.files:
            self.files.append(target)
        if len(self.files) < self.after:
            return self.real(descriptor, data)
        if len(data) > 1:
            return self.real(descriptor, memoryview(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")


class FullZip:
    """Writing the second file into any ZIP finds the disk full."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.real = zipfile.ZipFile.writestr
        self.redo()

    def writestr(self, archive, info, data, *args, **kwargs):
        if archive.namelist():
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real(archive, info, data, *args, **kwargs)

    def redo(self):
        full = self

        def writestr(archive, *args, **kwargs):
            return full.writestr(archive, *args, **kwargs)

        self.monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)

    def undo(self):
        self.monkeypatch.setattr(zipfile.ZipFile, "writestr", self.real)


@pytest.fixture
def full_zip(monkeypatch):
    return FullZip(monkeypatch)


def pack(runner, out: Path, *extra: str):
    return runner.invoke(args=["annual-pack", "--year", "2025-26", "--out", str(out), *extra])


def test_a_full_disk_writing_the_annual_pack_is_a_clear_error_and_leaves_no_part_file(
    app, runner, tmp_path, monkeypatch
):
    out = tmp_path / "pack"
    out.mkdir()
    (out / INTERNAL[0]).write_bytes(b"last year's complete pack")
    disk = FullDisk(monkeypatch, out)
    result = pack(runner, out)
    assert result.exit_code == 1
    assert disk.files, "the pack was not written through os.write: the test proves nothing"
    assert "No space left on device" in result.output
    assert "nothing is left half-written" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    # The file that was there is untouched; no temporary file is left.
    assert sorted(path.name for path in out.iterdir()) == [INTERNAL[0]]
    assert (out / INTERNAL[0]).read_bytes() == b"last year's complete pack"
    with app.app_context():
        snapshot_id = db.session.scalar(sa.select(ReportSnapshot.id))
    assert f"run this again with --snapshot {snapshot_id}" in result.output

    monkeypatch.undo()
    again = pack(runner, out, "--snapshot", str(snapshot_id))
    assert again.exit_code == 0, again.output
    assert sorted(path.name for path in out.iterdir()) == sorted(INTERNAL)
    assert len(pypdf.PdfReader(out / INTERNAL[0]).pages) >= 1
    zipfile.ZipFile(out / INTERNAL[1]).testzip()
    assert count(app, ReportSnapshot) == 1


def test_a_disk_filling_on_the_second_file_keeps_the_first_whole(
    app, runner, tmp_path, monkeypatch
):
    out = tmp_path / "pack"
    FullDisk(monkeypatch, out.parent, after=2)
    result = pack(runner, out)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert result.output.splitlines()[0] == str(out / INTERNAL[0])
    assert sorted(path.name for path in out.iterdir()) == [INTERNAL[0]]
    assert len(pypdf.PdfReader(out / INTERNAL[0]).pages) >= 1


def test_a_folder_that_cannot_be_made_is_a_clear_error(app, runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    result = pack(runner, blocker / "pack")
    assert result.exit_code == 1 and "could not be written" in result.output
    assert "Traceback" not in result.output


def test_a_full_disk_building_a_certificate_zip_in_run_jobs_fails_the_batch_on_its_page(
    app, client, runner, make_agency, make_user, login, staff_certificates, full_zip
):
    app.config["CERTIFICATES_INLINE_ZIP"] = 1
    agency = make_agency()
    staff_certificates(agency, ["Amy Ash", "Ben Ode", "Cal Dee"])
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    full_zip.undo()  # asking for the batch writes nothing
    location = download(client, agency).headers["Location"]
    full_zip.redo()
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "certificate ZIPs built: 0" in result.output and "mail sent" in result.output
    (batch,) = batches_of(app, agency)
    assert batch.status is BatchStatus.FAILED and batch.file_name == ""
    with app.app_context():
        folder = export_batches.exports_dir()
    assert not folder.exists() or list(folder.iterdir()) == []
    page = client.get(location).get_data(as_text=True)
    assert "Failed" in page
    assert "The ZIP could not be written (No space left on device). Ask for it again later." in page

    # Asked for again once there is room: built whole.
    full_zip.undo()
    download(client, agency)
    assert "certificate ZIPs built: 1" in runner.invoke(args=["run-jobs"]).output
    ready = [b for b in batches_of(app, agency) if b.status is BatchStatus.READY]
    assert len(ready) == 1
    with zipfile.ZipFile(folder / ready[0].file_name) as archive:
        assert len(archive.namelist()) == 3
    assert sorted(path.name for path in folder.iterdir()) == [ready[0].file_name]


def test_a_full_disk_building_a_small_zip_on_the_page_is_a_clear_message(
    app, client, make_agency, make_user, login, staff_certificates, full_zip
):
    agency = make_agency()
    staff_certificates(agency, ["Amy Ash", "Ben Ode"])
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    response = download(client, agency)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The ZIP could not be written (No space left on device). Try again later" in page
    assert audit_actions(app, "Agency", agency) == []  # no download was recorded
    full_zip.undo()
    response = download(client, agency)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert audit_actions(app, "Agency", agency) == ["certificates.downloaded"]


def test_a_full_disk_writing_development_mail_keeps_it_queued_and_leaves_no_part_file(
    app, runner, tmp_path, monkeypatch
):
    message_id = queue(app, "amina@example.org")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    FullDisk(monkeypatch, outbox)
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "mail failed, queued for retry: 1" in result.output
    state, attempts, error = status(app, message_id)
    assert (state.value, attempts) == ("queued", 1) and "No space left on device" in error
    assert list(outbox.iterdir()) == []
    monkeypatch.undo()
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert "mail sent: 1" in runner.invoke(args=["run-jobs"]).output
    (written,) = outbox.iterdir()
    assert written.name.endswith(".eml") and b"amina@example.org" in written.read_bytes()
