"""Each report on the scale data, built in-process as the app builds it
(`lms.reports.build.run`), timed against its floor: one hand-written SQL statement computing the
same table on the same connection. The floor's figures must equal the report's, or the bench stops.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from bench import floors
from bench.databases import SECRET_KEY, Database
from lms import create_app
from lms.accounts.models import Sector
from lms.catalogue.models import DeliveryMode
from lms.core.timefmt import local
from lms.extensions import db
from lms.reports import build, elearning, periods
from lms.reports.filters import parse_args
from lms.reports.tables import Table, rate

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PERIOD = "2025-26"
TARGET_SECONDS = 1.0
TARGET_RATIO = 3.0


class Mismatch(Exception):
    """The floor and the report disagree: one of them is wrong."""


@dataclass(frozen=True)
class Case:
    name: str
    by: str | None = None  # the programme's grouping

    @property
    def label(self) -> str:
        return f"{self.name} (by {self.by})" if self.by else self.name

    @property
    def options(self) -> dict:
        # The programme's default grouping is by mode: ask for it as the page does, with none.
        return {"by": self.by} if self.by not in (None, "mode") else {}


CASES = [
    Case("programme", "mode"),
    Case("programme", "theme"),
    Case("attendance-by-agency"),
    Case("attendance-by-sector"),
    Case("multi-agency-mix"),
    Case("unmet-demand"),
    Case("trend"),
    Case("elearning-by-agency"),
    Case("elearning-by-sector"),
    Case("elearning-by-module"),
]


@dataclass
class Timing:
    case: str
    database: str
    report: list[float] = field(default_factory=list)  # seconds, one per repetition
    floor: list[float] = field(default_factory=list)
    queries: int = 0  # statements the report runs
    slowest_query: float = 0.0  # seconds, the report's slowest statement (in a counted run)
    rows: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.report)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float:
        return self.median / self.floor_median

    @property
    def met(self) -> bool:
        return self.median <= TARGET_SECONDS and self.ratio <= TARGET_RATIO


def run(database: Database, *, warmup: int, repeat: int) -> list[Timing]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": SECRET_KEY})
    timings = []
    with app.app_context():
        try:
            for case in CASES:
                timing = _measure(case, database.name, warmup=warmup, repeat=repeat)
                print(
                    f"  {database.name:<10} {case.label:<24} {timing.median * 1000:8.1f} ms"
                    f"  floor {timing.floor_median * 1000:7.1f} ms  x{timing.ratio:.2f}"
                    f"  {timing.queries} queries",
                    flush=True,
                )
                timings.append(timing)
        finally:
            db.session.remove()
            db.engine.dispose()
    return timings


def _measure(case: Case, database: str, *, warmup: int, repeat: int) -> Timing:
    filters = parse_args({"period": PERIOD}, now=NOW)
    key = (case.name, case.by)
    floor_sql = floors.statement(key)
    floor_parameters = floors.parameters(case.name, filters, NOW)

    def report() -> Table:
        return build.run(case.name, filters, now=NOW, **case.options)

    def floor() -> list:
        return db.session.execute(floor_sql, floor_parameters).mappings().all()

    timing = Timing(case.label, database)
    table, rows = _once(report), _once(floor)
    _check(case, table, rows)
    timing.rows = len(table.rows)
    timing.queries, timing.slowest_query = _statements(report)
    for _ in range(warmup):
        _once(report)
        _once(floor)
    for _ in range(repeat):  # in turn, so a drift of the machine's speed hits both alike
        timing.report.append(_timed(report))
        timing.floor.append(_timed(floor))
    return timing


def _once(work: Callable):
    """As in a request: a new session, its connection from the pool, given back after."""
    db.session.remove()
    try:
        return work()
    finally:
        db.session.remove()


def _timed(work: Callable) -> float:
    db.session.remove()
    started = time.perf_counter()
    try:
        work()
        return time.perf_counter() - started
    finally:
        db.session.remove()


def _statements(work: Callable) -> tuple[int, float]:
    """How many statements the work runs and how long the slowest took."""
    durations, started = [], {}

    def before(_connection, cursor, *_args):
        started[id(cursor)] = time.perf_counter()

    def after(_connection, cursor, *_args):
        durations.append(time.perf_counter() - started.pop(id(cursor)))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        _once(work)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)
    return len(durations), max(durations, default=0.0)


# The cross-check ------------------------------------------------------------------------------


def _check(case: Case, table: Table, rows: list) -> None:
    """Compare every figure of the report's table with the floor's; raise Mismatch if any differ."""
    rows = [{name: _plain(value) for name, value in row.items()} for row in rows]
    expected = EXPECTED[case.name](case, rows)
    problems = []
    actual_rows = {_key(case, row): row for row in table.rows}
    if set(actual_rows) != set(expected["rows"]):
        missing = sorted(map(str, set(expected["rows"]) - set(actual_rows)))
        extra = sorted(map(str, set(actual_rows) - set(expected["rows"])))
        problems.append(f"rows differ: floor only {missing[:5]}, report only {extra[:5]}")
    for row_key in sorted(set(actual_rows) & set(expected["rows"]), key=str):
        for column in table.columns:
            want, got = expected["rows"][row_key].get(column.key), actual_rows[row_key][column.key]
            if _comparable(want) != _comparable(got):
                problems.append(f"row {row_key!r}, {column.key}: floor {want!r}, report {got!r}")
    if "total" in expected:
        for column in (c for c in table.columns if c.numeric):
            want, got = expected["total"].get(column.key), table.total[column.key]
            if _comparable(want) != _comparable(got):
                problems.append(f"total, {column.key}: floor {want!r}, report {got!r}")
    if "summary" in expected:
        got = [value for _, value in table.summary]
        if got != expected["summary"]:
            problems.append(f"summary: floor {expected['summary']}, report {got}")
    if "chart" in expected:
        got = [values for _, values in table.chart.groups]
        if got != expected["chart"]:
            problems.append(f"chart: floor {expected['chart']}, report {got}")
    if problems:
        shown = "\n  ".join(problems[:20])
        raise Mismatch(f"{case.label}: the floor and the report disagree:\n  {shown}")


def _key(case: Case, row: dict):
    return {
        "programme": lambda: row["group"],
        "attendance-by-agency": lambda: row["agency"],
        "attendance-by-sector": lambda: row["sector"],
        "multi-agency-mix": lambda: row["session_id"],
        "unmet-demand": lambda: row["course_id"],
        "trend": lambda: row["key"],
        "elearning-by-agency": lambda: row["agency"],
        "elearning-by-sector": lambda: row["sector"],
        "elearning-by-module": lambda: row["course_id"],
    }[case.name]()


def _plain(value):
    """Numbers as Python ints where whole (PostgreSQL gives Decimal sums, SQLite 0/1 flags)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _comparable(value):
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return round(float(value), 6)
    return value


