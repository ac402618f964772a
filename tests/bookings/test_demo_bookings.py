"""The demo bookings keep the booking rules: places counted, caps, waiting lists, approvals."""

import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts import demo as accounts_demo
from lms.accounts.models import Agency, User
from lms.bookings import demo as bookings_demo
from lms.bookings import queries, services
from lms.bookings.models import HOLDS_PLACE, LIVE, Booking, BookingStatus, OfferStatus, PlaceOffer
from lms.catalogue import demo as catalogue_demo
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.extensions import db

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SUMMARY = re.compile(
    r"^[\d,]+ bookings \([\d,]+ confirmed, [\d,]+ waiting, [\d,]+ pending, [\d,]+ cancelled\)$"
)


def seed_all(app, now=NOW) -> str:
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=now)
        summary = bookings_demo.seed(now=now)
        db.session.commit()
        return summary


def sessions_and_bookings():
    sessions = db.session.scalars(
        sa.select(CourseSession).options(
            selectinload(CourseSession.course), selectinload(CourseSession.dates)
        )
    ).all()
    bookings = db.session.scalars(sa.select(Booking)).all()
    by_session = {session.id: [] for session in sessions}
    for booking in bookings:
        by_session[booking.session_id].append(booking)
    return sessions, bookings, by_session


def booking_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Booking))


@pytest.mark.parametrize("now", [NOW, datetime(2027, 3, 9, 15, 45, tzinfo=UTC)])
def test_places_taken_counts_the_bookings_holding_places(app, now):
    summary = seed_all(app, now)
    assert SUMMARY.match(summary), summary
    with app.app_context():
        sessions, bookings, by_session = sessions_and_bookings()
        assert len(bookings) > 1000
        open_offers = Counter(
            db.session.scalars(
                sa.select(PlaceOffer.session_id).where(PlaceOffer.status == OfferStatus.OPEN)
            )
        )
        for session in sessions:
            held = sum(1 for b in by_session[session.id] if b.status in HOLDS_PLACE)
            assert session.places_taken == held + open_offers[session.id]
            assert 0 <= session.places_taken <= session.capacity
            if any(b.status is BookingStatus.WAITLISTED for b in by_session[session.id]):
                assert session.is_full and session.status is SessionStatus.SCHEDULED
            if session.status is SessionStatus.CANCELLED:
                assert session.places_taken == 0


def test_one_live_booking_per_person_per_session_within_agency_caps(app):
    seed_all(app)
    with app.app_context():
        sessions, bookings, by_session = sessions_and_bookings()
        agency_of = dict(db.session.execute(sa.select(User.id, User.agency_id)).all())
        live = Counter((b.user_id, b.session_id) for b in bookings if b.status in LIVE)
        assert max(live.values()) == 1
        assert all(b.agency_id == agency_of[b.user_id] for b in bookings)
        assert all(b.user.email.endswith(".example") for b in bookings)
        capped = [s for s in sessions if s.agency_cap is not None]
        assert capped
        for session in capped:
            held = Counter(b.agency_id for b in by_session[session.id] if b.holds_place)
            assert max(held.values(), default=0) <= session.agency_cap
        assert len({b.agency_id for b in bookings}) >= 20

        # Nobody holds places in two sessions at the same time.
        times: dict[int, list] = {}
        for session in sessions:
            for booking in by_session[session.id]:
                if booking.holds_place:
                    times.setdefault(booking.user_id, []).extend(
                        (day.starts_at, day.ends_at) for day in session.dates
                    )
        for spans in times.values():
            spans.sort()
            for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
                assert start >= end


