"""Calendar invitations of bookings: when they are stamped (RFC 5545 and RFC 5546)."""

from datetime import UTC, datetime, timedelta

import time_machine
from icalendar import Calendar

from lms.accounts.models import User
from lms.bookings import services
from lms.bookings.invites import build_invite
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db


def invite(booking, method: str, now=None) -> Calendar:
    return Calendar.from_ical(
        build_invite(
            booking,
            method=method,
            product="Riverside Safeguarding Children Partnership",
            organiser_email="training@partnership.invalid",
            uid_domain="training.example",
            url="https://training.example/my-training",
            now=now,
        )
    )


def test_an_invitation_is_stamped_with_the_time_it_is_made_not_when_the_session_changed(
    app, make_user, make_course_session
):
    start = utcnow() + timedelta(days=30)
    session_id = make_course_session(
        dates=[
            (start, start + timedelta(hours=3)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=3)),
        ]
    )
    person = make_user()
    made_at = utcnow() + timedelta(hours=5, microseconds=123)
    with app.test_request_context():
        course_session = db.session.get(CourseSession, session_id)
        course_session.updated_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        person = db.session.get(User, person.id)
        booking = services.book_place(course_session, person, by=person, now=utcnow())

        with time_machine.travel(made_at, tick=False):
            request, cancel = invite(booking, "REQUEST"), invite(booking, "CANCEL")
        later = invite(booking, "CANCEL", now=made_at + timedelta(minutes=1))

    for calendar in (request, cancel):
        events = calendar.walk("VEVENT")
        assert len(events) == 2
        assert [event["DTSTAMP"].dt for event in events] == [made_at.replace(microsecond=0)] * 2
    assert {event["DTSTAMP"].dt for event in later.walk("VEVENT")} == {
        made_at.replace(microsecond=0) + timedelta(minutes=1)
    }
