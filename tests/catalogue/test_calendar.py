"""Calendar files: one session's download, the subscribable feed, and UK time around clock
changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar

from lms.catalogue.calendar import build_calendar
from lms.catalogue.models import CourseSession
from lms.catalogue.sessions import set_dates
from lms.core.models import utcnow
from lms.extensions import db

LONDON = ZoneInfo("Europe/London")
JOIN_LINK = "https://teams.example/meet/abc"


def uk(year, month, day, hour, minute=0) -> datetime:
    """A UK wall-clock time as the UTC datetime the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def build(app, *session_ids) -> bytes:
    with app.app_context():
        sessions = [db.session.get(CourseSession, session_id) for session_id in session_ids]
        return build_calendar(
            sessions,
            calendar_name="Riverside training",
            product="Riverside Safeguarding Children Partnership",
            course_url=lambda course: f"https://lms.example/courses/{course.code}",
            uid_domain="lms.example",
        )


def events_of(body: bytes) -> list:
    return Calendar.from_ical(body).events


def update_session(app, session_id, **values) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(CourseSession).where(CourseSession.id == session_id).values(**values)
        )
        db.session.commit()


# The builder ---------------------------------------------------------------------------------


def test_calendar_says_what_it_is(app, make_course_session):
    calendar = Calendar.from_ical(build(app, make_course_session()))

    assert calendar["VERSION"] == "2.0"
    assert (
        calendar["PRODID"]
        == "-//Riverside Safeguarding Children Partnership//Safeguarding training//EN"
    )
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Riverside training"
    assert calendar["X-WR-TIMEZONE"] == "Europe/London"


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        pytest.param((2027, 3, 26), timedelta(0), id="Friday before the spring change: GMT"),
        pytest.param((2027, 3, 29), timedelta(hours=1), id="Monday after the spring change: BST"),
        pytest.param((2027, 10, 29), timedelta(hours=1), id="Friday before October change: BST"),
        pytest.param((2027, 11, 1), timedelta(0), id="Monday after the October change: GMT"),
    ],
)
def test_times_are_uk_wall_clock_times_either_side_of_clock_changes(
    app, make_course_session, day, offset
):
    session_id = make_course_session(dates=[(uk(*day, 9, 30), uk(*day, 12, 30))])

    body = build(app, session_id)

    (event,) = events_of(body)
    starts, ends = event["DTSTART"], event["DTEND"]
    assert starts.params["TZID"] == ends.params["TZID"] == "Europe/London"
    assert starts.dt == datetime(*day, 9, 30, tzinfo=LONDON)
    assert ends.dt == datetime(*day, 12, 30, tzinfo=LONDON)
    assert (starts.dt.hour, starts.dt.minute, ends.dt.hour) == (9, 30, 12)
    assert starts.dt.utcoffset() == ends.dt.utcoffset() == offset
    assert starts.dt.astimezone(UTC) == uk(*day, 9, 30)
    assert f"DTSTART;TZID=Europe/London:{day[0]}{day[1]:02d}{day[2]:02d}T093000".encode() in body


def test_calendar_carries_a_uk_time_zone_that_gives_the_right_offsets(app, make_course_session):
    days = [(2027, 3, 26), (2027, 3, 29), (2027, 10, 29), (2027, 11, 1)]
    session_ids = [make_course_session(dates=[(uk(*day, 9, 30), uk(*day, 12, 30))]) for day in days]

    calendar = Calendar.from_ical(build(app, *session_ids))

    (timezone,) = calendar.timezones
    assert timezone["TZID"] == "Europe/London"
    # Read the offsets from the VTIMEZONE itself, not from this machine's time zone database.
    own_rules = timezone.to_tz(lookup_tzid=False)
    starts = [event.start.replace(tzinfo=own_rules) for event in calendar.events]
    assert [start.utcoffset() for start in starts] == [
        timedelta(0),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(0),
    ]
    assert [start.astimezone(UTC) for start in starts] == [uk(*day, 9, 30) for day in days]


def test_event_ids_are_stable_between_builds_and_when_a_time_changes(app, make_course_session):
    session_id = make_course_session(dates=[(uk(2027, 3, 29, 9, 30), uk(2027, 3, 29, 12, 30))])

    first = events_of(build(app, session_id))
    second = events_of(build(app, session_id))
    with app.app_context():
        course_session = db.session.get(CourseSession, session_id)
        set_dates(course_session, [(uk(2027, 3, 29, 13), uk(2027, 3, 29, 16))])
        db.session.commit()
    moved = events_of(build(app, session_id))

    assert [str(event["UID"]) for event in first] == [f"session-{session_id}-day-1@lms.example"]
    assert [str(event["UID"]) for event in second] == [str(event["UID"]) for event in first]
    assert [str(event["UID"]) for event in moved] == [str(event["UID"]) for event in first]
    assert moved[0].start == datetime(2027, 3, 29, 13, tzinfo=LONDON)


def test_sequence_and_last_modified_come_from_the_session(app, make_course_session):
    session_id = make_course_session()
    updated_at = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    update_session(app, session_id, sequence=3, updated_at=updated_at)

    (event,) = events_of(build(app, session_id))

    assert event["SEQUENCE"] == 3
    assert event["LAST-MODIFIED"].dt == updated_at


