"""Choosing the quotes for a year's annual pack: from the answers given that year with consent
to be quoted (the quote bank's), an administrator ticks the ones the pack should print. The
next snapshot of the year holds them (`pack.chosen_quotes`)."""

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from lms.audit import services as audit
from lms.core.errors import DomainError
from lms.extensions import db
from lms.feedback import comments
from lms.feedback.models import Answer
from lms.reports.models import PackQuote
from lms.reports.periods import Period


class QuoteChoiceError(DomainError):
    pass


def quotable(year: Period) -> list[Answer]:
    """The answers of the year that may be quoted (consent given, not redacted or withdrawn),
    newest first, as the quote bank lists them."""
    return list(db.session.scalars(comments.quotes(comments.Chosen(period=year))).unique())


def chosen_ids(year: Period) -> set[int]:
    """The answers chosen for the year's pack (some may no longer be quotable)."""
    return set(
        db.session.scalars(sa.select(PackQuote.answer_id).where(PackQuote.year == year.code))
    )


def choose(year: Period, answer_ids: Iterable[int], *, by, now: datetime) -> tuple[int, int]:
    """Make the year's chosen quotes exactly `answer_ids` (each one of the year's quotable
    answers), each addition and removal audited; returns how many were added and removed.
    Flushes, does not commit."""
    wanted = set(answer_ids)
    allowed = {answer.id for answer in quotable(year)}
    if wanted - allowed:
        raise QuoteChoiceError(
            f"Choose quotes from {year.code}'s list: one is no longer there to be quoted",
            field="answers",
        )
    rows = {
        row.answer_id: row
        for row in db.session.scalars(sa.select(PackQuote).where(PackQuote.year == year.code))
    }
    removed = [row for answer_id, row in rows.items() if answer_id not in wanted]
    for row in removed:
        audit.record(
            "annual_pack.quote_removed",
            row,
            actor=by,
            before={"year": row.year, "answer_id": row.answer_id},
        )
        db.session.delete(row)
    added = [
        PackQuote(year=year.code, answer_id=answer_id, chosen_by_id=by.id, chosen_at=now)
        for answer_id in sorted(wanted - rows.keys())
    ]
    db.session.add_all(added)
    db.session.flush()
    for row in added:
        audit.record(
            "annual_pack.quote_chosen",
            row,
            actor=by,
            after={"year": row.year, "answer_id": row.answer_id},
        )
    db.session.flush()
    return len(added), len(removed)
