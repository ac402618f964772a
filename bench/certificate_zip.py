"""A coordinator's ZIP of 2,000 certificates: how long run-jobs takes to build it and how much
memory it needs. `.venv/bin/python bench/certificate_zip.py [--certificates 2000]`.

Builds its own SQLite database in a temporary directory: one agency, 500 people (some named in
other scripts), four e-learning modules, a certificate for each person and module. Then:

1. the batch is built as run-jobs builds it (claimed, progress committed, written to a temporary
   file renamed when complete): wall time, certificates a second, the ZIP's size and the rise
   of the process's peak resident memory (ru_maxrss);
2. the same again under tracemalloc, for the peak of Python allocations during the build
   (about five times slower; --no-tracemalloc leaves it out);
3. the PDFs rendered once, then zipped stored and deflated: what compressing them again costs
   and saves (the reason the ZIP is deflated: the PDFs' own streams are not compressed).

Prints the figures, and the last line is them as JSON (for bench/run.py)."""

import argparse
import io
import json
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ["Zoë 李", "Siobhán O'Brien", "Amira Haddad", "Kwame Mensah", "Ольга Petrova", "Tom Hughes"]
MODULES = 4


def _app(folder: Path):
    from lms import create_app

    return create_app(
        {
            "TESTING": True,
            "LMS_ENV": "testing",
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "BASE_URL": "https://training.example.org",
        }
    )


def _seed(certificates: int) -> int:
    """The agency's id, its people and their certificates (straight into the tables)."""
    from lms.accounts.models import Agency, Sector, User
    from lms.catalogue.models import Audience, Course, CourseStatus, DeliveryMode, Provider
    from lms.certificates import codes
    from lms.certificates.models import Certificate
    from lms.core.models import utcnow
    from lms.elearning.models import Completion, CompletionSource
    from lms.extensions import db

    db.create_all()
    now = utcnow()
    provider = Provider(name="Bench Learning")
    agency = Agency(name="Riverside Youth Trust", sector=Sector.HEALTH)
    db.session.add_all([provider, agency])
    db.session.flush()
    courses = [
        Course(
            code=f"ZIP-{number}",
            title=f"Safeguarding children: module {number} / refresher",
            summary="A module for the benchmark.",
            level=1 + number % 3,
            delivery_mode=DeliveryMode.ELEARNING,
            audience=Audience.CHILDREN,
            cpd_hours=2,
            provider_id=provider.id,
            module_code=f"ZIP{number}",
            status=CourseStatus.PUBLISHED,
        )
        for number in range(MODULES)
    ]
    db.session.add_all(courses)
    db.session.flush()
    people = -(-certificates // MODULES)
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"person{n}@bench.example.org",
                "name": f"{NAMES[n % len(NAMES)]} {n}",
                "job_title": "Practitioner",
                "agency_id": agency.id,
                "password_hash": "not-a-password",
                "email_confirmed_at": now,
            }
            for n in range(people)
        ],
    )
    users = db.session.execute(sa.select(User.id, User.name).order_by(User.id)).all()
    pairs = [(user, course) for user in users for course in courses][:certificates]
    first = date(2025, 4, 1)
    db.session.execute(
        sa.insert(Completion),
        [
            {
                "user_id": user.id,
                "course_id": course.id,
                "agency_id": agency.id,
                "completed_on": first + timedelta(days=n % 365),
                "source": CompletionSource.IMPORT,
                "recorded_at": now,
            }
            for n, (user, course) in enumerate(pairs)
        ],
    )
    completions = db.session.execute(
        sa.select(Completion.id, Completion.completed_on).order_by(Completion.id)
    ).all()
    db.session.execute(
        sa.insert(Certificate),
        [
            {
                "code": codes.new_code(),
                "credential_id": str(uuid.uuid4()),
                "user_id": user.id,
                "agency_id": agency.id,
                "course_id": course.id,
                "completion_id": completion.id,
                "person_name": user.name,
                "course_title": course.title,
                "course_code": course.code,
                "level": course.level,
                "cpd_hours": course.cpd_hours,
                "mode": "E-learning",
                "first_day": completion.completed_on,
                "last_day": completion.completed_on,
                "delivered_by": provider.name,
                "valid_until": completion.completed_on + timedelta(days=3 * 365),
                "issued_at": now,
            }
            for (user, course), completion in zip(pairs, completions, strict=True)
        ],
    )
    db.session.commit()
    return agency.id


