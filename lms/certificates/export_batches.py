"""Large bulk downloads, built by run-jobs: a CertificateBatch per request.

- **Claimed** with a conditional UPDATE, so two run-jobs at once never build the same batch.
  While building, the batch's `expires_at` is the builder's lease, renewed with each progress
  commit; a builder that crashed stops renewing it and the next run takes the batch over and
  builds it again from the start (one ZIP, each certificate once).
- **Written** entry by entry into a temporary file in CERTIFICATE_EXPORTS_DIR, renamed when
  complete; only then is the batch ready, so a half-written file is never offered. A failure
  (a full disk, say) removes the temporary file and marks the batch failed with the reason.
- **Expired** after CERTIFICATE_EXPORTS_KEPT_FOR: the file is deleted and the batch keeps its
  status "ready" with no file and `expires_at` in the past, which the pages show as expired.
"""

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import Agency
from lms.certificates import exports
from lms.certificates.models import BatchStatus, CertificateBatch
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

# A building batch whose lease has run out this long is taken to be abandoned (a crash).
LEASE = timedelta(minutes=5)
# run-jobs builds at most this many batches a run (the next run carries on).
BATCHES_PER_RUN = 5
OPEN = (BatchStatus.QUEUED, BatchStatus.BUILDING)


# Requests -----------------------------------------------------------------------------------


def exports_dir() -> Path:
    return Path(current_app.config["CERTIFICATE_EXPORTS_DIR"])


def file_path(batch: CertificateBatch) -> Path | None:
    return exports_dir() / batch.file_name if batch.file_name else None


def is_expired(batch: CertificateBatch, now: datetime) -> bool:
    return batch.status is BatchStatus.READY and (
        not batch.file_name or (batch.expires_at is not None and batch.expires_at <= now)
    )


def _open_batch(agency_id: int, first: date, last: date, by):
    return (
        sa.select(CertificateBatch)
        .where(
            CertificateBatch.agency_id == agency_id,
            CertificateBatch.starts_on == first,
            CertificateBatch.ends_on == last,
            CertificateBatch.requested_by_id == by.id,
            CertificateBatch.status.in_(OPEN),
        )
        .order_by(CertificateBatch.id.desc())
        .limit(1)
    )


def request_batch(agency_id: int, first: date, last: date, *, by, now: datetime):
    """The open batch of this agency, period and person, or a new one queued; returns
    (batch, whether it is new)."""
    existing = db.session.scalar(_open_batch(agency_id, first, last, by))
    if existing is not None:
        return existing, False
    # Two requests at once queue one batch: the second waits for the first (PostgreSQL).
    db.session.execute(sa.select(Agency.id).where(Agency.id == agency_id).with_for_update())
    if (again := db.session.scalar(_open_batch(agency_id, first, last, by))) is not None:
        return again, False
    total = exports.count(agency_id, first, last)
    if not total:
        raise DomainError("There are no certificates to download for this period")
    batch = CertificateBatch(
        agency_id=agency_id,
        starts_on=first,
        ends_on=last,
        requested_by_id=by.id,
        requested_at=now,
        total=total,
    )
    db.session.add(batch)
    db.session.flush()
    return batch, True


def recent_batches(agency_id: int, *, limit: int = 10) -> list[CertificateBatch]:
    return list(
        db.session.scalars(
            sa.select(CertificateBatch)
            .where(CertificateBatch.agency_id == agency_id)
            .order_by(CertificateBatch.requested_at.desc(), CertificateBatch.id.desc())
            .limit(limit)
        )
    )


def _lease(now: datetime) -> datetime:
    return (now + LEASE).replace(microsecond=0)