def test_dtstamp_is_when_the_file_is_made_as_a_calendar_with_a_method_requires(
    app, make_course, make_course_session
):
    # RFC 5545 3.8.7.2: with a METHOD, DTSTAMP is when the iCalendar object was created (RFC
    # 5546 orders messages of one SEQUENCE by it); LAST-MODIFIED says when the event changed.
    first = make_course_session(dates=[(uk(2027, 3, 29, 9, 30), uk(2027, 3, 29, 12, 30))])
    second = make_course_session(
        make_course(),
        dates=[
            (uk(2027, 4, 5, 9, 30), uk(2027, 4, 5, 12)),
            (uk(2027, 4, 6, 9, 30), uk(2027, 4, 6, 12)),
        ],
    )
    update_session(app, first, updated_at=datetime(2026, 11, 20, 14, 5, tzinfo=UTC))
    made_at = datetime(2026, 12, 1, 8, 30, 15, 250000, tzinfo=UTC)

    with time_machine.travel(made_at, tick=False):
        body = build(app, first, second)

    assert Calendar.from_ical(body)["METHOD"] == "PUBLISH"
    events = events_of(body)
    assert len(events) == 3
    assert [event["DTSTAMP"].dt for event in events] == [made_at.replace(microsecond=0)] * 3
    assert body.count(b"DTSTAMP:20261201T083015Z") == 3


def test_a_session_over_several_dates_has_one_event_a_date(app, make_course, make_course_session):
    course_id = make_course("Working with neglect")
    session_id = make_course_session(
        course_id,
        dates=[
            (uk(2027, 3, 30, 9, 30), uk(2027, 3, 30, 16, 30)),
            (uk(2027, 3, 26, 9, 30), uk(2027, 3, 26, 16, 30)),
        ],
    )

    events = events_of(build(app, session_id))

    assert [str(event["SUMMARY"]) for event in events] == [
        "Working with neglect (day 1 of 2)",
        "Working with neglect (day 2 of 2)",
    ]
    assert [str(event["UID"]) for event in events] == [
        f"session-{session_id}-day-1@lms.example",
        f"session-{session_id}-day-2@lms.example",
    ]
    assert [event.start for event in events] == [
        datetime(2027, 3, 26, 9, 30, tzinfo=LONDON),
        datetime(2027, 3, 30, 9, 30, tzinfo=LONDON),
    ]
    assert [event.start.utcoffset() for event in events] == [timedelta(0), timedelta(hours=1)]


def test_a_one_day_session_is_summarised_by_the_course_title(app, make_course, make_course_session):
    session_id = make_course_session(make_course("Working with neglect"))

    (event,) = events_of(build(app, session_id))

    assert event["SUMMARY"] == "Working with neglect"
    assert event["STATUS"] == "CONFIRMED"


def test_a_cancelled_session_says_so(app, make_course, make_course_session):
    session_id = make_course_session(make_course("Working with neglect"), status="cancelled")
    update_session(app, session_id, cancellation_reason="The trainer is unwell")

    (event,) = events_of(build(app, session_id))

    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == "Cancelled: Working with neglect"
    assert str(event["DESCRIPTION"]).startswith(
        "This session has been cancelled: The trainer is unwell.\n"
    )


def test_details_name_the_course_its_level_and_where_to_book(
    app, make_theme, make_course, make_course_session
):
    theme_ids = [make_theme("Neglect"), make_theme("Domestic abuse")]
    course_id = make_course("Working with neglect", code="NEG2", level=3, theme_ids=theme_ids)
    session_id = make_course_session(course_id)

    (event,) = events_of(build(app, session_id))

    assert event["URL"] == "https://lms.example/courses/NEG2"
    assert [str(name) for name in event.categories] == ["Domestic abuse", "Neglect"]
    assert str(event["DESCRIPTION"]).splitlines() == [
        "What practitioners need to know.",
        "",
        "Level 3 · 3 CPD hours",
        "Details and booking: https://lms.example/courses/NEG2",
    ]


def test_a_course_without_themes_has_no_categories(app, make_course_session):
    (event,) = events_of(build(app, make_course_session()))

    assert "CATEGORIES" not in event


def test_location_is_the_venue_address_or_online(app, make_venue, make_course_session):
    venue_id = make_venue(name="Riverside Civic Centre")
    in_person = make_course_session(venue_id=venue_id)
    online = make_course_session(virtual=True)

    events = {str(event["UID"]): event for event in events_of(build(app, in_person, online))}

    venue_event = events[f"session-{in_person}-day-1@lms.example"]
    online_event = events[f"session-{online}-day-1@lms.example"]
    assert (
        venue_event["LOCATION"] == "Riverside Civic Centre, 1 Town Hall Square, Riverside, E1 6AN"
    )
    assert online_event["LOCATION"] == "Online"


