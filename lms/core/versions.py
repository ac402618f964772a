"""The catalogue's version number: one row raised in the same transaction as any change to what
the public catalogue shows, so every worker on every server knows, with one primary-key read,
whether its cached copy of a page is still exact.

Nothing calls `bump` by hand. Every statement that writes one of the `WATCHED` tables marks its
connection; when that connection commits, the row is raised (as the last statement of the
transaction, so the row is locked only for the instant of the commit and every writer takes the
locks in the same order: its own rows first, this one last). A rollback clears the mark. A write
through a bulk UPDATE, a raw SQL statement or the ORM is seen alike, because the mark is taken
from the SQL the database receives.

`changed_at` is whole seconds and strictly increasing (at least a second after the previous
change), so an HTTP `Last-Modified` made from it never names the same second for two versions.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import Base

NAME = "catalogue"

# Every table a cached public page, API answer or calendar reads (tests/core/test_cache.py
# records the tables each one reads and fails if one is missing here).
WATCHED = frozenset(
    {
        "courses",
        "course_sessions",
        "course_themes",
        "session_dates",
        "session_trainers",
        "themes",
        "venues",
        "providers",
        "bookings",
        "users",
        "elearning_modules",
    }
)

_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
_MARK = "lms_catalogue_changed"
_READ = "SELECT version, changed_at FROM cache_versions WHERE name = 'catalogue'"
_EXISTS = "lms_versions_table"

_BUMP = {
    "sqlite": (
        "INSERT INTO cache_versions (name, version, changed_at) "
        "VALUES ('catalogue', 1, strftime('%Y-%m-%d %H:%M:%S', 'now')) "
        "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1, "
        "changed_at = max(strftime('%Y-%m-%d %H:%M:%S', 'now'), "
        "strftime('%Y-%m-%d %H:%M:%S', cache_versions.changed_at, '+1 second'))"
    ),
    "postgresql": (
        "INSERT INTO cache_versions (name, version, changed_at) "
        "VALUES ('catalogue', 1, date_trunc('second', clock_timestamp())) "
        "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1, "
        "changed_at = greatest(date_trunc('second', clock_timestamp()), "
        "cache_versions.changed_at + interval '1 second')"
    ),
}
_TABLE_EXISTS = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cache_versions'",
    "postgresql": "SELECT count(*) FROM (SELECT to_regclass('cache_versions') AS t) x "
    "WHERE t IS NOT NULL",
}


class CacheVersion(Base):
    __tablename__ = "cache_versions"
    __table_args__ = (sa.CheckConstraint("version >= 0", name="version_not_negative"),)

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    changed_at: Mapped[datetime]


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime | None


_writes: dict[str, str | None] = {}


def written_table(statement: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes, or None for anything else."""
    try:
        return _writes[statement]
    except KeyError:
        pass
    match = _WRITE.match(statement)
    table = match.group(1).lower() if match else None
    if len(_writes) < 5000:
        _writes[statement] = table
    return table


def _after_execute(conn, _cursor, statement, _parameters, _context, _executemany):
    if statement[:1] in ("S", "s"):  # a SELECT: the common case, decided at once
        return
    if written_table(statement) in WATCHED:
        conn.info[_MARK] = True


def _on_commit(conn):
    if not conn.info.pop(_MARK, False):
        return
    dialect = conn.dialect.name
    cursor = conn.connection.cursor()
    try:
        if not conn.engine.__dict__.get(_EXISTS):
            # During migrations, or on a database older than the table, there is nothing to
            # raise; once the table is seen it stays (it is never dropped while the app runs).
            cursor.execute(_TABLE_EXISTS[dialect])
            if not cursor.fetchone()[0]:
                return
            conn.engine.__dict__[_EXISTS] = True
        cursor.execute(_BUMP[dialect])
    finally:
        cursor.close()


def _on_rollback(conn):
    conn.info.pop(_MARK, None)


def init_app(app: Flask) -> None:
    from lms.extensions import db

    with app.app_context():
        engine = db.engine
    if event.contains(engine, "commit", _on_commit):
        return
    event.listen(engine, "after_cursor_execute", _after_execute)
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)


def current() -> Version:
    """The catalogue's version as this request sees it: read once per request (the first read
    of the request, so everything it shows afterwards is at least this new)."""
    if "catalogue_version" not in g:
        from lms.extensions import db

        # Every public request runs this, so it skips the ORM and, on its own connection in
        # autocommit, the BEGIN and ROLLBACK of a transaction: one round trip. What the request
        # reads afterwards is at least as new, since the version commits with its changes.
        with _autocommit(db.engine).connect() as connection:
            row = connection.exec_driver_sql(_READ).first()
        g.catalogue_version = (
            Version(row[0], as_utc(as_datetime(row[1]))) if row else Version(0, None)
        )
    return g.catalogue_version


def _autocommit(engine):
    reader = engine.__dict__.get("lms_version_reader")
    if reader is None:
        reader = engine.__dict__["lms_version_reader"] = engine.execution_options(
            isolation_level="AUTOCOMMIT"
        )
    return reader


def as_datetime(value):
    if isinstance(value, str):  # SQLite's driver hands back the stored text
        return datetime.fromisoformat(value)
    return value


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