def claim(batch_id: int, *, now: datetime) -> datetime | None:
    """Take the batch to build it (queued, or building under a lease run out); returns the
    lease it was taken with, or None when another builder has it."""
    lease = _lease(now)
    taken = db.session.execute(
        sa.update(CertificateBatch)
        .where(
            CertificateBatch.id == batch_id,
            sa.or_(
                CertificateBatch.status == BatchStatus.QUEUED,
                sa.and_(
                    CertificateBatch.status == BatchStatus.BUILDING,
                    CertificateBatch.expires_at < now,
                ),
            ),
        )
        .values(status=BatchStatus.BUILDING, started_at=now, done=0, expires_at=lease, error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return lease if taken == 1 else None


class LeaseLost(Exception):
    """Another builder took the batch over (this one was too slow, and taken for crashed)."""


def _renew(batch_id: int, lease: datetime, values: dict, *, now: datetime) -> datetime:
    renewed = _lease(now) if values.get("status") is not BatchStatus.READY else None
    changed = db.session.execute(
        sa.update(CertificateBatch)
        .where(
            CertificateBatch.id == batch_id,
            CertificateBatch.status == BatchStatus.BUILDING,
            CertificateBatch.expires_at == lease,
        )
        .values(**values, **({"expires_at": renewed} if renewed else {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed != 1:
        raise LeaseLost
    return renewed


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def build(batch_id: int, *, clock: Callable[[], datetime] = utcnow) -> bool:
    """Build a batch if it can be claimed; True when this call made it ready. `clock` tells
    the time as the build goes on: the lease is taken and renewed from it."""
    lease = claim(batch_id, now=clock())
    if lease is None:
        return False
    batch = db.session.get(CertificateBatch, batch_id)
    folder = exports_dir()
    for leftover in folder.glob(f".batch-{batch_id}-*.part"):  # of a crashed build
        _remove(leftover)
    part = None
    try:
        ids = exports.certificate_ids(batch.agency_id, batch.starts_on, batch.ends_on)
        if not ids:
            gone = "There are no certificates for this period any more."
            _fail(batch_id, lease, gone, now=clock())
            return False
        lease = _renew(batch_id, lease, {"total": len(ids)}, now=clock())
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".batch-{batch_id}-", suffix=".part")
        part = Path(name)

        def progress(done: int) -> None:
            nonlocal lease
            if done % exports.PROGRESS_EVERY == 0 and done < len(ids):
                lease = _renew(batch_id, lease, {"done": done}, now=clock())

        with os.fdopen(handle, "wb") as out:
            written = exports.write_zip(exports.certificates(ids), out, progress=progress)
            out.flush()
            os.fsync(out.fileno())
        final = folder / f"certificates-{batch_id}-{part.stem.rsplit('-', 1)[-1]}.zip"
        os.replace(part, final)
        part = final
        finished = clock()
        _renew(
            batch_id,
            lease,
            {
                "status": BatchStatus.READY,
                "done": written,
                "total": written,
                "finished_at": finished,
                "expires_at": finished + current_app.config["CERTIFICATE_EXPORTS_KEPT_FOR"],
                "file_name": final.name,
                "file_size": final.stat().st_size,
            },
            now=finished,
        )
        return True
    except LeaseLost:
        db.session.rollback()
        _remove(part)
        return False
    except Exception as error:
        db.session.rollback()
        _remove(part)
        log.exception("Certificate ZIP %s could not be built", batch_id)
        _fail(batch_id, lease, _reason(error), now=clock())
        return False


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        detail = error.strerror or type(error).__name__
        return f"The ZIP could not be written ({detail}). Ask for it again later."
    return "The ZIP could not be built because of an error. Ask for it again later."


def _fail(batch_id: int, lease: datetime, reason: str, *, now: datetime) -> None:
    db.session.execute(
        sa.update(CertificateBatch)
        .where(CertificateBatch.id == batch_id, CertificateBatch.expires_at == lease)
        .values(status=BatchStatus.FAILED, error=reason[:500], finished_at=now, expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def delete_expired(*, now: datetime) -> int:
    """Delete the files of ready batches past their expiry; returns how many."""
    expired = db.session.scalars(
        sa.select(CertificateBatch).where(
            CertificateBatch.status == BatchStatus.READY,
            CertificateBatch.expires_at <= now,
            CertificateBatch.file_name != "",
        )
    ).all()
    for batch in expired:
        _remove(file_path(batch))
        batch.file_name = ""
        batch.file_size = 0
    db.session.commit()
    return len(expired)


def run(*, now: datetime) -> dict:
    """run-jobs: build the queued batches (and take over abandoned ones), delete expired ZIPs."""
    waiting = db.session.scalars(
        sa.select(CertificateBatch.id)
        .where(
            sa.or_(
                CertificateBatch.status == BatchStatus.QUEUED,
                sa.and_(
                    CertificateBatch.status == BatchStatus.BUILDING,
                    CertificateBatch.expires_at < now,
                ),
            )
        )
        .order_by(CertificateBatch.requested_at, CertificateBatch.id)
        .limit(BATCHES_PER_RUN)
    ).all()
    db.session.commit()
    built = sum(build(batch_id) for batch_id in waiting)
    return {
        "certificate ZIPs built": built,
        "certificate ZIPs expired": delete_expired(now=now),
    }
