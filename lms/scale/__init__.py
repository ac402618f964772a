"""A large synthetic partnership for load and report testing: `flask seed-scale`.

About 150 agencies, 30,000 practitioners, 4,000 sessions over the last few UK financial years,
120,000 bookings with their attendance marks and non-attendance charges, and 150,000 e-learning
completions (`lms.elearning.scale`) (counts times `scale`).
For an empty database only. Rows are made in Python with primary keys chosen here and written
with bulk Core inserts, so the whole history takes seconds rather than hours; the invariants the
services keep (places taken, one live booking per person and session, outcomes from marks,
session times from its dates) are kept by construction.
"""

import random
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession, Provider, Theme, Venue
from lms.core.errors import DomainError
from lms.core.timefmt import LONDON, london_to_utc
from lms.elearning import scale as elearning_scale
from lms.extensions import db
from lms.scale import attendance, bookings, catalogue, people, sessions
from lms.scale.builder import Builder
from lms.scale.figures import CHARGES
from lms.settings import services as settings


def financial_year_start(moment: datetime, years_back: int = 0) -> datetime:
    """1 April (UK time) that starts the financial year holding `moment`, `years_back` earlier."""
    local = moment.astimezone(LONDON)
    year = local.year if (local.month, local.day) >= (4, 1) else local.year - 1
    return london_to_utc(date(year - years_back, 4, 1), time(0, 0))


def _refuse_unless_empty() -> None:
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    session_rows = db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession)) or 0
    others = sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Agency, Course, Theme, Venue, Provider, Booking)
    )
    if accounts or session_rows or others:
        raise DomainError(
            f"seed-scale needs an empty database; it found {accounts} accounts, "
            f"{session_rows} sessions and {others} other catalogue or booking rows"
        )


def seed_scale(
    *, years: int, now: datetime, scale: float = 1.0, seed: int = 2026
) -> dict[str, int]:
    """Build the synthetic history on an empty database; flushes, never commits. Returns the
    number of rows added per table."""
    if years < 1:
        raise DomainError("Give at least one financial year")
    if now.tzinfo is None:
        raise DomainError("now must be timezone-aware")
    now = now.astimezone(UTC)
    _refuse_unless_empty()
    rng = random.Random(seed)
    rules = settings.current()
    if rules.no_show_charge_pence == 0 and rules.late_cancellation_charge_pence == 0:
        rules = settings.update(CHARGES, by=None)
    db.session.flush()
    history_start = financial_year_start(now, years - 1)
    builder = Builder(rng, now=now, history_start=history_start, scale=scale)
    people.build(builder)
    catalogue.build(builder)
    sessions.build(builder)
    bookings.build(builder)
    attendance.build(builder, rules)
    elearning_scale.build(builder)
    return builder.write()
