"""Demonstration attendance on the demo timetable: registers, outcomes and charges.

Every past session the demo ran has its register taken, a mark per confirmed booking per date:
the people the bookings demo completed attended (now and then late); of the rest about seven in
ten never came (no-shows) and three in ten came only in part (the first date of a multi-date
session, or left a single date early). Each booking's outcome follows the close-out rules in
`lms.attendance.services`, and charges are those `lms.attendance.charges` raises at close-out
(no-shows and late cancellations, never to an exempt agency), under the demo policy. A few
charges are disputed by the agency's coordinator, some of those decided by the demo admin.
When the demo coordinator's agency can be charged, it has a charge raised within the dispute
window, so the coordinator can see a charge to dispute.

Rows are inserted directly (no audit events, no messages), as the other demo seeds do.
Deterministic (one seeded random generator); a second run adds nothing once any mark exists.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import Agency, Role, User, UserRole
from lms.attendance import charges as charge_rules
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
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.extensions import db
from lms.settings import services as settings

SEED = 2026
DEMO_COORDINATOR_EMAIL = "coordinator@ruh.nhs.example"
DEMO_ADMIN_EMAIL = "admin@riverside-council.example"
POLICY = {
    "no_show_charge_pence": 5000,
    "late_cancellation_charge_pence": 2500,
    "exempt_statutory_partners": True,
    "dispute_window_days": 14,
    "repeat_no_show_threshold": 3,
    "attendance_threshold_percent": 75,
}
LATE_RATE = 0.08  # of the dates attended by people who completed
NO_SHOW_SHARE = 0.7  # of the bookings not completed; the rest came in part
MARKED_AFTER = timedelta(hours=1)  # registers are saved, and sessions close, an hour after
DISPUTE_SHARE = 0.1  # of the charges old enough to have been disputed
MIN_DISPUTES = 3
DECIDED_SHARE = 0.7  # of the disputes old enough to have been decided

DISPUTE_REASONS = {
    ChargeReason.NO_SHOW: [
        "She rang the training team the afternoon before to say she was off sick; "
        "sickness should not be charged.",
        "He was redeployed to cover an emergency on the ward that morning and his manager "
        "emailed the trainer before the start.",
        "She attended: she signed the paper sheet at reception, so the register is wrong.",
        "The joining link in the confirmation did not work; she emailed the trainer at 9.40.",
        "Our colleague was called to give evidence in court at short notice.",
    ],
    ChargeReason.LATE_CANCELLATION: [
        "Cancelled because of a family bereavement the day before.",
        "A colleague was offered the place but the booking could not be passed to her in time.",
        "Called to an urgent strategy meeting: a statutory duty we could not move.",
        "The cancellation was sent by email three days ahead but was not actioned.",
    ],
}
UPHOLD_REASONS = [
    "The register shows them absent and nothing reached the training team before the session.",
    "The policy charges unless the place is cancelled 48 hours ahead; no message was received.",
    "The trainer confirms the session went ahead and the joining link worked for everyone else.",
]
WAIVE_REASONS = [
    "Sickness reported before the session: waived under the partnership's policy.",
    "The training team's inbox shows the cancellation in time; our error.",
    "Operational emergency confirmed by the agency's safeguarding lead: waived this once.",
]


@dataclass
class _Counts:
    marks: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=dict)
    charges: int = 0
    disputed: int = 0
    upheld: int = 0
    waived: int = 0

    def summary(self) -> str:
        no_shows = self.outcomes.get(Outcome.NO_SHOW, 0)
        partial = self.outcomes.get(Outcome.PARTIAL, 0)
        return (
            f"{self.marks:,} attendance marks; {no_shows:,} no-shows; {partial:,} partial; "
            f"{self.charges:,} charges ({self.disputed} disputed, of which {self.upheld} "
            f"upheld and {self.waived} waived)"
        )


class _Drawn:
    """One booking's marks, one per date, while they are drawn."""

    def __init__(self, booking: Booking, values: list[Mark]):
        self.booking = booking
        self.values = values

    @property
    def outcome(self) -> Outcome:
        # The close-out rule itself, on stand-ins for the marks not yet written.
        return _outcome(self.booking, [_Value(value) for value in self.values])


@dataclass(frozen=True)
class _Value:
    mark: Mark