def test_the_join_link_and_instructions_never_appear(app, make_course_session):
    session_id = make_course_session(virtual=True)
    update_session(app, session_id, joining_instructions="Passcode 482913; join 10 minutes early")

    body = build(app, session_id)

    assert b"teams.example" not in body
    assert b"482913" not in body


def test_an_empty_calendar_is_still_a_calendar(app):
    calendar = Calendar.from_ical(build(app))

    assert calendar.events == []
    assert calendar["X-WR-CALNAME"] == "Riverside training"


# The routes ----------------------------------------------------------------------------------


def test_a_session_can_be_downloaded(client, make_course, make_course_session):
    session_id = make_course_session(make_course("Working with neglect", code="NEG2"))

    response = client.get(f"/sessions/{session_id}.ics")

    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=session-{session_id}.ics"
    )
    (event,) = events_of(response.data)
    assert event["UID"] == f"session-{session_id}-day-1@localhost"
    assert event["URL"] == "https://localhost/courses/NEG2"
    calendar = Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == "Riverside Safeguarding Children Partnership training"


def test_a_download_never_includes_the_join_link(client, make_course_session):
    session_id = make_course_session(virtual=True)

    response = client.get(f"/sessions/{session_id}.ics")

    assert response.status_code == 200
    assert JOIN_LINK.encode() not in response.data


def test_a_draft_courses_session_is_not_found(client, make_course, make_course_session):
    session_id = make_course_session(make_course(status="draft"))

    assert client.get(f"/sessions/{session_id}.ics").status_code == 404


def test_an_unknown_session_is_not_found(client):
    assert client.get("/sessions/999999.ics").status_code == 404


def test_an_archived_courses_past_session_can_still_be_downloaded(
    client, make_course, make_course_session
):
    course_id = make_course(status="archived")
    start = utcnow() - timedelta(days=60)
    past = make_course_session(course_id, dates=[(start, start + timedelta(hours=3))])
    future = make_course_session(course_id)

    assert client.get(f"/sessions/{past}.ics").status_code == 200
    assert client.get(f"/sessions/{future}.ics").status_code == 404


def feed_uids(response) -> set[str]:
    return {str(event["UID"]) for event in events_of(response.data)}


def days_from_now(days: float) -> list[tuple[datetime, datetime]]:
    start = utcnow() + timedelta(days=days)
    return [(start, start + timedelta(hours=3))]


def test_the_feed_lists_upcoming_recent_and_cancelled_sessions(
    client, make_course, make_course_session
):
    upcoming = make_course_session(dates=days_from_now(10))
    cancelled = make_course_session(dates=days_from_now(12), status="cancelled")
    last_week = make_course_session(dates=days_from_now(-7))
    long_ago = make_course_session(dates=days_from_now(-40))
    draft = make_course_session(make_course(status="draft"), dates=days_from_now(10))

    response = client.get("/calendar/sessions.ics")

    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response.headers
    assert response.headers["Cache-Control"] == "public, no-cache"
    uids = feed_uids(response)
    assert {f"session-{i}-day-1@localhost" for i in (upcoming, cancelled, last_week)} == uids
    assert f"session-{long_ago}-day-1@localhost" not in uids
    assert f"session-{draft}-day-1@localhost" not in uids
    statuses = {str(event["UID"]): str(event["STATUS"]) for event in events_of(response.data)}
    assert statuses[f"session-{cancelled}-day-1@localhost"] == "CANCELLED"


def test_a_download_and_the_feed_are_stamped_with_the_time_they_are_made(
    client, make_course_session
):
    session_id = make_course_session(dates=days_from_now(10))
    made_at = utcnow() + timedelta(days=1)

    with time_machine.travel(made_at, tick=False):
        download = client.get(f"/sessions/{session_id}.ics")
        feed = client.get("/calendar/sessions.ics")

    for response in (download, feed):
        (event,) = events_of(response.data)
        assert event["DTSTAMP"].dt == made_at.replace(microsecond=0)


def test_the_feed_never_includes_join_links(client, make_course_session):
    make_course_session(virtual=True)

    response = client.get("/calendar/sessions.ics")

    assert len(events_of(response.data)) == 1
    assert JOIN_LINK.encode() not in response.data


def test_the_feed_can_be_filtered_by_theme(client, make_theme, make_course, make_course_session):
    neglect = make_theme("Neglect")
    exploitation = make_theme("Child exploitation")
    on_neglect = make_course_session(make_course(theme_ids=[neglect]))
    on_both = make_course_session(make_course(theme_ids=[neglect, exploitation]))
    on_exploitation = make_course_session(make_course(theme_ids=[exploitation]))

    response = client.get("/calendar/sessions.ics?theme=neglect")

    assert response.status_code == 200
    assert feed_uids(response) == {
        f"session-{on_neglect}-day-1@localhost",
        f"session-{on_both}-day-1@localhost",
    }
    assert f"session-{on_exploitation}-day-1" not in response.get_data(as_text=True)
    calendar = Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == (
        "Riverside Safeguarding Children Partnership training – Neglect"
    )


def test_an_unknown_theme_is_not_found(client, make_theme):
    make_theme("Neglect")

    response = client.get("/calendar/sessions.ics?theme=no-such-theme")

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
