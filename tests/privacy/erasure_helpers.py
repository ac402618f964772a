"""What the erasure tests compare: every report's figures, the pack and everyone's compliance;
a search of every text, JSON and binary column; a dump of every table."""

import contextlib
import html
import json
import re
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import Agency, Sector
from lms.compliance import status
from lms.extensions import db
from lms.reports import build, pack, periods
from lms.reports.filters import Filters
from lms.settings.services import current

# The years of the history, and the year of the erasure (its revocations must not count).
PERIODS = [periods.financial_year(year) for year in (2024, 2025, 2026)]


def _option_sets(report) -> list[dict]:
    sets = [{}]
    for option, values in report.options.items():
        sets += [{option: value} for value in values]
    return sets


def _filter_sets(report, agency: Agency) -> list[dict]:
    sets = [{}]
    if "agency" in report.filters:
        sets.append({"agency": agency})
    if "sector" in report.filters:
        sets.append({"sector": Sector.HEALTH})
    return sets


def figures(app, *, now, year, agency_id: int, reports=None) -> dict:
    """Every report for every period, filter and option the tests use, the annual pack of the
    year and everyone's compliance at the end of it, as plain values."""
    out = {}
    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        for name, report in build.REPORTS.items():
            if reports is not None and name not in reports:
                continue
            for period in PERIODS:
                for chosen in _filter_sets(report, agency):
                    for options in _option_sets(report):
                        table = build.run(
                            name, Filters(period=period, **chosen), now=now, **options
                        )
                        key = (name, period.code, repr(sorted(chosen)), repr(options))
                        out[key] = json.loads(json.dumps(pack.table_json(table), default=str))
        out["pack"] = json.loads(
            json.dumps(
                pack.gather(year, now=now, partnership="Riverside SCP", suppress_below=5),
                default=str,
            )
        )
        out["compliance"] = sorted(
            (
                each.person.id,
                each.person.agency_id,
                each.rule.id,
                each.state.value,
                str(each.valid_until),
                str(each.hours_done),
            )
            for each in status.for_everyone(
                on=date(2026, 3, 31), due_months=current().compliance_due_months
            )
        )
    return out


def _kind(column) -> str | None:
    if isinstance(column.type, sa.Enum):
        return None
    if isinstance(column.type, sa.JSON):
        return "json"
    if isinstance(column.type, sa.LargeBinary):
        return "binary"
    if isinstance(column.type, sa.String):
        return "text"
    return None


def _readings(value, kind: str) -> list[str]:
    """The value as text, also as HTML and JSON would have escaped it."""
    if kind == "binary":
        text = bytes(value).decode("utf-8", "replace") + bytes(value).decode("cp1252", "replace")
    elif kind == "json":
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = value
    readings = [text, html.unescape(text)]
    with contextlib.suppress(ValueError):
        readings.append(json.dumps(json.loads(text), ensure_ascii=False))
    return readings


def found_anywhere(app, *, names: list[str], emails: list[str]) -> list[str]:
    """Where any of the names (as whole words) or addresses (any letter case) appear in any
    text, JSON or binary column of any table."""
    patterns = [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names] + [
        re.compile(rf"(?<![\w.+-]){re.escape(e)}", re.IGNORECASE) for e in emails
    ]
    hits = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                kind = _kind(column)
                if kind is None:
                    continue
                for value in db.session.scalars(sa.select(column).where(column.is_not(None))):
                    for reading in _readings(value, kind):
                        for pattern in patterns:
                            if pattern.search(reading):
                                hits.append(f"{table.name}.{column.name}: {reading[:80]!r}")
    return sorted(set(hits))


def dump(app) -> dict:
    """Every row of every table."""
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }
