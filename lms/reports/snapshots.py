"""Snapshots of the annual pack: its figures frozen when it is made, so it downloads the same
later. The exact figures are stored as canonical JSON with their SHA-256; the publication
version is derived from them (`suppression.publish`)."""

import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lms.extensions import db
from lms.reports import changes, pack, suppression
from lms.reports.models import ReportSnapshot
from lms.reports.periods import Period


def canonical(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def take(
    year: Period, *, now: datetime, by, partnership: str, suppress_below: int
) -> ReportSnapshot:
    """Gather the year's figures now and freeze them (flushed, not committed)."""
    figures = pack.gather(year, now=now, partnership=partnership, suppress_below=suppress_below)
    text = canonical(figures)
    snapshot = ReportSnapshot(
        year=year.code,
        taken_at=now,
        taken_by_id=by.id if by is not None else None,
        suppress_below=suppress_below,
        figures=text,
        digest=digest_of(figures),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def figures_of(snapshot: ReportSnapshot, *, publication: bool = False) -> dict[str, Any]:
    """The snapshot's figures: exact (internal) or with small numbers hidden (publication)."""
    figures = json.loads(snapshot.figures)
    return suppression.publish(figures) if publication else figures


# What a snapshot records about its own making rather than the year's training: left out when
# two snapshots' figures are compared, so two taken on different days can be "the same".
ABOUT_THE_TAKING = ("taken_at",)


def of_year(year: str) -> list[ReportSnapshot]:
    """The year's snapshots, newest first."""
    return list(
        db.session.scalars(
            sa.select(ReportSnapshot)
            .where(ReportSnapshot.year == year)
            .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
        )
    )


def latest(limit: int = 50) -> list[ReportSnapshot]:
    """The most recent snapshots of every year, newest first."""
    return list(
        db.session.scalars(
            sa.select(ReportSnapshot)
            .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
            .limit(limit)
        )
    )


def previous(snapshot: ReportSnapshot) -> ReportSnapshot | None:
    """The snapshot of the same year taken just before this one, or None."""
    earlier = sa.or_(
        ReportSnapshot.taken_at < snapshot.taken_at,
        sa.and_(ReportSnapshot.taken_at == snapshot.taken_at, ReportSnapshot.id < snapshot.id),
    )
    return db.session.scalar(
        sa.select(ReportSnapshot)
        .where(ReportSnapshot.year == snapshot.year, earlier)
        .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
        .limit(1)
    )


def digest_of(figures: dict[str, Any]) -> str:
    """The SHA-256 of the figures without when they were taken: equal for two snapshots exactly
    when every figure, sentence, quote and definition is the same."""
    kept = {name: value for name, value in figures.items() if name not in ABOUT_THE_TAKING}
    return hashlib.sha256(canonical(kept).encode()).hexdigest()


def figures_digest(snapshot: ReportSnapshot) -> str:
    """The digest of a stored snapshot's figures, computed again from them."""
    return digest_of(json.loads(snapshot.figures))


def same_figures(old: ReportSnapshot, new: ReportSnapshot) -> bool:
    """Whether two snapshots hold the same figures (however far apart they were taken)."""
    return old.digest == new.digest


def changed_since(old: ReportSnapshot, new: ReportSnapshot) -> list[changes.Change]:
    """What changed between two snapshots of a year, cell by cell: `changes.Change(table, row,
    column, before, after)` for each figure that differs, from their internal figures."""
    return changes.changes(figures_of(old), figures_of(new))
