"""The impact report: for a period, by course, theme, level, agency or sector, how many were
asked and answered at each stage, how the course was rated, how far knowledge and confidence
rose from before the course to straight after it (and for how many people), and what share of
practitioners, and of their managers, reported changed practice weeks later.

A share or an average resting on fewer respondents than the partnership's `fewest_responses`
is `TOO_FEW` ("too few responses") rather than a figure; counts are always shown. A response
rate rests on the people invited, an average or a share on the people who answered it."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lms.core.numbers import decimal_text, percentage, round_half_up
from lms.reports import impact_figures
from lms.reports.filters import Filters
from lms.reports.tables import MEAN, PERCENT, TEXT, TOO_FEW, Chart, Column, Table
from lms.settings import services as settings

GROUPS = {
    "course": "Course",
    "theme": "Theme",
    "level": "Level",
    "agency": "Agency",
    "sector": "Sector",
}
STAGE_LABELS = {
    "before": "Before",
    "after": "Straight after",
    "follow_up": "Follow-up",
    "manager": "Managers",
}
CHART_ROWS = 20


@dataclass(frozen=True)
class Figures:
    """The shares and averages of one group's counts, each TOO_FEW under `fewest`."""

    counts: dict
    fewest: int

    def enough(self, n: int) -> bool:
        return n >= self.fewest

    def share(self, part: int, whole: int):
        if not whole:
            return None
        return percentage(part, whole) if self.enough(whole) else TOO_FEW

    def mean(self, total: int, n: int, *, places: int = 1):
        if not n:
            return None
        if not self.enough(n):
            return TOO_FEW
        return float(round_half_up(Decimal(total) / Decimal(n), places))

    def row(self) -> dict:
        c = self.counts
        row = {}
        for stage in STAGE_LABELS:
            invited, answered = c[f"{stage}_invited"], c[f"{stage}_answered"]
            row |= {
                f"{stage}_invited": invited,
                f"{stage}_answered": answered,
                f"{stage}_rate": self.share(answered, invited),
            }
        for name in ("rating", "trainer_rating", "venue_rating"):
            row[name] = self.mean(c[f"{name}_sum"], c[f"{name}_n"])
            row[f"{name}_n"] = c[f"{name}_n"]
        for name in ("knowledge", "confidence"):
            n = c[f"{name}_n"]
            before, after = c[f"{name}_before_sum"], c[f"{name}_after_sum"]
            row |= {
                f"{name}_before": self.mean(before, n),
                f"{name}_after": self.mean(after, n),
                f"{name}_gain": self.mean(after - before, n),
                f"{name}_gained": c[f"{name}_gained"],
                f"{name}_stayed": c[f"{name}_stayed"],
                f"{name}_fell": c[f"{name}_fell"],
                f"{name}_n": n,
            }
        for name in ("changed", "seen"):
            row[name] = self.share(c[name], c[f"{name}_n"])
            row[f"{name}_n"] = c[f"{name}_n"]
        return row


def columns(first: list[Column]) -> list[Column]:
    stage_columns = []
    for stage, label in STAGE_LABELS.items():
        stage_columns += [
            Column(f"{stage}_invited", f"{label}: invited"),
            Column(f"{stage}_answered", f"{label}: responses"),
            Column(f"{stage}_rate", f"{label}: response rate", PERCENT),
        ]
    outcome_columns = []
    for name, label in (("knowledge", "Knowledge"), ("confidence", "Confidence")):
        outcome_columns += [
            Column(f"{name}_before", f"{label} before (1-10)", MEAN),
            Column(f"{name}_after", f"{label} after (1-10)", MEAN),
            Column(f"{name}_gain", f"{label}: mean gain", MEAN),
            Column(f"{name}_gained", f"{label}: gained"),
            Column(f"{name}_stayed", f"{label}: stayed"),
            Column(f"{name}_fell", f"{label}: fell"),
            Column(f"{name}_n", f"{label}: people"),
        ]
    return [
        *first,
        *stage_columns,
        Column("rating", "Mean rating (1-5)", MEAN),
        Column("rating_n", "Rating: people"),
        *outcome_columns,
        Column("changed", "Changed practice", PERCENT),
        Column("changed_n", "Changed practice: people"),
        Column("seen", "Managers seeing a change", PERCENT),
        Column("seen_n", "Managers: people"),
    ]


def _label(by: str, row) -> str:
    if by == "course":
        return f"{row['course']} ({row['code']})"
    if by == "theme":
        return row["theme"] or "No theme"
    if by == "level":
        return f"Level {row['level']}"
    if by == "agency":
        return row["agency"]
    return row["sector"].label


def _with_plus(value) -> str:
    return f"+{decimal_text(value)}" if value > 0 else decimal_text(value)


def _too_few(n: int, fewest: int) -> str:
    return f"too few responses ({n:,} {_people(n)}; at least {fewest:,} needed)"


def _people(n: int, word: str = "person", plural: str = "people") -> str:
    return word if n == 1 else plural


