"""Show UTC times in UK time, in the GOV.UK style (22 November 2026, 4:30pm)."""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def uk_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = local(moment)
    return f"{moment.day} {moment:%B %Y}"


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
