"""The headline sentences of the annual pack, written from its figures in the partnership's
voice ("In 2025-26 we ran ..."), and the facts they are written from.

The facts are counted as the reports count them (`figures.ran`, `figures.in_period`, `CAME`):
a session belongs to the year of its first date and counts once it has started and was not
cancelled. They are a flat dict of numbers (and the previous year's code), so the publication
version hides them as it hides a table's cells; a hidden count is text ("fewer than 5",
"withheld") and the sentences say so. No sentence is written about something that did not
happen, beyond a plain "No ... were recorded"."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession, DeliveryMode, course_themes
from lms.compliance import status
from lms.core.numbers import decimal_text
from lms.core.timefmt import local, long_date
from lms.extensions import db
from lms.reports import comparison, elearning, figures, impact, impact_figures
from lms.reports.filters import Filters
from lms.reports.periods import Period
from lms.reports.tables import TOO_FEW, rate
from lms.settings import services as settings

# A fact that is a rate or an average, and the counts it would give back.
DEPENDS = {
    "places_wasted_rate": ("places_wasted", "booked"),
    "rating": ("rating_n",),
    "changed_share": ("changed_n",),
    "compliance_rate": ("compliance_met", "compliance_assessed"),
}
MODE_WORDS = {
    DeliveryMode.CLASSROOM: "face to face",
    DeliveryMode.VIRTUAL: "virtual",
    DeliveryMode.BLENDED: "blended",
    DeliveryMode.ELEARNING: "e-learning",
}
WITHHELD = "withheld"


def _sessions(year: Period, now: datetime) -> dict[str, int]:
    ran = sa.and_(*figures.in_period(year), figures.ran(now))
    found: dict[str, int] = {"sessions_run": 0}
    by_mode = (
        sa.select(Course.delivery_mode, sa.func.count(CourseSession.id))
        .join(Course, Course.id == CourseSession.course_id)
        .where(ran)
        .group_by(Course.delivery_mode)
    )
    for mode in DeliveryMode:
        found[f"sessions_{mode.value}"] = 0
    for mode, count in db.session.execute(by_mode):
        found[f"sessions_{mode.value}"] = count
        found["sessions_run"] += count
    found = {k: v for k, v in found.items() if v or k == "sessions_run"}
    by_level = (
        sa.select(
            Course.level,
            sa.func.count(sa.distinct(CourseSession.id)),
            sa.func.count(sa.distinct(Course.id)),
            sa.func.count(sa.distinct(course_themes.c.theme_id)),
        )
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(course_themes, course_themes.c.course_id == Course.id)
        .where(ran)
        .group_by(Course.level)
        .order_by(Course.level)
    )
    for level, sessions, courses, topics in db.session.execute(by_level):
        found |= {
            f"level_{level}_sessions": sessions,
            f"level_{level}_courses": courses,
            f"level_{level}_topics": topics,
        }
    return found


def _attending(year: Period, now: datetime) -> dict[str, int]:
    came = (
        sa.select(
            sa.func.count(sa.distinct(Booking.user_id)),
            sa.func.count(sa.distinct(Booking.agency_id)),
            sa.func.count(sa.distinct(Agency.sector)),
        )
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Agency, Agency.id == Booking.agency_id)
        .where(*figures.in_period(year), figures.ran(now), figures.CAME)
    )
    people, agencies, sectors = db.session.execute(came).one()
    return {"people_attended": people, "agencies_attended": agencies, "sectors_attended": sectors}


def _evaluation(f: Filters) -> dict[str, Any]:
    fewest = settings.current().fewest_responses
    counts = dict(impact_figures.total(f))
    row = impact.Figures(counts, fewest).row()
    stages = ("before", "after", "follow_up", "manager")
    return {
        "evaluation_responses": sum(counts[f"{stage}_answered"] for stage in stages),
        "rating": None if row["rating"] is TOO_FEW else row["rating"],
        "rating_n": row["rating_n"],
        "changed_share": None if row["changed"] is TOO_FEW else row["changed"],
        "changed_n": row["changed_n"],
        "fewest_responses": fewest,
    }


def _compliance(year: Period, now: datetime) -> dict[str, Any]:
    if not status.rules():
        return {}
    on = min(year.last, local(now).date())
    due_months = settings.current().compliance_due_months
    found = status.for_everyone(on=on, due_months=due_months)
    met = sum(1 for item in found if item.state.met)
    return {
        "compliance_on": on.isoformat(),
        "compliance_assessed": len(found),
        "compliance_met": met,
        "compliance_rate": rate(met, len(found)),
    }


def facts(year: Period, *, now: datetime) -> dict[str, Any]:
    """The numbers the sentences state, counted as the reports count them."""
    f = Filters(period=year)
    total = figures.attendance(f, by="total", now=now)[0]
    modules = elearning.completions(f, by="sector")
    found: dict[str, Any] = {
        **_sessions(year, now),
        **_attending(year, now),
        "booked": total["booked"],
        "places_wasted": total["places_wasted"],
        "places_wasted_rate": rate(total["places_wasted"], total["booked"]),
        "elearning_completions": modules[0]["total_completions"] if modules else 0,
        "elearning_people": elearning.people(f),
        **_evaluation(f),
        **_compliance(year, now),
    }
    previous = comparison.previous_year(year, now=now)
    if previous is not None:
        found |= {
            "previous_year": previous.code,
            "previous_sessions_run": _sessions(previous, now)["sessions_run"],
            "previous_people_attended": _attending(previous, now)["people_attended"],
        }
    return found


# The sentences --------------------------------------------------------------------------------


def _is_hidden(value: Any) -> bool:
    return isinstance(value, str)


def _number(value: Any) -> str:
    if value == WITHHELD:
        return "a withheld number"
    return value if _is_hidden(value) else f"{value:,}"


def _count(value: Any, one: str, many: str | None = None) -> str:
    many = many or f"{one}s"
    if value == WITHHELD:
        return f"a withheld number of {many}"
    if _is_hidden(value):  # "fewer than 5", as the publication version writes it
        return f"{value} {many}"
    return f"{value:,} {one if value == 1 else many}"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _percent(value: Any) -> str:
    return f"{decimal_text(value)}%"


def _programme(found: dict[str, Any], when: str) -> list[str]:
    run = found.get("sessions_run", 0)
    if run == 0:
        return [f"{when} no sessions ran."]
    modes = [
        (found[f"sessions_{mode.value}"], words)
        for mode, words in MODE_WORDS.items()
        if f"sessions_{mode.value}" in found
    ]
    ran = f"{when} we ran {_count(run, 'session')}"
    if len(modes) == 1:
        lines = [f"{ran}, all {modes[0][1]}."]
    else:
        lines = [f"{ran}: {_listed([f'{_number(n)} {words}' for n, words in modes])}."]
    levels = sorted(
        int(name.split("_")[1])
        for name in found
        if name.startswith("level_") and name.endswith("_sessions")
    )
    for level in levels:
        sessions, courses = found[f"level_{level}_sessions"], found[f"level_{level}_courses"]
        topics = found[f"level_{level}_topics"]
        line = (
            f"At Level {level} we ran {_count(sessions, 'session')} of {_count(courses, 'course')}"
        )
        if topics:
            line += f" on {_count(topics, 'topic')}"
        lines.append(f"{line}.")
    people = found.get("people_attended", 0)
    if people == 0:
        lines.append("No attendance has been recorded at them yet.")
    else:
        lines.append(
            f"They were attended by {_count(people, 'practitioner')} from "
            f"{_count(found['agencies_attended'], 'agency', 'agencies')} in "
            f"{_count(found['sectors_attended'], 'sector')}."
        )
    return lines


def _change(before: Any, after: Any) -> str:
    if _is_hidden(before) or _is_hidden(after):
        return f"{_number(before)} then, {_number(after)} now"
    if after > before:
        return f"up from {before:,} to {after:,}"
    if after < before:
        return f"down from {before:,} to {after:,}"
    return f"unchanged at {after:,}"


def _compared(found: dict[str, Any]) -> list[str]:
    previous = found.get("previous_year")
    if not previous:
        return []
    sessions = _change(found["previous_sessions_run"], found.get("sessions_run", 0))
    people = _change(found["previous_people_attended"], found.get("people_attended", 0))
    return [
        f"Compared with {previous}, sessions run were {sessions}, and practitioners attending "
        f"{people}."
    ]


def _wasted(found: dict[str, Any]) -> list[str]:
    booked, wasted = found.get("booked", 0), found.get("places_wasted", 0)
    if booked == 0:
        return []
    if wasted == 0:
        return ["No booked places were wasted by no-shows or late cancellations."]
    share = found.get("places_wasted_rate")
    line = (
        f"{_number(wasted)} of the {_count(booked, 'place')} booked "
        f"{'was' if wasted == 1 else 'were'} wasted by no-shows and late cancellations"
    )
    if share is not None and not _is_hidden(share):
        line += f" ({_percent(share)})"
    return [f"{line[:1].upper()}{line[1:]}."]


def _elearning(found: dict[str, Any]) -> list[str]:
    completions = found.get("elearning_completions", 0)
    if completions == 0:
        return ["No e-learning completions were recorded."]
    return [
        f"There {'was' if completions == 1 else 'were'} "
        f"{_count(completions, 'e-learning completion')} by "
        f"{_count(found['elearning_people'], 'person', 'people')}."
    ]


def _evaluation_lines(found: dict[str, Any]) -> list[str]:
    responses = found.get("evaluation_responses", 0)
    if responses == 0:
        return ["No evaluation responses were received."]
    lines = [f"We received {_count(responses, 'evaluation response')}."]
    fewest = found.get("fewest_responses", 1)
    for share, n, said, what in (
        (
            "rating",
            "rating_n",
            "Practitioners rated their training {value} out of 5 on average",
            "The average rating of the training",
        ),
        (
            "changed_share",
            "changed_n",
            "At follow-up, {value} reported changed practice",
            "The share reporting changed practice at follow-up",
        ),
    ):
        value, people = found.get(share), found.get(n, 0)
        if people == 0:
            continue
        rests = f"{_count(people, 'person', 'people')} answered"
        if _is_hidden(value):
            lines.append(f"{what} is withheld, as {rests}.")
        elif value is None:
            lines.append(
                f"{what} is not given: too few answered ({rests}; at least {fewest:,} needed)."
            )
        else:
            shown = decimal_text(value) if share == "rating" else _percent(value)
            lines.append(f"{said.format(value=shown)} ({rests}).")
    return lines


def _compliance_lines(found: dict[str, Any]) -> list[str]:
    assessed = found.get("compliance_assessed")
    if not assessed:
        return []
    on = long_date(date.fromisoformat(found["compliance_on"]))
    line = (
        f"On {on}, {_number(found['compliance_met'])} of the "
        f"{_count(assessed, 'training requirement')} applying to people "
        f"{'was' if found['compliance_met'] == 1 else 'were'} met"
    )
    share = found.get("compliance_rate")
    if share is not None and not _is_hidden(share):
        line += f" ({_percent(share)})"
    return [f"{line}."]


def sentences(found: dict[str, Any], *, year: str = "") -> list[str]:
    """The headlines, from the facts (numbers, or the text standing for a hidden count)."""
    when = f"In {year}" if year else "This year"
    return [
        *_programme(found, when),
        *_compared(found),
        *_wasted(found),
        *_elearning(found),
        *_evaluation_lines(found),
        *_compliance_lines(found),
    ]
