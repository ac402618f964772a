"""An agency's compliance as its coordinator sees it: a row per person and requirement that
applies to them, filtered by status and requirement, counted by status, when each was last
chased, and the same rows as a CSV download."""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from lms.accounts import permissions
from lms.compliance import status
from lms.compliance.models import Chase
from lms.compliance.my_training import hours_text
from lms.compliance.status import State, Status
from lms.core.cells import safe_cell
from lms.core.timefmt import long_date, uk_date
from lms.extensions import db


def can_see_agency(viewer, agency_id: int | None) -> bool:
    """Admins see (and chase in) any agency; a coordinator their own."""
    if permissions.is_admin(viewer):
        return True
    return (
        agency_id is not None
        and permissions.is_coordinator(viewer)
        and viewer.agency_id == agency_id
    )


@dataclass(frozen=True)
class Row:
    status: Status
    last_chased: datetime | None = None

    @property
    def key(self) -> str:
        """The value its chase checkbox sends: "<person id>-<requirement id>"."""
        return f"{self.status.person.id}-{self.status.rule.id}"

    @property
    def can_chase(self) -> bool:
        return self.status.state is not State.COMPLIANT


@dataclass(frozen=True)
class Table:
    rows: list[Row]  # the rows the filters keep
    counts: dict[State, int]  # per status, of the rows the requirement filter keeps


def last_chases(user_ids: list[int]) -> dict[tuple[int, int], datetime]:
    """When each (person, requirement) was last chased, in one query."""
    if not user_ids:
        return {}
    query = (
        sa.select(Chase.user_id, Chase.requirement_id, sa.func.max(Chase.chased_at))
        .where(Chase.user_id.in_(user_ids))
        .group_by(Chase.user_id, Chase.requirement_id)
    )
    return {(user_id, rule_id): at for user_id, rule_id, at in db.session.execute(query)}


def table(
    agency_id: int,
    *,
    today: date,
    due_months: int,
    state: State | None = None,
    requirement_id: int | None = None,
) -> Table:
    """The agency's people and the requirements that apply to them today, person by person."""
    found = status.for_agency(agency_id, today=today, due_months=due_months)
    if requirement_id is not None:
        found = [item for item in found if item.rule.id == requirement_id]
    counts = Counter(item.state for item in found)
    kept = [item for item in found if state is None or item.state is state]
    chased = last_chases(sorted({item.person.id for item in kept}))
    rows = [Row(item, chased.get((item.person.id, item.rule.id))) for item in kept]
    return Table(rows, {each: counts.get(each, 0) for each in State})


def evidence_text(item: Status) -> str:
    if item.hours_done is not None:
        done = f"{hours_text(item.hours_done)} of {hours_text(item.rule.hours)} hours"
        return f"{done} since {long_date(item.window_from)}"
    if item.evidence:
        return f"{item.evidence[0].title}, {long_date(item.evidence[0].day)}"
    return ""


def to_csv(rows: list[Row]) -> str:
    """The rows as CSV with a byte-order mark (Excel reads it as UTF-8), no cell a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Name",
            "Email",
            "Job title",
            "Requirement",
            "Status",
            "Valid until",
            "Evidence",
            "Last chased",
        ]
    )
    for row in rows:
        item = row.status
        writer.writerow(
            safe_cell(value)
            for value in [
                item.person.name,
                item.person.email,
                item.person.job_title,
                item.rule.name,
                item.state.label,
                long_date(item.valid_until) if item.valid_until else "",
                evidence_text(item),
                uk_date(row.last_chased),
            ]
        )
    return "\ufeff" + out.getvalue()
