"""Run the benchmarks and write bench/RESULTS.md: `make bench`, or
`.venv/bin/python bench/run.py [--fresh]
[--only reports|pages|storm|elearning-import|certificates] [--repeat N] ...`.

The first run builds its own databases (about a minute); later runs reuse them."""

import argparse
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    certificate_zip,
    certificates,
    databases,
    elearning_import,
    machine,
    pages,
    reports,
    results,
    storm,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild both databases")
    parser.add_argument(
        "--only",
        choices=("reports", "pages", "storm", "elearning-import", "certificates"),
        help="run one part only",
    )
    parser.add_argument("--repeat", type=int, default=9, help="timed runs of each report")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each report first")
    parser.add_argument("--import-repeat", type=int, default=3, help="runs of each import")
    parser.add_argument(
        "--certificates", type=int, default=certificates.BATCH, help="certificate PDFs a round"
    )
    parser.add_argument(
        "--zip-certificates", type=int, default=2000, help="certificates in the timed ZIP"
    )
    parser.add_argument("--seconds", type=int, default=15, help="wrk's run per page")
    parser.add_argument("--page-warmup", type=int, default=5, help="wrk's warm-up per page, s")
    parser.add_argument("--connections", type=int, default=50, help="wrk's open connections")
    parser.add_argument(
        "--storm-window",
        type=float,
        default=storm.WINDOW,
        help="seconds over which the storm's presses go out (0: all at once)",
    )
    default = pages.default_server()
    parser.add_argument("--workers", type=int, default=default.workers, help="gunicorn workers")
    parser.add_argument("--worker-class", default=default.worker_class, help="sync or gthread")
    parser.add_argument("--threads", type=int, default=default.threads, help="per gthread worker")
    args = parser.parse_args(argv)

    postgresql = databases.postgresql()
    failed = False
    print("Preparing the databases", flush=True)
    wanted = [postgresql] if args.only == "pages" else [databases.sqlite(), postgresql]
    if args.only in ("elearning-import", "certificates"):
        wanted = []  # it makes databases of its own; certificates need none
    for database in wanted:
        databases.prepare(database, fresh=args.fresh)
        print(f"  {database.name}: {'seeded' if database.seeded_now else 'reused'}", flush=True)

    if args.only in (None, "reports"):
        load_average = os.getloadavg()[0]
        print(f"Reports ({args.warmup} warm-up, {args.repeat} timed runs each)", flush=True)
        try:
            timings = [
                timing
                for database in wanted
                for timing in reports.run(database, warmup=args.warmup, repeat=args.repeat)
            ]
        except reports.Mismatch as error:
            print(f"\nFAILED: {error}", file=sys.stderr)
            return 1
        results.save("reports", _reports_part(args, wanted, timings, load_average))

    if args.only in (None, "pages"):
        load_average = os.getloadavg()[0]
        server = pages.Server(args.workers, args.worker_class, args.threads)
        print(f"Pages ({server.described}, {args.connections} connections)", flush=True)
        loads = pages.run(
            postgresql,
            server,
            seconds=args.seconds,
            warmup=args.page_warmup,
            connections=args.connections,
        )
        results.save("pages", _pages_part(args, server, loads, load_average))

    if args.only in (None, "storm"):
        load_average = os.getloadavg()[0]
        server = pages.Server(args.workers, args.worker_class, args.threads)
        print(f"Booking storm ({server.described})", flush=True)
        storms = [
            outcome
            for database in wanted
            for outcome in storm.run(database, server, window=args.storm_window)
        ]
        results.save("storm", _storm_part(args, server, storms, load_average))
        if not all(outcome.correct for outcome in storms):
            for outcome in storms:
                for what, held in outcome.checks:
                    if not held:
                        print(f"  {outcome.database}, {outcome.phase}: FAILED {what}")
                for error in outcome.errors[:10]:
                    print(f"  {outcome.database}, {outcome.phase}: error {error}")
                if outcome.errors:
                    print(f"  the server's log: {storm.log(outcome.database)}")
            failed = True

    if args.only in (None, "elearning-import"):
        load_average = os.getloadavg()[0]
        print(f"E-learning import ({args.import_repeat} runs of each file)", flush=True)
        runs = elearning_import.run(repeat=args.import_repeat)
        results.save(
            "elearning-import",
            elearning_import.figures(
                runs, measured_at=_now(), load_average=load_average, repeat=args.import_repeat
            ),
        )

    if args.only in (None, "certificates"):
        load_average = os.getloadavg()[0]
        print(f"Certificate PDFs ({args.certificates} certificates, 3 rounds)", flush=True)
        part = certificates.run(count=args.certificates)
        print(f"Certificate ZIP ({args.zip_certificates:,} certificates)", flush=True)
        part["zip"] = certificate_zip.measure(args.zip_certificates)
        results.save(
            "certificates",
            certificates.figures(part, measured_at=_now(), load_average=load_average),
        )

    path = results.write(
        # The import part makes its own PostgreSQL database, and needs no other.
        machine.describe(_described_database(args.only, postgresql)),
        results.saved("reports"),
        results.saved("pages"),
        results.saved("elearning-import"),
        results.saved("certificates"),
        results.saved("storm"),
    )
    print(f"Wrote {path.relative_to(databases.ROOT)}")
    if failed:
        print("\nFAILED: the booking storm booked wrongly or answered with errors", file=sys.stderr)
        return 1
    return 0


def _described_database(only: str | None, postgresql) -> str:
    """The PostgreSQL database the machine's description reads the server's settings from:
    one the parts run have made (certificates make none: the server's own)."""
    if only == "elearning-import":
        return elearning_import.postgresql_url()
    if only == "certificates":
        return f"{databases.PG_SERVER}/postgres"
    return postgresql.url


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _reports_part(args, wanted, timings, load_average: float) -> dict:
    return {
        "measured_at": _now(),
        "load_average": load_average,
        "period": reports.PERIOD,
        "now": reports.NOW.isoformat(),
        "warmup": args.warmup,
        "repeat": args.repeat,
        "databases": [asdict(database) for database in wanted],
        "timings": [
            asdict(t) | {"median": t.median, "floor_median": t.floor_median, "ratio": t.ratio}
            for t in timings
        ],
    }


def _storm_part(args, server, storms, load_average: float) -> dict:
    return {
        "measured_at": _now(),
        "load_average": load_average,
        "server": server.described,
        "window": args.storm_window,
        "notes": storm.NOTES,
        "storms": [asdict(s) | {"rps": s.rps, "correct": s.correct, "met": s.met} for s in storms],
    }


def _pages_part(args, server, loads, load_average: float) -> dict:
    return {
        "measured_at": _now(),
        "load_average": load_average,
        "server": server.described,
        "wrk": pages.wrk_version(),
        "wrk_threads": pages.wrk_threads(),
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup": args.page_warmup,
        "notes": pages.NOTES,
        "loads": [asdict(load) | {"rps": load.rps} for load in loads],
    }


if __name__ == "__main__":
    sys.exit(main())
