"""Registers, close-out, charges and disputes, tested on the services.

The sessions here run 10:00 to 13:00 and are marked at noon (NOW): marking never closes them;
`close_ended` (the run-jobs close-out) or the trainer's "the register is final" does."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.attendance import charges, closeout, services
from lms.attendance.models import (
    AttendanceMark,
    ChargeReason,
    ChargeStatus,
    Mark,
    NonAttendanceCharge,
)
from lms.audit.models import AuditEvent
from lms.bookings import services as bookings
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession, SessionDate, SessionStatus
from lms.core.errors import DomainError
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.settings import services as settings

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def user(person) -> User:
    return db.session.get(User, person.id)


def booked(session_id, *people, now=None):
    """Confirmed bookings made before the session (the factory's session may be in the past)."""
    result = []
    for person in people:
        booking = Booking(
            user_id=person.id,
            session_id=session_id,
            agency_id=person.agency_id,
            status=BookingStatus.CONFIRMED,
            created_at=NOW - timedelta(days=30),
            confirmed_at=NOW - timedelta(days=30),
        )
        db.session.add(booking)
        result.append(booking)
    db.session.get(CourseSession, session_id).places_taken += len(people)
    db.session.commit()
    return result


def first_date(session_id) -> SessionDate:
    return db.session.get(CourseSession, session_id).dates[0]


def today_session(make_course_session, **kwargs):
    start = NOW - timedelta(hours=2)
    return make_course_session(dates=[(start, start + timedelta(hours=3))], **kwargs)


def entries(*pairs):
    return [services.Entry(booking.id, mark, 0) for booking, mark in pairs]


def close_ended(now=NOW + timedelta(hours=2)) -> int:
    """What run-jobs does: close the sessions that have ended with a complete register."""
    return closeout.close_ended_sessions(now=now)


def messages() -> list[tuple[str, str]]:
    return [(m.kind, m.recipient) for m in db.session.scalars(sa.select(OutboxMessage))]


def charge_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(NonAttendanceCharge))


def test_a_complete_register_closes_only_after_the_end_and_completes_attenders(
    ctx, make_user, make_course_session
):
    session_id = today_session(make_course_session)
    trainer = make_user(roles=(Role.TRAINER,))
    amina, ben = booked(session_id, make_user(), make_user())
    services.save_register(
        first_date(session_id),
        entries((amina, Mark.ATTENDED), (ben, Mark.LATE)),
        by=user(trainer),
        now=NOW,
    )
    db.session.commit()
    assert db.session.get(CourseSession, session_id).status is SessionStatus.SCHEDULED
    assert close_ended(now=NOW + timedelta(minutes=59)) == 0  # ends at 13:00
    assert db.session.get(Booking, amina.id).completed_at is None
    later = NOW + timedelta(hours=1, minutes=5)
    assert close_ended(now=later) == 1
    assert db.session.get(CourseSession, session_id).status is SessionStatus.COMPLETED
    assert all(db.session.get(Booking, b.id).completed_at == later for b in (amina, ben))
    assert {db.session.get(Booking, b.id).outcome for b in (amina, ben)} == {"completed"}


def test_a_partly_marked_register_does_not_close(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session)
    amina, _ben = booked(session_id, make_user(), make_user())
    services.save_register(
        first_date(session_id), entries((amina, Mark.ATTENDED)), by=user(make_user()), now=NOW
    )
    db.session.commit()
    assert db.session.get(CourseSession, session_id).status is SessionStatus.SCHEDULED
    assert [
        b.user_id for _d, b in services.unmarked(db.session.get(CourseSession, session_id))
    ] == [_ben.user_id]
    assert close_ended() == 0
    assert db.session.get(CourseSession, session_id).status is SessionStatus.SCHEDULED


def test_a_date_in_the_future_cannot_be_marked(ctx, make_user, make_course_session):
    start = NOW + timedelta(days=2)
    session_id = make_course_session(dates=[(start, start + timedelta(hours=3))])
    (amina,) = booked(session_id, make_user())
    with pytest.raises(DomainError, match="attendance can be marked once it has started"):
        services.save_register(
            first_date(session_id), entries((amina, Mark.ATTENDED)), by=user(make_user()), now=NOW
        )


