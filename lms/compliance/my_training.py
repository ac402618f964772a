"""The "Training your role needs" section of "Your training": the person's compliance with each
requirement that applies to them, the training it rests on, and for what is not met or due soon
the courses that would satisfy it."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lms.compliance import satisfying, status
from lms.compliance.satisfying import Option
from lms.compliance.status import Status
from lms.elearning.renewals import today_in_uk
from lms.settings import services as settings


@dataclass(frozen=True)
class Row:
    status: Status
    options: list[Option]  # empty while compliant and not due


def hours_text(hours: Decimal | None) -> str:
    """CPD hours without a needless ".0": "6", "4.5"."""
    if hours is None:
        return ""
    return f"{hours.normalize():f}" if hours == hours.to_integral() else f"{hours:f}"


def due_months() -> int:
    return settings.current().compliance_due_months


def rows_for(user, *, now: datetime, today: date | None = None) -> list[Row]:
    """The person's requirements, by name, each with the courses that would satisfy it when it
    is not met or is due soon."""
    today = today or today_in_uk(now)
    found = status.for_person(user, today=today, due_months=due_months())
    chasing = [item.rule for item in found if item.state is not status.State.COMPLIANT]
    options = satisfying.options_for(chasing, now=now) if chasing else {}
    return [Row(item, options.get(item.rule.id, [])) for item in found]


def for_page(user, *, now: datetime) -> dict:
    """`compliance`: the rows above (empty when no requirement applies to the person)."""
    return {"compliance": rows_for(user, now=now), "most_listed": satisfying.MOST_LISTED}