def summary(total: dict, fewest: int) -> list[tuple[str, str]]:
    """The whole selection in sentences, with the number of people beside each figure."""
    lines = []
    for stage, label in STAGE_LABELS.items():
        invited, answered, rate = (
            total[f"{stage}_invited"],
            total[f"{stage}_answered"],
            total[f"{stage}_rate"],
        )
        shown = f"{answered:,} of {invited:,} invited"
        if rate is TOO_FEW:
            shown += f" (response rate: {_too_few(invited, fewest)})"
        elif rate is not None:
            shown += f" ({decimal_text(rate)}%)"
        lines.append((f"Responses: {label.lower()}", shown))
    n = total["rating_n"]
    if total["rating"] is TOO_FEW:
        lines.append(("Mean overall rating", _too_few(n, fewest)))
    elif n:
        rating = decimal_text(total["rating"])
        lines.append(("Mean overall rating", f"{rating} out of 5 ({n:,} {_people(n)})"))
    for name, label in (("knowledge", "Knowledge"), ("confidence", "Confidence")):
        n = total[f"{name}_n"]
        heading = f"{label} before and after (1-10)"
        if not n:
            lines.append((heading, "no one answered both"))
            continue
        spread = (
            f"{n:,} {_people(n)}: {total[f'{name}_gained']:,} gained, "
            f"{total[f'{name}_stayed']:,} stayed, {total[f'{name}_fell']:,} fell"
        )
        if total[f"{name}_gain"] is TOO_FEW:
            lines.append((heading, f"{_too_few(n, fewest)}: {spread}"))
            continue
        before, after = decimal_text(total[f"{name}_before"]), decimal_text(total[f"{name}_after"])
        gain = _with_plus(total[f"{name}_gain"])
        lines.append((heading, f"{before} → {after}, mean gain {gain} ({spread})"))
    for name, label, one, many in (
        ("changed", "Practitioners reporting changed practice at follow-up", "person", "people"),
        ("seen", "Managers agreeing they have seen a change", "manager", "managers"),
    ):
        n, share = total[f"{name}_n"], total[name]
        if share is TOO_FEW:
            lines.append((label, _too_few(n, fewest)))
        elif n:
            lines.append((label, f"{decimal_text(share)}% ({n:,} {_people(n, one, many)})"))
        else:
            lines.append((label, "no answers yet"))
    return lines


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _chart(rows: list[dict], by: str) -> Chart:
    shown = [r for r in rows if r["knowledge_gain"] not in (None, TOO_FEW)]
    shown.sort(key=lambda r: (-r["knowledge_n"], r["group"]))
    left_out = len(rows) - len(shown)
    notes = []
    if left_out:
        notes.append(
            f"{left_out} {'group' if left_out == 1 else 'groups'} with too few people answering "
            "both before and after left out"
        )
    if len(shown) > CHART_ROWS:
        notes.append(f"the {CHART_ROWS} with the most people; the table has them all")
    values = ("knowledge_before", "knowledge_after", "confidence_before", "confidence_after")
    return Chart(
        f"Mean knowledge and confidence before and after (1-10) by {GROUPS[by].lower()}",
        ("Knowledge before", "Knowledge after", "Confidence before", "Confidence after"),
        [
            (r["group"], tuple(r[name] if r[name] is not TOO_FEW else None for name in values))
            for r in shown[:CHART_ROWS]
        ],
        note=_sentence("; ".join(notes)),
    )


def impact(f: Filters, *, now: datetime, by: str = "course") -> Table:
    fewest = settings.current().fewest_responses
    rows = []
    for found in impact_figures.grouped(f, by=by):
        row = {"group": _label(by, found)} | Figures(dict(found), fewest).row()
        if by == "agency":
            row["sector"] = found["sector"].label
        rows.append(row)
    rows.sort(key=lambda row: row["group"].lower())
    total = Figures(dict(impact_figures.total(f)), fewest).row() | {"group": "Total"}
    first = [Column("group", GROUPS[by], TEXT)]
    if by == "agency":
        first.append(Column("sector", "Sector", TEXT))
        total["sector"] = ""
    lines = summary(total, fewest)
    lines.append(
        (
            "Too few responses",
            f"Shares and averages resting on fewer than {fewest:,} people are not shown",
        )
    )
    if by == "theme":
        lines.append(("Note", "A course with several themes counts under each of them"))
    # With no rows there is nothing to total: the page says so, and the downloads agree.
    shown_total = total if rows else None
    return Table(
        "impact", "Impact of training", columns(first), rows, shown_total, _chart(rows, by), lines
    )


def reports(report) -> tuple:
    """The report, as `build.REPORTS` lists it (`report` is `build.Report`)."""
    return (
        report(
            "impact",
            "Impact of training",
            "Evaluation before, straight after and weeks later: invitations, responses and "
            "response rates, mean rating, knowledge and confidence before and after with the "
            "gain and how many it rests on, and the share of practitioners and managers reporting "
            "changed practice; by course, theme, level, agency or sector.",
            impact,
            {"by": GROUPS},
        ),
    )
