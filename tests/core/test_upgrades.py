"""Upgrades keep data: a database built at the oldest migration and filled there (and again at a
middle one) with plain SQL keeps every row and value through every migration to the newest, and
the reports count what was put in; the newest migration downgraded and upgraded again keeps every
row of the tables it leaves in place. One populated database for the whole module."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from lms import create_app
from lms.demo import seed_demo
from lms.extensions import db
from tests.conftest import app_config

OLDEST = "0001_foundation"
MIDDLE = "0004_attendance"  # bookings with outcomes, attendance, charges: what reports count
T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
SESSION_START = datetime(2025, 6, 10, 8, 30, tzinfo=UTC)  # in financial year 2025-26


def revisions(app) -> list[str]:
    """Every migration, oldest first."""
    with app.app_context():
        config = flask_migrate.Migrate().get_config(directory=app.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def current_tables() -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    return dict(metadata.tables)


class Rows:
    """Rows put in with plain SQL at the revision the database is at; a NOT NULL column a row
    does not name gets a plain value of its type, and is remembered like the rest."""

    def __init__(self):
        self.kept: list[tuple[str, dict]] = []
        self.number = 0

    def add(self, connection, tables, table_name: str, /, **values) -> None:
        table = tables[table_name]
        for column in table.columns:
            if column.name in values or column.nullable or column.server_default is not None:
                continue
            if column.primary_key and column.autoincrement and len(table.primary_key) == 1:
                continue
            values[column.name] = self._filler(column)
        connection.execute(table.insert().values(**values))
        self.kept.append((table_name, values))

    def _filler(self, column: sa.Column):
        self.number += 1
        kind = column.type
        if isinstance(kind, sa.Boolean):
            return False
        if isinstance(kind, sa.DateTime):
            return T0 + timedelta(minutes=self.number)
        if isinstance(kind, sa.Date):
            return date(2025, 5, 1)
        if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
            return Decimal("1.5")
        if isinstance(kind, sa.Integer):
            return 1
        if isinstance(kind, sa.JSON):
            return {"n": self.number}
        if isinstance(kind, sa.LargeBinary):
            return f"bytes {self.number}".encode()
        if isinstance(kind, sa.String | sa.Text):
            return f"{column.name} {self.number}"[: kind.length or 100]
        raise AssertionError(f"no filler for {column.table.name}.{column.name} ({kind})")


def comparable(value):
    """A value as both databases give it back: datetimes as naive UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def fetch(connection, tables, name: str, values: dict):
    """The row as stored now, found by its primary key, with the columns given."""
    table = tables[name]
    key = [column.name for column in table.primary_key.columns]
    if not all(k in values for k in key):
        key = [c for c in values if c in table.columns]
    row = connection.execute(
        sa.select(*(table.c[c] for c in values)).where(*(table.c[k] == values[k] for k in key))
    ).one_or_none()
    return None if row is None else dict(row._mapping)


def missing_or_changed(rows: Rows) -> list[str]:
    """Every kept row that is gone or holds other values, described."""
    problems = []
    with db.engine.connect() as connection:
        tables = current_tables()
        for name, values in rows.kept:
            if name not in tables:
                problems.append(f"table {name} is gone")
                continue
            stored = fetch(connection, tables, name, values)
            if stored is None:
                problems.append(f"{name}: row {values} is gone")
                continue
            for column, value in values.items():
                if comparable(stored[column]) != comparable(value):
                    problems.append(f"{name}.{column}: {value!r} became {stored[column]!r}")
    return problems


