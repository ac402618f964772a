"""The demo attendance keeps the attendance and charge rules: a mark per person per date,
outcomes from the marks, charges only where close-out would raise them."""

import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts import demo as accounts_demo
from lms.accounts.models import Agency, User
from lms.attendance import charges
from lms.attendance import demo as attendance_demo
from lms.attendance.models import (
    AttendanceMark,
    ChargeReason,
    ChargeStatus,
    Mark,
    MarkSource,
    NonAttendanceCharge,
    Outcome,
)
from lms.attendance.services import _outcome
from lms.bookings import demo as bookings_demo
from lms.bookings import queries as booking_queries
from lms.bookings.models import LIVE, Booking, BookingStatus
from lms.catalogue import demo as catalogue_demo
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.extensions import db
from lms.settings import services as settings

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SUMMARY = re.compile(
    r"^[\d,]+ attendance marks; [\d,]+ no-shows; [\d,]+ partial; "
    r"[\d,]+ charges \(\d+ disputed, of which \d+ upheld and \d+ waived\)$"
)
RUH = "Riverside University Hospitals NHS Trust"


def seed_all(app, now=NOW, *, policy=None) -> str:
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=now)
        bookings_demo.seed(now=now)
        if policy is not None:
            settings.update(policy, by=None)
        summary = attendance_demo.seed(now=now)
        db.session.commit()
        return summary


def closed_sessions():
    return db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.status == SessionStatus.COMPLETED)
        .options(selectinload(CourseSession.dates), selectinload(CourseSession.trainers))
    ).all()


def marks_by_booking() -> dict[int, list[AttendanceMark]]:
    marks: dict[int, list[AttendanceMark]] = {}
    for mark in db.session.scalars(sa.select(AttendanceMark)):
        marks.setdefault(mark.booking_id, []).append(mark)
    return marks


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (AttendanceMark, NonAttendanceCharge, Booking)
        )


def test_every_confirmed_booking_on_a_closed_session_has_a_mark_per_date(app):
    summary = seed_all(app)
    assert SUMMARY.match(summary), summary
    with app.app_context():
        marks = marks_by_booking()
        sessions = closed_sessions()
        assert sessions and all(s.ends_at <= NOW for s in sessions)
        marked = set()
        for session in sessions:
            trainer_ids = {t.id for t in session.trainers}
            dates = {d.id: d for d in session.dates}
            confirmed = db.session.scalars(
                sa.select(Booking).where(
                    Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED
                )
            ).all()
            for booking in confirmed:
                own = marks[booking.id]
                assert sorted(m.session_date_id for m in own) == sorted(dates)
                for mark in own:
                    assert mark.source is MarkSource.REGISTER and mark.version == 1
                    assert mark.marked_at == min(
                        dates[mark.session_date_id].ends_at + timedelta(hours=1), NOW
                    )
                    if trainer_ids:
                        assert mark.marked_by_id in trainer_ids
                    else:
                        assert mark.marked_by_id is None
                marked.add(booking.id)
        assert set(marks) == marked  # nobody else is on a register
        assert int(summary.split()[0].replace(",", "")) == sum(len(m) for m in marks.values())
        # No session is left with a register to finish: the demo timetable has none.
        unfinished = db.session.scalars(
            sa.select(CourseSession).where(
                CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at <= NOW
            )
        ).all()
        assert unfinished == []


def test_outcomes_follow_the_marks(app):
    seed_all(app)
    with app.app_context():
        marks = marks_by_booking()
        outcomes = Counter()
        values = Counter()
        for booking in db.session.scalars(sa.select(Booking)):
            if booking.id not in marks:
                assert booking.outcome is None
                continue
            outcome = _outcome(booking, marks[booking.id])
            assert booking.outcome == outcome.value
            assert (booking.completed_at is not None) == (outcome is Outcome.COMPLETED)
            assert booking.left_early_counts is None
            outcomes[outcome] += 1
            values.update(m.mark for m in marks[booking.id])
        assert set(values) == set(Mark)
        assert 0.03 <= values[Mark.LATE] / (values[Mark.LATE] + values[Mark.ATTENDED]) <= 0.15
        not_completed = outcomes[Outcome.NO_SHOW] + outcomes[Outcome.PARTIAL]
        assert 0.55 <= outcomes[Outcome.NO_SHOW] / not_completed <= 0.85
        assert 0.75 <= outcomes[Outcome.COMPLETED] / sum(outcomes.values()) <= 0.95


