"""Starting the app imports only what every process needs. The migration machinery and the
libraries that draw PDFs, write workbooks, sign credentials or read images wait until a command
or a page uses them: importing them all at start-up was half of `flask report`'s time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import lms

ROOT = Path(lms.__file__).parent.parent

# Each is imported where it is used (flask db, a PDF or workbook download, a credential signed
# or checked, a logo uploaded, an address checked), never by create_app.
LAZY = (
    "alembic",
    "flask_migrate",
    "reportlab",
    "openpyxl",
    "joserfc",
    "PIL",
    "email_validator",
)

STARTS = """
import json, sys
from lms import create_app

create_app({
    "TESTING": True,
    "SECRET_KEY": "k" * 64,
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "RATELIMIT_STORAGE_URI": "memory://",
    "INSTANCE_PATH": sys.argv[1],
})
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_creating_the_app_imports_no_migration_document_or_signing_library(tmp_path):
    started = subprocess.run(
        [sys.executable, "-c", STARTS, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(started.stdout))
    assert "sqlalchemy" in loaded  # the app was made
    assert loaded.isdisjoint(LAZY), sorted(loaded & set(LAZY))


def test_the_db_commands_are_flask_migrates(app):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0, listed.output
    assert "--directory" in listed.output and "--x-arg" in listed.output
    for command in ("upgrade", "downgrade", "migrate", "current", "heads", "check"):
        assert f"  {command} " in listed.output
    # Alembic prints to the stdout it was imported with, so only the outcome is read here.
    assert runner.invoke(args=["db", "heads"]).exit_code == 0
    assert runner.invoke(args=["db", "show", "no-such-revision"]).exit_code == 1
