"""Read the attendance reports Microsoft Teams and Zoom give for a meeting: who attended, and for
how many minutes. This is the virtual attendance import's parser; the statistics are `lms.reports`.

Pure functions, no database: bytes in, a `Report` out, or a `ReportError` whose message can be
shown to the person who uploaded the file. Minutes are counted honestly: each person's intervals
are merged (two devices count once) and clipped to the scheduled session, never first join to
last leave.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from lms.attendance.meeting_report_times import (
    NO_TIMES,
    Interval,
    ReportError,
    date_order,
    mismatch,
    read_duration,
    read_stamp,
)
from lms.core.text import single_line

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Attendee:
    """One person in a report, with their time inside the session window."""

    name: str
    email: str | None
    intervals: tuple[Interval, ...]
    minutes: int
    role: str | None
    waiting_only: bool = False  # Zoom: in the waiting room, never admitted (0 minutes)


@dataclass(frozen=True)
class Report:
    """A parsed report: the platform, one attendee per person, and the meeting times it states."""

    platform: str
    attendees: tuple[Attendee, ...]
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass
class _Table:
    kind: str  # "intervals" (join/leave rows), "spans" (Teams first join/last leave), "events"
    columns: dict[str, int]
    headers: set[str]
    rows: list[list[str]]


@dataclass
class _Row:
    name: str
    email: str | None
    role: str | None
    start: datetime
    end: datetime
    duration: timedelta | None = None
    waiting: bool = False


_MAGIC = {  # the first bytes of files people upload by mistake
    (b"\x89PNG", b"\xff\xd8\xff", b"GIF8"): "an image",
    (b"PK\x03\x04",): "a zip file (an Excel workbook is one: save it as CSV)",
    (b"%PDF",): "a PDF",
    (b"\xd0\xcf\x11\xe0",): "an old Excel or Office file",
}
_COLUMNS = {
    "name": ("name", "full name", "name (original name)", "participant name"),
    "email": ("email", "user email", "email address"),
    "upn": ("participant id (upn)", "upn"),
    "join": ("join time",),
    "leave": ("leave time",),
    "first_join": ("first join", "first join time"),
    "last_leave": ("last leave", "last leave time"),
    "duration": ("in-meeting duration", "duration"),
    "role": ("role",),
    "action": ("user action",),
    "timestamp": ("timestamp",),
    "waiting": ("in waiting room",),
}
_ZOOM_HEADERS = {"name (original name)", "user email", "duration (minutes)", "guest"}
_TEAMS_HEADERS = {"full name", "participant id (upn)", "role"}
_ALIASES = {alias: field for field, aliases in _COLUMNS.items() for alias in aliases}
_KINDS = {  # the tables, most exact first, and the columns (with times) each needs
    "intervals": ("join", "leave"),  # one row per join: Zoom, Teams in-meeting activities
    "spans": ("first_join", "last_leave"),  # one row per person: Teams participants
    "events": ("timestamp", "action"),  # one row per Joined / Left: Teams' older layout
}
_STARTS, _ENDS = {"start time", "meeting start time"}, {"end time", "meeting end time"}
MAX_ROWS = 5_000  # rows of one attendance table; a session's report has far fewer
_MAX_CELL = 320  # longer cells are ignored: no name, email or time is that long
_SURNAME_FIRST = re.compile(r"([^,()]+),([^,()]+?)(\s*\(.*\))?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MISSING_COLUMNS = (
    "We could not find the columns of a Teams or Zoom attendance report (for Zoom: Name, "
    "Join time, Leave time; for Teams: Name, First join, Last leave or the in-meeting activities)."
)


def parse_report(
    data: bytes,
    *,
    window: tuple[datetime, datetime],
    timezone: ZoneInfo = LONDON,
    max_bytes: int = 5_000_000,
    max_rows: int = MAX_ROWS,
) -> Report:
    """Read a Teams or Zoom attendance export for a session scheduled in `window` (UTC aware).

    Times in the file are wall-clock times in `timezone`. Raises ReportError, with a message for
    the user, for anything that is not a readable report of this session, or that has more than
    `max_rows` attendance rows.
    """
    if window[0].tzinfo is None or window[1].tzinfo is None:
        raise ValueError("window must be timezone-aware")
    window = (window[0].astimezone(UTC), window[1].astimezone(UTC))
    text = _decode(data, max_bytes)
    rows, tables, delimiter = _read(text)
    table = min(tables, key=lambda t: list(_KINDS).index(t.kind))
    if len(table.rows) > max_rows:
        raise ReportError(
            f"The report has {len(table.rows):,} attendance rows; one session's report can have "
            f"at most {max_rows:,}. Check that it is the report of this session only."
        )
    zoom = table.kind == "intervals" and bool(
        table.headers & _ZOOM_HEADERS or (delimiter == "," and not table.headers & _TEAMS_HEADERS)
    )
    start_text, end_text = _meeting_times(rows)
    texts = [_cell(row, table, field) for row in table.rows for field in _KINDS[table.kind]]
    texts = [t for t in [*texts, start_text, end_text] if t]
    order = date_order(texts, zoom, window, timezone)
    starts_at = read_stamp(start_text, order, timezone)
    ends_at = read_stamp(end_text, order, timezone)
    if table.kind == "events":
        found = _event_rows(table, order, timezone, ends_at)
    else:
        found = _interval_rows(table, order, timezone)
    if not found:
        raise ReportError(NO_TIMES)
    attendees = _attendees(found, window)
    if not any(a.intervals for a in attendees):
        first, last = min(r.start for r in found), max(r.end for r in found)
        raise mismatch(first, last, window, timezone)
    return Report("zoom" if zoom else "teams", attendees, starts_at, ends_at)


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise ReportError(f"The file is larger than {max_bytes / 1_000_000:g} MB.")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise ReportError(f"This is not a CSV or text file: it looks like {kind}.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, label = "utf-16", "UTF-16"
    elif b"\x00" in data:
        raise ReportError("This is not a CSV or text file: it contains binary data.")
    else:
        encoding, label = "utf-8-sig", "UTF-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ReportError(
            f"The file is not a text file: it is not valid {label} text "
            "(if you edited it in Excel, save it as “CSV UTF-8”)."
        ) from None
    if not text.strip():
        raise ReportError("The file is empty.")
    return text


def _read(text: str) -> tuple[list[list[str]], list[_Table], str]:
    """The rows, the attendance tables found in them, and the delimiter (tab, else comma)."""
    for delimiter in ("\t", ",") if "\t" in text else (",",):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise ReportError(f"The file could not be read as CSV or text: {error}.") from None
        tables: list[_Table] = []
        current: _Table | None = None
        for row in rows:
            if header := _header(row):
                current = _Table(*header, {_key(cell) for cell in row}, [])
                tables.append(current)
            elif not any(cell.strip() for cell in row):
                current = None
            elif current is not None:
                current.rows.append(row)
        if tables:
            return rows, tables, delimiter
    raise ReportError(_MISSING_COLUMNS)


def _header(row: list[str]) -> tuple[str, dict[str, int]] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        if field := _ALIASES.get(_key(cell)):
            columns.setdefault(field, index)
    for kind, needed in _KINDS.items():
        if "name" in columns and all(field in columns for field in needed):
            return kind, columns
    return None


def _meeting_times(rows: list[list[str]]) -> tuple[str, str]:
    """The meeting start and end as written: Teams summary lines or a Zoom meeting block."""
    start = end = ""
    for index, row in enumerate(rows):
        keys = [_key(cell) for cell in row]
        if len(row) >= 2 and keys[0] in _STARTS:
            start = start or row[1].strip()[:_MAX_CELL]
        if len(row) >= 2 and keys[0] in _ENDS:
            end = end or row[1].strip()[:_MAX_CELL]
        if "start time" in keys and "end time" in keys and index + 1 < len(rows):
            values = rows[index + 1] + [""] * len(keys)
            start = start or values[keys.index("start time")].strip()[:_MAX_CELL]
            end = end or values[keys.index("end time")].strip()[:_MAX_CELL]
    return start, end


def _interval_rows(table: _Table, order: str, zone: ZoneInfo) -> list[_Row]:
    """Rows with a join and a leave time; rows without readable times are skipped."""
    found = []
    start_field, end_field = _KINDS[table.kind]
    for row in table.rows:
        name = _name(_cell(row, table, "name"))
        start = read_stamp(_cell(row, table, start_field), order, zone)
        end = read_stamp(_cell(row, table, end_field), order, zone)
        email = _email(_cell(row, table, "email")) or _email(_cell(row, table, "upn"))
        role = _cell(row, table, "role") or None
        if name and (start or end) and _cell(row, table, "waiting").lower() in ("yes", "true"):
            # Zoom: time in the waiting room is not time in the session, but the person is
            # listed (with no time) so the trainer sees they tried to join.
            moment = start or end
            found.append(_Row(name, email, role, moment, moment, waiting=True))
            continue
        if not name or not start or not end or end < start:
            continue
        duration = read_duration(_cell(row, table, "duration"))
        if table.kind == "spans" and duration is None:
            continue  # first join to last leave, without the time present, says too little
        if duration and duration >= end - start - timedelta(minutes=1):
            duration = None  # present throughout: the times are exact
        found.append(_Row(name, email, role, start, end, duration))
    return found


def _event_rows(table: _Table, order: str, zone: ZoneInfo, ends_at: datetime | None) -> list[_Row]:
    """Teams' older layout: one row per Joined, "Joined before" or Left, with no device named.

    Each Left closes the person's open time, whatever joins came before it: a join while already
    present (a "Joined before" then a "Joined", or a second device) does not start a second
    stretch. A later Left with nothing open, after such a second join, is that other device
    leaving, so it extends the stretch it follows. Time still open at the end of the file (no
    final Left) lasts to the meeting's end, else to the last time in the report."""
    events = []
    for row in table.rows:
        name, action = _name(_cell(row, table, "name")), _cell(row, table, "action").lower()
        stamp = read_stamp(_cell(row, table, "timestamp"), order, zone)
        if name and stamp and action.startswith(("join", "left", "leave")):
            events.append((stamp, not action.startswith("join"), _key(name), name))
    events.sort()
    people: dict[str, dict] = {}
    for stamp, leaving, key, name in events:
        person = people.setdefault(key, {"name": name, "open": None, "extra": 0, "spans": []})
        if not leaving:
            if person["open"] is None:
                person["open"] = stamp
            else:
                person["extra"] += 1  # already present: a duplicate join or a second device
        elif person["open"] is not None:
            person["spans"].append([person["open"], stamp])
            person["open"] = None
        elif person["extra"] and person["spans"]:
            person["extra"] -= 1  # the other device leaving: present until now
            person["spans"][-1][1] = max(person["spans"][-1][1], stamp)
    end = ends_at or max((stamp for stamp, *_ in events), default=None)
    found = []
    for person in people.values():
        if person["open"] is not None and end is not None:
            person["spans"].append([person["open"], max(person["open"], end)])
        found += [_Row(person["name"], None, None, start, stop) for start, stop in person["spans"]]
    return found