def fill_oldest(connection, tables, rows: Rows) -> None:
    """Every table of the first migration: agencies, people, roles, audit, mail, sign-ins."""
    add = rows.add
    for number, (name, sector, statutory) in enumerate(
        [
            ("Riverside Council", "local_authority", True),
            ("Riverside NHS Trust", "health", True),
            ("Alder Road School", "education", False),
        ],
        start=1,
    ):
        add(
            connection,
            tables,
            "agencies",
            id=number,
            name=name,
            sector=sector,
            is_statutory_partner=statutory,
            is_active=True,
            created_at=T0,
            updated_at=T0,
        )
    add(
        connection,
        tables,
        "agency_email_domains",
        id=1,
        agency_id=2,
        domain="riverside.nhs.example",
    )
    people = [
        (1, "admin@riverside.gov.example", "Ada Admin", 1, ["admin"]),
        (2, "obrien@riverside.nhs.example", "Siobhán O'Brien", 2, ["practitioner"]),
        (3, "zoe@alderroad.sch.example", "Zoë 李", 3, ["practitioner", "coordinator"]),
        (4, "trainer@riverside.gov.example", "'; DROP TABLE users;--", 1, ["trainer"]),
        (5, "nurse@riverside.nhs.example", "Nia Nurse", 2, ["practitioner"]),
    ]
    for user_id, email, name, agency_id, roles in people:
        add(
            connection,
            tables,
            "users",
            id=user_id,
            email=email,
            name=name,
            job_title="Health visitor",
            agency_id=agency_id,
            line_manager_email="manager@riverside.nhs.example",
            password_hash="$argon2id$x",
            is_active=True,
            session_token=f"{user_id:064d}",
            last_signed_in_at=T0 + timedelta(days=user_id),
            created_at=T0,
            updated_at=T0,
        )
        add(
            connection,
            tables,
            "agency_memberships",
            id=user_id,
            user_id=user_id,
            agency_id=agency_id,
            job_title="Health visitor",
            started_at=T0,
            ended_at=None,
        )
        for role in roles:
            add(connection, tables, "user_roles", user_id=user_id, role=role, granted_at=T0)
    add(
        connection,
        tables,
        "audit_events",
        id=1,
        at=T0,
        actor_id=1,
        actor_label="Ada Admin",
        action="agency.create",
        object_type="agency",
        object_id=3,
        before=None,
        after={"name": "Alder Road School", "sector": "education"},
        reason="New school",
    )
    add(
        connection,
        tables,
        "outbox_messages",
        id=1,
        recipient="zoe@alderroad.sch.example",
        user_id=3,
        kind="welcome",
        subject="Welcome",
        body_text="Hello Zoë",
        body_html="<p>Hi</p>",
        status="sent",
        attempts=1,
        last_error=None,
        created_at=T0,
        next_attempt_at=T0,
        sent_at=T0 + timedelta(minutes=1),
    )
    add(
        connection,
        tables,
        "outbox_messages",
        id=2,
        recipient="obrien@riverside.nhs.example",
        user_id=2,
        kind="reset",
        subject="Reset",
        body_text="A link",
        status="queued",
        attempts=2,
        last_error="SMTP down",
        created_at=T0,
        next_attempt_at=T0 + timedelta(hours=1),
    )
    add(
        connection,
        tables,
        "outbox_attachments",
        id=1,
        message_id=1,
        filename="invite.ics",
        content_type="text/calendar",
        content=b"BEGIN:VCALENDAR\r\n\x00\xff",
    )
    add(
        connection,
        tables,
        "password_reset_tokens",
        id=1,
        user_id=2,
        token_hash="b" * 64,
        created_at=T0,
        expires_at=T0 + timedelta(hours=1),
        used_at=None,
    )
    add(
        connection,
        tables,
        "sign_in_attempts",
        id=1,
        email="obrien@riverside.nhs.example",
        attempted_at=T0,
        succeeded=False,
    )
    missing = set(tables) - {name for name, _ in rows.kept} - {"alembic_version"}
    assert not missing, f"the oldest migration's tables {missing} got no rows"