def test_a_second_editor_gets_a_conflict_and_nothing_is_saved(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session)
    amina, ben = booked(session_id, make_user(name="Amina Patel"), make_user(name="Ben Jones"))
    date = first_date(session_id)
    # Both open the register while it is empty; the first saves.
    services.save_register(
        date, entries((amina, Mark.ATTENDED), (ben, Mark.ATTENDED)), by=user(make_user()), now=NOW
    )
    db.session.commit()
    with pytest.raises(services.RegisterConflict, match="Amina Patel, Ben Jones"):
        services.save_register(
            date, entries((amina, Mark.ABSENT), (ben, Mark.LATE)), by=user(make_user()), now=NOW
        )
    db.session.rollback()
    assert {m.mark for m in db.session.scalars(sa.select(AttendanceMark))} == {Mark.ATTENDED}


def test_a_correction_is_audited_with_before_and_after(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session)
    amina, ben = booked(session_id, make_user(), make_user())
    date = first_date(session_id)
    trainer = make_user(roles=(Role.TRAINER,))
    services.save_register(
        date, entries((amina, Mark.ATTENDED), (ben, Mark.ATTENDED)), by=user(trainer), now=NOW
    )
    db.session.commit()
    version = services.marks_for(date)[amina.id].version
    services.save_register(
        date, [services.Entry(amina.id, Mark.LEFT_EARLY, version)], by=user(trainer), now=NOW
    )
    db.session.commit()
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "attendance.changed")
    )
    assert (event.before["mark"], event.after["mark"], event.actor_id) == (
        "attended",
        "left_early",
        trainer.id,
    )


def test_left_early_needs_an_admins_decision(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session)
    (amina,) = booked(session_id, make_user())
    services.save_register(
        first_date(session_id), entries((amina, Mark.LEFT_EARLY)), by=user(make_user()), now=NOW
    )
    db.session.commit()
    close_ended()
    booking = db.session.get(Booking, amina.id)
    assert booking.outcome == "partial" and booking.completed_at is None
    services.decide_left_early(
        booking, counts=True, by=user(make_user(roles=(Role.ADMIN,))), now=NOW
    )
    db.session.commit()
    assert booking.outcome == "completed" and booking.completed_at == NOW


def test_the_completion_hook_runs_once_per_completed_booking(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session)
    (amina,) = booked(session_id, make_user())
    completed = []
    services.BOOKING_COMPLETED.append(lambda booking, now: completed.append(booking.id))
    try:
        services.save_register(
            first_date(session_id), entries((amina, Mark.ATTENDED)), by=user(make_user()), now=NOW
        )
        db.session.commit()
        assert completed == []
        assert [close_ended(), close_ended()] == [1, 0]  # run-jobs twice closes it once
    finally:
        services.BOOKING_COMPLETED.pop()
    assert completed == [amina.id]


@pytest.fixture
def charging(ctx):
    settings.update({"no_show_charge_pence": 5000, "late_cancellation_charge_pence": 2500}, by=None)
    db.session.commit()


def test_no_shows_are_charged_to_the_agency_on_the_booking(
    ctx, charging, make_user, make_agency, make_course_session
):
    school = make_agency("Alder Road Primary School")
    session_id = today_session(make_course_session)
    absent = make_user(agency_id=school, name="Kwame Mensah")
    absent_row = db.session.get(User, absent.id)
    absent_row.line_manager_email = "head@alderroad.example"
    db.session.commit()
    amina, kwame = booked(session_id, make_user(), absent)
    db.session.get(User, absent.id).agency_id = make_agency("Another school")  # moved since
    db.session.commit()
    services.save_register(
        first_date(session_id),
        entries((amina, Mark.ATTENDED), (kwame, Mark.ABSENT)),
        by=user(make_user()),
        now=NOW,
    )
    db.session.commit()
    assert charge_count() == 0 and messages() == []
    close_ended()
    charge = db.session.scalar(sa.select(NonAttendanceCharge))
    assert (charge.booking_id, charge.agency_id, charge.reason, charge.amount_pence) == (
        kwame.id,
        school,
        ChargeReason.NO_SHOW,
        5000,
    )
    kinds = set(messages())
    assert ("no_show_manager", "head@alderroad.example") in kinds
    assert ("no_show", kwame.user.email) in kinds


