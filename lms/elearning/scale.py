"""The e-learning part of `flask seed-scale`: a Level 1 provider with six modules, about 150,000
completions over the history (times `scale`), spread over the practitioners, each counted for
the agency the person was in on the day, from monthly provider files (an import batch a month)
or live statements; and about one row in a hundred from an address nobody has an account with,
waiting in the unmatched queue. One person, module and day is held once, by construction.

Rows are added to the scale builder's tables (`lms.scale.builder.Builder.rows`) with ids chosen
here, and written with the rest by bulk inserts (`TABLES`).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.catalogue.models import Audience, Course, CourseStatus, DeliveryMode, Provider
from lms.core.timefmt import LONDON
from lms.elearning.completions import expires_on
from lms.elearning.models import (
    Completion,
    CompletionSource,
    ElearningImport,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db

COMPLETIONS = 150_000
CHUNK = 10_000
UNMATCHED_RATE = 0.01
LIVE_RATE = 0.25  # sent as xAPI statements; the rest came in monthly files
DISMISSED_RATE = 0.2  # of the unmatched rows, the rest still open
PROVIDER = "Safeguarding E-learning Ltd"
SITE = "https://safeguarding-elearning.example"
# title, module code, level, validity in months (None: never expires), audience, share
MODULES = [
    ("Level 1 Safeguarding Children", "SGC-L1", 1, 36, Audience.CHILDREN, 0.40),
    ("Level 1 Safeguarding Adults", "SGA-L1", 1, 36, Audience.ADULTS, 0.15),
    ("Prevent awareness", "PREV-AW", 1, 24, Audience.BOTH, 0.20),
    ("Level 2 Safeguarding Children online", "SGC-L2", 2, 36, Audience.CHILDREN, 0.10),
    ("FGM awareness", "FGM-AW", 1, None, Audience.BOTH, 0.08),
    ("Domestic abuse awareness", "DA-AW", 1, 36, Audience.BOTH, 0.07),
]
MAPPING = {
    "email": "Email Address",
    "name": "Learner Name",
    "module": "Course Code",
    "completed_at": "Completion Date",
    "status": "Status",
    "score": "Score (%)",
    "agency": "Organisation",
    "completed_values": ["Completed", "Passed"],
}
# Builder table keys and their tables, written after the catalogue and people they refer to.
TABLES = [
    ("elearning_providers", Provider.__table__),
    ("elearning_modules", Course.__table__),
    ("elearning_module_themes", None),  # course_themes, filled in by `tables()`
    ("elearning_imports", ElearningImport.__table__),
    ("elearning_completions", Completion.__table__),
    ("unmatched_completions", UnmatchedCompletion.__table__),
]


def bulk_insert(table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows of one shape fast: each distinct value converted once by its column's
    type (as SQLAlchemy would convert it), handed to the driver's executemany in chunks, with the
    table's indexes dropped first and built again after (several times faster than keeping them
    up to date row by row; a unique index still refuses duplicates when it is built)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    order = list(compiled.positiontup) if compiled.positional else list(rows[0])
    columns = []
    for name in order:
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows]
        if convert is not None:
            converted = {value: convert(value) for value in set(values)}
            values = [converted[value] for value in values]
        columns.append(values)
    parameters = list(zip(*columns, strict=True))
    if not compiled.positional:
        parameters = [dict(zip(order, values, strict=True)) for values in parameters]
    # The first chunk goes in with the indexes in place, so that the transaction has begun and
    # dropping them is part of it (SQLite's driver would otherwise commit the DROP at once, and
    # a refused insert would leave the table without its indexes).
    connection.exec_driver_sql(str(compiled), parameters[:CHUNK])
    indexes = list(table.indexes) if len(parameters) > CHUNK else []
    for index in indexes:
        index.drop(bind=connection)
    for start in range(CHUNK, len(parameters), CHUNK):
        connection.exec_driver_sql(str(compiled), parameters[start : start + CHUNK])
    for index in indexes:
        index.create(bind=connection)


# Tables written by `bulk_insert` rather than `lms.scale.builder.insert`.
WRITERS = {"elearning_completions": bulk_insert}


def tables(course_themes) -> list:
    return [(key, table if table is not None else course_themes) for key, table in TABLES]


def build(builder) -> None:
    """Add the provider, its modules, the import batches, the completions and the unmatched
    rows to the builder's tables."""
    now, created = builder.now, builder.start - timedelta(days=200)
    provider_id = len(builder.rows["providers"]) + 1
    builder.table("elearning_providers").append(
        {
            "id": provider_id,
            "name": PROVIDER,
            "contact_email": "support@safeguarding-elearning.example",
            "contract_starts_on": None,
            "contract_ends_on": None,
            "is_active": True,
            "import_mapping": MAPPING,
            "created_at": created,
            "updated_at": created,
        }
    )
    modules = []
    for number, (title, code, level, validity, audience, _share) in enumerate(MODULES, start=1):
        course_id = len(builder.courses) + number
        slug = code.lower()
        modules.append({"id": course_id, "validity": validity})
        builder.table("elearning_modules").append(
            {
                "id": course_id,
                "code": f"EL-{code}",
                "title": title,
                "summary": f"{title}, online at your own pace.",
                "learning_outcomes": "- Recognise concerns\n- Know how to refer",
                "level": level,
                "delivery_mode": DeliveryMode.ELEARNING,
                "audience": audience,
                "cpd_hours": Decimal("1.5"),
                "provider_id": provider_id,
                "approval_required": False,
                "prerequisite_id": None,
                "certificate_validity_months": validity,
                "module_code": code,
                "activity_id": f"{SITE}/xapi/activities/{slug}",
                "course_url": f"{SITE}/courses/{slug}",
                "status": CourseStatus.PUBLISHED,
                "created_at": created,
                "updated_at": created,
            }
        )
        theme = builder.rows["themes"][number % len(builder.rows["themes"])]
        builder.table("elearning_module_themes").append(
            {"course_id": course_id, "theme_id": theme["id"]}
        )
    first = builder.start.astimezone(LONDON).date()
    last = (now - timedelta(days=1)).astimezone(LONDON).date()
    _completions(builder, modules, provider_id, first, last)


