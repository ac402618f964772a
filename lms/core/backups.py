"""Backups: `flask --app wsgi backup DIR` and `flask --app wsgi restore FILE`.

SQLite is copied with its online backup API, a consistent copy while the app runs; PostgreSQL
with `pg_dump --format=custom`, of the schema the app uses. A backup is written under a temporary
name in DIR and renamed once complete and checked, so a failed one leaves no half file. A restore
goes only onto an empty database, and leaves it at the migration the backup was taken at.
"""

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.engine import URL, make_url

from lms.core.errors import DomainError
from lms.extensions import db

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SUFFIXES = {SQLITE: ".sqlite3", POSTGRESQL: ".pgdump"}
LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
HEADERS = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}


class BackupError(DomainError):
    """A backup or restore was refused or failed; nothing was left half done."""


@dataclass(frozen=True)
class Restored:
    """Where a restore left the database: the backup's migration and this code's newest."""

    revision: str | None
    head: str
    known: bool

    @property
    def message(self) -> str:
        if self.revision == self.head:
            return f"The database is at migration {self.revision}, the newest this code has."
        if not self.known:
            return (
                f"The database is at migration {self.revision}, which this code does not know "
                "(a newer release made the backup): run that release, or a later one, on it."
            )
        return (
            f"The database is at migration {self.revision}, older than this code's newest "
            f"({self.head}): run `flask --app wsgi db upgrade` next."
        )


def backup_name(kind: str, now: datetime) -> str:
    """The file name of a backup taken `now` (UTC): lms-20261130T060012Z.sqlite3."""
    return f"lms-{now:%Y%m%dT%H%M%SZ}{SUFFIXES[kind]}"


def database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def database_kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"Backups cover SQLite and PostgreSQL only, not {backend}")
    return backend


def write_backup(directory: str | os.PathLike, *, now: datetime) -> Path:
    """Write a consistent copy of the app's database into `directory` (made if missing) and
    return its path; BackupError, leaving nothing in the folder, when it cannot."""
    url = database_url()
    kind = database_kind(url)
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".lms-backup-", suffix=".partial", dir=folder)
        os.close(handle)
    except OSError as error:
        raise BackupError(f"Cannot write a backup in {folder}: {error.strerror}") from error
    temporary = Path(name)
    final = folder / backup_name(kind, now)
    try:
        if final.exists():
            raise BackupError(f"{final} exists already; nothing was written")
        if kind == SQLITE:
            _sqlite_backup(url, temporary)
        else:
            from lms.core import pg_backups

            pg_backups.dump(url, temporary)
        _sync(temporary)
        os.replace(temporary, final)
        _sync(folder)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"The backup failed and nothing was kept: {error}") from error
    finally:
        temporary.unlink(missing_ok=True)
    return final


def restore_backup(file: str | os.PathLike) -> Restored:
    """Restore a backup made by `write_backup` onto the app's database, which must be empty;
    BackupError, changing nothing, for a missing or wrong file or a database with tables."""
    path = Path(file)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}")
    url = database_url()
    kind = database_kind(url)
    found = file_kind(path)
    if found is None:
        raise BackupError(
            f"{path} is not a backup: it is neither an SQLite database nor a pg_dump "
            "custom-format archive. Nothing was changed."
        )
    if found != kind:
        raise BackupError(
            f"{path} is a {LABELS[found]} backup but this app's database is {LABELS[kind]}: "
            f"restore it onto a {LABELS[found]} database. Nothing was changed."
        )
    db.session.remove()
    db.engine.dispose()
    if kind == SQLITE:
        _sqlite_restore(path, url)
    else:
        from lms.core import pg_backups

        pg_backups.restore(path, url)
    db.engine.dispose()
    return _where_restored()


def file_kind(path: Path) -> str | None:
    """SQLite or PostgreSQL by the file's first bytes, whatever its name; None for neither."""
    with path.open("rb") as handle:
        start = handle.read(16)
    for kind, header in HEADERS.items():
        if start.startswith(header):
            return kind
    return None


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} kB"


# SQLite ----------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("Backups need an SQLite database in a file (sqlite:////path/lms.db)")
    return url.database


def _sqlite_backup(url: URL, temporary: Path) -> None:
    path = _sqlite_path(url)
    if not Path(path).is_file():
        raise BackupError(f"There is no database at {path}; nothing was written")
    source = sqlite3.connect(path, timeout=30)
    try:
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            (check,) = copy.execute("PRAGMA quick_check").fetchone()
        finally:
            copy.close()
    finally:
        source.close()
    if check != "ok":
        raise BackupError(f"The copy failed its integrity check ({check}); nothing was kept")


def _sqlite_restore(path: Path, url: URL) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            (check,) = source.execute("PRAGMA quick_check").fetchone()
            tables = _sqlite_tables(source)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
        if check != "ok" or "alembic_version" not in tables:
            raise BackupError(
                f"{path} is not a backup of this application (it fails its integrity check or "
                "has no migration record). Nothing was changed."
            )
        target = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            refuse_unless_empty(_sqlite_tables(target))
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
        finally:
            target.close()
    finally:
        source.close()


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


# Both ------------------------------------------------------------------------------------------


def refuse_unless_empty(tables: list[str]) -> None:
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"Refusing to restore: the database is not empty ({len(tables)} tables: {shown}). "
            "Restore onto a new, empty database. Nothing was changed."
        )


def _where_restored() -> Restored:
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(directory=migrate.directory))
    with db.engine.connect() as connection:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    try:
        known = revision is not None and script.get_revision(revision) is not None
    except (CommandError, RevisionError):
        known = False
    return Restored(revision=revision, head=script.get_current_head(), known=known)


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def register(app: Flask) -> None:
    @app.cli.command("backup")
    # Checked here, not by click, so a bad folder is a refusal (exit 1) like every other.
    @click.argument("directory", type=click.Path())
    def backup_command(directory):
        """Write a consistent copy of the database into DIRECTORY (made if missing); for cron."""
        from lms.core.models import utcnow

        try:
            path = write_backup(directory, now=utcnow())
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written: {path} ({size_text(path.stat().st_size)})")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path())
    def restore_command(file):
        """Restore a backup made by `backup` onto this app's database, which must be empty."""
        try:
            restored = restore_backup(file)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored {file}. {restored.message}")