def _batch(agency_id: int) -> int:
    from lms.certificates.models import CertificateBatch
    from lms.extensions import db

    batch = CertificateBatch(
        agency_id=agency_id, starts_on=date(2025, 4, 1), ends_on=date(2026, 3, 31)
    )
    db.session.add(batch)
    db.session.commit()
    return batch.id


def _build(agency_id: int) -> dict:
    from lms.certificates import export_batches
    from lms.certificates.models import BatchStatus, CertificateBatch
    from lms.extensions import db

    batch_id = _batch(agency_id)
    started = time.perf_counter()
    assert export_batches.build(batch_id)
    seconds = time.perf_counter() - started
    batch = db.session.get(CertificateBatch, batch_id)
    assert batch.status is BatchStatus.READY
    with zipfile.ZipFile(export_batches.file_path(batch)) as archive:
        entries = len(archive.namelist())
    return {"seconds": seconds, "certificates": entries, "bytes": batch.file_size}


def _compression(agency_id: int) -> dict:
    """Zip the same rendered PDFs stored and deflated."""
    from lms.certificates import exports

    ids = exports.certificate_ids(agency_id, date(2025, 4, 1), date(2026, 3, 31))
    render = exports.renderer()
    rendered = {c.id: render(c) for c in exports.certificates(ids)}
    found = list(exports.certificates(ids))
    figures, chosen = {}, exports.COMPRESSION
    for name, method in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)):
        exports.COMPRESSION = method
        out = io.BytesIO()
        started = time.perf_counter()
        exports.write_zip(found, out, render=lambda certificate: rendered[certificate.id])
        figures[name] = {"seconds": time.perf_counter() - started, "bytes": out.tell()}
    exports.COMPRESSION = chosen
    figures["pdf_bytes"] = sum(len(content) for content in rendered.values())
    return figures


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(count: int = 2000, *, trace: bool = True) -> dict:
    """Build the ZIP of `count` certificates of one agency: time, size and memory, and the same
    PDFs zipped stored and deflated."""
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
            from lms.certificates import exports

            agency_id = _seed(count)
            # Fonts registered and code warmed, as in a running run-jobs.
            exports.renderer()(
                exports.certificates(
                    exports.certificate_ids(agency_id, date(2025, 4, 1), date(2026, 3, 31))[:1]
                ).__next__()
            )
            before = _rss_mb()
            build = _build(agency_id)
            build["rss_rise_mb"] = _rss_mb() - before
            if trace:
                tracemalloc.start()
                traced = _build(agency_id)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                build["traced_peak_mb"] = peak / 1024 / 1024
                build["traced_seconds"] = traced["seconds"]
            compression = _compression(agency_id)
    return {"build": build, "compression": compression}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=2000)
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the (slow) traced second build"
    )
    args = parser.parse_args(argv)
    measured = measure(args.certificates, trace=not args.no_tracemalloc)
    build, compression = measured["build"], measured["compression"]
    rate = build["certificates"] / build["seconds"]
    print(f"Certificate ZIP, {build['certificates']:,} certificates of one agency (SQLite)")
    print(f"  built in {build['seconds']:.1f} s ({rate:.0f} certificates a second)")
    print(f"  ZIP size {build['bytes'] / 1024 / 1024:.1f} MB")
    print(f"  peak resident memory rise {build['rss_rise_mb']:.1f} MB")
    if "traced_peak_mb" in build:
        print(f"  peak Python allocations (tracemalloc) {build['traced_peak_mb']:.1f} MB")
    stored, deflated = compression["stored"], compression["deflated"]
    saved = 1 - deflated["bytes"] / stored["bytes"]
    print(
        f"  zipping the rendered PDFs: stored {stored['seconds']:.2f} s, {stored['bytes']:,} B; "
        f"deflated {deflated['seconds']:.2f} s, {deflated['bytes']:,} B ({saved:.1%} smaller)"
    )
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
