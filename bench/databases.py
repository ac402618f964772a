"""The bench's own databases: an SQLite file under bench/.data/ and a PostgreSQL database
(`lms_bench`), each migrated with `flask db upgrade` and filled once by
`flask seed-scale --years 10`, then reused while the data is there (`--fresh` rebuilds)."""

import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
SQLITE_FILE = DATA / "lms.sqlite3"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "lms_bench")
YEARS = 10
# What `seed-scale --years 10` makes; fewer rows than this means the data is not the bench's.
SEEDED = {"users": 30_000, "course_sessions": 4_000, "bookings": 120_000}
# Production mode needs a strong key; a fresh one per run (the bench keeps no sessions).
SECRET_KEY = secrets.token_hex(32)


@dataclass
class Database:
    name: str  # SQLite or PostgreSQL
    url: str
    seeded_now: bool = False
    seed_seconds: float | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")


def sqlite() -> Database:
    return Database("SQLite", f"sqlite:///{SQLITE_FILE}")


def postgresql() -> Database:
    return Database("PostgreSQL", f"{PG_SERVER}/{PG_DATABASE}")


def app_environment(url: str) -> dict[str, str]:
    """The environment the app runs with in production, pointed at one of the bench databases."""
    return os.environ | {"LMS_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url}


def prepare(database: Database, *, fresh: bool) -> Database:
    """Make the database ready: created, migrated, seeded (unless its data is already there)."""
    DATA.mkdir(parents=True, exist_ok=True)
    if database.is_postgresql:
        _start_postgresql()
        _create_postgresql(drop=fresh)
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    _flask(database, "db", "upgrade")
    counts = row_counts(database.url)
    if not any(counts.values()):
        print(f"  seeding {database.name} with seed-scale --years {YEARS} ...", flush=True)
        started = time.perf_counter()
        _flask(database, "seed-scale", "--years", str(YEARS))
        database.seed_seconds = time.perf_counter() - started
        database.seeded_now = True
        if database.is_postgresql:
            analyze(database.url)
        counts = row_counts(database.url)
    short = {table: n for table, n in SEEDED.items() if counts[table] < n}
    if short:
        raise SystemExit(
            f"{database.name} ({database.url}) holds other data than seed-scale's "
            f"({', '.join(f'{t}: {counts[t]}' for t in short)}); run the bench with --fresh"
        )
    database.counts = counts
    return database


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.scalar(sa.text(f"SELECT COUNT(*) FROM {table}"))
                for table in (
                    "agencies",
                    "users",
                    "courses",
                    "course_sessions",
                    "bookings",
                    "attendance_marks",
                    "non_attendance_charges",
                )
            }
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    with _server_connection(url.rsplit("/", 1)[1]) as connection:
        connection.execute("ANALYZE")


def _flask(database: Database, *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=app_environment(database.url), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(
            f"`flask {' '.join(args)}` failed on {database.name}:\n{done.stdout}{done.stderr}"
        )


def _server_connection(dbname: str) -> psycopg.Connection:
    url = PG_SERVER.replace("+psycopg", "")
    return psycopg.connect(f"{url}/{dbname}", autocommit=True, connect_timeout=5)


def _postgresql_answers() -> bool:
    try:
        _server_connection("postgres").close()
    except psycopg.OperationalError:
        return False
    return True


def _start_postgresql() -> None:
    """Start the local cluster if it is down, as .ci/run does."""
    if _postgresql_answers():
        return
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        raise SystemExit(f"PostgreSQL does not answer at {PG_SERVER} and cannot be started here")
    print("  starting PostgreSQL ...", flush=True)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0].name, "main", "start"],
        check=False,
    )
    for _ in range(20):
        if _postgresql_answers():
            return
        time.sleep(0.5)
    raise SystemExit(f"PostgreSQL did not start answering at {PG_SERVER}")


def _create_postgresql(*, drop: bool) -> None:
    with _server_connection("postgres") as connection:
        if drop:
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