def test_late_cancellations_are_charged_and_substitutions_never(
    ctx, charging, make_user, make_agency, make_course_session
):
    agency = make_agency()
    start = NOW + timedelta(hours=20)
    session_id = make_course_session(dates=[(start, start + timedelta(hours=3))], capacity=5)
    late, passer, colleague, present = (make_user(agency_id=agency) for _ in range(4))
    late_booking, passer_booking, present_booking = (
        bookings.book_place(db.session.get(CourseSession, session_id), user(p), by=user(p), now=NOW)
        for p in (late, passer, present)
    )
    bookings.cancel_booking(late_booking, by=user(late), reason="Unwell", now=NOW)
    replacement = bookings.substitute(passer_booking, user(colleague), by=user(passer), now=NOW)
    db.session.commit()
    later = start + timedelta(hours=1)
    services.save_register(
        first_date(session_id),
        entries((replacement, Mark.ATTENDED), (present_booking, Mark.ATTENDED)),
        by=user(make_user()),
        now=later,
    )
    db.session.commit()
    close_ended(now=start + timedelta(hours=4))
    charged = dict(
        db.session.execute(
            sa.select(NonAttendanceCharge.booking_id, NonAttendanceCharge.reason)
        ).all()
    )
    assert charged == {late_booking.id: ChargeReason.LATE_CANCELLATION}


def test_exempt_agencies_and_zero_amounts_are_never_charged(
    ctx, make_user, make_agency, make_course_session
):
    settings.update({"no_show_charge_pence": 5000}, by=None)
    db.session.commit()
    police = make_agency("Police", statutory=True)
    session_id = today_session(make_course_session)
    (absent,) = booked(session_id, make_user(agency_id=police))
    services.save_register(
        first_date(session_id), entries((absent, Mark.ABSENT)), by=user(make_user()), now=NOW
    )
    db.session.commit()
    assert close_ended() == 1
    assert charge_count() == 0


def test_disputes_within_the_window_by_the_agency_then_an_admin_decides(
    ctx, charging, make_user, make_agency, make_course_session
):
    agency, other = make_agency(), make_agency()
    session_id = today_session(make_course_session)
    (absent,) = booked(session_id, make_user(agency_id=agency))
    services.save_register(
        first_date(session_id), entries((absent, Mark.ABSENT)), by=user(make_user()), now=NOW
    )
    db.session.commit()
    close_ended()
    charge = db.session.scalar(sa.select(NonAttendanceCharge))
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    stranger = make_user(roles=(Role.COORDINATOR,), agency_id=other)
    with pytest.raises(DomainError, match="your own agency"):
        charges.dispute(charge, by=user(stranger), reason="Not ours", now=NOW)
    with pytest.raises(DomainError, match="can be disputed for 14 days"):
        charges.dispute(
            charge, by=user(coordinator), reason="Train strike", now=NOW + timedelta(days=15)
        )
    charges.dispute(
        charge, by=user(coordinator), reason="Train strike", now=NOW + timedelta(days=3)
    )
    admin = make_user(roles=(Role.ADMIN,))
    with pytest.raises(DomainError, match="Enter the reason"):
        charges.decide(charge, uphold=False, by=user(admin), reason="", now=NOW)
    charges.decide(charge, uphold=False, by=user(admin), reason="Strike confirmed by TfL", now=NOW)
    db.session.commit()
    assert charge.status is ChargeStatus.WAIVED and not charge.status.payable
    actions = [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "NonAttendanceCharge")
            .order_by(AuditEvent.id)
        )
    ]
    assert actions == ["charge.raised", "charge.disputed", "charge.decided"]


def test_repeat_no_shows_make_new_bookings_need_approval(
    ctx, make_user, make_agency, make_course_session
):
    settings.update({"repeat_no_show_threshold": 2}, by=None)
    db.session.commit()
    agency = make_agency()
    make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    person = make_user(agency_id=agency)
    for hours in (30, 50):
        start = NOW - timedelta(hours=hours)
        session_id = make_course_session(dates=[(start, start + timedelta(hours=3))])
        (absent,) = booked(session_id, person)
        services.save_register(
            first_date(session_id), entries((absent, Mark.ABSENT)), by=user(make_user()), now=NOW
        )
        db.session.commit()
        close_ended()
    warned = [
        m.recipient
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "repeat_no_show")
        )
    ]
    assert len(warned) == 2 and person.email in warned
    future = NOW + timedelta(days=20)
    session_id = make_course_session(dates=[(future, future + timedelta(hours=3))])
    booking = bookings.book_place(
        db.session.get(CourseSession, session_id), user(person), by=user(person), now=NOW
    )
    assert booking.status is BookingStatus.PENDING