def fill_middle(connection, tables, rows: Rows) -> None:
    """The catalogue, bookings and attendance: one session in 2025-26 whose figures are known."""
    add = rows.add
    end = SESSION_START + timedelta(hours=7)
    add(
        connection,
        tables,
        "themes",
        id=1,
        name="Neglect",
        slug="neglect",
        description="",
        is_active=True,
    )
    add(
        connection,
        tables,
        "venues",
        id=1,
        name="Town Hall",
        address="1 Town Hall Square",
        postcode="E1 6AN",
        capacity=30,
        accessibility_notes="Step-free",
        is_active=True,
        created_at=T0,
        updated_at=T0,
    )
    add(
        connection,
        tables,
        "courses",
        id=1,
        code="SCP-101",
        title="Neglect: seeing it",
        summary="Summary",
        learning_outcomes="Spot it\nRefer it",
        level=2,
        delivery_mode="classroom",
        audience="children",
        cpd_hours=Decimal("3.5"),
        approval_required=False,
        status="published",
        created_at=T0,
        updated_at=T0,
    )
    add(connection, tables, "course_themes", course_id=1, theme_id=1)
    add(
        connection,
        tables,
        "course_sessions",
        id=1,
        course_id=1,
        venue_id=1,
        platform=None,
        joining_instructions="Sign in at reception",
        capacity=20,
        places_taken=3,
        status="completed",
        starts_at=SESSION_START,
        ends_at=end,
        is_twilight=False,
        sequence=0,
        created_at=T0,
        updated_at=T0,
    )
    add(
        connection,
        tables,
        "session_dates",
        id=1,
        session_id=1,
        starts_at=SESSION_START,
        ends_at=end,
    )
    add(connection, tables, "session_trainers", session_id=1, user_id=4)
    add(
        connection,
        tables,
        "partnership_settings",
        id=1,
        approval_hold_days=5,
        auto_promotion_days=3,
        offer_hours=24,
        reminder_days=3,
        no_show_charge_pence=5000,
        late_cancellation_charge_pence=2500,
        exempt_statutory_partners=False,
        dispute_window_days=14,
        repeat_no_show_threshold=3,
        attendance_threshold_percent=75,
        created_at=T0,
        updated_at=T0,
    )
    bookings = [  # id, person, agency, status, outcome, late cancellation
        (1, 2, 2, "confirmed", "completed", False),
        (2, 5, 2, "confirmed", "partial", False),
        (3, 3, 3, "confirmed", "no_show", False),
        (4, 1, 1, "cancelled", None, True),
    ]
    for booking_id, user_id, agency_id, status, outcome, late in bookings:
        add(
            connection,
            tables,
            "bookings",
            id=booking_id,
            user_id=user_id,
            session_id=1,
            agency_id=agency_id,
            status=status,
            outcome=outcome,
            is_late_cancellation=late,
            sequence=0,
            created_at=T0,
            is_walk_in=False,
        )
    for mark_id, booking_id, mark in [(1, 1, "attended"), (2, 2, "left_early"), (3, 3, "absent")]:
        add(
            connection,
            tables,
            "attendance_marks",
            id=mark_id,
            booking_id=booking_id,
            session_date_id=1,
            mark=mark,
            source="register",
            marked_at=end,
            version=1,
        )
    add(
        connection,
        tables,
        "non_attendance_charges",
        id=1,
        booking_id=3,
        agency_id=3,
        reason="no_show",
        amount_pence=5000,
        status="raised",
        raised_at=end,
    )
    add(connection, tables, "interests", id=1, user_id=2, course_id=1, agency_id=2, created_at=T0)
    add(
        connection,
        tables,
        "personal_tokens",
        id=1,
        user_id=1,
        kind="api",
        token_hash="c" * 64,
        label="PDL dashboard",
        created_at=T0,
    )
    add(
        connection,
        tables,
        "place_offers",
        id=1,
        booking_id=4,
        session_id=1,
        status="lapsed",
        offered_at=T0,
        expires_at=T0 + timedelta(hours=24),
    )
    add(
        connection,
        tables,
        "import_batches",
        id=1,
        kind="teams",
        uploaded_at=end,
        file_name="attendance.csv",
        sha256="d" * 64,
        rows=3,
        added=3,
        duplicates=0,
        rejected=0,
    )


EXPECTED_ATTENDANCE = {  # by agency, hand-counted from fill_middle (a late cancellation is
    # booked, and a place wasted like a no-show)
    "Riverside NHS Trust": {
        "booked": 2,
        "attended": 1,
        "partial": 1,
        "no_shows": 0,
        "late_cancellations": 0,
        "places_wasted": 0,
    },
    "Alder Road School": {
        "booked": 1,
        "attended": 0,
        "partial": 0,
        "no_shows": 1,
        "late_cancellations": 0,
        "places_wasted": 1,
    },
    "Riverside Council": {
        "booked": 1,
        "attended": 0,
        "partial": 0,
        "no_shows": 0,
        "late_cancellations": 1,
        "places_wasted": 1,
    },
}


