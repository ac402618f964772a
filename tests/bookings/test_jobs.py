"""The bookings' background work, driven through `flask run-jobs` with the clock moved on:
reminders, lapsing approvals and offers, news for people who registered interest. Every job
must be safe to run again, and places_taken must always match the places held."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import Role, User
from lms.bookings import interest, services
from lms.bookings.models import Booking, BookingStatus, Interest, OfferStatus, PlaceOffer
from lms.catalogue.models import Course, CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)  # a Saturday, 12pm UK time (GMT)
BASE = "https://training.example"


def uk(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def on(starts_at, hours=7):
    return [(starts_at, starts_at + timedelta(hours=hours))]


TWO_DAYS_AHEAD = uk(2027, 3, 22, 9, 30)  # Monday, GMT
TEN_DAYS_AHEAD = uk(2027, 3, 30, 9, 30)  # Tuesday, BST
MONTH_AHEAD = uk(2027, 4, 19, 9, 30)


@pytest.fixture
def clock(app):
    """The clock stopped at NOW (move it with clock.move_to), and links from BASE_URL."""
    app.config["BASE_URL"] = BASE
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def run_jobs(runner) -> dict[str, int]:
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    counts = {}
    for line in result.output.splitlines():
        name, _, number = line.rpartition(": ")
        counts[name] = int(number)
    return counts


# Acting and reading, each in a context of its own (run-jobs pushes its own) -----------------


def book(app, session_id, person, *, by=None) -> int:
    with app.test_request_context(base_url=BASE):
        booking = services.book_place(
            db.session.get(CourseSession, session_id),
            db.session.get(User, person.id),
            by=db.session.get(User, (by or person).id),
            now=utcnow(),
        )
        db.session.commit()
        return booking.id


def cancel(app, booking_id, person):
    with app.test_request_context(base_url=BASE):
        services.cancel_booking(
            db.session.get(Booking, booking_id),
            by=db.session.get(User, person.id),
            reason="Cannot come after all",
            now=utcnow(),
        )
        db.session.commit()


def status(app, booking_id) -> BookingStatus:
    with app.app_context():
        return db.session.get(Booking, booking_id).status


def messages(app, kind, *, to=None) -> list[tuple[str, str]]:
    """(recipient, body) of the messages of one kind, oldest first."""
    with app.app_context():
        query = (
            sa.select(OutboxMessage.recipient, OutboxMessage.body_text)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
        if to is not None:
            query = query.where(OutboxMessage.recipient == to.email)
        return [tuple(row) for row in db.session.execute(query)]


def recipients(app, kind) -> list[str]:
    return [recipient for recipient, _ in messages(app, kind)]


def offers(app, session_id) -> list[tuple[int, OfferStatus, datetime]]:
    """(booking id, status, expiry) of a session's offers, oldest first."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(PlaceOffer.booking_id, PlaceOffer.status, PlaceOffer.expires_at)
                .where(PlaceOffer.session_id == session_id)
                .order_by(PlaceOffer.id)
            )
        ]


def places_taken(app, session_id) -> int:
    with app.app_context():
        return db.session.get(CourseSession, session_id).places_taken


def check_places(app, *session_ids) -> None:
    """places_taken is the confirmed and pending bookings plus the open offers."""
    with app.app_context():
        for session_id in session_ids:
            held = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Booking)
                .where(
                    Booking.session_id == session_id,
                    Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.PENDING]),
                )
            ) + db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PlaceOffer)
                .where(PlaceOffer.session_id == session_id, PlaceOffer.status == OfferStatus.OPEN)
            )
            taken = db.session.get(CourseSession, session_id).places_taken
            assert taken == held, f"session {session_id}: places_taken {taken}, held {held}"


# Reminders ----------------------------------------------------------------------------------


