"""Completion dates as providers write them: 31/01/2026 and 31/01/26, with or without a time
(14:05 or 14:05:09), ISO 8601 (2026-01-31, 2026-01-31T14:05:09Z, ...+01:00), and in XLSX files
a real date cell or an Excel serial number. A time with an offset counts on the UK day it was;
a date after today (in the UK) is refused."""

import re
from datetime import UTC, date, datetime, timedelta

from lms.core.timefmt import LONDON

UK_DATE = re.compile(
    r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<half>[AaPp][Mm])?)?"
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EXCEL_EPOCH = date(1899, 12, 30)
# Excel serial numbers from 1 January 1990 to 31 December 2099: any other number is not a date.
EXCEL_SERIALS = range(32874, 73051)


class DateRefused(ValueError):
    """The value is not a completion date that can be used; the message says why."""


def uk_today() -> date:
    return datetime.now(UTC).astimezone(LONDON).date()


def _uk_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LONDON).date()


def _from_text(text: str, *, today: date) -> date:
    match = UK_DATE.fullmatch(text)
    if match:
        day, month, year = int(match["day"]), int(match["month"]), match["year"]
        number = int(year)
        if len(year) == 2:
            number += 2000
            if date(number, 1, 1) > today:
                number -= 100
        if match["hour"] is not None and (int(match["hour"]) > 23 or int(match["minute"]) > 59):
            raise DateRefused("The time of day does not exist")
        try:
            return date(number, month, day)
        except ValueError:
            raise DateRefused("Not a real date (day/month/year, such as 31/01/2026)") from None
    if ISO_DATE.match(text):
        try:
            return _uk_day(datetime.fromisoformat(text.replace(" ", "T", 1)))
        except ValueError:
            raise DateRefused("Not a real date (such as 2026-01-31)") from None
    raise DateRefused("Not a date that can be read (such as 31/01/2026 or 2026-01-31)")


def completion_day(value, *, today: date) -> date:
    """The UK day a completion value names; DateRefused when it is blank, unreadable or after
    `today`."""
    if isinstance(value, datetime):
        day = _uk_day(value)
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if int(value) not in EXCEL_SERIALS:
            raise DateRefused("A number, not a date")
        day = EXCEL_EPOCH + timedelta(days=int(value))
    else:
        text = str(value or "").strip()
        if not text:
            raise DateRefused("The completion date is blank")
        day = _from_text(text, today=today)
    if day > today:
        raise DateRefused("The completion date is in the future")
    return day


class DateReader:
    """completion_day with a memory of the values seen: a file repeats a few hundred dates
    (or the same time on many rows) many thousand times. Kept to `limit` values."""

    def __init__(self, today: date, limit: int = 20_000):
        self.today = today
        self.limit = limit
        self.seen: dict = {}

    def __call__(self, value) -> date:
        key = (type(value), value)
        found = self.seen.get(key)
        if found is None:
            try:
                found = completion_day(value, today=self.today)
            except DateRefused as error:
                found = error
            if len(self.seen) < self.limit:
                self.seen[key] = found
        if isinstance(found, DateRefused):
            raise found
        return found
