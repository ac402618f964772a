"""E-learning import: a provider's completion file of 10,000 and 100,000 rows imported on SQLite
and on PostgreSQL, each in a fresh process (`flask import-elearning`'s own code path), timed
from opening the file to the commit, with the process's peak RSS.

The databases are throwaway ones of their own (an SQLite file under bench/.data/ and the
PostgreSQL database `lms_bench_elearning_import`), made from the models and filled with a
provider, 20 modules, 50 agencies and 20,000 people; the completions, unmatched rows and
imports are emptied before each run, so every run imports into the same state.

Run alone: `.venv/bin/python -m bench.elearning_import` or `bench/run.py --only elearning-import`.
"""

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import databases

SIZES = (10_000, 100_000)
TARGET_ROWS_PER_SECOND = 20_000
TARGET_RSS_GROWTH_MB = 50
PEOPLE = 20_000
MODULES = 20
AGENCIES = 50
PROVIDER = "Bench Learning"
PG_DATABASE = "lms_bench_elearning_import"
SQLITE_FILE = databases.DATA / "elearning-import.sqlite3"
HEADINGS = ["Email", "Learner", "Course Code", "Completed Date", "Status", "Score", "Organisation"]
MAPPING = {
    "email": "Email",
    "name": "Learner",
    "module": "Course Code",
    "completed_at": "Completed Date",
    "status": "Status",
    "score": "Score",
    "agency": "Organisation",
    "completed_values": ["Completed", "Passed"],
}
TABLES_EMPTIED = (
    "elearning_import_problems",
    # The evaluation requests an import makes for recent completions, and their messages.
    "feedback_answers",
    "feedback_outcomes",
    "feedback_responses",
    "outbox_messages",
    "elearning_completions",
    "unmatched_completions",
    "elearning_imports",
    "audit_events",
)


@dataclass
class Run:
    database: str
    rows: int
    seconds: list[float]
    peak_rss_mb: list[float]
    baseline_rss_mb: float
    summary: str
    # Seconds in each step (STEPS) of the run with the median time.
    steps: dict[str, float]

    @property
    def rows_per_second(self) -> float:
        return self.rows / statistics.median(self.seconds)


def sqlite_url() -> str:
    return f"sqlite:///{SQLITE_FILE}"


def postgresql_url() -> str:
    return f"{databases.PG_SERVER}/{PG_DATABASE}"


def make_file(rows: int, *, seed: int = 11) -> Path:
    """A provider export of `rows` rows, written a row at a time: mostly completions of people
    with accounts, some in progress, some for addresses nobody has, a few rejected, a few
    repeated."""
    path = databases.DATA / f"elearning-import-{rows}.csv"
    if path.exists():
        return path
    databases.DATA.mkdir(parents=True, exist_ok=True)
    chance = random.Random(seed)
    today = date.today()
    earlier = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADINGS)
        for number in range(rows):
            roll = chance.random()
            person = chance.randrange(PEOPLE)
            email = f"person{person}@bench.example.org"
            module = f"MOD{chance.randrange(MODULES):02d}"
            day = today - timedelta(days=chance.randrange(1, 3 * 365))
            status = "Completed" if chance.random() < 0.7 else "Passed"
            if roll < 0.04:
                status = chance.choice(["In Progress", "Not Started"])
            elif roll < 0.07:
                email = f"newcomer{number}@elsewhere.example.org"
            elif roll < 0.08:
                module = "RETIRED-99"
            elif roll < 0.085:
                email = "not an address"
            elif roll < 0.09:
                day = today + timedelta(days=30)
            elif roll < 0.10 and earlier:
                writer.writerow(chance.choice(earlier))
                continue
            row = [
                email,
                f"Person {person}",
                module,
                day.strftime("%d/%m/%Y %H:%M") if roll > 0.5 else day.isoformat(),
                status,
                str(chance.randrange(50, 101)),
                f"Agency {person % AGENCIES}",
            ]
            if len(earlier) < 1000:
                earlier.append(row)
            writer.writerow(row)
    return path


