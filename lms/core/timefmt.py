"""Show UTC times in UK time, in the GOV.UK style (22 November 2026, 4:30pm)."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def uk_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return long_date(local(moment).date())


def long_date(day: date) -> str:
    """22 November 2026."""
    return f"{day.day} {day:%B %Y}"


def day_span(first: date, last: date) -> str:
    """22 November 2026, or 22 November 2026 to 23 November 2026."""
    if first == last:
        return long_date(first)
    return f"{long_date(first)} to {long_date(last)}"


def uk_time(moment: datetime) -> str:
    moment = local(moment)
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute:
        return f"{hour}:{moment.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def uk_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{uk_date(moment)}, {uk_time(moment)}"


def london_to_utc(day: date, clock: time) -> datetime:
    """A UK wall-clock date and time as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(UTC)


CLOCK = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.]?(?P<minute>[0-9]{2}))?(?P<half>am|pm)?")
NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}


def parse_clock(text: str) -> time | None:
    """A time of day as people type it: 09:30, 9.30, 0930, 16:00, 9am, 9:30 a.m., 2pm or noon.
    A bare hour such as 9 is ambiguous and refused. None when it is not a time."""
    typed = re.sub(r"\s+", "", (text or "").lower()).replace("a.m.", "am").replace("p.m.", "pm")
    if typed in NAMED_TIMES:
        return NAMED_TIMES[typed]
    match = CLOCK.fullmatch(typed)
    if not match or (match["minute"] is None and match["half"] is None):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def uk_day(moment: datetime) -> str:
    """Monday 29 March 2027."""
    moment = local(moment)
    return f"{moment:%A} {moment.day} {moment:%B %Y}"
