"""`flask annual-pack --year 2025-26 [--publication]`: the annual pack's PDF and workbook,
written to a folder from a new snapshot of the year (or one taken before)."""

from pathlib import Path

import click
from flask import Flask, current_app

from lms.core.files import write_atomically
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.extensions import db
from lms.reports import pack_files, snapshots
from lms.reports.models import ReportSnapshot
from lms.reports.periods import Period, PeriodError, financial_year, parse
from lms.settings import services as settings


def financial_year_of(text: str, *, now) -> Period:
    """The financial year written like 2025-26, one that has begun; a PeriodError otherwise."""
    text = (text or "").strip()
    period = parse(text)
    if period != financial_year(period.first.year):
        raise PeriodError(f"{text} is not a financial year: write the year like 2025-26")
    if period.first > local(now).date():
        raise PeriodError(f"The {period.label} has not begun yet")
    return period


def snapshot_for(year: Period, snapshot_id: int | None, *, now) -> tuple[ReportSnapshot, bool]:
    """The snapshot named (it must be of the year), or a new one taken now (flushed);
    and whether it is new."""
    if snapshot_id is not None:
        snapshot = db.session.get(ReportSnapshot, snapshot_id)
        if snapshot is None:
            raise click.ClickException(f"There is no snapshot {snapshot_id}. Nothing was written.")
        if snapshot.year != year.code:
            raise click.ClickException(
                f"Snapshot {snapshot_id} is of {snapshot.year}, not {year.code}. Nothing was "
                "written."
            )
        return snapshot, False
    snapshot = snapshots.take(
        year,
        now=now,
        by=None,
        partnership=current_app.config["PARTNERSHIP_NAME"],
        suppress_below=settings.current().suppress_below,
    )
    return snapshot, True


def register(app: Flask) -> None:
    @app.cli.command("annual-pack")
    @click.option("--year", required=True, help="The financial year, such as 2025-26.")
    @click.option(
        "--publication", is_flag=True, help="Hide small numbers (the version to publish)."
    )
    @click.option(
        "--out",
        default=".",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The folder to write the files in (made if missing).",
    )
    @click.option("--snapshot", "snapshot_id", type=int, help="Use this snapshot, not a new one.")
    def annual_pack_command(year, publication, out, snapshot_id):
        """Write the year's annual report pack: a PDF and an Excel workbook. A new snapshot of
        the year's figures is taken and kept, unless --snapshot names one taken before."""
        now = utcnow()
        try:
            period = financial_year_of(year, now=now)
        except PeriodError as error:
            raise click.ClickException(f"{error.message}. Nothing was written.") from None
        snapshot, is_new = snapshot_for(period, snapshot_id, now=now)
        figures = snapshots.figures_of(snapshot, publication=publication)
        files = {extension: pack_files.render(extension, figures) for extension in ("pdf", "xlsx")}
        if is_new:
            db.session.commit()
        version = "publication" if publication else "internal"
        for extension, body in files.items():
            path = out / pack_files.file_name(period.code, version, extension)
            try:
                out.mkdir(parents=True, exist_ok=True)
                write_atomically(path, body)
            except OSError as error:
                raise click.ClickException(
                    f"{path} could not be written ({error.strerror or error}); nothing is left "
                    f"half-written. The figures are kept as snapshot {snapshot.id}: free some "
                    f"space, then run this again with --snapshot {snapshot.id}."
                ) from None
            click.echo(str(path))
        from lms.reports.pack_pdf import taken_text  # imported already, to draw the PDF

        taken = taken_text(figures)
        click.echo(f"Snapshot {snapshot.id} of {period.code}, figures taken {taken}")
