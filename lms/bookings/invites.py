"""Calendar invitations for bookings: METHOD:REQUEST when a place is confirmed or changes,
METHOD:CANCEL when it ends, with one UID per booking and date so calendar programs update and
remove the same events."""

from datetime import datetime

from icalendar import Event, vCalAddress, vText

from lms.bookings.models import Booking
from lms.catalogue.calendar import cpd_hours_text, finish, new_calendar, stamp
from lms.core.timefmt import LONDON


def build_invite(
    booking: Booking,
    *,
    method: str,
    product: str,
    organiser_email: str,
    uid_domain: str,
    url: str,
    days=None,
    now: datetime | None = None,
) -> bytes:
    """The invitation (REQUEST) or its withdrawal (CANCEL) for a booking's dates; `days`, as
    (number, start, end), names other dates, such as ones taken off the session. Every DTSTAMP
    is `now`, when the message is made."""
    session = booking.session
    course = session.course
    calendar = new_calendar(product=product, method=method)
    cancelling = method == "CANCEL"
    if days is None:
        ordered = sorted(session.dates, key=lambda day: day.starts_at)
        days = [(n, day.starts_at, day.ends_at) for n, day in enumerate(ordered, start=1)]
    total = max(len(session.dates), max((n for n, _start, _end in days), default=0))
    made_at = stamp(now)
    events = []
    for number, starts_at, ends_at in days:
        event = Event()
        event.add("UID", f"booking-{booking.id}-day-{number}@{uid_domain}")
        event.add("SEQUENCE", booking.sequence)
        event.add("DTSTAMP", made_at)
        event.add("DTSTART", starts_at.astimezone(LONDON))
        event.add("DTEND", ends_at.astimezone(LONDON))
        summary = course.title + (f" (day {number} of {total})" if total > 1 else "")
        event.add("SUMMARY", f"Cancelled: {summary}" if cancelling else summary)
        event.add("STATUS", "CANCELLED" if cancelling else "CONFIRMED")
        event.add("LOCATION", session.location)
        event.add("URL", url)
        event.add("DESCRIPTION", _description(booking, url, cancelling))
        organiser = vCalAddress(f"mailto:{organiser_email}")
        organiser.params["CN"] = vText(product)
        event.add("ORGANIZER", organiser)
        attendee = vCalAddress(f"mailto:{booking.user.email}")
        attendee.params.update(
            {
                "CN": vText(booking.user.name),
                "ROLE": "REQ-PARTICIPANT",
                "RSVP": "FALSE",
                "PARTSTAT": "DECLINED" if cancelling else "ACCEPTED",
            }
        )
        event.add("ATTENDEE", attendee)
        events.append(event)
    return finish(calendar, events)


def _description(booking: Booking, url: str, cancelling: bool) -> str:
    session = booking.session
    course = session.course
    if cancelling:
        return f"Your place on {course.title} has been cancelled.\\n\\nDetails: {url}".replace(
            "\\n", "\n"
        )
    lines = [
        course.summary.strip(),
        "",
        f"Level {course.level} · {cpd_hours_text(course.cpd_hours)}",
    ]
    if session.venue is None and session.join_link:
        lines += ["", f"Join online: {session.join_link}"]
        if session.joining_instructions:
            lines.append(session.joining_instructions.strip())
    elif session.joining_instructions:
        lines += ["", session.joining_instructions.strip()]
    lines += ["", f"Your bookings: {url}"]
    return "\n".join(lines)