def prepare(url: str) -> None:
    """A fresh schema with the provider, its modules, agencies and people."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    else:
        databases._start_postgresql()
        with databases._server_connection("postgres") as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    _child(url, "seed")


def _seed() -> None:
    from lms.accounts.models import Agency, AgencyMembership, Sector, User
    from lms.catalogue.models import Audience, Course, CourseStatus, DeliveryMode, Provider
    from lms.core.models import utcnow
    from lms.extensions import db

    db.create_all()
    now = utcnow()
    provider = Provider(name=PROVIDER, import_mapping=MAPPING)
    db.session.add(provider)
    db.session.flush()
    for number in range(MODULES):
        db.session.add(
            Course(
                code=f"BENCH-{number:02d}",
                title=f"Bench module {number}",
                summary="A module for the benchmark.",
                level=1,
                delivery_mode=DeliveryMode.ELEARNING,
                audience=Audience.CHILDREN,
                cpd_hours=1,
                provider_id=provider.id,
                module_code=f"MOD{number:02d}",
                certificate_validity_months=36 if number % 2 else None,
                status=CourseStatus.PUBLISHED,
            )
        )
    agencies = [
        Agency(name=f"Agency {n}", sector=list(Sector)[n % len(Sector)]) for n in range(AGENCIES)
    ]
    db.session.add_all(agencies)
    db.session.flush()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"person{n}@bench.example.org",
                "name": f"Person {n}",
                "job_title": "Practitioner",
                "agency_id": agencies[n % AGENCIES].id,
                "password_hash": "not-a-password",
                "email_confirmed_at": now,
            }
            for n in range(PEOPLE)
        ],
    )
    ids = db.session.execute(sa.select(User.id, User.agency_id)).all()
    db.session.execute(
        sa.insert(AgencyMembership),
        [
            {
                "user_id": user_id,
                "agency_id": agency_id,
                "job_title": "Practitioner",
                "started_at": now - timedelta(days=2000),
            }
            for user_id, agency_id in ids
        ],
    )
    db.session.commit()


def _empty(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in TABLES_EMPTIED:
            connection.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Where an import's time goes: each step timed from outside (a wrapper around the function).
STEPS = {
    "people": "Looking up people",
    "existing": "Looking up completions held",
    "agencies": "Agency on the day (`completions.agencies_on`)",
    "insert": "Inserting",
}


def _time_steps() -> dict[str, float]:
    from lms.elearning import bulk, completions

    spent = dict.fromkeys(STEPS, 0.0)

    def timed(owner, name: str, step: str) -> None:
        function = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[step] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(bulk.Driver, "people", "people")
    timed(bulk.Driver, "existing", "existing")
    timed(bulk.Driver, "insert", "insert")
    timed(completions, "agencies_on", "agencies")
    return spent


def _import(path: str) -> dict:
    from lms.elearning.cli import import_file
    from lms.extensions import db

    spent = _time_steps()
    baseline = _rss_mb()
    started = time.perf_counter()
    line = import_file(path, PROVIDER, show_progress=False)
    db.session.commit()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "summary": line,
        "peak_rss_mb": _rss_mb(),
        "baseline_rss_mb": baseline,
        "steps": spent,
    }


def _child(url: str, action: str, path: str = "") -> dict:
    command = [sys.executable, "-m", "bench.elearning_import", "--child", action, url, path]
    done = subprocess.run(
        command,
        cwd=databases.ROOT,
        env=databases.app_environment(url),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench child {action} failed on {url}:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_main(action: str, path: str) -> None:
    from lms import create_app
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        if action == "seed":
            _seed()
            result = {}
        else:
            # Warm the app and the connection pool as a running service would be.
            db.session.execute(sa.text("SELECT 1"))
            result = _import(path)
    print(json.dumps(result))


def run(*, repeat: int = 3) -> list[Run]:
    files = {rows: make_file(rows) for rows in SIZES}
    runs = []
    for name, url in (("SQLite", sqlite_url()), ("PostgreSQL", postgresql_url())):
        print(f"  {name}: preparing", flush=True)
        prepare(url)
        for rows, path in files.items():
            results = []
            for _ in range(repeat):
                _empty(url)
                results.append(_child(url, "import", str(path)))
            run_ = Run(
                database=name,
                rows=rows,
                seconds=[r["seconds"] for r in results],
                peak_rss_mb=[r["peak_rss_mb"] for r in results],
                baseline_rss_mb=min(r["baseline_rss_mb"] for r in results),
                summary=results[-1]["summary"],
                steps=sorted(results, key=lambda r: r["seconds"])[len(results) // 2]["steps"],
            )
            print(
                f"  {name} {rows:,} rows: {run_.rows_per_second:,.0f} rows/s, "
                f"peak RSS {max(run_.peak_rss_mb):.0f} MB",
                flush=True,
            )
            runs.append(run_)
    return runs


def figures(runs: list[Run], *, measured_at: str, load_average: float, repeat: int) -> dict:
    return {
        "measured_at": measured_at,
        "load_average": load_average,
        "repeat": repeat,
        "runs": [asdict(r) | {"rows_per_second": r.rows_per_second} for r in runs],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("ACTION", "URL", "FILE"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args.child[0], args.child[2])
        return 0
    from bench import run as bench_run

    return bench_run.main(["--only", "elearning-import", "--import-repeat", str(args.repeat)])


if __name__ == "__main__":
    sys.exit(main())