def expected_charges() -> dict[int, ChargeReason]:
    """Booking id -> reason, by the close-out rule, independently of the seed."""
    rules = settings.current()
    expected = {}
    for booking in db.session.scalars(
        sa.select(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(CourseSession.status == SessionStatus.COMPLETED)
    ):
        if charges.is_exempt(booking.agency):
            continue
        no_show = booking.status is BookingStatus.CONFIRMED and booking.outcome == "no_show"
        late = booking.status is BookingStatus.CANCELLED and booking.is_late_cancellation
        if no_show and rules.no_show_charge_pence:
            expected[booking.id] = ChargeReason.NO_SHOW
        elif late and rules.late_cancellation_charge_pence:
            expected[booking.id] = ChargeReason.LATE_CANCELLATION
    return expected


def test_charges_are_those_close_out_would_raise(app):
    seed_all(app)
    with app.app_context():
        rules = settings.current()
        assert rules.no_show_charge_pence == 5000
        assert rules.late_cancellation_charge_pence == 2500
        assert rules.exempt_statutory_partners and rules.dispute_window_days == 14
        assert rules.repeat_no_show_threshold == 3 and rules.attendance_threshold_percent == 75
        admin = db.session.scalar(
            sa.select(User).where(User.email == "admin@riverside-council.example")
        )
        raised = db.session.scalars(sa.select(NonAttendanceCharge)).all()
        expected = expected_charges()
        assert {c.booking_id: c.reason for c in raised} == expected
        reasons = Counter(c.reason for c in raised)
        assert reasons[ChargeReason.NO_SHOW] and reasons[ChargeReason.LATE_CANCELLATION]
        window = timedelta(days=rules.dispute_window_days)
        for charge in raised:
            booking, agency = charge.booking, charge.agency
            assert booking.status is not BookingStatus.SUBSTITUTED
            assert charge.agency_id == booking.agency_id
            assert not agency.is_charge_exempt and not agency.is_statutory_partner
            assert charge.amount_pence == (
                rules.no_show_charge_pence
                if charge.reason is ChargeReason.NO_SHOW
                else rules.late_cancellation_charge_pence
            )
            assert charge.raised_at == min(booking.session.ends_at + timedelta(hours=1), NOW)
            if charge.status is ChargeStatus.RAISED:
                assert charge.disputed_at is None and charge.decided_at is None
                continue
            assert charge.status in (
                ChargeStatus.DISPUTED,
                ChargeStatus.UPHELD,
                ChargeStatus.WAIVED,
            )
            assert charge.dispute_reason
            assert charge.raised_at < charge.disputed_at <= min(charge.raised_at + window, NOW)
            if charge.disputed_by_id is not None:
                assert charge.disputed_by.agency_id == charge.agency_id
            if charge.status is ChargeStatus.DISPUTED:
                assert charge.decided_at is None
            else:
                assert charge.decided_by_id == admin.id and charge.decision_reason
                assert charge.disputed_at < charge.decided_at <= NOW
        statuses = Counter(c.status for c in raised)
        assert 3 <= len(raised) - statuses[ChargeStatus.RAISED] <= len(raised) // 4
        assert statuses[ChargeStatus.UPHELD] + statuses[ChargeStatus.WAIVED] >= 1
        # The statutory partners are exempt under the demo policy; others are charged.
        statutory = set(
            db.session.scalars(sa.select(Agency.id).where(Agency.is_statutory_partner.is_(True)))
        )
        assert statutory and not statutory & {c.agency_id for c in raised}


def test_a_policy_already_set_is_kept_and_applied(app):
    seed_all(app, policy={"no_show_charge_pence": 3000, "late_cancellation_charge_pence": 0})
    with app.app_context():
        rules = settings.current()
        assert (rules.no_show_charge_pence, rules.late_cancellation_charge_pence) == (3000, 0)
        raised = db.session.scalars(sa.select(NonAttendanceCharge)).all()
        assert raised and {c.amount_pence for c in raised} == {3000}
        assert {c.booking_id: c.reason for c in raised} == expected_charges()
        assert {c.reason for c in raised} == {ChargeReason.NO_SHOW}


def ruh_recent_raised(now=NOW) -> list[NonAttendanceCharge]:
    ruh = db.session.scalar(sa.select(Agency).where(Agency.name == RUH))
    window = timedelta(days=settings.current().dispute_window_days)
    return db.session.scalars(
        sa.select(NonAttendanceCharge).where(
            NonAttendanceCharge.agency_id == ruh.id,
            NonAttendanceCharge.status == ChargeStatus.RAISED,
            NonAttendanceCharge.raised_at >= now - window,
        )
    ).all()


def test_the_demo_coordinators_agency_has_a_recent_charge_to_dispute(app):
    """The trust is a relevant agency, not a statutory partner, so the demo policy charges it,
    and its coordinator has a charge raised within the dispute window."""
    seed_all(app)
    with app.app_context():
        ruh = db.session.scalar(sa.select(Agency).where(Agency.name == RUH))
        assert not ruh.is_statutory_partner and not charges.is_exempt(ruh)
        recent = db.session.scalars(
            sa.select(NonAttendanceCharge).where(
                NonAttendanceCharge.agency_id == ruh.id,
                NonAttendanceCharge.status == ChargeStatus.RAISED,
                NonAttendanceCharge.raised_at > NOW - timedelta(days=14),
            )
        ).all()
        assert recent


# On 9 March 2027 no session closed within the dispute window: nothing to give the trust.
@pytest.mark.parametrize(
    ("now", "recent_session"), [(NOW, True), (datetime(2027, 3, 9, 15, 45, tzinfo=UTC), False)]
)
def test_when_the_trust_can_be_charged_its_coordinator_has_a_charge_to_dispute(
    app, now, recent_session
):
    policy = {
        "no_show_charge_pence": 5000,
        "late_cancellation_charge_pence": 2500,
        "exempt_statutory_partners": False,
    }
    seed_all(app, now, policy=policy)
    with app.test_request_context():
        recent = ruh_recent_raised(now)
        closed_lately = db.session.scalars(
            sa.select(CourseSession.id).where(
                CourseSession.status == SessionStatus.COMPLETED,
                CourseSession.ends_at > now - timedelta(days=14),
            )
        ).all()
        assert bool(closed_lately) is recent_session
        assert bool(recent) is recent_session
        assert {
            c.booking_id: c.reason for c in db.session.scalars(sa.select(NonAttendanceCharge))
        } == expected_charges()
        coordinator = db.session.scalar(
            sa.select(User).where(User.email == attendance_demo.DEMO_COORDINATOR_EMAIL)
        )
        if not recent:
            return
        charge = max(recent, key=lambda c: c.raised_at)
        charges.dispute(charge, by=coordinator, reason="She was on the ward rota", now=now)
        db.session.commit()
        assert charge.status is ChargeStatus.DISPUTED


def test_completions_still_meet_the_prerequisites_of_later_bookings(app):
    seed_all(app, policy={"no_show_charge_pence": 5000, "exempt_statutory_partners": False})
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
            assert booking_queries.has_completed(
                booking.user, booking.session.course.prerequisite_id
            )


def test_seeding_again_adds_nothing(app):
    started = time.perf_counter()
    seed_all(app)
    assert time.perf_counter() - started < 15
    first = counts(app)
    assert all(first)
    assert seed_all(app) == "0 attendance marks added (marks exist already)"
    assert seed_all(app, NOW + timedelta(days=40)) == (
        "0 attendance marks added (marks exist already)"
    )
    assert counts(app) == first


def test_the_seed_alone_takes_little_time(app):
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=NOW)
        bookings_demo.seed(now=NOW)
        db.session.commit()
        started = time.perf_counter()
        attendance_demo.seed(now=NOW)
        db.session.commit()
        assert time.perf_counter() - started < 5


