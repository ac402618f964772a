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


def parse_clock(text: str) -> time | None:
    """A time of day typed as 9:30, 09:30, 9.30 or 16:00; None when it is not one."""
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def uk_day(moment: datetime) -> str:
    """Monday 29 March 2027."""
    moment = local(moment)
    return f"{moment:%A} {moment.day} {moment:%B %Y}"
