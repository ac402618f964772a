"""The headline sentences of the annual pack, written from its figures in the partnership's
voice ("In 2025-26 we ran ..."), and the facts they are written from."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lms.bookings.models import Booking
from lms.catalogue.models import CourseSession
from lms.extensions import db
from lms.reports import figures
from lms.reports.filters import Filters
from lms.reports.periods import Period


def facts(year: Period, *, now: datetime) -> dict[str, Any]:
    """The numbers the sentences state, counted as the reports count them."""
    f = Filters(period=year)
    ran = sa.and_(*figures.in_period(year), figures.ran(now))
    came = (
        sa.select(
            sa.func.count(sa.distinct(CourseSession.id)).label("sessions"),
            sa.func.count(sa.distinct(Booking.user_id)).label("people"),
            sa.func.count(sa.distinct(Booking.agency_id)).label("agencies"),
        )
        .select_from(CourseSession)
        .join(Booking, Booking.session_id == CourseSession.id)
        .where(ran, figures.CAME)
    )
    row = db.session.execute(came).one()
    total = figures.programme(f, by="total", now=now)[0]
    return {
        "sessions_run": total["sessions_run"],
        "people_attended": row.people,
        "agencies_attended": row.agencies,
    }


def _count(value: Any, one: str, many: str) -> str:
    if isinstance(value, str):  # a hidden count, as the publication version writes it
        return f"{value} {many}"
    return f"{value:,} {one if value == 1 else many}"


def sentences(found: dict[str, Any], *, year: str = "") -> list[str]:
    """The headlines, from the facts (numbers, or the text standing for a hidden count)."""
    when = f"In {year}" if year else "This year"
    return [
        f"{when} we ran {_count(found['sessions_run'], 'session', 'sessions')}, attended by "
        f"{_count(found['people_attended'], 'practitioner', 'practitioners')} from "
        f"{_count(found['agencies_attended'], 'agency', 'agencies')}."
    ]