def _completions(builder, modules: list[dict], provider_id: int, first: date, last: date):
    rng, persons = builder.rng, builder.persons
    span = (last - first).days
    weights = [share for *_, share in MODULES]
    count = max(10, round(COMPLETIONS * builder.scale))
    unmatched = max(1, round(count * UNMATCHED_RATE))
    held: set[tuple[int, int, date]] = set()
    batches: dict[tuple[int, int], dict] = {}
    completions, waiting = builder.table("elearning_completions"), []
    days = [first + timedelta(days=offset) for offset in range(span + 1)]
    # The end of each day (UTC), as the agency on the day is found, and each module's expiry
    # for each day: worked out once, not per row.
    ends = {day: datetime.combine(day, time.max, tzinfo=UTC) for day in days}
    expiries = {
        module["id"]: {day: expires_on(module["validity"], day) for day in days}
        for module in modules
    }
    scores = [Decimal(score) for score in range(60, 101)]
    chosen = rng.choices(modules, weights=weights, k=count)
    random, people, dates = rng.random, len(persons), len(days)  # faster than rng.choice
    for number, module in enumerate(chosen, start=1):
        while True:
            person = persons[int(random() * people)]
            day = days[int(random() * dates)]
            if (person.id, module["id"], day) not in held:
                break
        held.add((person.id, module["id"], day))
        day_end = ends[day]
        live = random() < LIVE_RATE
        batch = None if live else _batch(batches, day, last, provider_id)
        if batch is not None:
            batch["rows_read"] += 1
            batch["added"] += 1
        completions.append(
            {
                "id": number,
                "user_id": person.id,
                "course_id": module["id"],
                "agency_id": person.agency_at(day_end),
                "completed_on": day,
                "expires_on": expiries[module["id"]][day],
                "score": scores[int(random() * len(scores))],
                "source": CompletionSource.XAPI if live else CompletionSource.IMPORT,
                "import_id": batch["id"] if batch else None,
                "statement_id": _statement_id(rng.getrandbits(128)) if live else None,
                "recorded_at": batch["imported_at"] if batch else day_end - timedelta(hours=6),
            }
        )
    domains = builder.rows["domains"]
    for number in range(1, unmatched + 1):
        module = rng.choices(modules, weights=weights)[0]
        day = first + timedelta(days=rng.randint(0, span))
        email = f"not.registered.{number}@{rng.choice(domains)['domain']}"
        batch = _batch(batches, day, last, provider_id)
        batch["rows_read"] += 1
        batch["unmatched"] += 1
        dismissed = rng.random() < DISMISSED_RATE
        waiting.append(
            {
                "id": number,
                "email": email,
                "name": "Not Registered",
                "agency_text": "",
                "course_id": module["id"],
                "completed_on": day,
                "score": None,
                "source": CompletionSource.IMPORT,
                "import_id": batch["id"],
                "statement_id": None,
                "received_at": batch["imported_at"],
                "status": UnmatchedStatus.DISMISSED if dismissed else UnmatchedStatus.OPEN,
                "completion_id": None,
                "decided_by_id": 1 if dismissed else None,  # the scale admin, the first account
                "decided_at": batch["imported_at"] + timedelta(days=3) if dismissed else None,
            }
        )
    builder.table("unmatched_completions").extend(waiting)
    builder.table("elearning_imports").extend(sorted(batches.values(), key=lambda b: b["id"]))


def _statement_id(bits: int) -> str:
    """A random UUID (version 4) as xAPI writes statement ids, made from 128 random bits."""
    text = f"{bits & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _batch(batches: dict, day: date, last: date, provider_id: int) -> dict:
    """The monthly file holding completions of `day`'s month, imported on the 3rd of the next
    month (or yesterday, for the month still running)."""
    key = (day.year, day.month)
    if key not in batches:
        month_end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        imported_on = min(month_end + timedelta(days=2), last)
        at = datetime.combine(imported_on, time(7, 30), tzinfo=UTC)
        batches[key] = {
            "id": len(batches) + 1,
            "provider_id": provider_id,
            "file_name": f"completions-{day:%Y-%m}.csv",
            "sha256": f"{len(batches) + 1:064x}",
            "content": None,
            "mapping": MAPPING,
            "uploaded_by_id": 1,
            "uploaded_at": at,
            "imported_at": at,
            "undone_at": None,
            "undone_by_id": None,
            "rows_read": 0,
            "added": 0,
            "already_held": 0,
            "not_completed": 0,
            "unmatched": 0,
            "rejected": 0,
        }
    return batches[key]
