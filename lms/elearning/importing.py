"""Importing a provider's completion file: each row becomes a completion (added, or already
held), waits in the unmatched queue (nobody has an account with its address yet), is skipped
(its status is not one that means completed) or is rejected with the reason.

The file is read a row at a time and settled in chunks: one query for the chunk's people, one
for the completions they already hold, one for their agencies on the day, then one bulk insert,
so no object is made per row. The whole import is one transaction (the caller commits once): a
failure half-way leaves nothing, and the same file imported again adds only what is missing.
The partial unique index on completions is the backstop against a race."""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.audit import services as audit
from lms.catalogue.models import Course, DeliveryMode, Provider
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.elearning import completions
from lms.elearning.bulk import Driver, roomy_cache
from lms.elearning.dates import DateReader, DateRefused, uk_today
from lms.elearning.models import Completion, CompletionSource, ElearningImport, UnmatchedStatus
from lms.elearning.readers import Table
from lms.extensions import db

CHUNK_ROWS = 10_000
PREVIEW_ROWS = 20
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

ADDED, HELD, NOT_COMPLETED, UNMATCHED, REJECTED = (
    "added",
    "already_held",
    "not_completed",
    "unmatched",
    "rejected",
)
OUTCOMES = (ADDED, HELD, NOT_COMPLETED, UNMATCHED, REJECTED)
WAITING = "No account has this email address yet: it waits in the unmatched queue"


class ImportRefused(DomainError):
    pass


@dataclass(slots=True)
class Row:
    """What one row of the file becomes."""

    number: int
    outcome: str | None = None
    reason: str = ""
    value: str = ""
    email: str = ""
    name: str = ""
    agency_text: str = ""
    course: Course | None = None
    day: date | None = None
    score: Decimal | None = None
    user_id: int | None = None
    agency_id: int | None = None


class Rules:
    """How this provider's rows are read under one mapping: the columns, its modules (by
    code, or by title), the statuses that mean completed, and today's date."""

    def __init__(self, provider: Provider, mapping: dict, headings: list[str], *, today=None):
        def column(field):
            heading = mapping.get(field)
            return headings.index(heading) if heading else None

        self.columns = {field: column(field) for field in mapping if field != "completed_values"}
        self.completed = {value.casefold() for value in mapping.get("completed_values") or []}
        self.dates = DateReader(today or uk_today())
        modules = db.session.scalars(
            sa.select(Course).where(
                Course.provider_id == provider.id, Course.delivery_mode == DeliveryMode.ELEARNING
            )
        ).all()
        self.modules: dict[str, Course | None] = {}
        for course in modules:  # a title two modules share is no good: use the code
            title = course.title.casefold().strip()
            self.modules[title] = None if title in self.modules else course
        for course in modules:
            if course.module_code:
                self.modules[course.module_code.casefold().strip()] = course

    def _cell(self, cells: list, field: str):
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def read(self, number: int, cells: list) -> Row:
        """The row as far as the file alone can say: not completed, rejected, or a candidate."""
        cell = self._cell
        row = Row(number)
        row.name = str(cell(cells, "name"))[:200]
        row.agency_text = str(cell(cells, "agency"))[:200]
        if self.columns.get("status") is not None:
            status = str(cell(cells, "status")).strip()
            if status.casefold() not in self.completed:
                return self._not(row, NOT_COMPLETED, status, f"Status “{status}” is not completed")
        typed = str(cell(cells, "email")).strip()
        email = typed.lower()
        if not email:
            return self._not(row, REJECTED, "", "The email address is blank")
        if len(email) > 254 or not EMAIL.fullmatch(email):
            return self._not(row, REJECTED, typed, "This is not an email address")
        row.email = email
        module = str(cell(cells, "module")).strip()
        course = self.modules.get(module.casefold())
        if course is None:
            reason = (
                "The module is blank"
                if not module
                else "More than one of the provider's modules has this title: use its code"
                if module.casefold() in self.modules
                else "No e-learning module of this provider has this code or title"
            )
            return self._not(row, REJECTED, module, reason)
        row.course = course
        completed = cell(cells, "completed_at")
        try:
            row.day = self.dates(completed)
        except DateRefused as error:
            return self._not(row, REJECTED, str(completed), str(error))
        score = str(cell(cells, "score")).strip().rstrip("%").strip()
        if score:
            try:
                row.score = Decimal(score).quantize(Decimal("0.01"))
            except InvalidOperation:
                row.score = None
            if row.score is None or not row.score.is_finite() or not 0 <= row.score <= 100:
                return self._not(row, REJECTED, score, "The score is not a number from 0 to 100")
        return row

    @staticmethod
    def _not(row: Row, outcome: str, value: str, reason: str) -> Row:
        row.outcome, row.value, row.reason = outcome, value[:500], reason
        return row


