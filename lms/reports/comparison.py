"""The year beside the one before: the trend's measures for the two financial years and the
change between them (a count's difference, a rate's difference in percentage points)."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lms.catalogue.models import CourseSession
from lms.elearning.models import Completion
from lms.extensions import db
from lms.reports import build
from lms.reports.filters import Filters
from lms.reports.periods import Period, financial_year
from lms.reports.tables import PERCENT


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


def _change(this: Any, last: Any) -> Any:
    if this is None or last is None:
        return None
    return (
        round(this - last, 1) if isinstance(this, float) or isinstance(last, float) else this - last
    )


def table(year: Period, previous: Period, *, now: datetime) -> dict[str, Any]:
    """The comparison as the pack holds a table: a row per measure, with the previous year,
    this year and the change."""
    trend = build.run("trend", Filters(period=year), now=now)
    rows = []
    for row in trend.rows:
        this, last = row[year.code], row[previous.code]
        rows.append(
            {
                "measure": row["measure"],
                "kind": row["_kind"],
                previous.code: last,
                year.code: this,
                "change": _change(this, last),
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