def test_self_check_in_only_during_the_session_and_with_a_booking(
    ctx, make_user, make_course_session
):
    session_id = today_session(make_course_session)
    (amina,) = booked(session_id, make_user())
    stranger = make_user()
    date = first_date(session_id)
    token = services.check_in_token(date)
    with pytest.raises(DomainError, match="not valid"):
        services.self_check_in(date, user(amina.user), "forged", now=NOW)
    with pytest.raises(DomainError, match="only during the session"):
        services.self_check_in(date, user(amina.user), token, now=NOW + timedelta(hours=5))
    with pytest.raises(DomainError, match="do not have a confirmed place"):
        services.self_check_in(date, user(stranger), token, now=NOW)
    mark = services.self_check_in(date, user(amina.user), token, now=NOW)
    assert mark.mark is Mark.LATE  # two hours after the start


def test_self_check_in_is_late_after_the_partnerships_setting(ctx, make_user, make_course_session):
    settings.update({"late_after_minutes": 120}, by=None)
    db.session.commit()
    session_id = today_session(make_course_session)
    (amina,) = booked(session_id, make_user())
    date = first_date(session_id)
    token = services.check_in_token(date)
    mark = services.self_check_in(date, user(amina.user), token, now=NOW)
    assert mark.mark is Mark.ATTENDED  # two hours after the start: not yet late


def test_a_walk_in_is_booked_on_the_day_and_marked_attended(ctx, make_user, make_course_session):
    session_id = today_session(make_course_session, capacity=1, places_taken=0)
    booked(session_id, make_user())
    walker = make_user()
    booking = services.add_walk_in(
        first_date(session_id), user(walker), by=user(make_user()), now=NOW
    )
    db.session.commit()
    assert booking.is_walk_in and booking.status is BookingStatus.CONFIRMED
    assert services.marks_for(first_date(session_id))[booking.id].mark is Mark.ATTENDED
    assert db.session.get(CourseSession, session_id).places_taken == 2


def test_a_correction_after_close_out_raises_or_withdraws_the_charge(
    ctx, charging, make_user, make_course_session
):
    session_id = today_session(make_course_session)
    amina, kwame = booked(session_id, make_user(), make_user())
    date = first_date(session_id)
    trainer = user(make_user(roles=(Role.TRAINER,)))
    services.mark_everyone_present(date, by=trainer, now=NOW)
    db.session.commit()
    closeout.finalise(db.session.get(CourseSession, session_id), by=trainer, now=NOW)
    db.session.commit()
    assert db.session.get(CourseSession, session_id).status is SessionStatus.COMPLETED
    version = services.marks_for(date)[kwame.id].version
    services.save_register(
        date, [services.Entry(kwame.id, Mark.ABSENT, version)], by=trainer, now=NOW
    )
    db.session.commit()
    charge = db.session.scalar(sa.select(NonAttendanceCharge))
    assert charge.booking_id == kwame.id and charge.status is ChargeStatus.RAISED
    assert db.session.get(Booking, kwame.id).completed_at is None
    version = services.marks_for(date)[kwame.id].version
    services.save_register(
        date, [services.Entry(kwame.id, Mark.ATTENDED, version)], by=trainer, now=NOW
    )
    db.session.commit()
    assert charge.status is ChargeStatus.WAIVED and "corrected" in charge.decision_reason
    assert db.session.get(Booking, kwame.id).completed_at == NOW


def test_an_ended_session_with_nobody_left_on_it_closes_and_charges_late_cancellations(
    ctx, charging, make_user, make_agency, make_course_session
):
    start = NOW + timedelta(hours=20)
    session_id = make_course_session(dates=[(start, start + timedelta(hours=3))], capacity=5)
    person = make_user(agency_id=make_agency())
    booking = bookings.book_place(
        db.session.get(CourseSession, session_id), user(person), by=user(person), now=NOW
    )
    bookings.cancel_booking(booking, by=user(person), reason="Unwell", now=NOW)
    db.session.commit()
    assert close_ended(now=start + timedelta(hours=2)) == 0  # not over yet
    assert charge_count() == 0
    assert [close_ended(now=start + timedelta(hours=4)) for _ in range(2)] == [1, 0]
    assert db.session.get(CourseSession, session_id).status is SessionStatus.COMPLETED
    charge = db.session.scalar(sa.select(NonAttendanceCharge))
    assert (charge.booking_id, charge.reason) == (booking.id, ChargeReason.LATE_CANCELLATION)