@dataclass
class Known:
    """The account of each address one import has looked up already (None: no account), so a
    person met again in a later chunk costs no query; it cannot change while the import's one
    transaction runs. It grows with the partnership's people, not with the file."""

    people: dict[str, int | None] = field(default_factory=dict)

    def accounts(self, driver: Driver, emails: set[str]) -> dict[str, int | None]:
        unknown = emails - self.people.keys()
        found = driver.people(unknown)
        self.people.update((email, found.get(email)) for email in unknown)
        return self.people


def settle(
    rows: list[Row], *, batch: ElearningImport | None, known: Known | None = None
) -> list[Row]:
    """Decide the rest of a chunk against the database: added, already held or unmatched. With
    a batch, insert its completions, unmatched rows and problems; without, change nothing."""
    driver = Driver()
    known = known or Known()
    candidates = [row for row in rows if row.outcome is None]
    people = known.accounts(driver, {row.email for row in candidates})
    matched = []
    for row in candidates:
        row.user_id = people.get(row.email)
        if row.user_id is None:
            row.outcome, row.value, row.reason = UNMATCHED, row.email, WAITING
        else:
            matched.append(row)
    _settle_matched(driver, matched, batch)
    _settle_unmatched(driver, [row for row in rows if row.outcome == UNMATCHED], batch)
    if batch is not None:
        driver.insert(
            "elearning_import_problems",
            ("import_id", "row_number", "value", "reason"),
            [
                (batch.id, row.number, row.value, row.reason)
                for row in rows
                if row.outcome in (REJECTED, UNMATCHED)
            ],
        )
    return rows


def _settle_matched(driver: Driver, matched: list[Row], batch: ElearningImport | None) -> None:
    """Completions of people with accounts: already held (earlier, or higher up the file), or
    added with the person's agency on the day."""
    if not matched:
        return
    held = driver.existing(
        "elearning_completions",
        ("user_id", "course_id", "completed_on"),
        ("integer", "integer", "date"),
        {(row.user_id, row.course.id, driver.day(row.day)) for row in matched},
        where="t.withdrawn_at IS NULL",
    )
    fresh = []
    for row in matched:
        key = (row.user_id, row.course.id, row.day.isoformat())
        if key in held:
            row.outcome = HELD
        else:
            held.add(key)
            row.outcome = ADDED
            fresh.append(row)
    # A preview shows the agency of every row it matched; an import needs it only to add.
    shown = matched if batch is None else fresh
    agencies = completions.agencies_on((row.user_id, row.day) for row in shown)
    for row in shown:
        row.agency_id = agencies[(row.user_id, row.day)]
    if batch is None:
        return
    now, source = driver.moment(utcnow()), CompletionSource.IMPORT.value
    driver.insert(
        "elearning_completions",
        (
            "user_id",
            "course_id",
            "agency_id",
            "completed_on",
            "expires_on",
            "score",
            "source",
            "import_id",
            "recorded_at",
        ),
        [
            (
                row.user_id,
                row.course.id,
                row.agency_id,
                driver.day(row.day),
                driver.day(completions.expires_on(row.course.certificate_validity_months, row.day)),
                driver.number(row.score),
                source,
                batch.id,
                now,
            )
            for row in fresh
        ],
    )


