"""`flask import-elearning FILE --provider NAME`: the provider's saved mapping, a one-line
summary, exit code 1 with the reason on bad input, and one transaction."""

from pathlib import Path

import sqlalchemy as sa

from lms.catalogue.models import Provider
from lms.elearning.models import Completion, ElearningImport, UnmatchedCompletion
from lms.extensions import db
from tests.conftest import count
from tests.elearning import import_fixtures, test_import_service
from tests.elearning.import_fixtures import csv_bytes, xlsx_bytes
from tests.elearning.test_import_service import ROWS

SAMPLES = Path(__file__).parent / "samples"

provider = import_fixtures.provider
disk_full = test_import_service.disk_full


def write(tmp_path, data: bytes, name="export.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_file_is_imported_with_the_saved_mapping(runner, provider, tmp_path, app):
    path = write(tmp_path, csv_bytes(ROWS))
    result = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Read 11 rows: 2 added, 1 already held, 2 not completed, 1 unmatched, 5 rejected."
    )
    assert count(app, Completion) == 2 and count(app, UnmatchedCompletion) == 1
    with app.app_context():
        batch = db.session.scalars(sa.select(ElearningImport)).one()
        assert (batch.file_name, batch.content, batch.uploaded_by_id) == ("export.csv", None, None)
    again = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
    assert "0 added, 3 already held" in again.output
    assert count(app, Completion) == 2


def test_an_xlsx_file_with_serial_dates(runner, provider, tmp_path, app):
    data = xlsx_bytes([["zoe@example.org", "Zoë", "SG2", 46056, "Completed", 70, None]])
    result = runner.invoke(
        args=["import-elearning", write(tmp_path, data, "e.xlsx"), "--provider", "Learning Pool"]
    )
    assert result.output.strip().startswith("Read 1 row: 1 added")
    with app.app_context():
        assert str(db.session.scalars(sa.select(Completion.completed_on)).one()) == "2026-02-03"


def test_an_unknown_provider_exits_1_with_the_reason(runner, provider, tmp_path, app):
    path = write(tmp_path, csv_bytes(ROWS))
    result = runner.invoke(args=["import-elearning", path, "--provider", "Nobody Ltd"])
    assert result.exit_code == 1
    assert "There is no provider called “Nobody Ltd”. Nothing was imported." in result.output
    assert count(app, ElearningImport) == 0


def test_a_provider_without_a_saved_mapping_exits_1(runner, provider, tmp_path, app):
    with app.app_context():
        db.session.get(Provider, provider["id"]).import_mapping = None
        db.session.commit()
    path = write(tmp_path, csv_bytes(ROWS))
    result = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
    assert result.exit_code == 1 and "has no saved column mapping yet" in result.output


def test_bad_files_exit_1_and_change_nothing(runner, provider, tmp_path, app):
    for sample, reason in [
        ("photo-renamed.csv", "a PNG image"),
        ("archive-renamed.csv", "a zip archive"),
        ("header-only.csv", "only a heading row"),
    ]:
        path = str(SAMPLES / sample)
        result = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
        assert result.exit_code == 1 and reason in result.output
    wrong = csv_bytes([["a@example.org", "A", "SG1"]], headings=["Mail", "Who", "What"])
    result = runner.invoke(
        args=["import-elearning", write(tmp_path, wrong), "--provider", "Learning Pool"]
    )
    assert result.exit_code == 1 and "The file has no column “Email”" in result.output
    assert count(app, ElearningImport) == 0


def test_a_failure_half_way_commits_nothing_then_the_file_imports(
    runner, provider, tmp_path, app, make_user, monkeypatch, disk_full
):
    from lms.elearning import importing

    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    people = [make_user(f"staff{n}@example.org") for n in range(7)]
    data = csv_bytes([[p.email, "Someone", "SG1", "03/02/2026", "Completed"] for p in people])
    path = write(tmp_path, data)
    disk_full.on(people[5].id)
    result = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
    assert result.exit_code != 0 and "the disk is full" in str(result.exception)
    assert count(app, Completion) == 0 and count(app, ElearningImport) == 0
    disk_full.off()
    result = runner.invoke(args=["import-elearning", path, "--provider", "Learning Pool"])
    assert result.output.strip() == (
        "Read 7 rows: 7 added, 0 already held, 0 not completed, 0 unmatched, 0 rejected."
    )
    assert count(app, Completion) == 7


def test_a_missing_file_exits_1_with_the_reason(runner, provider, tmp_path, app):
    missing = str(tmp_path / "no-such-export.csv")
    result = runner.invoke(args=["import-elearning", missing, "--provider", "Learning Pool"])
    assert result.exit_code == 1
    assert f"There is no file at {missing}. Nothing was imported." in result.output
    assert count(app, ElearningImport) == 0
