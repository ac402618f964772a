"""A provider file from upload to undo: kept until imported, its figures in words, its error
report, and undoing the whole batch."""

import csv
import hashlib
import io
import os

import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import User
from lms.audit import services as audit
from lms.catalogue.models import Provider
from lms.core.cells import safe_cell
from lms.core.models import utcnow
from lms.core.text import single_line
from lms.elearning import completions
from lms.elearning.importing import ImportRefused
from lms.elearning.models import (
    Completion,
    ElearningImport,
    ImportProblem,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.elearning.readers import DEFAULT_MAX_BYTES, FileRefused, Table, open_table
from lms.extensions import db


def max_bytes() -> int:
    return current_app.config.get("ELEARNING_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def digest_of(source) -> str:
    """The SHA-256 of the file's bytes (read in pieces when it is a path)."""
    digest = hashlib.sha256()
    if isinstance(source, bytes | bytearray):
        digest.update(source)
    else:
        with open(source, "rb") as handle:
            while piece := handle.read(1 << 20):
                digest.update(piece)
    return digest.hexdigest()


def _file_name(name: str | None) -> str:
    """The name the file had on the admin's computer, without its folders or control
    characters."""
    name = single_line(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "completions.csv"


def upload(provider: Provider, data: bytes, file_name: str, *, by: User) -> ElearningImport:
    """Keep an uploaded file for mapping and preview, once it is known to be a CSV or XLSX
    file with rows; FileRefused otherwise (nothing kept)."""
    open_table(data, max_bytes=max_bytes()).close()
    batch = ElearningImport(
        provider_id=provider.id,
        file_name=_file_name(file_name),
        sha256=digest_of(data),
        content=data,
        uploaded_by_id=by.id,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def for_command(provider: Provider, path: str) -> tuple[ElearningImport, Table]:
    """A batch for a file read from disk by the command (its bytes are not kept)."""
    table = open_table(path, max_bytes=max_bytes())
    batch = ElearningImport(
        provider_id=provider.id,
        file_name=_file_name(os.path.basename(path)),
        sha256=digest_of(path),
        content=None,
    )
    db.session.add(batch)
    db.session.flush()
    return batch, table


def table_of(batch: ElearningImport) -> Table:
    """The kept file of a batch not imported yet, opened for reading."""
    if batch.imported_at is not None or batch.content is None:
        raise ImportRefused("This file has been imported already, so it is no longer kept")
    return open_table(batch.content, max_bytes=max_bytes())


def status_values(batch: ElearningImport, heading: str, *, limit: int = 50) -> list[str]:
    """The distinct values of one column of the kept file (at most `limit`), for choosing which
    statuses mean completed."""
    table = table_of(batch)
    if heading not in table.headings:
        table.close()
        return []
    index = table.headings.index(heading)
    found: dict[str, None] = {}
    for _number, cells in table.rows:
        value = str(cells[index]).strip() if index < len(cells) else ""
        found.setdefault(value)
        if len(found) >= limit:
            break
    table.close()
    return [value for value in found if value]


def summary(batch: ElearningImport) -> str:
    """Read 1,234 rows: 1,100 added, 50 already held, 40 not completed, 30 unmatched, 14
    rejected."""
    return (
        f"Read {batch.rows_read:,} {'row' if batch.rows_read == 1 else 'rows'}: "
        f"{batch.added:,} added, {batch.already_held:,} already held, "
        f"{batch.not_completed:,} not completed, {batch.unmatched:,} unmatched, "
        f"{batch.rejected:,} rejected."
    )


def undo(batch: ElearningImport, *, by: User) -> int:
    """Withdraw every completion the batch added (and take its rows still waiting in the
    unmatched queue out of it), in one statement each, audited once. Returns how many
    completions were withdrawn; undoing twice changes nothing."""
    if batch.imported_at is None:
        raise ImportRefused("This file has not been imported, so there is nothing to undo")
    if batch.undone_at is not None:
        return 0
    now = utcnow()
    ids = db.session.scalars(
        sa.select(Completion.id).where(Completion.import_id == batch.id, completions.HELD)
    ).all()
    withdrawn = db.session.execute(
        sa.update(Completion)
        .where(Completion.import_id == batch.id, completions.HELD)
        .values(withdrawn_at=now, withdrawn_by_id=by.id)
    ).rowcount
    completions.withdrawn(ids, now=now)
    # Rows still waiting were never completions: they leave the queue, so importing the file
    # again puts them back.
    removed = db.session.execute(
        sa.delete(UnmatchedCompletion).where(
            UnmatchedCompletion.import_id == batch.id,
            UnmatchedCompletion.status == UnmatchedStatus.OPEN,
        )
    ).rowcount
    batch.undone_at = now
    batch.undone_by_id = by.id
    db.session.flush()
    audit.record(
        "elearning.import_undone",
        batch,
        actor=by,
        before={"added": batch.added, "unmatched": batch.unmatched},
        after={"completions_withdrawn": withdrawn, "unmatched_removed": removed},
    )
    return withdrawn


def problems_query(batch: ElearningImport):
    return (
        sa.select(ImportProblem)
        .where(ImportProblem.import_id == batch.id)
        .order_by(ImportProblem.row_number, ImportProblem.id)
    )


def error_report(batch: ElearningImport) -> bytes:
    """The rows that were rejected or matched nobody, as CSV (row, value, reason); every cell
    safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "Value", "Reason"])
    for problem in db.session.scalars(problems_query(batch).execution_options(yield_per=2000)):
        writer.writerow([problem.row_number, safe_cell(problem.value), safe_cell(problem.reason)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


__all__ = ["FileRefused", "ImportRefused"]