def test_reminder_goes_once_to_confirmed_people_within_the_reminder_days(
    app, runner, clock, make_user, make_course, make_course_session
):
    course_id = make_course("Neglect: recognising the signs", mode="virtual")
    soon = make_course_session(course_id, dates=on(TWO_DAYS_AHEAD), capacity=1, virtual=True)
    later = make_course_session(course_id, dates=on(TEN_DAYS_AHEAD), capacity=5, virtual=True)
    amina, ben, carl = make_user(), make_user(), make_user()
    book(app, soon, amina)
    waiting = book(app, soon, ben)
    book(app, later, carl)
    assert status(app, waiting) is BookingStatus.WAITLISTED

    first = run_jobs(runner)
    assert first["reminders sent"] == 1
    assert first["mail sent"] == 4  # three booking messages and the reminder
    assert run_jobs(runner)["reminders sent"] == 0
    assert recipients(app, "reminder") == [amina.email]
    ((_, body),) = messages(app, "reminder")
    assert "Monday 22 March 2027, 9:30am to 4:30pm" in body
    assert "Join online: https://teams.example/meet/abc" in body
    assert f"{BASE}/my-training" in body

    # Three days before the later session starts (Saturday 27 March, 8:30am UTC).
    clock.move_to(uk(2027, 3, 27, 8, 29))
    assert run_jobs(runner)["reminders sent"] == 0
    clock.move_to(uk(2027, 3, 27, 8, 30))
    assert run_jobs(runner)["reminders sent"] == 1
    assert run_jobs(runner)["reminders sent"] == 0
    assert recipients(app, "reminder") == [amina.email, carl.email]
    assert messages(app, "reminder", to=ben) == []
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != MessageStatus.SENT)
            )
            == 0
        )
    check_places(app, soon, later)


def test_no_reminder_for_a_cancelled_booking_or_session(
    app, runner, clock, make_user, make_course_session
):
    session_id = make_course_session(dates=on(TWO_DAYS_AHEAD), capacity=5)
    cancelled_session = make_course_session(
        dates=on(TWO_DAYS_AHEAD), capacity=5, status="cancelled"
    )
    amina, ben = make_user(), make_user()
    cancel(app, book(app, session_id, amina), amina)
    with app.app_context():
        db.session.add(
            Booking(
                user_id=ben.id,
                session_id=cancelled_session,
                agency_id=ben.agency_id,
                status=BookingStatus.CONFIRMED,
                confirmed_at=NOW,
            )
        )
        db.session.commit()
    assert run_jobs(runner)["reminders sent"] == 0
    assert messages(app, "reminder") == []


# Approvals that lapse -----------------------------------------------------------------------


def test_pending_approval_lapses_after_the_hold_and_the_place_goes_to_the_first_waiting(
    app, runner, clock, make_user, make_agency, make_course, make_course_session
):
    course_id = make_course("Working with families", approval_required=True)
    session_id = make_course_session(course_id, dates=on(MONTH_AHEAD), capacity=1)
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    dana = make_user(agency_id=agency)
    erin = make_user(agency_id=agency)
    fay = make_user(agency_id=agency)
    pending = book(app, session_id, dana)
    first_waiting = book(app, session_id, erin, by=coordinator)  # needs no approval
    second_waiting = book(app, session_id, fay, by=coordinator)
    assert [status(app, b) for b in (pending, first_waiting, second_waiting)] == [
        BookingStatus.PENDING,
        BookingStatus.WAITLISTED,
        BookingStatus.WAITLISTED,
    ]

    clock.move_to(NOW + timedelta(days=5) - timedelta(minutes=1))
    assert run_jobs(runner)["pending approvals lapsed"] == 0
    assert status(app, pending) is BookingStatus.PENDING

    clock.move_to(NOW + timedelta(days=5))
    assert run_jobs(runner)["pending approvals lapsed"] == 1
    assert status(app, pending) is BookingStatus.CANCELLED
    assert recipients(app, "approval_lapsed") == [dana.email]
    # The session is weeks away, so the first person waiting is promoted outright.
    assert status(app, first_waiting) is BookingStatus.CONFIRMED
    assert recipients(app, "booking_promoted") == [erin.email]
    assert status(app, second_waiting) is BookingStatus.WAITLISTED
    assert places_taken(app, session_id) == 1

    assert run_jobs(runner)["pending approvals lapsed"] == 0
    assert recipients(app, "approval_lapsed") == [dana.email]
    assert recipients(app, "booking_promoted") == [erin.email]
    assert offers(app, session_id) == []
    check_places(app, session_id)


def test_pending_approval_lapsing_with_nobody_waiting_frees_the_place(
    app, runner, clock, make_user, make_course, make_course_session
):
    course_id = make_course(approval_required=True)
    session_id = make_course_session(course_id, dates=on(MONTH_AHEAD), capacity=3)
    dana, erin = make_user(), make_user()
    pending = book(app, session_id, dana)
    other = book(app, session_id, erin)
    assert places_taken(app, session_id) == 2

    clock.move_to(NOW + timedelta(days=6))
    assert run_jobs(runner)["pending approvals lapsed"] == 2
    assert status(app, pending) is status(app, other) is BookingStatus.CANCELLED
    assert places_taken(app, session_id) == 0
    assert run_jobs(runner)["pending approvals lapsed"] == 0
    assert places_taken(app, session_id) == 0
    assert sorted(recipients(app, "approval_lapsed")) == sorted([dana.email, erin.email])
    check_places(app, session_id)