def seed(*, now: datetime) -> str:
    """Take the registers of the demo's past sessions, unless any attendance mark exists."""
    if db.session.scalar(sa.select(AttendanceMark.id).limit(1)) is not None:
        return "0 attendance marks added (marks exist already)"
    rng = random.Random(SEED)
    rules = settings.current()
    if rules.no_show_charge_pence == 0 and rules.late_cancellation_charge_pence == 0:
        rules = settings.update(POLICY, by=None)
    sessions = _past_sessions(now)
    bookings = _bookings([session.id for session in sessions])
    counts = _Counts()

    drawn: dict[int, _Drawn] = {}
    for session in sessions:
        for booking in bookings.get(session.id, []):
            if booking.status is BookingStatus.CONFIRMED:
                drawn[booking.id] = _Drawn(booking, _draw(booking, len(session.dates), rng))
    coordinator = db.session.scalar(sa.select(User).where(User.email == DEMO_COORDINATOR_EMAIL))
    keep = _recent_no_show(coordinator, sessions, bookings, drawn, now=now)

    mark_rows = []
    for session in sessions:
        marker = session.trainers[0].id if session.trainers else None
        for booking in bookings.get(session.id, []):
            if booking.id not in drawn:
                continue
            for day, value in zip(session.dates, drawn[booking.id].values, strict=True):
                mark_rows.append(
                    {
                        "booking_id": booking.id,
                        "session_date_id": day.id,
                        "mark": value,
                        "minutes": None,
                        "source": MarkSource.REGISTER,
                        "marked_by_id": marker,
                        "marked_at": min(day.ends_at + MARKED_AFTER, now),
                        "version": 1,
                    }
                )
            outcome = drawn[booking.id].outcome
            booking.outcome = outcome.value
            if outcome is not Outcome.COMPLETED:
                booking.completed_at = None
            counts.outcomes[outcome] = counts.outcomes.get(outcome, 0) + 1
    if mark_rows:
        db.session.execute(sa.insert(AttendanceMark), mark_rows)
    counts.marks = len(mark_rows)

    charge_rows = _charges(sessions, bookings, rules, now=now)
    _disputes(charge_rows, keep, rules, rng, counts, now=now)
    if charge_rows:
        db.session.execute(sa.insert(NonAttendanceCharge), charge_rows)
    counts.charges = len(charge_rows)
    db.session.flush()
    return counts.summary()


def _past_sessions(now: datetime) -> list[CourseSession]:
    """Sessions that ran and closed: completed, their last date over."""
    return list(
        db.session.scalars(
            sa.select(CourseSession)
            .where(
                CourseSession.status == SessionStatus.COMPLETED,
                CourseSession.ends_at <= now,
            )
            .options(selectinload(CourseSession.dates), selectinload(CourseSession.trainers))
            .order_by(CourseSession.starts_at, CourseSession.id)
        )
    )


def _bookings(session_ids: list[int]) -> dict[int, list[Booking]]:
    """Confirmed and cancelled bookings of those sessions, by session, in a stable order."""
    by_session: dict[int, list[Booking]] = {}
    if not session_ids:
        return by_session
    rows = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.session_id.in_(session_ids),
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CANCELLED]),
        )
        .options(selectinload(Booking.agency))
        .order_by(Booking.session_id, Booking.id)
    )
    for booking in rows:
        by_session.setdefault(booking.session_id, []).append(booking)
    return by_session


def _draw(booking: Booking, dates: int, rng: random.Random) -> list[Mark]:
    """The marks of one person who had a place: completed ones attended every date (now and
    then late); of the rest most never came and some came in part."""
    if booking.completed_at is not None:
        return [Mark.LATE if rng.random() < LATE_RATE else Mark.ATTENDED for _ in range(dates)]
    if rng.random() < NO_SHOW_SHARE:
        return [Mark.ABSENT] * dates
    if dates == 1:
        return [Mark.LEFT_EARLY]
    return [Mark.ATTENDED] + [Mark.ABSENT] * (dates - 1)


def _charged(booking: Booking, drawn: dict[int, _Drawn]) -> ChargeReason | None:
    """What the close-out rule would charge this booking for, before exemptions."""
    if booking.status is BookingStatus.CONFIRMED and booking.id in drawn:
        return ChargeReason.NO_SHOW if drawn[booking.id].outcome is Outcome.NO_SHOW else None
    if booking.status is BookingStatus.CANCELLED and booking.is_late_cancellation:
        return ChargeReason.LATE_CANCELLATION
    return None


def _recent_no_show(
    coordinator: User | None,
    sessions: list[CourseSession],
    bookings: dict[int, list[Booking]],
    drawn: dict[int, _Drawn],
    *,
    now: datetime,
) -> int | None:
    """Give the demo coordinator's agency a charge inside the dispute window, to dispute: its
    latest charged booking there, or else a booking made a no-show on the latest session
    there. Returns that booking's id (kept raised), or None when the agency is never charged
    or no session closed within the window."""
    rules = settings.current()
    if coordinator is None or charge_rules.is_exempt(coordinator.agency):
        return None
    since = now - timedelta(days=rules.dispute_window_days)
    recent = [s for s in sessions if _raised_at(s, now) > since + timedelta(hours=1)]
    prerequisites = set(
        db.session.scalars(
            sa.select(Course.prerequisite_id).where(Course.prerequisite_id.is_not(None))
        )
    )
    fallback = None
    for session in reversed(recent):
        own = [b for b in bookings.get(session.id, []) if b.agency_id == coordinator.agency_id]
        for booking in own:
            reason = _charged(booking, drawn)
            amount = (
                rules.no_show_charge_pence
                if reason is ChargeReason.NO_SHOW
                else rules.late_cancellation_charge_pence
            )
            if reason is not None and amount > 0:
                return booking.id
        if fallback is None and rules.no_show_charge_pence > 0:
            # Someone who did not complete, or whose completion no later booking relies on.
            candidates = [b for b in own if b.id in drawn and b.completed_at is None]
            if session.course_id not in prerequisites:
                candidates += [b for b in own if b.id in drawn and b.completed_at is not None]
            if candidates:
                fallback = candidates[0]
    if fallback is None:
        return None
    drawn[fallback.id].values = [Mark.ABSENT] * len(drawn[fallback.id].values)
    return fallback.id