def _settle_unmatched(driver: Driver, waiting: list[Row], batch: ElearningImport | None) -> None:
    """Rows for an address nobody has: each waits once per address, module and day."""
    if not waiting or batch is None:
        return
    known = driver.existing(
        "unmatched_completions",
        ("email", "course_id", "completed_on"),
        ("text", "integer", "date"),
        {(row.email, row.course.id, driver.day(row.day)) for row in waiting},
    )
    new = []
    for row in waiting:
        key = (row.email, row.course.id, row.day.isoformat())
        if key not in known:
            known.add(key)
            new.append(row)
    now, source = driver.moment(utcnow()), CompletionSource.IMPORT.value
    driver.insert(
        "unmatched_completions",
        (
            "email",
            "name",
            "agency_text",
            "course_id",
            "completed_on",
            "score",
            "source",
            "import_id",
            "received_at",
            "status",
        ),
        [
            (
                row.email,
                row.name,
                row.agency_text,
                row.course.id,
                driver.day(row.day),
                driver.number(row.score),
                source,
                batch.id,
                now,
                UnmatchedStatus.OPEN.value,
            )
            for row in new
        ],
    )


def _chunks(table: Table, rules: Rules, size: int) -> Iterator[list[Row]]:
    chunk = []
    for number, cells in table.rows:
        chunk.append(rules.read(number, cells))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def preview(provider: Provider, table: Table, mapping: dict, *, limit=PREVIEW_ROWS) -> list[Row]:
    """What the first rows of the file would become, changing nothing."""
    rules = Rules(provider, mapping, table.headings)
    rows = []
    for number, cells in table.rows:
        rows.append(rules.read(number, cells))
        if len(rows) >= limit:
            break
    table.close()
    return settle(rows, batch=None)


def people_shown(rows: Iterable[Row]) -> dict[int, tuple[str, str]]:
    """The name and agency on the day of each person matched in a preview."""
    ids = {row.user_id for row in rows if row.user_id}
    names = dict(
        db.session.execute(sa.select(User.id, User.name).where(User.id.in_(list(ids)))).all()
    )
    agencies = {row.agency_id for row in rows if row.agency_id}
    agency_names = dict(
        db.session.execute(
            sa.select(Agency.id, Agency.name).where(Agency.id.in_(list(agencies)))
        ).all()
    )
    return {
        row.user_id: (names.get(row.user_id, ""), agency_names.get(row.agency_id, ""))
        for row in rows
        if row.user_id
    }


def run(
    batch: ElearningImport,
    table: Table,
    mapping: dict,
    *,
    by: User | None,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int | None = None,
) -> ElearningImport:
    """Import every row of the file into the batch, count each outcome, remember the mapping
    for the provider, audit it. Flushes; the caller commits once (or rolls back on failure)."""
    if batch.imported_at is not None:
        raise ImportRefused("This file has been imported already")
    provider = batch.provider
    rules = Rules(provider, mapping, table.headings)
    counts = dict.fromkeys(OUTCOMES, 0)
    try:
        known = Known()
        with roomy_cache():
            for chunk in _chunks(table, rules, chunk_rows or CHUNK_ROWS):
                for row in settle(chunk, batch=batch, known=known):
                    counts[row.outcome] += 1
                if progress is not None:
                    progress(len(chunk))
    finally:
        table.close()
    # The completions the batch added, found at once by the batch (its index), for the hooks.
    completions.completed(
        db.session.connection()
        .execute(sa.select(Completion.id).where(Completion.import_id == batch.id))
        .scalars()
        .all()
    )
    batch.rows_read = sum(counts.values())
    for outcome, number in counts.items():
        setattr(batch, outcome, number)
    batch.mapping = mapping
    batch.imported_at = utcnow()
    batch.content = None
    provider.import_mapping = mapping
    db.session.flush()
    audit.record(
        "elearning.imported",
        batch,
        actor=by,
        after={"provider_id": provider.id, "file_name": batch.file_name, **counts},
    )
    return batch
