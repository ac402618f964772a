"""Upgrades keep data: a database built at the oldest migration and filled there (and again at
two later ones) with plain SQL keeps every row and value through every migration to the newest,
and the reports count what was put in; the newest migration downgraded and upgraded again keeps
every row of the tables it leaves in place. One populated database for the whole module."""

import json

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from lms import create_app
from lms.demo import seed_demo
from lms.extensions import db
from tests.conftest import app_config
from tests.core.upgrade_rows import (
    EXPECTED_ATTENDANCE,
    Rows,
    comparable,
    fill_elearning,
    fill_middle,
    fill_oldest,
    missing_or_changed,
)

# Where rows go in: the oldest migration, then two later ones. Each names a migration that has
# shipped, so stays; the newest is whatever the history holds.
STEPS = [
    ("0001_foundation", fill_oldest),
    ("0004_attendance", fill_middle),  # bookings with outcomes, attendance, charges
    ("0009_elearning", fill_elearning),
]


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
    """Upgrade to `revision` and put rows in there, in one transaction."""
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
    assert walk[0] == STEPS[0][0] and all(step in walk[1:-1] for step, _ in STEPS[1:])
    rows = Rows()
    lost_on_the_way = []
    for revision, fill in STEPS:
        fill_at(app, revision, fill, rows)
        with app.app_context():
            lost_on_the_way += missing_or_changed(rows, db.engine)
    with app.app_context():
        flask_migrate.upgrade()
        at_newest = missing_or_changed(rows, db.engine)
        with db.engine.connect() as connection:
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.engine.dispose()
    runner = app.test_cli_runner()
    reports = {}
    for name in ("attendance-by-agency", "programme", "elearning-by-agency"):
        result = runner.invoke(args=["report", name, "--period", "2025-26", "--format", "json"])
        assert result.exit_code == 0, result.output
        reports[name] = json.loads(result.output)
    with app.app_context():
        db.engine.dispose()
    return {
        "app": app,
        "rows": rows,
        "walk": walk,
        "lost_on_the_way": lost_on_the_way,
        "at_newest": at_newest,
        "version": version,
        "reports": reports,
    }


def test_every_row_put_in_at_old_migrations_is_kept_to_the_newest(upgraded):
    assert upgraded["version"] == upgraded["walk"][-1]
    assert len(upgraded["rows"].kept) >= 55
    assert upgraded["lost_on_the_way"] == []
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
    elearning = upgraded["reports"]["elearning-by-agency"]
    # Two completions in 2025-26 (one in 2024-25 left out); the declaration is not yet verified.
    assert {row["agency"]: row["completions"] for row in elearning["rows"]} == {
        "Riverside NHS Trust": 1,
        "Alder Road School": 1,
    }
    assert elearning["total"]["declared"] == 0


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
