from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, AgencyMembership, Role, Sector, User, UserRole
from lms.attendance.models import AttendanceMark, ChargeReason, Mark, NonAttendanceCharge
from lms.bookings.models import HOLDS_PLACE, LIVE, Booking, BookingStatus
from lms.catalogue.models import CourseSession, SessionDate, SessionStatus
from lms.catalogue.sessions import is_twilight
from lms.core.errors import DomainError
from lms.extensions import db
from lms.scale import financial_year_start, seed_scale
from lms.settings import services as settings

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _seed(app, **kwargs) -> dict[str, int]:
    with app.app_context():
        counts = seed_scale(years=3, now=NOW, scale=0.01, **kwargs)
        db.session.commit()
    return counts


def _all(model):
    return list(db.session.scalars(sa.select(model)))


def test_financial_years_start_on_1_april_uk_time():
    assert financial_year_start(NOW) == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    assert financial_year_start(NOW, 2) == datetime(2024, 3, 31, 23, 0, tzinfo=UTC)
    january = datetime(2026, 1, 10, tzinfo=UTC)
    assert financial_year_start(january) == datetime(2025, 3, 31, 23, 0, tzinfo=UTC)


def test_seed_scale_counts_are_in_the_expected_ballpark(app):
    counts = _seed(app)
    assert counts["agencies"] >= 20
    assert 300 <= counts["users"] <= 360
    assert counts["course_sessions"] == 40
    assert counts["bookings"] == 1200
    assert counts["attendance_marks"] > 500
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1200
        sectors = set(db.session.scalars(sa.select(Agency.sector).distinct()))
        assert sectors == set(Sector)
        assert db.session.scalar(sa.select(sa.func.count()).where(Agency.is_statutory_partner))
        practitioners = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserRole)
            .where(UserRole.role == Role.PRACTITIONER)
        )
        assert practitioners >= 300
        users = _all(User)
        memberships = Counter(row.user_id for row in _all(AgencyMembership))
        assert all(memberships[user.id] >= 1 for user in users)
        statuses = Counter(booking.status for booking in _all(Booking))
        assert statuses[BookingStatus.CONFIRMED] and statuses[BookingStatus.CANCELLED]
        assert statuses[BookingStatus.WAITLISTED]
        sessions = _all(CourseSession)
        assert {session.status for session in sessions} == {
            SessionStatus.COMPLETED,
            SessionStatus.CANCELLED,
        }
        assert {session.venue_id is None for session in sessions} == {True, False}
        assert {session.is_twilight for session in sessions} == {True, False}
        # Non-attendance charges are switched on for the history.
        assert settings.current().no_show_charge_pence > 0


def test_seed_scale_keeps_the_booking_and_attendance_invariants(app):
    _seed(app)
    with app.app_context():
        sessions = {session.id: session for session in _all(CourseSession)}
        bookings = _all(Booking)
        dates: dict[int, list[SessionDate]] = {}
        for row in _all(SessionDate):
            dates.setdefault(row.session_id, []).append(row)
        marks: dict[int, list[AttendanceMark]] = {}
        for row in _all(AttendanceMark):
            marks.setdefault(row.booking_id, []).append(row)
        charges = {charge.booking_id: charge for charge in _all(NonAttendanceCharge)}
        memberships: dict[int, list[AgencyMembership]] = {}
        for row in _all(AgencyMembership):
            memberships.setdefault(row.user_id, []).append(row)

        holding = Counter(b.session_id for b in bookings if b.status in HOLDS_PLACE)
        for session in sessions.values():
            assert session.places_taken == holding[session.id] <= session.capacity
            own = sorted(dates[session.id], key=lambda row: row.starts_at)
            assert session.starts_at == own[0].starts_at
            assert session.ends_at == max(row.ends_at for row in own)
            assert session.is_twilight == is_twilight(session.starts_at)
            assert session.starts_at.tzinfo is not None
            assert session.ends_at < NOW

        live = Counter((b.user_id, b.session_id) for b in bookings if b.status in LIVE)
        assert max(live.values()) == 1

        for booking in bookings:
            session = sessions[booking.session_id]
            held = [
                m
                for m in memberships[booking.user_id]
                if m.started_at <= booking.created_at
                and (m.ended_at is None or booking.created_at < m.ended_at)
            ]
            assert [m.agency_id for m in held] == [booking.agency_id]
            assert (booking.completed_at is not None) == (booking.outcome == "completed")
            own_marks = marks.get(booking.id, [])
            if booking.status is BookingStatus.WAITLISTED:
                assert session.places_taken == session.capacity
                assert booking.outcome is None and not own_marks
            if session.status is SessionStatus.CANCELLED:
                assert booking.status is BookingStatus.CANCELLED
            if booking.status is BookingStatus.CONFIRMED:
                assert session.status is SessionStatus.COMPLETED
                assert len(own_marks) == len(dates[session.id])
                values = [m.mark for m in own_marks]
                if all(v is Mark.ABSENT for v in values):
                    assert booking.outcome == "no_show"
                elif all(v in (Mark.ATTENDED, Mark.LATE) for v in values):
                    assert booking.outcome == "completed"
                else:
                    assert booking.outcome == "partial"
            else:
                assert not own_marks and booking.outcome is None
            if booking.is_late_cancellation:
                assert booking.status is BookingStatus.CANCELLED
                assert booking.cancelled_at >= session.cancellation_cutoff_at
                assert booking.cancelled_at < session.starts_at
            charge = charges.get(booking.id)
            if charge is not None:
                assert charge.agency_id == booking.agency_id
                if charge.reason is ChargeReason.NO_SHOW:
                    assert booking.outcome == "no_show"
                else:
                    assert booking.is_late_cancellation
                    assert session.status is SessionStatus.COMPLETED
        assert charges
        assert any(b.is_late_cancellation for b in bookings)
        assert {b.outcome for b in bookings} >= {"completed", "partial", "no_show"}


