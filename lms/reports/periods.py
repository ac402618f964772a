"""Reporting periods: UK financial years (2025-26), their quarters (Q1 is April to June) and
any date range. Dates are UK dates; a session belongs to the period of its first date."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lms.core.errors import DomainError
from lms.core.timefmt import local, london_to_utc, long_date

QUARTER_MONTHS = {1: (4, 6), 2: (7, 9), 3: (10, 12), 4: (1, 3)}
_YEAR = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-(\d{2})[ -]?Q([1-4])", re.IGNORECASE)
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to)\s*(\d{4}-\d{2}-\d{2})")
EARLIEST = date(2000, 4, 1)


class PeriodError(DomainError):
    """A period that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class Period:
    """The UK dates `first` to `last`, both included."""

    first: date
    last: date
    code: str  # as the command line and the API write it: 2025-26, 2025-26 Q1, 2025-04-01..
    label: str  # as a page shows it

    @property
    def starts_at(self) -> datetime:
        return london_to_utc(self.first, time(0))

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return london_to_utc(self.last + timedelta(days=1), time(0))


def fy_start_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def financial_year(start_year: int) -> Period:
    label = fy_label(start_year)
    return Period(
        date(start_year, 4, 1), date(start_year + 1, 3, 31), label, f"{label} financial year"
    )


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def quarter(start_year: int, number: int) -> Period:
    first_month, last_month = QUARTER_MONTHS[number]
    year = start_year + 1 if number == 4 else start_year
    last = date(year + (last_month == 12), last_month % 12 + 1, 1) - timedelta(days=1)
    code = f"{fy_label(start_year)} Q{number}"
    return Period(
        date(year, first_month, 1),
        last,
        code,
        f"{code} ({long_date(date(year, first_month, 1))} to {long_date(last)})",
    )


def date_range(first: date, last: date) -> Period:
    if last < first:
        raise PeriodError("The end date must be the same as or after the start date", field="end")
    if first < EARLIEST or last.year > 2100:
        raise PeriodError("Enter dates between 2000 and 2100", field="start")
    return Period(first, last, f"{first}..{last}", f"{long_date(first)} to {long_date(last)}")


def current_financial_year(now: datetime) -> Period:
    return financial_year(fy_start_year(local(now).date()))


def last_three_years(period: Period) -> list[Period]:
    """The financial year the period ends in and the two before it, oldest first."""
    end = fy_start_year(period.last)
    return [financial_year(end - back) for back in (2, 1, 0)]


def parse(text: str) -> Period:
    """2025-26, 2025-26 Q1 (or 2025-26-Q1), or 2025-04-01..2025-06-30."""
    text = (text or "").strip()
    if match := _QUARTER.fullmatch(text):
        return quarter(_checked_year(match), int(match.group(3)))
    if match := _YEAR.fullmatch(text):
        return financial_year(_checked_year(match))
    if match := _RANGE.fullmatch(text):
        try:
            first, last = (date.fromisoformat(match.group(n)) for n in (1, 2))
        except ValueError:
            raise PeriodError(f"{text} is not a real date range") from None
        return date_range(first, last)
    raise PeriodError(
        "Enter the period as a financial year like 2025-26, a quarter like 2025-26 Q1, "
        "or a date range like 2025-04-01..2025-06-30"
    )


def _checked_year(match: re.Match) -> int:
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise PeriodError(
            f"{match.group(0)[:7]} is not a financial year: write it as "
            f"{fy_label(start)} (1 April {start} to 31 March {start + 1})"
        )
    if not 2000 <= start <= 2098:
        raise PeriodError("Enter a financial year from 2000-01 to 2098-99")
    return start