def _raised_at(session: CourseSession, now: datetime) -> datetime:
    return min(session.ends_at + MARKED_AFTER, now)


def _charges(
    sessions: list[CourseSession], bookings: dict[int, list[Booking]], rules, *, now: datetime
) -> list[dict]:
    """The charges close-out raises: no-shows and late cancellations, at the policy's amounts,
    to the agency on the booking unless it is exempt."""
    exempt: dict[int, bool] = {}
    rows = []
    for session in sessions:
        for booking in bookings.get(session.id, []):
            if booking.status is BookingStatus.CONFIRMED:
                if booking.outcome != Outcome.NO_SHOW.value:
                    continue
                reason, amount = ChargeReason.NO_SHOW, rules.no_show_charge_pence
            elif booking.status is BookingStatus.CANCELLED and booking.is_late_cancellation:
                reason = ChargeReason.LATE_CANCELLATION
                amount = rules.late_cancellation_charge_pence
            else:
                continue
            agency: Agency = booking.agency
            if agency.id not in exempt:
                exempt[agency.id] = charge_rules.is_exempt(agency)
            if amount <= 0 or exempt[agency.id]:
                continue
            rows.append(
                {
                    "booking_id": booking.id,
                    "agency_id": booking.agency_id,
                    "reason": reason,
                    "amount_pence": amount,
                    "status": ChargeStatus.RAISED,
                    "raised_at": _raised_at(session, now),
                    "dispute_reason": None,
                    "disputed_at": None,
                    "disputed_by_id": None,
                    "decided_at": None,
                    "decided_by_id": None,
                    "decision_reason": None,
                }
            )
    return rows


def _disputes(
    rows: list[dict], keep: int | None, rules, rng: random.Random, counts: _Counts, *, now
) -> None:
    """A few charges disputed within the window by the agency's coordinator (if it has one);
    the demo admin has decided most of the disputes old enough."""
    window = timedelta(days=rules.dispute_window_days)
    open_to_dispute = [
        row
        for row in rows
        if row["booking_id"] != keep and now - row["raised_at"] >= timedelta(days=1)
    ]
    number = min(len(open_to_dispute), max(MIN_DISPUTES, round(len(rows) * DISPUTE_SHARE)))
    if not number:
        return
    coordinators = _coordinators()
    admin = db.session.scalar(sa.select(User.id).where(User.email == DEMO_ADMIN_EMAIL))
    for row in sorted(rng.sample(open_to_dispute, number), key=lambda row: row["booking_id"]):
        room = min(window, now - row["raised_at"]) - timedelta(hours=2)
        disputed_at = row["raised_at"] + timedelta(hours=2) + room * rng.uniform(0.05, 0.9)
        row.update(
            status=ChargeStatus.DISPUTED,
            dispute_reason=rng.choice(DISPUTE_REASONS[row["reason"]]),
            disputed_at=disputed_at.replace(second=0, microsecond=0),
            disputed_by_id=coordinators.get(row["agency_id"]),
        )
        counts.disputed += 1
        decided_at = disputed_at + timedelta(hours=rng.randint(20, 10 * 24))
        if decided_at > now or rng.random() >= DECIDED_SHARE:
            continue
        uphold = rng.random() < 0.5
        row.update(
            status=ChargeStatus.UPHELD if uphold else ChargeStatus.WAIVED,
            decided_at=decided_at.replace(second=0, microsecond=0),
            decided_by_id=admin,
            decision_reason=rng.choice(UPHOLD_REASONS if uphold else WAIVE_REASONS),
        )
        if uphold:
            counts.upheld += 1
        else:
            counts.waived += 1


def _coordinators() -> dict[int, int]:
    """Agency id -> its first active coordinator's id."""
    rows = db.session.execute(
        sa.select(User.agency_id, User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR, User.is_active.is_(True))
        .order_by(User.id)
    )
    coordinators: dict[int, int] = {}
    for agency_id, user_id in rows:
        coordinators.setdefault(agency_id, user_id)
    return coordinators
