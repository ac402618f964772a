"""Everything held about one person, found by walking the map of personal data
(lms/privacy/registry.py): no table is named here, so a table mapped later is collected too.

A row is *about* the person when a `subject` column holds their id, an `email` column their
address (unless the row is another person's, as a colleague's account naming them as line
manager), the audit trail names them as the object, or a `via` column points to a row already
about them; and an audit event is about them when its object is a row about them (a change to
their booking). A row they only *acted* on (an `actor` column, or another person's row naming their
address) is given with the `others` columns and every other person's id or address left out.
"""

import enum
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa

from lms.extensions import db
from lms.privacy.registry import AUDIT_OBJECT, PERSONAL, Personal

# Ids in one IN (...) list: well under SQLite's and PostgreSQL's limits on bound values.
CHUNK = 5000

ABOUT = "about"
ACTED = "acted"


def _key(table: sa.Table, row) -> tuple:
    return tuple(row._mapping[column.name] for column in table.primary_key.columns)


def _user_id_columns(table: sa.Table, entry: Personal) -> set[str]:
    """Columns holding a person's id: the registry's subject and actor columns and any foreign
    key to users."""
    named = set(entry.subject + entry.actor)
    return named | {
        column.name
        for column in table.columns
        if any(key.column.table.name == "users" for key in column.foreign_keys)
    }


def _email_columns(table: sa.Table, entry: Personal) -> set[str]:
    return set(entry.email) | {column.name for column in table.columns if "email" in column.name}


def _via_parent(table: sa.Table, column: str) -> str:
    (key,) = table.columns[column].foreign_keys
    return key.column.table.name


class _Walk:
    """The rows found so far: per table, each row by its primary key, and whether it is about
    the person or only something they did."""

    def __init__(self, user_id: int, email: str | None):
        self.user_id = user_id
        self.email = (email or "").lower()
        self.rows: dict[str, dict[tuple, sa.Row]] = {}
        self.kind: dict[str, dict[tuple, str]] = {}

    def add(self, name: str, rows: Iterable[sa.Row], kind_of) -> set[tuple]:
        """Keep rows; returns the keys newly found to be about the person."""
        table = db.metadata.tables[name]
        found, kinds, new = self.rows.setdefault(name, {}), self.kind.setdefault(name, {}), set()
        for row in rows:
            key = _key(table, row)
            kind = kind_of(row)
            found[key] = row
            if kinds.get(key) != ABOUT:
                kinds[key] = kind
                if kind == ABOUT:
                    new.add(key)
        return new


def _ids(keys: Iterable[tuple]) -> list:
    """The ids of rows found (a via column points to a table with a one-column key)."""
    return [key[0] for key in keys if len(key) == 1]


def _select(name: str) -> sa.Select:
    """The table's rows with only the columns given out (and its key): withheld secrets and
    file contents are never even read."""
    table = db.metadata.tables[name]
    wanted = set(exported_columns(name)) | set(table.primary_key.columns.keys())
    return sa.select(*[column for column in table.columns if column.name in wanted])


def _direct(walk: _Walk, name: str, entry: Personal) -> set[tuple]:
    """Rows naming the person in a subject, actor or email column: one query per table."""
    table = db.metadata.tables[name]
    conditions = [table.c[column] == walk.user_id for column in entry.subject + entry.actor]
    if walk.email:
        conditions += [sa.func.lower(table.c[column]) == walk.email for column in entry.email]
    audit_table, type_column, kind, id_column = AUDIT_OBJECT
    if name == audit_table:
        # The object type is the model's class name ("User"); the map may spell it in lower case.
        conditions.append(
            sa.and_(
                table.c[type_column].in_((kind, kind[:1].upper() + kind[1:])),
                table.c[id_column] == walk.user_id,
            )
        )
    if not conditions:
        return set()

    def kind_of(row) -> str:
        values = row._mapping
        if any(values[column] == walk.user_id for column in entry.subject):
            return ABOUT
        if (
            name == audit_table
            and values[id_column] == walk.user_id
            and str(values[type_column]).lower() == kind.lower()
        ):
            return ABOUT
        theirs_by_email = walk.email and any(
            (values[column] or "").lower() == walk.email for column in entry.email
        )
        # Another person's row naming their address (a colleague's line manager) is not about them.
        someone_else = any(values[column] is not None for column in entry.subject)
        return ABOUT if theirs_by_email and not someone_else else ACTED

    return walk.add(name, db.session.execute(_select(name).where(sa.or_(*conditions))), kind_of)


