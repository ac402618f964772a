"""The periods the reports read, as a regular expression per report: the pattern the OpenAPI
description gives for `period` (`lms.reports.openapi`) and the check the reports API makes of a
period (`lms.reports.api`), one expression for both.

Each period `periods.parse` reads is written one way: the financial years it accepts, their
quarters as `2025-26 Q1`, and ranges of real dates `first..last`. The trend shows the three
financial years up to the period's end, all of which must lie within the dates accepted.
`periods` takes financial years from 2000-01 to 2098-99 and dates from 1 April 2000 to the end
of 2100.
"""

import calendar
import re
from functools import cache

from lms.reports import periods

FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR = periods.EARLIEST.year, 2098
LATEST_YEAR = 2100

_DAYS = {
    31: "(?:0[1-9]|[12][0-9]|3[01])",
    30: "(?:0[1-9]|[12][0-9]|30)",
    28: "(?:0[1-9]|1[0-9]|2[0-8])",
}


def alternatives(choices) -> str:
    """A regular expression for any one of `choices`."""
    return "(?:" + "|".join(choices) + ")"


def _month_days(months: tuple[int, ...]) -> str:
    parts = []
    for length, days in _DAYS.items():
        chosen = [f"{month:02d}" for month in months if _length(month) == length]
        if chosen:
            parts.append(f"{alternatives(chosen)}-{days}")
    return alternatives(parts)


def _length(month: int) -> int:
    return 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31


def _dates(first: tuple[int, int], last: tuple[int, int]) -> str:
    """Real dates as YYYY-MM-DD from the first day of month `first` (year, month) to the last
    day of month `last`."""
    (first_year, first_month), (last_year, last_month) = first, last

    def months(year: int) -> tuple[int, ...]:
        start = first_month if year == first_year else 1
        end = last_month if year == last_year else 12
        return tuple(range(start, end + 1))

    years_by_months: dict[tuple[int, ...], list[int]] = {}
    for year in range(first_year, last_year + 1):
        years_by_months.setdefault(months(year), []).append(year)
    parts = [f"{_years(years)}-{_month_days(ms)}" for ms, years in years_by_months.items()]
    leap = [
        str(year)
        for year in range(first_year, last_year + 1)
        if calendar.isleap(year) and 2 in months(year)
    ]
    if leap:
        parts.append(f"{alternatives(leap)}-02-29")
    return alternatives(parts)


def _years(years: list[int]) -> str:
    """The years, a whole decade written as one: 2010 to 2019 as 201[0-9]."""
    choices = []
    for decade in sorted({year // 10 for year in years}):
        within = [year for year in years if year // 10 == decade]
        if len(within) == 10:
            choices.append(f"{decade}[0-9]")
        else:
            choices.extend(str(year) for year in within)
    return alternatives(choices)


@cache
def period_pattern(report: str) -> str:
    """The periods the report answers for, as a regular expression of the whole value."""
    first_year, last_year = FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR
    earliest = earliest_last = (periods.EARLIEST.year, periods.EARLIEST.month)
    latest = (LATEST_YEAR, 12)
    if report == "trend":
        # Its first year starts two years before the one the period ends in, and its last year
        # (to 31 March) must end by the latest date.
        first_year += 2
        earliest_last = (periods.EARLIEST.year + 2, periods.EARLIEST.month)
        latest = (LATEST_YEAR, 3)
    years = alternatives(periods.fy_label(year) for year in range(first_year, last_year + 1))
    firsts, lasts = _dates(earliest, latest), _dates(earliest_last, latest)
    return rf"^(?:{years}(?: Q[1-4])?|{firsts}\.\.{lasts})$"


def period_rule(report: str) -> str:
    """What the report's period must be, in words, for an error message."""
    written = (
        "a financial year like 2025-26, a quarter like 2025-26 Q1, or a date range like "
        "2025-04-01..2025-06-30"
    )
    if report == "trend":
        return f"Its period must end from 1 April 2002 to 31 March 2100, written as {written}."
    return f"Write it as {written}, from 1 April 2000 to 31 December 2100."


def period_admitted(report: str, value: str) -> bool:
    return _period_expression(report).fullmatch(value) is not None


@cache
def _period_expression(report: str) -> re.Pattern:
    return re.compile(period_pattern(report))
