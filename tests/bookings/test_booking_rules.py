"""Every booking rule, tested on the services directly."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.bookings import decisions, queries, services, waiting_list
from lms.bookings.models import Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.catalogue.models import CourseSession
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.extensions import db

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def days_ahead(days, hours=3):
    start = NOW + timedelta(days=days)
    return [(start, start + timedelta(hours=hours))]


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def user(user_id) -> User:
    return db.session.get(User, user_id)


def session_row(session_id) -> CourseSession:
    return db.session.get(CourseSession, session_id)


def book(session_id, person_id, by_id=None, now=NOW):
    booking = services.book_place(
        session_row(session_id), user(person_id), by=user(by_id or person_id), now=now
    )
    db.session.commit()
    return booking


def refused(message, action):
    with pytest.raises(DomainError, match=message):
        action()
    db.session.rollback()


def counts(session_id) -> dict:
    rows = db.session.execute(
        sa.select(Booking.status, sa.func.count())
        .where(Booking.session_id == session_id)
        .group_by(Booking.status)
    ).all()
    return {status.value: number for status, number in rows}


def places_taken(session_id) -> int:
    db.session.expire_all()
    return session_row(session_id).places_taken


def test_booking_confirms_records_the_agency_and_takes_a_place(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(30), capacity=2)
    person = make_user()
    booking = book(session_id, person.id)
    assert booking.status is BookingStatus.CONFIRMED and booking.agency_id == person.agency_id
    assert places_taken(session_id) == 1


def test_full_session_puts_next_person_on_waiting_list_with_a_position(
    ctx, make_user, make_course_session
):
    session_id = make_course_session(dates=days_ahead(30), capacity=1)
    book(session_id, make_user().id)
    second, third = book(session_id, make_user().id), book(session_id, make_user().id)
    assert second.status is BookingStatus.WAITLISTED
    assert (queries.waiting_position(second), queries.waiting_position(third)) == (1, 2)
    assert places_taken(session_id) == 1


def test_the_agency_at_booking_time_is_kept_when_the_person_moves(
    ctx, make_user, make_agency, make_course_session
):
    session_id = make_course_session(dates=days_ahead(30))
    person = make_user()
    booking = book(session_id, person.id)
    user(person.id).agency_id = make_agency()
    db.session.commit()
    assert db.session.get(Booking, booking.id).agency_id == person.agency_id


@pytest.mark.parametrize(
    ("status", "dates", "message"),
    [
        ("cancelled", days_ahead(30), "has been cancelled"),
        ("completed", days_ahead(-30), "already taken place"),
        ("scheduled", days_ahead(-1), "already taken place"),
    ],
)
def test_cancelled_completed_or_past_sessions_cannot_be_booked(
    ctx, make_user, make_course_session, status, dates, message
):
    session_id = make_course_session(dates=dates, status=status)
    person = make_user()
    refused(message, lambda: book(session_id, person.id))
    assert counts(session_id) == {}


def test_closed_booking_window_is_refused(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(30))
    session_row(session_id).booking_closes_at = NOW - timedelta(hours=1)
    session_row(session_id).booking_opens_at = None
    db.session.commit()
    person = make_user()
    refused("Booking for this session has closed", lambda: book(session_id, person.id))
    session_row(session_id).booking_closes_at = None
    session_row(session_id).booking_opens_at = NOW + timedelta(days=2)
    db.session.commit()
    refused("Booking opens on", lambda: book(session_id, person.id))


def test_booking_twice_is_refused(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(30))
    person = make_user()
    book(session_id, person.id)
    refused(
        "You already have a booking for this session: confirmed",
        lambda: book(session_id, person.id),
    )
    assert counts(session_id) == {"confirmed": 1} and places_taken(session_id) == 1


def test_a_prerequisite_must_be_completed(ctx, make_user, make_course, make_course_session):
    from lms.catalogue.models import Course

    basic = make_course("Working together")
    advanced = make_course("Managers' essentials")
    db.session.get(Course, advanced).prerequisite_id = basic
    db.session.commit()
    past = make_course_session(basic, dates=days_ahead(-60))
    future = make_course_session(advanced, dates=days_ahead(30))
    person = make_user()
    refused("needs Working together to be completed first", lambda: book(future, person.id))
    db.session.add(
        Booking(
            user_id=person.id,
            session_id=past,
            agency_id=person.agency_id,
            status=BookingStatus.CONFIRMED,
            completed_at=NOW - timedelta(days=60),
        )
    )
    db.session.commit()
    assert book(future, person.id).status is BookingStatus.CONFIRMED


def test_the_agency_cap_is_enforced(ctx, make_user, make_agency, make_course_session):
    session_id = make_course_session(dates=days_ahead(30), capacity=10, agency_cap=2)
    agency = make_agency()
    first, second, third = (make_user(agency_id=agency) for _ in range(3))
    book(session_id, first.id)
    book(session_id, second.id)
    refused(
        "already has the most places allowed for one agency on this session \\(2\\)",
        lambda: book(session_id, third.id),
    )
    assert places_taken(session_id) == 2
    assert book(session_id, make_user().id).status is BookingStatus.CONFIRMED


def test_approval_required_holds_a_place_until_decided(
    ctx, make_user, make_agency, make_course, make_course_session
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    course = make_course(approval_required=True)
    session_id = make_course_session(course, dates=days_ahead(30), capacity=1)
    person = make_user(agency_id=agency)
    booking = book(session_id, person.id)
    assert booking.status is BookingStatus.PENDING
    assert booking.pending_expires_at == NOW + timedelta(days=5)
    assert places_taken(session_id) == 1
    decisions.approve(booking, by=user(coordinator.id), now=NOW)
    db.session.commit()
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED


def test_a_declined_booking_frees_its_place_for_the_next_person(
    ctx, make_user, make_agency, make_course, make_course_session
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    session_id = make_course_session(
        make_course(approval_required=True), dates=days_ahead(30), capacity=1
    )
    pending = book(session_id, make_user(agency_id=agency).id)
    waiting = book(session_id, make_user(agency_id=agency).id)
    refused(
        "Enter the reason for declining",
        lambda: decisions.decline(pending, by=user(coordinator.id), reason=" ", now=NOW),
    )
    promoted = decisions.decline(
        pending, by=user(coordinator.id), reason="Not in your role", now=NOW
    )
    db.session.commit()
    # The course needs approval, so the person waiting now waits for the coordinator's decision.
    assert promoted.id == waiting.id and promoted.status is BookingStatus.PENDING
    assert db.session.get(Booking, pending.id).decision_reason == "Not in your role"


def test_a_coordinator_booking_for_their_staff_needs_no_approval(
    ctx, make_user, make_agency, make_course, make_course_session
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    session_id = make_course_session(make_course(approval_required=True), dates=days_ahead(30))
    booking = book(session_id, make_user(agency_id=agency).id, by_id=coordinator.id)
    assert booking.status is BookingStatus.CONFIRMED


def test_cancelling_promotes_the_first_person_waiting_when_far_away(
    ctx, make_user, make_course_session
):
    session_id = make_course_session(dates=days_ahead(30), capacity=1)
    first = book(session_id, make_user().id)
    waiting = book(session_id, make_user().id)
    later = book(session_id, make_user().id)
    refused(
        "Enter the reason for cancelling",
        lambda: services.cancel_booking(first, by=first.user, reason="", now=NOW),
    )
    promoted = services.cancel_booking(first, by=first.user, reason="Clash with a visit", now=NOW)
    db.session.commit()
    assert promoted.id == waiting.id and promoted.status is BookingStatus.CONFIRMED
    assert queries.waiting_position(db.session.get(Booking, later.id)) == 1
    assert places_taken(session_id) == 1
    assert db.session.get(Booking, first.id).is_late_cancellation is False


def test_after_the_cutoff_a_cancellation_is_late(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(1), capacity=5)
    booking = book(session_id, make_user().id)
    services.cancel_booking(booking, by=booking.user, reason="Unwell", now=NOW + timedelta(hours=1))
    db.session.commit()
    assert db.session.get(Booking, booking.id).is_late_cancellation is True
    assert places_taken(session_id) == 0


def test_close_to_the_start_a_freed_place_becomes_a_time_limited_offer(
    ctx, make_user, make_course_session
):
    session_id = make_course_session(dates=days_ahead(2), capacity=1)
    first = book(session_id, make_user().id)
    waiting = book(session_id, make_user().id)
    services.cancel_booking(first, by=first.user, reason="Unwell", now=NOW)
    db.session.commit()
    offer = db.session.scalar(sa.select(PlaceOffer))
    assert offer.booking_id == waiting.id and offer.expires_at == NOW + timedelta(hours=24)
    assert db.session.get(Booking, waiting.id).status is BookingStatus.WAITLISTED
    assert places_taken(session_id) == 1  # held for the offer
    waiting_list.accept_offer(offer, user(waiting.user_id), now=NOW + timedelta(hours=2))
    db.session.commit()
    assert db.session.get(Booking, waiting.id).status is BookingStatus.CONFIRMED


def test_an_offer_expires_no_later_than_the_start(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(0.5), capacity=1)
    first = book(session_id, make_user().id)
    book(session_id, make_user().id)
    services.cancel_booking(first, by=first.user, reason="Unwell", now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(PlaceOffer.expires_at)) == session_row(session_id).starts_at


def test_declining_an_offer_passes_it_to_the_next_person(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(2), capacity=1)
    first = book(session_id, make_user().id)
    second, third = book(session_id, make_user().id), book(session_id, make_user().id)
    services.cancel_booking(first, by=first.user, reason="Unwell", now=NOW)
    offer = db.session.scalar(sa.select(PlaceOffer))
    waiting_list.decline_offer(offer, user(second.user_id), now=NOW)
    db.session.commit()
    offers = db.session.execute(
        sa.select(PlaceOffer.booking_id, PlaceOffer.status).order_by(PlaceOffer.id)
    ).all()
    assert offers == [(second.id, OfferStatus.DECLINED), (third.id, OfferStatus.OPEN)]
    assert db.session.get(Booking, second.id).status is BookingStatus.CANCELLED


def test_accepting_a_lapsed_or_someone_elses_offer_is_refused(ctx, make_user, make_course_session):
    session_id = make_course_session(dates=days_ahead(2), capacity=1)
    first = book(session_id, make_user().id)
    waiting = book(session_id, make_user().id)
    stranger = make_user()
    services.cancel_booking(first, by=first.user, reason="Unwell", now=NOW)
    db.session.commit()
    offer = db.session.scalar(sa.select(PlaceOffer))
    refused(
        "offered to someone else",
        lambda: waiting_list.accept_offer(offer, user(stranger.id), now=NOW),
    )
    refused(
        "lapsed",
        lambda: waiting_list.accept_offer(
            offer, user(waiting.user_id), now=NOW + timedelta(hours=25)
        ),
    )
    waiting_list.accept_offer(offer, user(waiting.user_id), now=NOW)
    db.session.commit()
    refused(
        "already accepted", lambda: waiting_list.accept_offer(offer, user(waiting.user_id), now=NOW)
    )


def test_no_promotion_once_the_session_has_started(ctx, make_user, make_course_session):
    session_id = make_course_session(
        dates=[(NOW - timedelta(minutes=30), NOW + timedelta(hours=2))], capacity=1
    )
    session = session_row(session_id)
    promoted = waiting_list.release_place(session, now=NOW)
    db.session.rollback()
    assert promoted is None
    refused("has started", lambda: book(session_id, make_user().id))


def test_substitution_hands_the_place_to_a_colleague(
    ctx, make_user, make_agency, make_course_session
):
    agency = make_agency()
    session_id = make_course_session(dates=days_ahead(1), capacity=1)
    person, colleague = make_user(agency_id=agency), make_user(agency_id=agency)
    booking = book(session_id, person.id)
    replacement = services.substitute(booking, user(colleague.id), by=user(person.id), now=NOW)
    db.session.commit()
    original = db.session.get(Booking, booking.id)
    assert original.status is BookingStatus.SUBSTITUTED and original.is_late_cancellation is False
    assert (replacement.user_id, replacement.status, replacement.substitute_for_id) == (
        colleague.id,
        BookingStatus.CONFIRMED,
        booking.id,
    )
    assert places_taken(session_id) == 1


def test_substituting_someone_from_another_agency_or_already_booked_is_refused(
    ctx, make_user, make_agency, make_course_session
):
    agency = make_agency()
    session_id = make_course_session(dates=days_ahead(10), capacity=5)
    person, colleague = make_user(agency_id=agency), make_user(agency_id=agency)
    outsider = make_user()
    booking = book(session_id, person.id)
    book(session_id, colleague.id)
    refused(
        "is not an active member of",
        lambda: services.substitute(booking, user(outsider.id), by=user(person.id), now=NOW),
    )
    refused(
        "already has a booking for this session",
        lambda: services.substitute(booking, user(colleague.id), by=user(person.id), now=NOW),
    )
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED


def test_admin_may_confirm_over_capacity_with_a_reason_and_it_is_audited(
    ctx, make_user, make_course_session
):
    from lms.audit.models import AuditEvent

    admin = make_user(roles=(Role.ADMIN,))
    session_id = make_course_session(dates=days_ahead(10), capacity=1)
    book(session_id, make_user().id)
    waiting = book(session_id, make_user().id)
    refused(
        "Enter the reason",
        lambda: decisions.admin_confirm(
            waiting, by=user(admin.id), reason="", now=NOW, over_capacity_confirmed=True
        ),
    )
    refused(
        "Confirm that this person gets a place even if the session is full",
        lambda: decisions.admin_confirm(waiting, by=user(admin.id), reason="Lead", now=NOW),
    )
    assert places_taken(session_id) == 1
    decisions.admin_confirm(
        waiting,
        by=user(admin.id),
        reason="Designated lead for the school",
        now=NOW,
        over_capacity_confirmed=True,
    )
    db.session.commit()
    assert places_taken(session_id) == 2
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "booking.confirmed_by_admin")
    )
    assert event.after == {"status": "confirmed", "over_capacity": True}
    assert event.reason == "Designated lead for the school"


def test_admin_adds_someone_to_a_session_with_places_free_without_confirming_anything(
    ctx, make_user, make_course_session
):
    from lms.audit.models import AuditEvent

    admin = make_user(roles=(Role.ADMIN,))
    session_id = make_course_session(dates=days_ahead(10), capacity=2)
    book(session_id, make_user().id)
    person = make_user()

    booking = decisions.admin_add(
        session_row(session_id), user(person.id), by=user(admin.id), reason="Lead", now=NOW
    )
    db.session.commit()

    assert booking.status is BookingStatus.CONFIRMED
    assert places_taken(session_id) == 2
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "booking.added_by_admin")
    )
    assert event.after == {"status": "confirmed", "over_capacity": False}


def test_admin_adding_someone_to_a_full_session_must_confirm_going_over_capacity(
    ctx, make_user, make_course_session
):
    admin = make_user(roles=(Role.ADMIN,))
    session_id = make_course_session(dates=days_ahead(10), capacity=1)
    book(session_id, make_user().id)
    person = make_user()

    with pytest.raises(DomainError) as refusal:
        decisions.admin_add(
            session_row(session_id), user(person.id), by=user(admin.id), reason="Lead", now=NOW
        )
    db.session.rollback()
    assert str(refusal.value) == (
        "Confirm that this person gets a place even if the session is full"
    )
    assert refusal.value.field == "confirm"
    assert counts(session_id) == {"confirmed": 1} and places_taken(session_id) == 1

    decisions.admin_add(
        session_row(session_id),
        user(person.id),
        by=user(admin.id),
        reason="Lead",
        now=NOW,
        over_capacity_confirmed=True,
    )
    db.session.commit()
    assert counts(session_id) == {"confirmed": 2} and places_taken(session_id) == 2


def test_cancelling_a_session_cancels_its_bookings(ctx, make_user, make_course_session):
    from lms.catalogue import sessions

    admin = make_user(roles=(Role.ADMIN,))
    session_id = make_course_session(dates=days_ahead(10), capacity=1)
    confirmed = book(session_id, make_user().id)
    waiting = book(session_id, make_user().id)
    sessions.cancel_session(
        session_row(session_id), reason="Trainer unwell", by=user(admin.id), now=utcnow()
    )
    db.session.commit()
    for booking_id in (confirmed.id, waiting.id):
        cancelled = db.session.get(Booking, booking_id)
        assert cancelled.status is BookingStatus.CANCELLED and not cancelled.is_late_cancellation
        assert "Trainer unwell" in cancelled.cancellation_reason
    assert places_taken(session_id) == 0


def test_adding_places_to_a_session_promotes_people_waiting(ctx, make_user, make_course_session):
    from lms.catalogue import sessions

    admin = make_user(roles=(Role.ADMIN,))
    session_id = make_course_session(dates=days_ahead(10), capacity=1)
    book(session_id, make_user().id)
    waiting = [book(session_id, make_user().id) for _ in range(3)]
    plan = sessions.plan_from(session_row(session_id))
    plan.capacity = 3
    sessions.update_session(session_row(session_id), plan, by=user(admin.id), now=NOW)
    db.session.commit()
    statuses = [db.session.get(Booking, b.id).status for b in waiting]
    assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    assert places_taken(session_id) == 3


def test_register_interest_only_without_bookable_sessions(
    ctx, make_user, make_course, make_course_session
):
    from lms.bookings.interest import register_interest
    from lms.catalogue.models import Course

    person = make_user()
    course_id = make_course("Private fostering")
    course = db.session.get(Course, course_id)
    register_interest(course, user(person.id), now=NOW)
    db.session.commit()
    refused("already asked", lambda: register_interest(course, user(person.id), now=NOW))
    other = db.session.get(Course, make_course())
    make_course_session(other.id, dates=days_ahead(10))
    refused("book one of them instead", lambda: register_interest(other, user(person.id), now=NOW))
