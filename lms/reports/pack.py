"""The annual report pack's figures for a financial year, gathered from the reports themselves
(`build.run`), so the pack's tables are the reports' tables for the same year.

`gather` returns the figures as plain JSON-ready data (the shape a snapshot stores):

    {
      "format": 1,
      "version": "internal",            # "publication" once `suppression.publish` has run
      "year": "2025-26", "year_label": "2025-26 financial year",
      "first_day": "2025-04-01", "last_day": "2026-03-31",
      "taken_at": "2026-04-02T09:00:00+00:00", "partnership": "...",
      "previous_year": "2024-25" or null (no training recorded that year),
      "suppress_below": 5,
      "facts": {...},                   # the numbers the headline sentences are written from
      "headlines": ["In 2025-26 we ran ...", ...],
      "sections": [{"key", "title", "intro", "tables": [{"table": KEY, "columns": [..] or null}]}],
      "tables": {KEY: table},           # `export.to_json` of the report, plus its "chart"
      "comparison": table or null,      # this year beside the previous one, with the change
      "quotes": [{"text", "course", "month"}],
      "definitions": [[term, meaning], ...],
      "notes": [...],                   # what a reader must know (e.g. how counts are hidden)
    }

A table's cells are numbers (money in pounds, percentages to one decimal place), text, null
for no figure, or, in the publication version, the strings that stand for a hidden count.
A section's entry may name a subset of a table's columns: the same cells shown again, so they
are hidden alike.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lms.catalogue.models import Course
from lms.core.timefmt import local
from lms.extensions import db
from lms.feedback.models import Answer, Response
from lms.reports import build, comparison, export, headlines
from lms.reports.definitions import DEFINITIONS
from lms.reports.filters import Filters
from lms.reports.models import PackQuote
from lms.reports.periods import Period
from lms.reports.tables import Chart, Table

FORMAT = 1


@dataclass(frozen=True)
class Entry:
    key: str  # the table's key in the pack
    report: str  # the report's name in build.REPORTS
    options: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] | None = None  # a subset of another entry's columns


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    entries: tuple[Entry, ...]


SECTIONS = (
    Section(
        "programme",
        "The programme delivered",
        "Sessions run and cancelled, places offered, booked and attended, by level, topic, "
        "delivery mode and time of day.",
        (
            Entry("programme-by-level", "programme", (("by", "level"),)),
            Entry("programme-by-theme", "programme", (("by", "theme"),)),
            Entry("programme-by-mode", "programme", (("by", "mode"),)),
            Entry("programme-by-time", "programme", (("by", "time"),)),
        ),
    ),
    Section(
        "attendance",
        "Who attended",
        "Places booked and attended by sector and by agency (the person's agency when they "
        "booked).",
        (
            Entry("attendance-by-sector", "attendance-by-sector"),
            Entry("attendance-by-agency", "attendance-by-agency"),
        ),
    ),
    Section(
        "mix",
        "The multi-agency mix",
        "How many agencies and sectors learnt together in each session.",
        (Entry("multi-agency-mix", "multi-agency-mix"),),
    ),
    Section(
        "elearning",
        "E-learning",
        "E-learning completions by sector, agency and module.",
        (
            Entry("elearning-by-sector", "elearning-by-sector"),
            Entry("elearning-by-agency", "elearning-by-agency"),
            Entry("elearning-by-module", "elearning-by-module"),
        ),
    ),
    Section(
        "wasted",
        "Places wasted and charges",
        "Places left empty by no-shows and late cancellations, and the charges raised for them.",
        (
            Entry(
                "attendance-by-sector",
                "attendance-by-sector",
                columns=(
                    "sector",
                    "booked",
                    "no_shows",
                    "late_cancellations",
                    "places_wasted",
                    "charges_raised",
                    "charged_pence",
                ),
            ),
        ),
    ),
    Section(
        "demand",
        "Unmet demand",
        "People still waiting when sessions started, and interest in courses with no session.",
        (Entry("unmet-demand", "unmet-demand"),),
    ),
    Section(
        "compliance",
        "Training requirements met",
        "How many of the people each training requirement applies to met it at the end of the "
        "year, by sector and by agency.",
        (
            Entry("compliance-by-sector", "compliance-by-sector"),
            Entry("compliance-by-agency", "compliance-by-agency"),
        ),
    ),
    Section(
        "impact",
        "Evaluation and impact",
        "What practitioners said before, straight after and weeks after their training, with how "
        "many people each figure rests on.",
        (
            Entry("impact-by-level", "impact", (("by", "level"),)),
            Entry("impact-by-sector", "impact", (("by", "sector"),)),
        ),
    ),
)


def chart_json(chart: Chart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {
        "title": chart.title,
        "series": list(chart.series),
        "groups": [[label, list(values)] for label, values in chart.groups],
        "unit": chart.unit,
        "note": chart.note,
    }


def table_json(table: Table) -> dict[str, Any]:
    """A report's table as the pack holds it: the API's JSON with its chart."""
    return export.to_json(table) | {"chart": chart_json(table.chart)}


def tables(year: Period, *, now: datetime) -> dict[str, dict[str, Any]]:
    """Every table of the pack for the year, by key: the reports' own figures."""
    found = {}
    for section in SECTIONS:
        for entry in section.entries:
            if entry.columns is None:
                table = build.run(
                    entry.report, Filters(period=year), now=now, **dict(entry.options)
                )
                found[entry.key] = table_json(table)
    return found


def chosen_quotes(year: str) -> list[dict[str, str]]:
    """The quotes chosen for the year's pack that may still be quoted (consent given, not
    redacted or withdrawn since), oldest course first."""
    query = (
        sa.select(Answer.text, Course.title, Response.course_on)
        .select_from(PackQuote)
        .join(Answer, Answer.id == PackQuote.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Course, Course.id == Response.course_id)
        .where(
            PackQuote.year == year,
            Response.quote_consent.is_(True),
            Response.withdrawn_at.is_(None),
            Answer.redacted_at.is_(None),
            Answer.text.is_not(None),
        )
        .order_by(Response.course_on, Answer.id)
    )
    return [
        {"text": text, "course": title, "month": day.strftime("%B %Y")}
        for text, title, day in db.session.execute(query)
    ]


def gather(year: Period, *, now: datetime, partnership: str, suppress_below: int) -> dict:
    """The pack's exact figures for the financial year, as of `now`."""
    found = tables(year, now=now)
    facts = headlines.facts(year, now=now)
    previous = comparison.previous_year(year, now=now)
    return {
        "format": FORMAT,
        "version": "internal",
        "year": year.code,
        "year_label": year.label,
        "first_day": year.first.isoformat(),
        "last_day": year.last.isoformat(),
        "taken_at": local(now).isoformat(),
        "partnership": partnership,
        "previous_year": previous.code if previous else None,
        "suppress_below": suppress_below,
        "facts": facts,
        "headlines": headlines.sentences(facts, year=year.code),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "intro": section.intro,
                "tables": [
                    {"table": entry.key, "columns": list(entry.columns) if entry.columns else None}
                    for entry in section.entries
                ],
            }
            for section in SECTIONS
        ],
        "tables": found,
        "comparison": comparison.table(year, previous, now=now) if previous else None,
        "quotes": chosen_quotes(year.code),
        "definitions": [list(pair) for pair in DEFINITIONS],
        "notes": [],
    }