def _attendees(found: list[_Row], window: Interval) -> tuple[Attendee, ...]:
    """One attendee per email, else per name, with merged intervals clipped to the window."""
    groups: dict[str, list[_Row]] = {}
    for row in found:
        groups.setdefault(row.email or f"name: {_key(row.name)}", []).append(row)
    attendees = []
    for rows in groups.values():
        merged = _merge((max(r.start, window[0]), min(r.end, window[1])) for r in rows)
        seconds = sum((end - start).total_seconds() for start, end in merged)
        if any(r.duration is not None for r in rows):
            seconds = min(seconds, sum(_present(r, window) for r in rows))
        role = next((r.role for r in rows if r.role), None)
        waiting = all(r.waiting for r in rows)
        attendees.append(
            Attendee(rows[0].name, rows[0].email, merged, int(seconds // 60), role, waiting)
        )
    return tuple(sorted(attendees, key=lambda a: (a.name.casefold(), a.email or "")))


def _present(row: _Row, window: Interval) -> float:
    """Seconds surely present in the window. A Teams span (first join to last leave) whose stated
    duration is shorter counts that duration less the span's time outside the window."""
    inside = max(timedelta(0), min(row.end, window[1]) - max(row.start, window[0]))
    if row.duration is not None:
        inside = max(timedelta(0), min(inside, row.duration - (row.end - row.start - inside)))
    return inside.total_seconds()


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _cell(row: list[str], table: _Table, field: str) -> str:
    """A stripped cell on one line (control characters go: names, emails and roles are stored),
    or "" when missing or too long to be a name, email or time."""
    index = table.columns.get(field)
    value = single_line(row[index]).strip() if index is not None and index < len(row) else ""
    return value if len(value) <= _MAX_CELL else ""


def _key(text: str) -> str:
    """Headers and names compared ignoring case and spacing."""
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _name(text: str) -> str:
    """'Surname, First (Guest)' becomes 'First Surname (Guest)'; spaces are tidied."""
    if match := _SURNAME_FIRST.fullmatch(text.strip()):
        text = f"{match[2]} {match[1]}{match[3] or ''}"
    return " ".join(text.split())


def _email(text: str) -> str | None:
    return text.lower() if _EMAIL.fullmatch(text) else None