def test_sessions_span_the_requested_financial_years(app):
    _seed(app)
    with app.app_context():
        starts = list(db.session.scalars(sa.select(CourseSession.starts_at)))
    assert min(starts) >= financial_year_start(NOW, 2)
    assert max(starts) < NOW
    years = {financial_year_start(moment) for moment in starts}
    assert len(years) == 3


def test_seed_scale_refuses_a_database_with_accounts(app, make_user):
    make_user()
    with app.app_context(), pytest.raises(DomainError, match="needs an empty database"):
        seed_scale(years=1, now=NOW, scale=0.01)


def test_seed_scale_adds_e_learning_completions_held_once_for_the_agency_on_the_day(app):
    from datetime import date

    from lms.catalogue.models import Course, DeliveryMode, Provider
    from lms.elearning import completions
    from lms.elearning.models import (
        Completion,
        CompletionSource,
        ElearningImport,
        UnmatchedCompletion,
    )
    from lms.reports import build
    from lms.reports.filters import parse_args

    counts = _seed(app)
    assert counts["elearning_completions"] == 1500  # 150,000 times the scale
    assert counts["unmatched_completions"] == 15
    with app.app_context():
        rows = _all(Completion)
        modules = {c.id: c for c in _all(Course) if c.delivery_mode is DeliveryMode.ELEARNING}
        provider = db.session.scalar(
            sa.select(Provider).where(Provider.name == "Safeguarding E-learning Ltd")
        )
        assert provider.import_mapping["completed_values"] == ["Completed", "Passed"]
        assert len(modules) == 6 and {m.provider_id for m in modules.values()} == {provider.id}
        assert all(m.activity_id.startswith("https://") and m.module_code for m in modules.values())
        assert {row.course_id for row in rows} == set(modules)
        held = Counter((row.user_id, row.course_id, row.completed_on) for row in rows)
        assert max(held.values()) == 1
        agencies = completions.agencies_on((row.user_id, row.completed_on) for row in rows)
        assert all(row.agency_id == agencies[(row.user_id, row.completed_on)] for row in rows)
        first_day = date(2024, 4, 1)
        assert all(first_day <= row.completed_on < NOW.date() for row in rows)
        assert all(
            row.expires_on
            == completions.expires_on(
                modules[row.course_id].certificate_validity_months, row.completed_on
            )
            for row in rows
        )
        sources = Counter(row.source for row in rows)
        assert 0.15 < sources[CompletionSource.XAPI] / len(rows) < 0.35
        statements = [row.statement_id for row in rows if row.statement_id]
        assert len(statements) == len(set(statements)) == sources[CompletionSource.XAPI]
        batches = _all(ElearningImport)
        assert sum(batch.added for batch in batches) == sources[CompletionSource.IMPORT]
        assert all(batch.imported_at <= NOW for batch in batches)
        emails = set(db.session.scalars(sa.select(User.email)))
        assert not {row.email for row in _all(UnmatchedCompletion)} & emails
        # The e-learning report counts them, year by year.
        for year in ("2024-25", "2025-26", "2026-27"):
            table = build.run("elearning-by-sector", parse_args({"period": year}, now=NOW), now=NOW)
            period = parse_args({"period": year}, now=NOW).period
            expected = sum(period.first <= row.completed_on <= period.last for row in rows)
            assert table.total["completions"] == expected > 0


def test_the_bulk_insert_still_refuses_a_completion_held_twice(
    app, make_user, make_module, monkeypatch
):
    from datetime import date

    from lms.elearning import scale as elearning_scale
    from lms.elearning.models import Completion, CompletionSource
    from lms.elearning.scale import bulk_insert

    monkeypatch.setattr(elearning_scale, "CHUNK", 1)  # so the indexes are dropped and rebuilt
    person, module = make_user(), make_module()
    row = {
        "user_id": person.id,
        "course_id": module,
        "agency_id": person.agency_id,
        "completed_on": date(2025, 6, 1),
        "source": CompletionSource.IMPORT,
        "recorded_at": NOW,
    }
    with app.app_context():
        bulk_insert(Completion.__table__, [{"id": 1, **row}])
        db.session.commit()
        assert db.session.get(Completion, 1).completed_on == date(2025, 6, 1)
        other = {**row, "completed_on": date(2025, 6, 2)}
        with pytest.raises(sa.exc.IntegrityError):
            bulk_insert(Completion.__table__, [{"id": 2, **other}, {"id": 3, **row}])
        db.session.rollback()
        names = {
            index["name"] for index in sa.inspect(db.engine).get_indexes(Completion.__tablename__)
        }
        assert names == {index.name for index in Completion.__table__.indexes}
        assert "uq_elearning_completions_held" in names
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Completion)) == 1
        assert db.session.get(Completion, 1).recorded_at == NOW
