"""Calendar (iCalendar) files of sessions: one session's download and the subscribable feed."""

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event

from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.core.models import utcnow
from lms.core.timefmt import LONDON


def build_calendar(
    sessions: Iterable[CourseSession],
    *,
    calendar_name: str,
    product: str,
    course_url: Callable[[Course], str],
    uid_domain: str,
    now: datetime | None = None,
) -> bytes:
    """An iCalendar file with one event for each date of each session, in UK time.

    Event UIDs depend only on the session and the date's place in it, so a calendar that
    imported or subscribed to the file updates its events (by SEQUENCE) instead of adding new
    ones. Join links and joining instructions are for confirmed attendees and never appear.
    Every DTSTAMP is `now`, when the file is made (see `stamp`).
    """
    calendar = new_calendar(product=product, method="PUBLISH")
    # Sets both NAME (RFC 7986) and X-WR-CALNAME (read by Outlook and Google Calendar).
    calendar.calendar_name = calendar_name
    calendar.add("X-WR-TIMEZONE", LONDON.key)
    made_at = stamp(now)
    events = [
        event
        for session in sessions
        for event in _events(session, course_url, uid_domain, made_at=made_at)
    ]
    return finish(calendar, events)


def new_calendar(*, product: str, method: str) -> Calendar:
    """An empty VCALENDAR of ours with the given iTIP method (PUBLISH, REQUEST, CANCEL)."""
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", f"-//{product}//Safeguarding training//EN")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def stamp(now: datetime | None) -> datetime:
    """The DTSTAMP of a file with a METHOD: when the file is made, in UTC, to the second.

    RFC 5545 (3.8.7.2): in an iCalendar object with a METHOD, DTSTAMP is the time the object
    was created (the time the event last changed is LAST-MODIFIED); RFC 5546 has a calendar
    take, of two messages with the same SEQUENCE, the one with the later DTSTAMP.
    """
    return (now or utcnow()).astimezone(UTC).replace(microsecond=0)


def finish(calendar: Calendar, events: list[Event]) -> bytes:
    """Add the events and the Europe/London VTIMEZONE they need; return the file's bytes."""
    for event in events:
        calendar.add_component(event)
    if events:
        # The VTIMEZONE only needs to describe UK time over the span of the events.
        calendar.add_missing_timezones(
            first_date=min(event.start for event in events).date(),
            last_date=max(event.end for event in events).date() + timedelta(days=1),
        )
    return calendar.to_ical()


def _events(
    session: CourseSession,
    course_url: Callable[[Course], str],
    uid_domain: str,
    *,
    made_at: datetime,
) -> Iterator[Event]:
    course = session.course
    url = course_url(course)
    cancelled = session.status is SessionStatus.CANCELLED
    description = _description(session, url)
    updated_at = session.updated_at.astimezone(UTC)
    days = sorted(session.dates, key=lambda day: day.starts_at)
    for number, day in enumerate(days, start=1):
        summary = course.title
        if len(days) > 1:
            summary += f" (day {number} of {len(days)})"
        if cancelled:
            summary = f"Cancelled: {summary}"
        event = Event()
        event.add("UID", f"session-{session.id}-day-{number}@{uid_domain}")
        event.add("SEQUENCE", session.sequence)
        event.add("DTSTAMP", made_at)
        event.add("LAST-MODIFIED", updated_at)
        event.add("DTSTART", day.starts_at.astimezone(LONDON))
        event.add("DTEND", day.ends_at.astimezone(LONDON))
        event.add("SUMMARY", summary)
        event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("LOCATION", session.location)
        event.add("URL", url)
        if course.themes:
            event.add("CATEGORIES", [theme.name for theme in course.themes])
        event.add("DESCRIPTION", description)
        yield event


def _description(session: CourseSession, url: str) -> str:
    course = session.course
    lines = []
    if session.status is SessionStatus.CANCELLED:
        lines += [session.cancellation_notice, ""]
    lines += [
        course.summary.strip(),
        "",
        f"Level {course.level} · {cpd_hours_text(course.cpd_hours)}",
        f"Details and booking: {url}",
    ]
    return "\n".join(lines)


def cpd_hours_text(hours: Decimal) -> str:
    text = format(hours.normalize(), "f")
    return f"{text} CPD hour" if hours == 1 else f"{text} CPD hours"