def _rates(row: dict) -> dict:
    row["attendance_rate"] = rate(row["attended"], row["booked"])
    if "places_offered" in row:
        row["fill_rate"] = rate(row["booked"], row["places_offered"])
    return row


def _split(rows: list) -> tuple[list[dict], list[dict]]:
    return [r for r in rows if r["part"] == "row"], [r for r in rows if r["part"] != "row"]


def _programme(case: Case, rows: list) -> dict:
    label = {
        "mode": lambda value: DeliveryMode(value).label,
        "theme": lambda value: value or "No theme",
    }[case.by]
    body, (total,) = _split(rows)
    return {
        "rows": {label(r["grp"]): _rates(r | {"group": label(r["grp"])}) for r in body},
        "total": _rates(total),
    }


def _attendance(case: Case, rows: list) -> dict:
    body, (total,) = _split(rows)
    for row in body:
        row["sector"] = Sector(row["sector"]).label
    by = "agency" if case.name == "attendance-by-agency" else "sector"
    return {"rows": {r[by]: _rates(r) for r in body}, "total": _rates(total)}


def _mix(_case: Case, rows: list) -> dict:
    body = [r | {"date": local(r["starts_at"]).date()} for r in rows if r["part"] == "row"]
    (summary,) = [r for r in rows if r["part"] == "summary"]
    chart = sorted((r["sectors"], r["sessions"]) for r in rows if r["part"] == "chart")

    def average(value) -> str:
        return "–" if value is None else f"{float(value):.1f}"

    return {
        "rows": {r["session_id"]: r for r in body},
        "summary": [
            f"{summary['sessions']:,}",
            f"{summary['sessions_attended']:,}",
            average(summary["average_agencies"]),
            average(summary["average_sectors"]),
            f"{summary['one_sector']:,}",
            f"{summary['one_agency']:,}",
        ],
        "chart": [(sessions,) for _, sessions in chart],
    }


def _unmet(_case: Case, rows: list) -> dict:
    body, (total,) = _split(rows)
    for row in body:
        row["all_full"] = "Yes" if row["all_full"] else "No"
    return {
        "rows": {r["course_id"]: r for r in body},
        "total": total,
        "summary": [f"{total['all_full']:,}"],
    }


def _trend(_case: Case, rows: list) -> dict:
    by_year = {row["year"]: _rates(row) for row in rows}
    years = [year.code for year in periods.last_three_years(periods.parse(PERIOD))]
    expected = {}
    for measure, (label, kind) in build.TREND_MEASURES.items():
        default = None if kind == "percent" else 0
        expected[measure] = {"measure": label, "key": measure} | {
            year: by_year.get(year, {}).get(measure, default) for year in years
        }
    return {"rows": expected}


def _elearning(case: Case, rows: list) -> dict:
    body, (total,) = _split(rows)
    for row in body:
        if "sector" in row:
            row["sector"] = Sector(row["sector"]).label
        if "level" in row:
            row["level"] = f"Level {row['level']}"
    by = case.name.removeprefix("elearning-by-")
    key = {"agency": "agency", "sector": "sector", "module": "course_id"}[by]
    chart = sorted(body, key=lambda r: (-r["completions"], r[by]))[: elearning.CHART_ROWS]
    return {
        "rows": {r[key]: r for r in body},
        "total": total,
        "chart": [(r["completions"], r["people"]) for r in chart],
    }


EXPECTED = {
    "programme": _programme,
    "attendance-by-agency": _attendance,
    "attendance-by-sector": _attendance,
    "multi-agency-mix": _mix,
    "unmet-demand": _unmet,
    "trend": _trend,
    "elearning-by-agency": _elearning,
    "elearning-by-sector": _elearning,
    "elearning-by-module": _elearning,
}