def test_the_demo_attendance_is_the_same_every_time(app):
    first_summary = seed_all(app)

    def snapshot():
        marks = sorted(
            (m.booking.user.email, m.session_date.starts_at, m.mark.value)
            for m in db.session.scalars(sa.select(AttendanceMark))
        )
        raised = sorted(
            (c.booking.user.email, c.booking.session.starts_at, c.status.value, c.dispute_reason)
            for c in db.session.scalars(sa.select(NonAttendanceCharge))
        )
        return marks, raised

    with app.app_context():
        before = snapshot()
        db.session.execute(sa.delete(NonAttendanceCharge))
        db.session.execute(sa.delete(AttendanceMark))
        db.session.execute(sa.update(Booking).values(outcome=None))
        db.session.commit()
        assert attendance_demo.seed(now=NOW) == first_summary
        db.session.commit()
        assert snapshot() == before


def test_the_trust_gets_a_recent_no_show_even_if_everyone_from_it_completed(app):
    """The seed then makes one of the trust's people on the latest session a no-show."""
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=NOW)
        bookings_demo.seed(now=NOW)
        settings.update({"no_show_charge_pence": 5000, "exempt_statutory_partners": False}, by=None)
        ruh = db.session.scalar(sa.select(Agency.id).where(Agency.name == RUH))
        recent = db.session.scalars(
            sa.select(CourseSession).where(
                CourseSession.status == SessionStatus.COMPLETED,
                CourseSession.ends_at > NOW - timedelta(days=14),
            )
        ).all()
        assert recent
        ids = [s.id for s in recent]
        theirs = db.session.scalars(
            sa.select(Booking).where(
                Booking.session_id.in_(ids),
                Booking.agency_id == ruh,
                Booking.status == BookingStatus.CONFIRMED,
            )
        ).all()
        assert theirs
        for booking in theirs:
            booking.completed_at = booking.session.ends_at
        db.session.commit()
        attendance_demo.seed(now=NOW)
        db.session.commit()
        charge = ruh_recent_raised()
        assert len(charge) == 1 and charge[0].booking.outcome == Outcome.NO_SHOW.value
        assert charge[0].booking.completed_at is None
        assert charge[0].booking.session.course.code not in {
            c.prerequisite.code for c in db.session.scalars(sa.select(Course)) if c.prerequisite
        }