def test_pending_approval_on_a_session_close_by_is_held_until_the_start_at_most(
    app, runner, clock, make_user, make_course, make_course_session
):
    course_id = make_course(approval_required=True)
    session_id = make_course_session(course_id, dates=on(TWO_DAYS_AHEAD), capacity=1)
    dana, erin = make_user(), make_user()
    pending = book(app, session_id, dana)
    waiting = book(app, session_id, erin)

    clock.move_to(TWO_DAYS_AHEAD - timedelta(minutes=1))
    assert run_jobs(runner)["pending approvals lapsed"] == 0
    clock.move_to(TWO_DAYS_AHEAD)
    assert run_jobs(runner)["pending approvals lapsed"] == 1
    assert status(app, pending) is BookingStatus.CANCELLED
    # The session has started: nobody is offered the place.
    assert status(app, waiting) is BookingStatus.WAITLISTED
    assert offers(app, session_id) == []
    assert places_taken(app, session_id) == 0
    check_places(app, session_id)


# Offers that lapse --------------------------------------------------------------------------


def test_open_offer_lapses_after_the_offer_hours_and_the_place_is_offered_to_the_next(
    app, runner, clock, make_user, make_course_session
):
    session_id = make_course_session(dates=on(TWO_DAYS_AHEAD), capacity=1)
    amina, ben, carl, dan = make_user(), make_user(), make_user(), make_user()
    confirmed = book(app, session_id, amina)
    ben_booking = book(app, session_id, ben)
    carl_booking = book(app, session_id, carl)
    dan_booking = book(app, session_id, dan)
    cancel(app, confirmed, amina)
    assert offers(app, session_id) == [(ben_booking, OfferStatus.OPEN, NOW + timedelta(hours=24))]
    assert places_taken(app, session_id) == 1

    clock.move_to(NOW + timedelta(hours=24) - timedelta(minutes=1))
    assert run_jobs(runner)["offers lapsed"] == 0
    assert status(app, ben_booking) is BookingStatus.WAITLISTED

    clock.move_to(NOW + timedelta(hours=24))
    assert run_jobs(runner)["offers lapsed"] == 1
    assert run_jobs(runner)["offers lapsed"] == 0
    # The next offer can last no longer than until the start.
    assert offers(app, session_id) == [
        (ben_booking, OfferStatus.LAPSED, NOW + timedelta(hours=24)),
        (carl_booking, OfferStatus.OPEN, TWO_DAYS_AHEAD),
    ]
    assert status(app, ben_booking) is BookingStatus.CANCELLED
    assert status(app, carl_booking) is status(app, dan_booking) is BookingStatus.WAITLISTED
    assert recipients(app, "offer_lapsed") == [ben.email]
    assert recipients(app, "place_offered") == [ben.email, carl.email]
    ((_, body),) = messages(app, "place_offered", to=carl)
    with app.app_context():
        offer_id = db.session.scalar(
            sa.select(PlaceOffer.id).where(PlaceOffer.booking_id == carl_booking)
        )
    assert f"{BASE}/offers/{offer_id}" in body
    assert "Accept or decline it by 22 March 2027, 9:30am" in body
    assert places_taken(app, session_id) == 1
    check_places(app, session_id)

    # Carl's offer lapses at the start: nobody else is offered a session that has begun.
    clock.move_to(TWO_DAYS_AHEAD)
    assert run_jobs(runner)["offers lapsed"] == 1
    assert run_jobs(runner)["offers lapsed"] == 0
    assert status(app, carl_booking) is BookingStatus.CANCELLED
    assert status(app, dan_booking) is BookingStatus.WAITLISTED
    assert recipients(app, "offer_lapsed") == [ben.email, carl.email]
    assert recipients(app, "place_offered") == [ben.email, carl.email]
    assert [offer_status for _, offer_status, _ in offers(app, session_id)] == [
        OfferStatus.LAPSED,
        OfferStatus.LAPSED,
    ]
    assert places_taken(app, session_id) == 0
    check_places(app, session_id)


# Interest -----------------------------------------------------------------------------------


