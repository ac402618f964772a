"""Do registration and password-reset requests take the same time for known and unknown
addresses? `.venv/bin/python bench/enumeration.py [--rounds 40]`.

Runs the real pages through Flask's test client on a fresh SQLite database, with the production
password-hashing cost, alternating known and unknown addresses so drift hits both alike, and prints
each case's median and spread. Rate limits are lifted for the run."""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402

from lms import create_app  # noqa: E402
from lms.accounts.models import Agency, Sector  # noqa: E402
from lms.extensions import db  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _post(client, path: str, data: dict) -> float:
    token = TOKEN.search(client.get(path).get_data(as_text=True)).group(1)
    started = time.perf_counter()
    response = client.post(
        path, data={"csrf_token": token, **data}, headers={"Referer": f"https://localhost{path}"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return elapsed * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        agency = Agency(name="Riverside Council", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(agency)
        db.session.commit()
        agency_id = agency.id
    client = app.test_client()
    details = {
        "name": "Sam Taylor",
        "job_title": "Social worker",
        "agency_id": str(agency_id),
        "password": "tidal-marmalade-kettle",
    }
    _post(client, "/register", {**details, "email": "known@riverside.example"})
    times = {"register, taken": [], "register, new": [], "reset, known": [], "reset, unknown": []}
    for number in range(args.rounds):
        times["register, taken"].append(
            _post(client, "/register", {**details, "email": "known@riverside.example"})
        )
        times["register, new"].append(
            _post(client, "/register", {**details, "email": f"new{number}@riverside.example"})
        )
        times["reset, known"].append(
            _post(client, "/password/forgotten", {"email": "known@riverside.example"})
        )
        times["reset, unknown"].append(
            _post(client, "/password/forgotten", {"email": f"nobody{number}@riverside.example"})
        )
    print(f"{'request':<18} {'median ms':>10} {'p10':>8} {'p90':>8}")
    for name, values in times.items():
        values.sort()
        tenth = values[len(values) // 10]
        ninetieth = values[(len(values) * 9) // 10]
        print(f"{name:<18} {statistics.median(values):>10.1f} {tenth:>8.1f} {ninetieth:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