def _via(walk: _Walk, name: str, entry: Personal, parents: dict[str, list]) -> set[tuple]:
    """Rows pointing to rows newly found about the person: one query per via column."""
    table, new = db.metadata.tables[name], set()
    for column in entry.via:
        ids = parents.get(_via_parent(table, column), [])
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = db.session.execute(_select(name).where(table.c[column].in_(chunk)))
            new |= walk.add(name, rows, lambda _row: ABOUT)
    return new


def _walk(user_id: int, email: str | None) -> _Walk:
    walk = _Walk(user_id, email)
    new: dict[str, set[tuple]] = {}
    for name, entry in PERSONAL.items():
        new[name] = _direct(walk, name, entry)
    while any(new.values()):
        parents = {name: _ids(keys) for name, keys in new.items() if keys}
        new = {
            name: _via(walk, name, entry, parents)
            for name, entry in PERSONAL.items()
            if any(_via_parent(db.metadata.tables[name], c) in parents for c in entry.via)
        }
    _events_on_rows(walk)
    return walk


def _model_names() -> dict[str, str]:
    """Each table's model class name, as the audit trail names an event's object."""
    return {
        mapper.local_table.name: mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if isinstance(mapper.local_table, sa.Table)
    }


def _events_on_rows(walk: _Walk) -> None:
    """Audit events whose object is a row about the person (their booking, their charge):
    one query per table of theirs."""
    audit_table, type_column, _, id_column = AUDIT_OBJECT
    table, names = db.metadata.tables[audit_table], _model_names()
    for name, kinds in list(walk.kind.items()):
        ids = _ids(key for key, kind in kinds.items() if kind == ABOUT)
        if name not in names or not ids:
            continue
        for start in range(0, len(ids), CHUNK):
            rows = db.session.execute(
                _select(audit_table).where(
                    table.c[type_column] == names[name],
                    table.c[id_column].in_(ids[start : start + CHUNK]),
                )
            )
            walk.add(audit_table, rows, lambda _row: ABOUT)


def json_safe(value):
    """A value JSON can hold: times in ISO 8601 with their zone (UTC), Decimals as text, enums
    by value; bytes are never given (None)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(item) for item in value]
    return value


def binary_columns(table: sa.Table) -> set[str]:
    """Columns holding file contents (bytes), which are never given out."""
    return {
        column.name
        for column in table.columns
        if isinstance(column.type, sa.LargeBinary | sa.BINARY | sa.VARBINARY)
    }


def exported_columns(name: str) -> list[str]:
    """The columns given for a table: all but the withheld ones and file contents."""
    table = db.metadata.tables[name]
    left_out = set(PERSONAL[name].withheld) | binary_columns(table)
    return [column.name for column in table.columns if column.name not in left_out]


def _row(walk: _Walk, name: str, row, kind: str) -> dict:
    entry, table = PERSONAL[name], db.metadata.tables[name]
    values = {column: json_safe(row._mapping[column]) for column in exported_columns(name)}
    if kind == ABOUT:
        return values
    for column in entry.others:
        if column in values:
            values[column] = None
    for column in _user_id_columns(table, entry) & set(values):
        if values[column] != walk.user_id:
            values[column] = None
    audit_table, type_column, kind, id_column = AUDIT_OBJECT
    if (
        name == audit_table
        and str(values[type_column]).lower() == kind.lower()
        and values[id_column] != walk.user_id
    ):
        values[id_column] = None
    for column in _email_columns(table, entry) & set(values):
        if values[column] is not None and str(values[column]).lower() != walk.email:
            values[column] = None
    return values


def _order(key: tuple) -> tuple:
    return tuple((value is None, value) for value in key)


def collect(user_id: int) -> dict[str, list[dict]]:
    """Everything held about a person, by table (only tables holding something), each row as a
    dict of JSON-safe values in the table's column order, oldest row first."""
    users = db.metadata.tables["users"]
    email = db.session.scalar(sa.select(users.c.email).where(users.c.id == user_id))
    walk = _walk(user_id, email)
    held = {}
    for name in PERSONAL:
        rows = walk.rows.get(name, {})
        if rows:
            kinds = walk.kind[name]
            held[name] = [
                _row(walk, name, rows[key], kinds[key]) for key in sorted(rows, key=_order)
            ]
    return held
