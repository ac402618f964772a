"""The year beside the one before: the trend's measures for the two financial years and the
change between them (a count's difference, a rate's difference in percentage points)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lms.catalogue.models import CourseSession
from lms.core.numbers import round_half_up
from lms.elearning.models import Completion
from lms.extensions import db
from lms.reports import build
from lms.reports.filters import Filters
from lms.reports.periods import Period, financial_year
from lms.reports.tables import PERCENT, plain


def previous_year(year: Period, *, now: datetime) -> Period | None:
    """The financial year before, when any training was recorded in it (a session starting or
    an e-learning completion); None when there is nothing to compare with."""
    before = financial_year(year.first.year - 1)
    sessions = sa.select(CourseSession.id).where(
        CourseSession.starts_at >= before.starts_at, CourseSession.starts_at < before.ends_at
    )
    completions = sa.select(Completion.id).where(
        Completion.completed_on.between(before.first, before.last)
    )
    found = db.session.scalar(sa.select(sa.exists(sessions.limit(1)) | sa.exists(completions)))
    return before if found else None


def _change(this: Any, last: Any, kind: str) -> Any:
    """This year less the previous one, in the measure's units (a rate's in percentage points);
    None where either year has no figure."""
    if this is None or last is None:
        return None
    if kind == PERCENT:
        return float(round_half_up(Decimal(str(this)) - Decimal(str(last))))
    return plain(this - last, kind)


def table(year: Period, previous: Period | None, *, now: datetime) -> dict[str, Any] | None:
    """The comparison as the pack holds a table: a row per measure (its "kind": count, percent
    or money, in pounds), with the previous year, this year and the change; None when there is
    no previous year to compare with."""
    if previous is None:
        return None
    trend = build.run("trend", Filters(period=year), now=now)
    rows = []
    for row in trend.rows:
        this, last = row[year.code], row[previous.code]
        rows.append(
            {
                "measure": row["measure"],
                "kind": row["_kind"],
                previous.code: plain(last, row["_kind"]) if last is not None else None,
                year.code: plain(this, row["_kind"]) if this is not None else None,
                "change": _change(this, last, row["_kind"]),
            }
        )
    return {
        "report": "comparison",
        "title": f"{year.code} compared with {previous.code}",
        "period": year.code,
        "period_label": year.label,
        "filters": {},
        "columns": [
            {"key": "measure", "label": "Measure", "kind": "text"},
            {"key": previous.code, "label": previous.code, "kind": "count"},
            {"key": year.code, "label": year.code, "kind": "count"},
            {"key": "change", "label": "Change", "kind": "count"},
        ],
        "rows": rows,
        "total": None,
        "summary": [
            {
                "label": "Rates",
                "value": "A rate's change is in percentage points"
                if any(row["kind"] == PERCENT for row in rows)
                else "",
            }
        ],
        "chart": None,
    }
