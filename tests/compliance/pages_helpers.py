"""Training done on a given UK day, for the compliance pages' tests (which run as of today)."""

from datetime import date, timedelta

from lms.core.models import utcnow
from lms.elearning.completions import add_months
from lms.elearning.renewals import today_in_uk
from tests.conftest import uk


def today() -> date:
    return today_in_uk(utcnow())


def months_ago(months: int) -> date:
    return add_months(today(), -months)


def valid_until(day: date, renew_months: int) -> date:
    return add_months(day, renew_months) - timedelta(days=1)


def attended(make_course_session, make_completed_booking, person_id, course_id, day: date) -> int:
    """A completed booking of a one-day session of the course on the day."""
    start = uk(day.year, day.month, day.day)
    session = make_course_session(
        course_id, dates=[(start, start + timedelta(hours=7))], status="completed"
    )
    return make_completed_booking(person_id, session)


def long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