def test_booking_times_and_statuses_are_consistent(app):
    seed_all(app)
    with app.app_context():
        sessions, bookings, _ = sessions_and_bookings()
        for b in bookings:
            assert b.created_at <= NOW and b.created_at < b.session.starts_at
            assert (b.waitlisted_at is not None) == (b.status is BookingStatus.WAITLISTED)
            if b.status is BookingStatus.CONFIRMED:
                assert b.created_at <= b.confirmed_at <= min(NOW, b.session.starts_at)
            if b.status is BookingStatus.CANCELLED:
                assert b.cancelled_at and b.cancellation_reason
                assert b.created_at <= b.cancelled_at <= NOW
            if b.completed_at is not None:
                assert b.status is BookingStatus.CONFIRMED
                assert b.completed_at == b.session.ends_at <= NOW
            if b.session.course.approval_required and b.confirmed_at:
                assert b.decided_by_id is not None and b.decided_at == b.confirmed_at


def test_about_one_upcoming_session_in_six_is_full_with_people_waiting(app):
    seed_all(app)
    with app.app_context():
        sessions, _, by_session = sessions_and_bookings()
        upcoming = [
            s for s in sessions if s.status is SessionStatus.SCHEDULED and s.starts_at > NOW
        ]
        full = [s for s in upcoming if s.is_full]
        assert len(upcoming) / 9 <= len(full) <= len(upcoming) / 4
        assert not any(s.course.code in catalogue_demo.MONTHLY_CODES for s in full)
        waiting_lists = [
            [b for b in by_session[s.id] if b.status is BookingStatus.WAITLISTED] for s in full
        ]
        assert sum(1 for waiting in waiting_lists if 2 <= len(waiting) <= 5) >= len(full) - 1
        for session, waiting in zip(full, waiting_lists, strict=True):
            holders = [b for b in by_session[session.id] if b.holds_place]
            for booking in waiting:
                assert booking.waitlisted_at > max(h.created_at for h in holders)
        assert any(not s.is_full and s.places_taken for s in upcoming)


def test_pending_bookings_only_on_courses_needing_approval(app):
    seed_all(app)
    with app.app_context():
        pending = db.session.scalars(
            sa.select(Booking).where(Booking.status == BookingStatus.PENDING)
        ).all()
        assert len(pending) >= 5
        for booking in pending:
            session = booking.session
            assert session.course.approval_required
            assert session.status is SessionStatus.SCHEDULED and session.starts_at > NOW
            assert booking.pending_expires_at == min(NOW + timedelta(days=5), session.starts_at)
        # Every upcoming session of a course needing approval has one or two to decide.
        upcoming_approval = db.session.scalars(
            sa.select(CourseSession)
            .join(Course)
            .where(
                Course.approval_required.is_(True),
                CourseSession.status == SessionStatus.SCHEDULED,
                CourseSession.starts_at > NOW,
            )
        ).all()
        assert {b.session_id for b in pending} == {s.id for s in upcoming_approval}
        ruh = db.session.scalar(
            sa.select(Agency.id).where(Agency.name == "Riverside University Hospitals NHS Trust")
        )
        assert any(booking.agency_id == ruh for booking in pending)


def test_upcoming_bookings_meet_their_prerequisites(app):
    seed_all(app)
    with app.app_context():
        bookings = db.session.scalars(
            sa.select(Booking)
            .join(CourseSession)
            .join(Course)
            .where(
                Course.prerequisite_id.is_not(None),
                CourseSession.starts_at > NOW,
                Booking.status.in_(LIVE),
            )
        ).all()
        assert bookings
        for booking in bookings:
            person = booking.user
            assert queries.has_completed(person, booking.session.course.prerequisite_id)


def test_past_sessions_have_attendees_no_shows_and_late_cancellations(app):
    seed_all(app)
    with app.app_context():
        sessions, _, by_session = sessions_and_bookings()
        past = [s for s in sessions if s.starts_at <= NOW]
        completed = not_completed = 0
        for session in past:
            assert session.status is SessionStatus.COMPLETED
            booked = by_session[session.id]
            assert {b.status for b in booked} <= {BookingStatus.CONFIRMED, BookingStatus.CANCELLED}
            confirmed = [b for b in booked if b.status is BookingStatus.CONFIRMED]
            assert session.capacity * 0.6 <= len(confirmed) <= session.capacity
            completed += sum(1 for b in confirmed if b.completed_at is not None)
            not_completed += sum(1 for b in confirmed if b.completed_at is None)
        assert 0.75 <= completed / (completed + not_completed) <= 0.95
        late = [b for s in past for b in by_session[s.id] if b.is_late_cancellation]
        assert 3 <= len(late) <= len(past) // 3
        for booking in late:
            session = booking.session
            assert booking.status is BookingStatus.CANCELLED
            assert session.cancellation_cutoff_at < booking.cancelled_at < session.starts_at


