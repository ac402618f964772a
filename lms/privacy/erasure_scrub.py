"""The last pass of an erasure: the person's name and address replaced by the stand-in's in
every text, JSON and binary column of every table, wherever they may have been copied (a
message to a colleague, an audit event's recorded change, an uploaded file, a problem row).

Each table is read once, with a filter the database runs (lower-cased LIKE of the name and
address, also as the templates' HTML and JSON would write them: a name written with named HTML
entities, "Zo&euml;", is not found); the rows it finds are changed in Python, which
matches whole words only ("Person P1" is not found in "Person P10") and any letter case. Binary
columns are read in full and matched as UTF-8 and Windows-1252 bytes.

A namesake keeps their own name: `users.name` and `certificates.person_name` are the names of
the people the rows belong to, so the name is not replaced there (the erased person's own row
and certificates are renamed by the service); and in a row that belongs to or was made by
another person of the same name (a message to them, an event they made or that is about their
account), only the address is replaced, as the name there is theirs.

Letter case beyond ASCII is matched in Python but not by SQLite's filter: "ZOË" in capitals is
found on PostgreSQL only."""

import html
import json
import re
from dataclasses import dataclass

import markupsafe
import sqlalchemy as sa

from lms.extensions import db
from lms.privacy.registry import AUDIT_OBJECT, PERSONAL

NAME_KEPT = {("users", "name"), ("certificates", "person_name")}
SECRETS = {"password_hash", "session_token", "token_hash", "secret_hash"}
ESCAPE = "!"


@dataclass(frozen=True)
class Needle:
    """One thing to find and what replaces it."""

    text: str
    replacement: str
    is_email: bool

    def variants(self) -> list[str]:
        found = [
            self.text,
            html.escape(self.text),
            str(markupsafe.escape(self.text)),  # as the templates write it
            json.dumps(self.text)[1:-1],
        ]
        return list(dict.fromkeys(found))

    def pattern(self) -> re.Pattern:
        words = "|".join(re.escape(each) for each in self.variants())
        if self.is_email:
            return re.compile(rf"(?<![\w.+-])(?:{words})(?![\w-]|\.\w)", re.IGNORECASE)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)

    def byte_patterns(self) -> list[re.Pattern]:
        patterns = []
        for encoding in ("utf-8", "cp1252"):
            try:
                raw = self.text.encode(encoding)
            except UnicodeEncodeError:
                continue
            before = rb"(?<![\w.+-])" if self.is_email else rb"(?<!\w)"
            after = rb"(?![\w-]|\.\w)" if self.is_email else rb"(?!\w)"
            patterns.append(re.compile(before + re.escape(raw) + after, re.IGNORECASE))
        return list({p.pattern: p for p in patterns}.values())


def _like(value: str) -> str:
    escaped = value.lower().replace(ESCAPE, ESCAPE * 2).replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _kind(column: sa.Column) -> str | None:
    if column.name in SECRETS or isinstance(column.type, sa.Enum):
        return None
    if isinstance(column.type, sa.JSON):
        return "json"
    if isinstance(column.type, sa.LargeBinary):
        return "binary"
    if isinstance(column.type, sa.String):  # Text is a String
        return "text"
    return None


def _replace_text(value: str, needles: list[tuple[Needle, re.Pattern]]) -> str:
    for needle, pattern in needles:
        value = pattern.sub(needle.replacement, value)
    return value


def _replace_json(value, needles):
    if isinstance(value, str):
        return _replace_text(value, needles)
    if isinstance(value, list):
        return [_replace_json(item, needles) for item in value]
    if isinstance(value, dict):
        return {
            _replace_text(key, needles): _replace_json(item, needles) for key, item in value.items()
        }
    return value


def _replace_bytes(value: bytes, needles: list[Needle]) -> bytes:
    for needle in needles:
        for pattern in needle.byte_patterns():
            value = pattern.sub(needle.replacement.encode(), value)
    return value


def _needles_for(table: str, column: str, needles: list[Needle]) -> list[Needle]:
    return [n for n in needles if n.is_email or (table, column) not in NAME_KEPT]


def _text_condition(table: sa.Table, columns: list[sa.Column], needles: list[Needle]):
    conditions = []
    for column in columns:
        as_text = sa.cast(column, sa.Text) if _kind(column) == "json" else column
        for needle in _needles_for(table.name, column.name, needles):
            for variant in needle.variants():
                conditions.append(sa.func.lower(as_text).like(_like(variant), escape=ESCAPE))
    return sa.or_(*conditions)


def _owners(table: sa.Table) -> list[sa.Column]:
    """The columns naming the person a row belongs to or was made by (`registry.PERSONAL`)."""
    entry = PERSONAL.get(table.name)
    if entry is None:
        return []
    names = set(entry.subject + entry.actor)
    if table.name == AUDIT_OBJECT[0]:
        names |= {AUDIT_OBJECT[1], AUDIT_OBJECT[3]}
    return [c for c in table.columns if c.name in names]


def _namesake_row(table: sa.Table, row, namesakes: frozenset[int]) -> bool:
    """Whether the row belongs to, or was made by, someone else with the same name."""
    if not namesakes:
        return False
    for column in _owners(table):
        if column.name == AUDIT_OBJECT[3]:
            if row[AUDIT_OBJECT[1]] == AUDIT_OBJECT[2].title() and row[column.name] in namesakes:
                return True
        elif column.name != AUDIT_OBJECT[1] and row[column.name] in namesakes:
            return True
    return False


def scrub(needles: list[Needle], *, namesakes: frozenset[int] = frozenset()) -> int:
    """Replace the needles in every text, JSON and binary column of every table; in a row that
    belongs to or was made by a namesake (other people with the same name), only the addresses.
    Returns how many rows changed."""
    changed = 0
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if _kind(c) is not None]
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        texts = [c for c in columns if _kind(c) != "binary"]
        binaries = [c for c in columns if _kind(c) == "binary"]
        extra = [c for c in _owners(table) if c not in keys and c not in texts]
        if texts:
            query = sa.select(*keys, *extra, *texts).where(_text_condition(table, texts, needles))
            changed += _rewrite(table, keys, texts, query, needles, namesakes)
        for column in binaries:
            query = sa.select(*keys, *extra, column).where(column.is_not(None))
            changed += _rewrite(table, keys, [column], query, needles, namesakes)
    return changed


def _rewrite(table, keys, columns, query, needles, namesakes) -> int:
    emails = [n for n in needles if n.is_email]
    compiled = {
        (column.name, only_emails): [
            (n, n.pattern()) for n in _needles_for(table.name, column.name, chosen)
        ]
        for column in columns
        for only_emails, chosen in ((False, needles), (True, emails))
    }
    updates = []
    for row in db.session.execute(query.execution_options(yield_per=200)).mappings():
        only_emails = _namesake_row(table, row, namesakes)
        values = {}
        for column in columns:
            value = row[column.name]
            if value is None:
                continue
            kind = _kind(column)
            found = compiled[(column.name, only_emails)]
            if kind == "binary":
                new = _replace_bytes(bytes(value), [n for n, _ in found])
            elif kind == "json":
                new = _replace_json(value, found)
            else:
                new = _replace_text(value, found)
            if new != value:
                values[column.name] = new
        if values:
            updates.append(({key.name: row[key.name] for key in keys}, values))
    for where, values in updates:
        db.session.execute(
            sa.update(table)
            .where(*(table.c[name] == value for name, value in where.items()))
            .values(**values)
        )
    return len(updates)
