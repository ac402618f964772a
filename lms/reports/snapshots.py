"""Snapshots of the annual pack: its figures frozen when it is made, so it downloads the same
later. The exact figures are stored as canonical JSON with their SHA-256; the publication
version is derived from them (`suppression.publish`)."""

import hashlib
import json
from datetime import datetime
from typing import Any

from lms.extensions import db
from lms.reports import pack, suppression
from lms.reports.models import ReportSnapshot
from lms.reports.periods import Period


def canonical(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def take(
    year: Period, *, now: datetime, by, partnership: str, suppress_below: int
) -> ReportSnapshot:
    """Gather the year's figures now and freeze them (flushed, not committed)."""
    text = canonical(
        pack.gather(year, now=now, partnership=partnership, suppress_below=suppress_below)
    )
    snapshot = ReportSnapshot(
        year=year.code,
        taken_at=now,
        taken_by_id=by.id if by is not None else None,
        suppress_below=suppress_below,
        figures=text,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def figures_of(snapshot: ReportSnapshot, *, publication: bool = False) -> dict[str, Any]:
    """The snapshot's figures: exact (internal) or with small numbers hidden (publication)."""
    figures = json.loads(snapshot.figures)
    return suppression.publish(figures) if publication else figures