def test_interested_people_hear_once_when_a_session_is_scheduled(
    app, runner, clock, make_user, make_course, make_course_session
):
    course_id = make_course("Neglect: recognising the signs", mode="virtual")
    other_course = make_course("Working with families")
    make_course_session(course_id, dates=on(TEN_DAYS_AHEAD), virtual=True, status="cancelled")
    erin, fay = make_user(name="Erin Walsh"), make_user()
    with app.app_context():
        interest.register_interest(
            db.session.get(Course, course_id), db.session.get(User, erin.id), now=utcnow()
        )
        interest.register_interest(
            db.session.get(Course, other_course), db.session.get(User, fay.id), now=utcnow()
        )
        db.session.commit()
    assert run_jobs(runner)["interested people told"] == 0

    session_id = make_course_session(course_id, dates=on(MONTH_AHEAD), virtual=True)
    assert run_jobs(runner)["interested people told"] == 1
    assert run_jobs(runner)["interested people told"] == 0
    assert recipients(app, "interest_session_open") == [erin.email]
    ((_, body),) = messages(app, "interest_session_open")
    assert f"- 19 April 2027, 9:30am, online: {BASE}/sessions/{session_id}" in body
    assert "teams.example" not in body
    with app.app_context():
        told = db.session.scalars(sa.select(Interest).order_by(Interest.id)).all()
        assert [(i.user_id, i.notified_at) for i in told] == [(erin.id, NOW), (fay.id, None)]

    clock.move_to(NOW + timedelta(days=1))
    assert run_jobs(runner)["interested people told"] == 0
    assert recipients(app, "interest_session_open") == [erin.email]
    check_places(app, session_id)


# Everything at once -------------------------------------------------------------------------


def test_places_taken_matches_the_places_held_after_every_run(
    app, runner, clock, make_user, make_agency, make_course, make_course_session
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    people = [make_user(agency_id=agency) for _ in range(8)]
    approval = make_course_session(
        make_course(approval_required=True), dates=on(MONTH_AHEAD), capacity=2
    )
    close_by = make_course_session(dates=on(TWO_DAYS_AHEAD), capacity=2)
    later = make_course_session(dates=on(TEN_DAYS_AHEAD), capacity=1)
    sessions = (approval, close_by, later)

    book(app, approval, people[0])  # pending
    book(app, approval, people[1], by=coordinator)  # confirmed
    book(app, approval, people[2], by=coordinator)  # waiting
    gone = book(app, close_by, people[3])
    book(app, close_by, people[4])
    book(app, close_by, people[5])  # waiting
    book(app, close_by, people[6])  # waiting
    book(app, later, people[7])
    cancel(app, gone, people[3])  # offered to people[5]
    check_places(app, *sessions)

    moments = [
        NOW,
        NOW + timedelta(hours=24),  # people[5]'s offer lapses; people[6] is offered
        NOW + timedelta(days=2),  # close_by has started; the open offer lapses
        NOW + timedelta(days=5),  # the approval lapses; people[2] is promoted
        NOW + timedelta(days=8),  # later is within its reminder days
    ]
    for moment in moments:
        clock.move_to(moment)
        for _ in range(2):
            run_jobs(runner)
            check_places(app, *sessions)

    assert [places_taken(app, s) for s in sessions] == [2, 1, 1]
    assert recipients(app, "offer_lapsed") == [people[5].email, people[6].email]
    assert recipients(app, "approval_lapsed") == [people[0].email]
    assert recipients(app, "booking_promoted") == [people[2].email]
    # close_by's from the start, later's three days before it; approval's is weeks away.
    assert recipients(app, "reminder") == [people[4].email, people[7].email]


# Faults found once and fixed; kept as regressions -----------------------------------------


def test_a_moved_session_is_reminded_again_before_its_new_date(
    app, runner, clock, make_user, make_course_session
):
    from lms.catalogue import sessions as scheduling

    session_id = make_course_session(dates=on(TWO_DAYS_AHEAD), capacity=5)
    admin, amina = make_user(roles=(Role.ADMIN,)), make_user()
    book(app, session_id, amina)
    assert run_jobs(runner)["reminders sent"] == 1

    with app.test_request_context(base_url=BASE):
        course_session = db.session.get(CourseSession, session_id)
        scheduling.update_session(
            course_session,
            scheduling.plan_from(course_session, on(MONTH_AHEAD)),
            by=db.session.get(User, admin.id),
            now=utcnow(),
        )
        db.session.commit()
    assert recipients(app, "session_changed") == [amina.email]

    clock.move_to(MONTH_AHEAD - timedelta(days=2))
    assert run_jobs(runner)["reminders sent"] == 1