def reset_sequences(connection, tables) -> None:
    """PostgreSQL: ids given by hand leave the sequences behind; move them past the rows."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables.values():
        if "id" in table.c and len(table.primary_key.columns) == 1:
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce(max(id), 0) + 1, false) FROM {table.name}"
                )
            )


def fill_at(app, revision: str, fill, rows: Rows) -> None:
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as connection:
            tables = current_tables()
            fill(connection, tables, rows)
            reset_sequences(connection, tables)
        db.engine.dispose()


def every_row() -> dict[str, list[dict]]:
    """Every row of every table, all columns, in primary-key order."""
    found = {}
    with db.engine.connect() as connection:
        for name, table in current_tables().items():
            query = table.select().order_by(*table.primary_key.columns)
            found[name] = [
                {key: comparable(value) for key, value in row._mapping.items()}
                for row in connection.execute(query)
            ]
    return found


@pytest.fixture(scope="module")
def upgraded(database, tmp_path_factory):
    """A database filled at the oldest and a middle migration, then upgraded to the newest:
    what went in, what was missing or changed at each point, and the reports then."""
    app = create_app(app_config(database.fresh(), tmp_path_factory.mktemp("upgrades")))
    walk = revisions(app)
    assert walk[0] == OLDEST and MIDDLE in walk[1:-1]
    rows = Rows()
    fill_at(app, OLDEST, fill_oldest, rows)
    fill_at(app, MIDDLE, fill_middle, rows)
    with app.app_context():
        at_middle = missing_or_changed(rows)
        flask_migrate.upgrade()
        at_newest = missing_or_changed(rows)
        with db.engine.connect() as connection:
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.engine.dispose()
    runner = app.test_cli_runner()
    reports = {}
    for name in ("attendance-by-agency", "programme"):
        result = runner.invoke(args=["report", name, "--period", "2025-26", "--format", "json"])
        assert result.exit_code == 0, result.output
        reports[name] = json.loads(result.output)
    with app.app_context():
        db.engine.dispose()
    return {
        "app": app,
        "rows": rows,
        "walk": walk,
        "at_middle": at_middle,
        "at_newest": at_newest,
        "version": version,
        "reports": reports,
    }


def test_every_row_put_in_at_the_oldest_and_a_middle_migration_is_kept_to_the_newest(upgraded):
    assert upgraded["version"] == upgraded["walk"][-1]
    assert len(upgraded["rows"].kept) >= 40
    assert upgraded["at_middle"] == []
    assert upgraded["at_newest"] == []


def test_reports_after_the_upgrade_count_what_was_put_in(upgraded):
    attendance = upgraded["reports"]["attendance-by-agency"]
    by_agency = {row["agency"]: row for row in attendance["rows"]}
    for agency, figures in EXPECTED_ATTENDANCE.items():
        assert {key: by_agency[agency][key] for key in figures} == figures, agency
    assert attendance["total"]["booked"] == 4
    assert attendance["total"]["places_wasted"] == 2
    assert attendance["total"]["charges_raised"] == 1
    assert attendance["total"]["charged_pence"] == 50  # pounds in the JSON
    programme = upgraded["reports"]["programme"]
    assert {key: programme["total"][key] for key in ("sessions_run", "courses_run")} == {
        "sessions_run": 1,
        "courses_run": 1,
    }
    assert programme["total"]["places_offered"] == 20  # the session's capacity
    assert programme["total"]["attended"] == 1 and programme["total"]["no_shows"] == 1


@pytest.fixture(scope="module")
def round_trip(upgraded):
    """The same database, filled through the app at the newest migration (the demo partnership),
    downgraded one migration and upgraded again: its rows before, between and after."""
    app = upgraded["app"]
    newest, previous = upgraded["walk"][-1], upgraded["walk"][-2]
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
        before = every_row()
        flask_migrate.downgrade(revision=previous)
        between = every_row()
        flask_migrate.upgrade(revision=newest)
        after = every_row()
        db.engine.dispose()
    return before, between, after


def only(rows: list[dict], columns) -> list[dict]:
    return [{column: row[column] for column in columns} for row in rows]


def test_downgrading_the_newest_migration_and_upgrading_again_keeps_every_row(round_trip):
    before, between, after = round_trip
    assert sum(1 for rows in before.values() if rows) >= 30
    assert after.keys() == before.keys()
    for name, rows in between.items():
        if name == "alembic_version":
            continue
        # Columns the downgrade removes go with it; every other value stays.
        columns = rows[0].keys() if rows else ()
        assert rows == only(before[name], columns), f"{name}: the downgrade changed its rows"
        assert only(after[name], columns) == rows, f"{name}: upgrading again changed its rows"
