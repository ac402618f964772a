"""`flask import-elearning FILE --provider NAME`: a provider's completion file imported with the
mapping saved for that provider (from its last import through the admin pages)."""

import os
import sys

import click
import sqlalchemy as sa
from flask import Flask

from lms.catalogue.models import Provider
from lms.core.errors import DomainError
from lms.elearning import batches, importing, mapping
from lms.extensions import db


def _estimated_rows(path: str) -> int:
    """About how many rows a file has, for the progress bar: its line count (an XLSX file, a
    zip, counts nothing useful and gets a bar that only counts)."""
    lines = 0
    with open(path, "rb") as handle:
        while piece := handle.read(1 << 20):
            lines += piece.count(b"\n")
    return max(lines - 1, 1)


def import_file(path: str, provider_name: str, *, show_progress: bool) -> str:
    """Import one file for the named provider in one transaction; returns the summary line.
    DomainError (nothing saved) when the provider or its mapping is missing or the file bad."""
    provider = db.session.scalar(sa.select(Provider).where(Provider.name == provider_name))
    if provider is None:
        raise DomainError(f"There is no provider called “{provider_name}”")
    if not provider.import_mapping:
        raise DomainError(
            f"{provider.name} has no saved column mapping yet: import one of its files through "
            "the admin pages first (Admin, E-learning imports), then this command uses the same "
            "columns"
        )
    batch, table = batches.for_command(provider, path)
    try:
        chosen = mapping.checked(provider.import_mapping, table.headings)
        if not show_progress:
            importing.run(batch, table, chosen, by=None)
        else:
            with click.progressbar(length=_estimated_rows(path), label="Importing") as bar:
                importing.run(batch, table, chosen, by=None, progress=bar.update)
    finally:
        table.close()
    return batches.summary(batch)


def register(app: Flask) -> None:
    @app.cli.command("import-elearning")
    # The file is checked here, not by click, so that a missing one is bad input (exit 1, with
    # the reason) like every other refusal, not a usage error (exit 2).
    @click.argument("file", type=click.Path())
    @click.option("--provider", "provider_name", required=True, help="The provider's name.")
    def import_elearning_command(file, provider_name):
        """Import a provider's e-learning completion file (CSV or XLSX) with its saved mapping."""
        if not os.path.isfile(file):
            raise click.ClickException(f"There is no file at {file}. Nothing was imported.")
        try:
            line = import_file(file, provider_name, show_progress=sys.stdout.isatty())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(f"{str(error).rstrip('.')}. Nothing was imported.") from None
        except BaseException:
            db.session.rollback()
            raise
        click.echo(line)
