"""`flask backup DIR` and `flask restore FILE`: a populated database backed up and restored onto
another, empty one has every row of every table; refusals change nothing and leave no file."""

import re
import sqlite3
import threading
import uuid
from datetime import datetime

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from lms import create_app
from lms.accounts.models import Agency, Sector
from lms.core import backups, pg_backups
from lms.demo import seed_demo
from lms.extensions import db
from tests.conftest import app_config

NAME = re.compile(r"lms-\d{8}T\d{6}Z\.(sqlite3|pgdump)$")


class Databases:
    """Empty databases to restore onto: SQLite files, or PostgreSQL databases of their own
    (a backup holds its schema, which the test server's database has already)."""

    def __init__(self, database, tmp_path_factory):
        self.database = database
        self.tmp_path_factory = tmp_path_factory
        self.made = []

    def empty(self, *, schema: str | None = None) -> dict:
        """Settings for an empty database; on PostgreSQL a new database, its tables in
        `schema` (made empty) or by default in public."""
        if not self.database.is_postgresql:
            return self.database.fresh()
        name = f"lms_restore_{uuid.uuid4().hex[:12]}"
        server = sa.create_engine(self.database.server_url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        server.dispose()
        self.made.append(name)
        url = make_url(self.database.server_url).set(database=name)
        options = {"pool_pre_ping": True}
        if schema:
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            options["connect_args"] = {"options": f"-csearch_path={schema}"}
        return {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "SQLALCHEMY_ENGINE_OPTIONS": options,
        }

    def drop_all(self):
        if not self.made:
            return
        server = sa.create_engine(self.database.server_url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            for name in self.made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def databases(database, tmp_path_factory):
    made = Databases(database, tmp_path_factory)
    yield made
    made.drop_all()


def make_app(settings: dict, tmp_path_factory):
    return create_app(app_config(settings, tmp_path_factory.mktemp("app")))


@pytest.fixture(scope="module")
def source(database, tmp_path_factory):
    """A migrated database holding the whole demo partnership."""
    app = make_app(database.fresh(), tmp_path_factory)
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return app


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory):
    """The source's backup, written into a folder that did not exist; the command's output."""
    folder = tmp_path_factory.mktemp("backups") / "nightly" / "lms"
    result = invoke(source, ["backup", str(folder)])
    assert result.exit_code == 0, result.output
    files = list(folder.iterdir())
    assert len(files) == 1
    return files[0], result.output


def invoke(app, args: list[str]):
    """Run a flask command, then close the connections it left in the app's pool."""
    result = app.test_cli_runner().invoke(args=args)
    with app.app_context():
        db.engine.dispose()
    return result


def every_row(app) -> dict[str, list[tuple]]:
    """Every row of every table (all columns), in primary-key order, by table name."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            rows = {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        table.select().order_by(*table.primary_key.columns)
                    )
                ]
                for table in metadata.sorted_tables
            }
        db.engine.dispose()
    return rows


def table_names(app) -> list[str]:
    with app.app_context():
        names = sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    return names


def refused(result, *words):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output


def test_backup_is_named_by_time_and_kind_and_printed_with_its_size(backup, database):
    path, output = backup
    assert NAME.search(path.name)
    assert path.suffix == (".pgdump" if database.is_postgresql else ".sqlite3")
    assert str(path) in output and re.search(r"\(\d+\.\d (kB|MB)\)", output)
    assert path.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only


@pytest.mark.parametrize("schema", [None, "restored"], ids=["default-schema", "named-schema"])
def test_a_restored_backup_has_every_row_of_every_table(
    source, backup, databases, tmp_path_factory, database, schema
):
    if schema and not database.is_postgresql:
        pytest.skip("schemas are PostgreSQL's")
    target = make_app(databases.empty(schema=schema), tmp_path_factory)
    result = invoke(target, ["restore", str(backup[0])])
    assert result.exit_code == 0, result.output
    assert "newest this code has" in result.output

    expected = every_row(source)
    restored = every_row(target)
    assert restored.keys() == expected.keys()
    for table, rows in expected.items():
        assert restored[table] == rows, table
    assert sum(1 for rows in expected.values() if rows) >= 30
    assert sum(len(rows) for rows in expected.values()) >= 20_000
    with target.app_context():
        agency = Agency(name="Added after the restore", sector=Sector.HEALTH)
        db.session.add(agency)
        db.session.commit()
        new_id = agency.id
        db.session.remove()
        db.engine.dispose()
    assert new_id > max(row[0] for row in expected["agencies"])  # id sequences carry on


def test_restore_onto_a_database_with_tables_is_refused_and_changes_nothing(source, backup):
    before = every_row(source)
    result = invoke(source, ["restore", str(backup[0])])
    refused(result, "Refusing to restore: the database is not empty", "Nothing was changed")
    assert every_row(source) == before


def test_restore_of_another_schemas_backup_into_a_database_holding_it_is_refused(
    backup, database, tmp_path_factory
):
    if not database.is_postgresql:
        pytest.skip("schemas are PostgreSQL's")
    target = make_app(database.fresh(), tmp_path_factory)  # the source's own database
    result = invoke(target, ["restore", str(backup[0])])
    refused(result, "which this database has already", "Nothing was changed")
    assert table_names(target) == []


def test_restore_of_an_older_backup_says_to_upgrade(databases, tmp_path_factory):
    old = make_app(databases.empty(), tmp_path_factory)
    with old.app_context():
        config = flask_migrate.Migrate().get_config(directory=old.extensions["migrate"].directory)
        script = ScriptDirectory.from_config(config)
        previous = script.get_revision(script.get_current_head()).down_revision
        flask_migrate.upgrade(revision=previous)
        db.engine.dispose()
    folder = tmp_path_factory.mktemp("old-backups")
    assert invoke(old, ["backup", str(folder)]).exit_code == 0

    target = make_app(databases.empty(), tmp_path_factory)
    result = invoke(target, ["restore", str(next(folder.iterdir()))])
    assert result.exit_code == 0, result.output
    assert f"at migration {previous}, older than" in result.output
    assert "flask --app wsgi db upgrade" in result.output
    with target.app_context():
        with db.engine.connect() as connection:
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.engine.dispose()
    assert version == previous


@pytest.fixture
def empty_target(databases, tmp_path_factory):
    return make_app(databases.empty(), tmp_path_factory)


def test_restore_of_a_missing_file_is_refused(empty_target, tmp_path):
    result = invoke(empty_target, ["restore", str(tmp_path / "no.pgdump")])
    refused(result, "There is no backup file at")
    assert table_names(empty_target) == []


def test_restore_of_a_file_that_is_no_backup_is_refused(empty_target, tmp_path):
    path = tmp_path / "lms-20261130T060000Z.sqlite3"
    path.write_text("name,email\nZoë,zoe@example.org\n")
    result = invoke(empty_target, ["restore", str(path)])
    refused(result, "is not a backup", "Nothing was changed")
    assert table_names(empty_target) == []


def test_restore_of_the_other_databases_kind_is_refused(empty_target, database, tmp_path):
    if database.is_postgresql:
        path = tmp_path / "lms.sqlite3"
        sqlite3.connect(path).execute("CREATE TABLE alembic_version (version_num text)").close()
        expected = "is a SQLite backup but this app's database is PostgreSQL"
    else:
        path = tmp_path / "lms.pgdump"
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        expected = "is a PostgreSQL backup but this app's database is SQLite"
    result = invoke(empty_target, ["restore", str(path)])
    refused(result, expected, "Nothing was changed")
    assert table_names(empty_target) == []


def test_restore_of_a_damaged_or_foreign_file_of_the_right_kind_is_refused(
    empty_target, database, tmp_path
):
    if database.is_postgresql:
        path = tmp_path / "lms.pgdump"
        path.write_bytes(b"PGDMP" + b"\xff" * 200)
        expected = "is not a readable pg_dump archive"
    else:
        path = tmp_path / "other.sqlite3"
        sqlite3.connect(path).execute("CREATE TABLE notes (body text)").close()
        expected = "is not a backup of this application"
    result = invoke(empty_target, ["restore", str(path)])
    refused(result, expected, "Nothing was changed")
    assert table_names(empty_target) == []


def test_backup_into_a_folder_that_cannot_be_made_is_refused(source, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke(source, ["backup", str(blocker / "backups")])
    refused(result, "Cannot write a backup in", "Not a directory")


def test_a_backup_failing_half_way_leaves_no_file(source, tmp_path, monkeypatch, database):
    def fail_half_way(_url, temporary):
        temporary.write_bytes(b"half a backup")
        raise OSError(28, "No space left on device")

    if database.is_postgresql:
        monkeypatch.setattr(pg_backups, "dump", fail_half_way)
    else:
        monkeypatch.setattr(backups, "_sqlite_backup", fail_half_way)
    result = invoke(source, ["backup", str(tmp_path)])
    refused(result, "The backup failed and nothing was kept", "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_backup_taken_while_the_service_writes_holds_whole_transactions(
    database, databases, tmp_path_factory
):
    """Each write puts in a message and its attachment in one transaction; the copy, taken
    while they go on, has every message with its attachment: none half written."""
    app = make_app(database.fresh(), tmp_path_factory)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    started, stop, written = threading.Event(), threading.Event(), []

    def write():
        with app.app_context():
            while not stop.is_set():
                with db.engine.begin() as connection:
                    number = len(written) + 1
                    connection.execute(
                        sa.text(
                            "INSERT INTO outbox_messages (id, recipient, kind, subject, "
                            "body_text, status, attempts, created_at, next_attempt_at) VALUES "
                            "(:id, 'a@example.org', 'test', 'S', 'B', 'queued', 0, :at, :at)"
                        ),
                        {"id": number, "at": datetime(2026, 1, 1)},
                    )
                    connection.execute(
                        sa.text(
                            "INSERT INTO outbox_attachments (id, message_id, filename, "
                            "content_type, content) VALUES (:id, :id, 'a.ics', 'text/calendar', "
                            ":content)"
                        ),
                        {"id": number, "content": b"x" * 10_000},
                    )
                written.append(number)
                started.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert started.wait(30)
        before = len(written)
        folder = tmp_path_factory.mktemp("busy-backups")
        result = app.test_cli_runner().invoke(args=["backup", str(folder)])
        during = len(written) - before
    finally:
        stop.set()
        writer.join(30)
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert during > 0  # the copy was taken while writes went on

    target = make_app(databases.empty(), tmp_path_factory)
    assert invoke(target, ["restore", str(next(folder.iterdir()))]).exit_code == 0
    rows = every_row(target)
    messages = [row[0] for row in rows["outbox_messages"]]
    attachments = [row[1] for row in rows["outbox_attachments"]]
    assert messages and messages == attachments
    assert messages == list(range(1, len(messages) + 1))
