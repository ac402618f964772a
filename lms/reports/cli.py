"""`flask report NAME --period 2025-26`: a report's table on standard output."""

import json

import click
from flask import Flask

from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.reports import build, export
from lms.reports.filters import parse_args
from lms.reports.tables import Table, kind_of, show


def as_text(table: Table) -> str:
    """The table as aligned plain text, numbers to the right, as a page shows them."""
    cells = [[column.heading for column in table.columns]]
    cells += [[show(row.get(c.key), kind_of(row, c)) for c in table.columns] for row in table.rows]
    if table.total:
        cells.append([show(table.total.get(c.key), kind_of(table.total, c)) for c in table.columns])
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [f"{table.title}, {table.period}"]
    lines += [f"{label}: {value}" for label, value in table.filters.items()]
    lines += [f"{label}: {value}" for label, value in table.summary]
    lines.append("")
    for number, row in enumerate(cells):
        aligned = [
            cell.rjust(width) if column.numeric and number else cell.ljust(width)
            for cell, width, column in zip(row, widths, table.columns, strict=True)
        ]
        lines.append("  ".join(aligned).rstrip())
    return "\n".join(lines) + "\n"


def register(app: Flask) -> None:
    @app.cli.command("report")
    @click.argument("name", type=click.Choice(list(build.REPORTS)))
    @click.option("--period", default="", help="2025-26, '2025-26 Q1' or 2025-04-01..2025-06-30.")
    @click.option("--theme", default="", help="A theme's slug, such as neglect.")
    @click.option("--level", default="", help="1, 2, 3 or 4.")
    @click.option("--mode", default="", help="classroom, virtual, elearning or blended.")
    @click.option("--audience", default="", help="children, adults or both.")
    @click.option("--sector", default="", help="A sector, such as health or education.")
    @click.option("--agency", default="", help="An agency's number.")
    @click.option(
        "--by",
        default="",
        help="programme: mode (the default), level, theme or time; impact: course (the default), "
        "theme, level, agency or sector.",
    )
    @click.option("--measure", multiple=True, help="trend: a measure to show (repeatable).")
    @click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text")
    def report_command(name, fmt, by, measure, **args):
        """Print a report's table: programme, attendance-by-agency, attendance-by-sector,
        multi-agency-mix, unmet-demand, trend, elearning-by-agency, elearning-by-sector or
        elearning-by-module, impact, certificates-by-agency, certificates-by-sector,
        compliance-by-sector or compliance-by-agency (the current financial year by default;
        compliance is counted as at the period's last day, or today, and takes only the sector
        and agency filters)."""
        now = utcnow()
        report = build.REPORTS[name]
        options = {"by": by or next(iter(report.options["by"]))} if "by" in report.options else {}
        if name == "trend":
            options["measures"] = list(measure) or None
        try:
            table = build.run(name, parse_args(args, now=now), now=now, **options)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        if fmt == "csv":
            click.echo(export.to_csv(table), nl=False)
        elif fmt == "json":
            click.echo(json.dumps(export.to_json(table), indent=2, ensure_ascii=False))
        else:
            click.echo(as_text(table), nl=False)
