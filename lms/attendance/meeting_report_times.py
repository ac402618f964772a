"""Times in meeting attendance reports: the date formats Teams and Zoom write, day or month
first, durations, and the refusal for a report of another date. Pure functions, no database."""

import re
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_offset
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


class ReportError(Exception):
    """A file that is not a Teams or Zoom attendance report; message fit to show the user."""


_STAMP = re.compile(
    r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4}),?(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d{1,6})?"
    r"\s*(?:([AaPp])\.?[Mm]\.?)?\s*([Zz]|[+-]\d{2}:?\d{2})?"
)
_DURATION = re.compile(
    r"(?:(\d{1,4})\s*h(?:ours?|rs?)?)?\s*(?:(\d{1,6})\s*m(?:in(?:ute)?s?)?)?"
    r"\s*(?:(\d{1,6})\s*s(?:ec(?:ond)?s?)?)?|(\d{1,4}):(\d{2})(?::(\d{2}))?",
    re.IGNORECASE,
)
NO_TIMES = (
    "The report has no rows with a join and a leave time we could read (we expect times like "
    "14/11/22, 09:29:07 or 09/24/2020 11:35:16 AM)."
)


def date_order(texts: list[str], zoom: bool, window: Interval, zone: ZoneInfo) -> str:
    """Day-first or month-first: the reading whose dates fall within a day of the session."""
    twelve_hour = any((m := _STAMP.fullmatch(t.strip())) and m.group(7) for t in texts)
    orders = ("mdy", "dmy") if zoom or twelve_hour else ("dmy", "mdy")
    low, high = window[0] - timedelta(days=1), window[1] + timedelta(days=1)

    def near(order: str) -> int:
        return sum(1 for t in texts if (s := read_stamp(t, order, zone)) and low <= s <= high)

    counts = {order: near(order) for order in orders}
    best = max(orders, key=counts.__getitem__)
    if counts[best] == 0:
        stamps = [s for t in texts if (s := read_stamp(t, orders[0], zone))]
        stamps = stamps or [s for t in texts if (s := read_stamp(t, orders[1], zone))]
        if not stamps:
            raise ReportError(NO_TIMES)
        raise mismatch(min(stamps), max(stamps), window, zone)
    return best


def read_stamp(text: str, order: str, zone: ZoneInfo) -> datetime | None:
    """A report time as UTC: `dd/mm/yy, HH:MM:SS`, `m/d/yy, h:mm:ss PM`, ISO; else None."""
    match = _STAMP.fullmatch(text.strip())
    if not match:
        return None
    a, b, c, hour, minute, second, half, offset = match.groups()
    if len(a) == 4:
        year, month, day = a, b, c
    elif len(c) in (2, 4):
        year, (day, month) = c, (a, b) if order == "dmy" else (b, a)
    else:
        return None
    try:
        clock = int(hour)
        if half:
            if not 1 <= clock <= 12:
                return None
            clock = clock % 12 + (12 if half.lower() == "p" else 0)
        tzinfo: ZoneInfo | fixed_offset = zone
        if offset and offset in "zZ":
            tzinfo = UTC
        elif offset:
            shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[-2:]))
            tzinfo = fixed_offset(-shift if offset[0] == "-" else shift)
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        if not 1970 <= full_year <= 2200:
            return None
        moment = datetime(full_year, int(month), int(day), clock, int(minute), int(second or 0))
        return moment.replace(tzinfo=tzinfo).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def mismatch(first: datetime, last: datetime, window: Interval, zone: ZoneInfo) -> ReportError:
    def describe(start: datetime, end: datetime) -> str:
        start, end = start.astimezone(zone), end.astimezone(zone)
        same_day = start.date() == end.date()
        return f"{start.day} {start:%B %Y, %H:%M}" + (
            f"–{end:%H:%M}" if same_day else f" to {end.day} {end:%B %Y, %H:%M}"
        )

    return ReportError(
        f"The report's dates ({describe(first, last)}) do not match the session date "
        f"({describe(*window)})."
    )


def read_duration(text: str) -> timedelta | None:
    """Teams durations: `1h 2m 3s`, `21m 7s`, `1 hr 12 min`, `00:47:03`, `47:03`."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds, *clock = (int(g or 0) for g in match.groups())
    if match.group(4):
        hours, minutes, seconds = clock if match.group(6) else (0, *clock[:2])
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)
