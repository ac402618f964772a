"""Many rows at once for the import, straight through the database driver: an import of
100,000 rows spends most of its time turning values into parameters, so the values are made
ready for the driver here once (per dialect, as SQLAlchemy's own column types store them) and
the statements are plain SQL, on the session's connection and in its transaction.
Both SQLite and PostgreSQL; only table and column names come from code, never from a file."""

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from lms.extensions import db

# SQLite's page cache while an import runs (KiB): the indexes of the completions stay in memory
# rather than being read back for every chunk. Put back as it was afterwards.
SQLITE_IMPORT_CACHE_KIB = 32 * 1024


@contextmanager
def roomy_cache():
    """A larger SQLite page cache for the length of an import (nothing on PostgreSQL)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


class Driver:
    """The session's connection, with what its dialect needs: the parameter mark, and how a date,
    a UTC time and a decimal are passed (SQLite stores them as text and floats, as
    SQLAlchemy's types for SQLite do)."""

    def __init__(self):
        self.connection = db.session.connection()
        dialect = self.connection.dialect
        self.sqlite = dialect.name == "sqlite"
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"

    def day(self, value: date | None):
        return value.isoformat() if self.sqlite and value is not None else value

    def moment(self, value: datetime):
        if not self.sqlite:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def number(self, value: Decimal | None):
        return float(value) if self.sqlite and value is not None else value

    def day_key(self, value) -> str:
        """A day read back from the database as text (SQLite) or a date (PostgreSQL)."""
        return value if isinstance(value, str) else value.isoformat()

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Insert the rows: COPY on PostgreSQL, one prepared statement run for each row on
        SQLite (both many times faster than an INSERT a row)."""
        if not rows:
            return
        if not self.sqlite:
            raw = self.connection.connection.driver_connection
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join([self.mark] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.connection.exec_driver_sql(sql, rows)

    def people(self, emails: Iterable[str]) -> dict[str, int]:
        """The account id of each address that has one."""
        emails = list(emails)
        if not emails:
            return {}
        if self.sqlite:
            sql = "SELECT email, id FROM users WHERE email IN (SELECT value FROM json_each(?))"
            return dict(self.connection.exec_driver_sql(sql, (json.dumps(emails),)).all())
        sql = "SELECT email, id FROM users WHERE email = ANY(%s)"
        return dict(self.connection.exec_driver_sql(sql, (emails,)).all())

    def existing(
        self, table: str, columns: Sequence[str], types: Sequence[str], keys, *, where: str = ""
    ) -> set[tuple]:
        """Which of the keys (tuples of the columns' values) a table holds, days as ISO text.
        The keys travel as one value, a JSON list (SQLite) or arrays (PostgreSQL), so the
        statement is the same for every chunk: the driver prepares it once, and the planner
        searches the table's index for each key."""
        keys = list(keys)
        if not keys:
            return set()
        picked = ", ".join(f"t.{column}" for column in columns)
        if self.sqlite:
            on = " AND ".join(
                f"t.{column} = json_extract(k.value, '$[{n}]')" for n, column in enumerate(columns)
            )
            sql = f"SELECT {picked} FROM json_each(?) AS k JOIN {table} t ON {on}"
            params = (json.dumps(keys),)
        else:
            names = [f"k{n}" for n in range(len(columns))]
            on = " AND ".join(
                f"t.{column} = k.{name}" for column, name in zip(columns, names, strict=True)
            )
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            sql = (
                f"SELECT {picked} FROM unnest({arrays}) AS k({', '.join(names)}) "
                f"JOIN {table} t ON {on}"
            )
            params = tuple(list(column) for column in zip(*keys, strict=True))
        if where:
            sql += f" WHERE {where}"
        found = self.connection.exec_driver_sql(sql, params).all()
        return {(*row[:-1], self.day_key(row[-1])) for row in found}
