"""The rules every source of completions shares (a provider file, an xAPI statement, a verified
declaration, an unmatched row matched later): which agency a completion counts for, when it
expires, adding it once, withdrawing it, and attaching waiting rows to a person."""

import calendar
import json
import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from lms.accounts.models import AgencyMembership, User
from lms.audit import services as audit
from lms.catalogue.models import Course
from lms.core.models import utcnow
from lms.elearning.models import (
    Completion,
    CompletionSource,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db

HELD = Completion.withdrawn_at.is_(None)
# Called as hook(completion_ids, now=...) when completions are added (one at a time, or a whole
# import at once) and when they are withdrawn (evaluation requests, certificates).
COMPLETED: list[Callable] = []
WITHDRAWN: list[Callable] = []


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1
    month is 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(validity_months: int | None, completed_on: date) -> date | None:
    """The day a completion stops being valid; None when the module never expires."""
    return None if validity_months is None else add_months(completed_on, validity_months)


def refresh_expiry(course: Course) -> int:
    """Bring the expiry of every completion of a module into line with its validity (after an
    admin changes it); returns how many changed. One UPDATE per distinct completion day would
    be needed for month arithmetic in SQL on both databases, so it is done here in batches."""
    changed = 0
    rows = db.session.execute(
        sa.select(Completion.id, Completion.completed_on, Completion.expires_on).where(
            Completion.course_id == course.id
        )
    ).all()
    updates = []
    for row in rows:
        wanted = expires_on(course.certificate_validity_months, row.completed_on)
        if wanted != row.expires_on:
            updates.append({"id": row.id, "expires_on": wanted, "renewal_reminded_at": None})
    if updates:
        db.session.execute(sa.update(Completion), updates)
        changed = len(updates)
    return changed


def _day_end(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def _ids(ids: set[int]):
    """The ids as one parameter (a JSON list on SQLite, an array on PostgreSQL), so a chunk of
    thousands of people is one short statement the driver prepares once, not a parameter each."""
    ids = sorted(ids)
    if db.session.get_bind().dialect.name == "sqlite":
        values = sa.func.json_each(sa.literal(json.dumps(ids))).table_valued("value")
        return sa.select(values.c.value)
    return sa.select(sa.func.unnest(sa.literal(ids, type_=postgresql.ARRAY(sa.Integer))))


ids_param = _ids


def completed(completion_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Run the COMPLETED hooks for completions just added."""
    completion_ids = list(completion_ids)
    if completion_ids:
        for hook in COMPLETED:
            hook(completion_ids, now=now or utcnow())


def withdrawn(completion_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Run the WITHDRAWN hooks for completions just withdrawn."""
    completion_ids = list(completion_ids)
    if completion_ids:
        for hook in WITHDRAWN:
            hook(completion_ids, now=now or utcnow())


def agencies_on(pairs: Iterable[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """The agency each person belonged to on each day: the membership that had started by the
    end of that day and not ended before it; a day before any membership (a completion older
    than the account) counts for the first agency they joined. One query for all the people."""
    pairs = set(pairs)
    people = {user_id for user_id, _ in pairs}
    if not people:
        return {}
    memberships: dict[int, list] = {}
    query = (
        sa.select(
            AgencyMembership.user_id,
            AgencyMembership.agency_id,
            AgencyMembership.started_at,
            AgencyMembership.ended_at,
        )
        .where(AgencyMembership.user_id.in_(_ids(people)))
        .order_by(AgencyMembership.user_id, AgencyMembership.started_at, AgencyMembership.id)
    )
    for row in db.session.execute(query):
        ended = row.ended_at.timestamp() if row.ended_at is not None else math.inf
        memberships.setdefault(row.user_id, []).append(
            (row.started_at.timestamp(), ended, row.agency_id)
        )
    # The current agency only of people with no membership history (seldom anyone).
    without = list(people - memberships.keys())
    current = dict(
        db.session.execute(sa.select(User.id, User.agency_id).where(User.id.in_(without))).all()
        if without
        else []
    )
    day_ends: dict[date, float] = {}
    found = {}
    for user_id, day in pairs:
        history = memberships.get(user_id)
        if not history:
            found[(user_id, day)] = current.get(user_id)
            continue
        agency_id = history[0][2]
        if len(history) > 1:
            end = day_ends.get(day)
            if end is None:
                end = day_ends[day] = _day_end(day).timestamp()
            for started, ended, agency in history:
                if started <= end:
                    agency_id = agency
                    if ended > end:
                        break
        found[(user_id, day)] = agency_id
    return found


def agency_on(user_id: int, day: date) -> int:
    return agencies_on([(user_id, day)])[(user_id, day)]


def held(user_id: int, course_id: int, completed_on: date) -> Completion | None:
    return db.session.scalar(
        sa.select(Completion).where(
            Completion.user_id == user_id,
            Completion.course_id == course_id,
            Completion.completed_on == completed_on,
            HELD,
        )
    )


def record(
    user: User,
    course: Course,
    completed_on: date,
    *,
    source: CompletionSource,
    score: Decimal | None = None,
    import_id: int | None = None,
    statement_id: str | None = None,
    declaration_id: int | None = None,
) -> tuple[Completion, bool]:
    """Add one completion, or find the one already held for that person, module and day.
    Returns it and whether it was added. The unique index decides a race: the loser finds the
    winner's row."""
    existing = held(user.id, course.id, completed_on)
    if existing is not None:
        return existing, False
    completion = Completion(
        user_id=user.id,
        course_id=course.id,
        agency_id=agency_on(user.id, completed_on),
        completed_on=completed_on,
        expires_on=expires_on(course.certificate_validity_months, completed_on),
        score=score,
        source=source,
        import_id=import_id,
        statement_id=statement_id,
        declaration_id=declaration_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except sa.exc.IntegrityError:
        existing = held(user.id, course.id, completed_on)
        if existing is None:
            raise
        return existing, False
    completed([completion.id])
    return completion, True


def withdraw(completion: Completion, *, by: User | None, reason: str) -> None:
    """Take a completion out of every figure (it stays, marked, for the audit trail)."""
    if completion.withdrawn_at is not None:
        return
    completion.withdrawn_at = utcnow()
    completion.withdrawn_by_id = by.id if by is not None else None
    db.session.flush()
    withdrawn([completion.id], now=completion.withdrawn_at)
    audit.record(
        "elearning.completion_withdrawn",
        completion,
        actor=by,
        before={"user_id": completion.user_id, "course_id": completion.course_id},
        reason=reason,
    )


def match_unmatched(row: UnmatchedCompletion, user: User, *, by: User | None) -> Completion:
    """Turn a waiting row into a completion of `user` (by hand, or when they register or
    change their email to its address); audited."""
    completion, _ = record(
        user,
        row.course,
        row.completed_on,
        source=row.source,
        score=row.score,
        import_id=row.import_id,
        statement_id=row.statement_id,
    )
    row.status = UnmatchedStatus.MATCHED
    row.completion_id = completion.id
    row.decided_by_id = by.id if by is not None else None
    row.decided_at = utcnow()
    audit.record(
        "elearning.unmatched_matched",
        row,
        actor=by,
        after={"user_id": user.id, "completion_id": completion.id, "email": row.email},
    )
    return completion


def attach_waiting(user: User) -> int:
    """Attach every open unmatched row for the person's address to them; returns how many.
    Called when someone registers or their new address takes effect."""
    rows = db.session.scalars(
        sa.select(UnmatchedCompletion).where(
            UnmatchedCompletion.status == UnmatchedStatus.OPEN,
            UnmatchedCompletion.email == user.email.lower(),
        )
    ).all()
    for row in rows:
        match_unmatched(row, user, by=None)
    return len(rows)