def test_cancelled_sessions_show_the_bookings_they_cancelled(app):
    seed_all(app)
    with app.app_context():
        sessions, _, by_session = sessions_and_bookings()
        cancelled = [s for s in sessions if s.status is SessionStatus.CANCELLED]
        assert cancelled
        for session in cancelled:
            assert by_session[session.id]
            for booking in by_session[session.id]:
                assert booking.status is BookingStatus.CANCELLED
                assert booking.cancellation_reason == (
                    f"The session was cancelled: {session.cancellation_reason}"
                )
                assert not booking.is_late_cancellation


def test_the_demo_practitioner_has_a_place_and_a_place_on_a_waiting_list(app):
    seed_all(app)
    with app.app_context():
        person = db.session.scalar(
            sa.select(User).where(User.email == bookings_demo.DEMO_PRACTITIONER_EMAIL)
        )
        bookings = db.session.scalars(sa.select(Booking).where(Booking.user_id == person.id)).all()
        upcoming = [b for b in bookings if b.session.starts_at > NOW]
        confirmed = [b for b in upcoming if b.status is BookingStatus.CONFIRMED]
        waiting = [b for b in upcoming if b.status is BookingStatus.WAITLISTED]
        assert len(confirmed) == 1 and len(waiting) == 1
        assert waiting[0].session.is_full
        assert queries.waiting_position(waiting[0]) == 2
        assert all(b.completed_at for b in bookings if b.session.starts_at <= NOW)


def test_the_service_works_on_the_demo_bookings(app):
    """Cancelling a place on a full session a month ahead promotes the first person waiting."""
    seed_all(app)
    with app.test_request_context():
        full = db.session.scalars(
            sa.select(CourseSession).where(
                CourseSession.status == SessionStatus.SCHEDULED,
                CourseSession.starts_at > NOW + timedelta(days=10),
                CourseSession.places_taken == CourseSession.capacity,
            )
        ).first()
        holder = db.session.scalars(
            sa.select(Booking).where(
                Booking.session_id == full.id, Booking.status == BookingStatus.CONFIRMED
            )
        ).first()
        first = db.session.scalars(
            sa.select(Booking)
            .where(Booking.session_id == full.id, Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.waitlisted_at, Booking.id)
        ).first()
        promoted = services.cancel_booking(holder, by=holder.user, reason="Unwell", now=NOW)
        db.session.commit()
        # On a course that needs approval the person promoted waits for their coordinator.
        expected = (
            BookingStatus.PENDING if full.course.approval_required else BookingStatus.CONFIRMED
        )
        assert promoted.id == first.id and promoted.status is expected
        db.session.refresh(full)
        assert full.places_taken == full.capacity


def test_seeding_again_adds_nothing_and_the_demo_is_the_same_every_time(app):
    started = time.perf_counter()
    first_summary = seed_all(app)
    assert time.perf_counter() - started < 10
    first = booking_count(app)
    assert seed_all(app) == "0 bookings added (bookings exist already)"
    assert seed_all(app, NOW + timedelta(days=40)) == "0 bookings added (bookings exist already)"
    assert booking_count(app) == first

    def snapshot():
        return sorted(
            (b.user.email, b.session.course.code, b.session.starts_at, b.status.value)
            for b in db.session.scalars(sa.select(Booking))
        )

    with app.app_context():
        before = snapshot()
        db.session.execute(sa.delete(Booking))
        db.session.execute(sa.update(CourseSession).values(places_taken=0))
        db.session.commit()
        assert bookings_demo.seed(now=NOW) == first_summary
        db.session.commit()
        assert snapshot() == before
