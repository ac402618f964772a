"""Demonstration bookings on the demo timetable, so every page has real people on it.

Past sessions ran 60-100% full, with most attendees completing the course and a few no-shows
and late cancellations; about one in six upcoming sessions is full with people waiting (never
the rolling monthly briefing); courses needing approval have bookings waiting for a decision;
cancelled sessions show the bookings they cancelled. The demo practitioner has a place and a
place on a waiting list; the demo coordinator's agency has a booking to approve.

Rows are inserted directly rather than through the booking service (which rightly refuses
dates in the past), keeping its invariants: one live booking per person per session, the
person's agency on the booking, agency caps, prerequisites completed first, no one holding two
places at once, and `places_taken` equal to the bookings holding a place. Deterministic (one
seeded random generator); a second run adds nothing once any booking exists.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts import demo as accounts_demo
from lms.accounts.models import Role, User, UserRole
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue import demo as catalogue_demo
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.extensions import db

SEED = 2026
DEMO_PRACTITIONER_EMAIL = "practitioner@alderroad.sch.example"
DEMO_COORDINATOR_EMAIL = "coordinator@ruh.nhs.example"
DEMO_ADMIN_EMAIL = "admin@riverside-council.example"
PENDING_HOLD = timedelta(days=5)
REMINDER_NOTICE = timedelta(days=3)
SOON = timedelta(days=7)  # the demo accounts' bookings are at least this far ahead
FULL_SHARE = 1 / 6  # of upcoming scheduled sessions
COMPLETION_RATE = 0.85  # the rest of a past session's bookings were no-shows
LATE_CANCELLATION_RATE = 0.15  # of past sessions
EARLY_CANCELLATION_RATE = 0.2  # of upcoming scheduled sessions

LATE_REASONS = [
    "Called to an urgent strategy meeting about a child on my caseload.",
    "Off sick.",
    "The ward is short-staffed and I cannot be released.",
    "Needed in court at short notice.",
    "Childcare fell through this morning.",
]
EARLY_REASONS = [
    "My manager needs me to cover a colleague's leave that week.",
    "I have booked a later date that suits my rota better.",
    "Clashes with a child protection conference I must attend.",
    "Moving to a new role; my replacement will book instead.",
]


@dataclass
class _Person:
    id: int
    agency_id: int
    is_coordinator: bool
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)  # places held
    courses: set[int] = field(default_factory=set)  # courses they have booked
    completed: dict[int, datetime] = field(default_factory=dict)  # course id -> first completion


@dataclass
class _Slot:
    """One session while its bookings are drawn."""

    session: CourseSession
    dates: list[tuple[datetime, datetime]]
    booked: set[int] = field(default_factory=set)  # people with a booking here
    agencies: Counter = field(default_factory=Counter)  # places held per agency
    holders: int = 0


@dataclass
class _Forced:
    """What the demo accounts need, placed before the random bookings."""

    bookings: dict[int, list[tuple[_Person, BookingStatus]]] = field(default_factory=dict)
    waiter: _Person | None = None  # joins the first suitable full session's waiting list
    waiter_avoids: list[tuple[datetime, datetime]] = field(default_factory=list)
    waiter_course_id: int | None = None

    def add(self, session: CourseSession, person: _Person, status: BookingStatus) -> None:
        self.bookings.setdefault(session.id, []).append((person, status))

    def waiter_for(self, session: CourseSession, *, now: datetime) -> _Person | None:
        if self.waiter is None or session.starts_at < now + SOON or not _simple(session):
            return None
        if session.course_id == self.waiter_course_id:
            return None
        return None if _clash(_dates(session), self.waiter_avoids) else self.waiter


@dataclass
class _Counts:
    rows: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        statuses = Counter(row["status"] for row in self.rows)
        parts = [
            f"{statuses[BookingStatus.CONFIRMED]:,} confirmed",
            f"{statuses[BookingStatus.WAITLISTED]:,} waiting",
            f"{statuses[BookingStatus.PENDING]:,} pending",
            f"{statuses[BookingStatus.CANCELLED]:,} cancelled",
        ]
        return f"{len(self.rows):,} bookings ({', '.join(parts)})"


def seed(*, now: datetime) -> str:
    """Book the demo practitioners onto the demo sessions, unless any booking exists."""
    if db.session.scalar(sa.select(Booking.id).limit(1)) is not None:
        return "0 bookings added (bookings exist already)"
    rng = random.Random(SEED)
    people = _practitioners()
    demo_emails = {account[0] for account in accounts_demo.DEMO_ACCOUNTS}
    pool = [person for email, person in people.items() if email not in demo_emails]
    sessions = _demo_sessions()
    if not pool or not sessions:
        return "0 bookings added (no demo people or sessions)"
    deciders = _deciders()

    upcoming = [s for s in sessions if s.starts_at > now and s.status is SessionStatus.SCHEDULED]
    fillable = [s.id for s in upcoming if s.course.code not in catalogue_demo.MONTHLY_CODES]
    full = set(rng.sample(fillable, round(len(fillable) * FULL_SHARE)))
    forced = _forced_bookings(sessions, upcoming, full, people, pool, now=now)

    counts = _Counts()
    for session in sessions:
        slot = _Slot(session, _dates(session))
        booker = _Booker(slot, counts.rows, rng, deciders, now=now)
        for person, status in forced.bookings.get(session.id, []):
            booker.force(person, status)
        if session.status is SessionStatus.CANCELLED:
            booker.cancelled_session(pool)
        elif session.starts_at <= now:
            booker.past(pool)
        else:
            waiter = forced.waiter_for(session, now=now)
            if booker.upcoming(pool, full=session.id in full, waiter=waiter):
                forced.waiter = None
        session.places_taken = slot.holders

    if counts.rows:
        db.session.execute(sa.insert(Booking), counts.rows)
    db.session.flush()
    return counts.summary()


def _practitioners() -> dict[str, _Person]:
    """Active demo practitioners (.example addresses) by email, in a stable order."""
    rows = db.session.execute(
        sa.select(User.email, User.id, User.agency_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.PRACTITIONER,
            User.is_active.is_(True),
            User.email.like("%.example"),
        )
        .order_by(User.id)
    )
    coordinators = set(
        db.session.scalars(sa.select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR))
    )
    return {
        email: _Person(user_id, agency_id, user_id in coordinators)
        for email, user_id, agency_id in rows
    }


def _deciders() -> dict[int | None, int]:
    """Who approves bookings: agency id -> its demo coordinator; None -> the demo admin."""
    deciders: dict[int | None, int] = {}
    for email, key in ((DEMO_COORDINATOR_EMAIL, "agency"), (DEMO_ADMIN_EMAIL, None)):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            deciders[user.agency_id if key else None] = user.id
    return deciders


def _demo_sessions() -> list[CourseSession]:
    codes = [spec.code for spec in catalogue_demo.COURSES]
    return list(
        db.session.scalars(
            sa.select(CourseSession)
            .join(Course, Course.id == CourseSession.course_id)
            .where(Course.code.in_(codes))
            .options(
                selectinload(CourseSession.course).selectinload(Course.prerequisite),
                selectinload(CourseSession.dates),
            )
            .order_by(CourseSession.starts_at, CourseSession.id)
        )
    )


def _simple(session: CourseSession) -> bool:
    """Bookable by anyone at once: no approval, no prerequisite."""
    return not session.course.approval_required and session.course.prerequisite_id is None


def _forced_bookings(
    sessions: list[CourseSession],
    upcoming: list[CourseSession],
    full: set[int],
    people: dict[str, _Person],
    pool: list[_Person],
    *,
    now: datetime,
) -> _Forced:
    """The demo practitioner's training (some past courses, a place coming up and a place on a
    waiting list) and a booking for the demo coordinator to approve."""
    forced = _Forced()
    practitioner = people.get(DEMO_PRACTITIONER_EMAIL)
    if practitioner is not None:
        past = [s for s in sessions if s.starts_at <= now and _simple(s)]
        done = ("SCP-WT2", *sorted(catalogue_demo.MONTHLY_CODES))
        for code in done:
            earlier = [s for s in past if s.course.code == code]
            if earlier:
                forced.add(earlier[0], practitioner, BookingStatus.CONFIRMED)
        place = next(
            (
                s
                for s in upcoming
                if s.starts_at >= now + SOON
                and _simple(s)
                and s.id not in full
                and s.course.code not in done
            ),
            None,
        )
        if place is not None:
            forced.add(place, practitioner, BookingStatus.CONFIRMED)
            forced.waiter_avoids, forced.waiter_course_id = _dates(place), place.course_id
        forced.waiter = practitioner
    coordinator = people.get(DEMO_COORDINATOR_EMAIL)
    colleague = coordinator and next(
        (p for p in pool if p.agency_id == coordinator.agency_id and not p.is_coordinator), None
    )
    approval = next(
        (
            s
            for s in upcoming
            if s.starts_at >= now + SOON
            and s.course.approval_required
            and s.course.prerequisite_id is None
        ),
        None,
    )
    if colleague and approval is not None:
        forced.add(approval, colleague, BookingStatus.PENDING)
    return forced


def _dates(session: CourseSession) -> list[tuple[datetime, datetime]]:
    return [(day.starts_at, day.ends_at) for day in session.dates]


def _clash(dates, other_dates) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in dates for s2, e2 in other_dates)


class _Booker:
    """Draws one session's bookings into `rows`, keeping the counts and rules."""

    def __init__(self, slot: _Slot, rows: list[dict], rng, deciders: dict, *, now: datetime):
        self.slot, self.rows, self.rng, self.now = slot, rows, rng, now
        self.session = slot.session
        self.deciders = deciders
        self.own: list[dict] = []  # this session's rows

    # Choosing people ------------------------------------------------------------------------

    def can_hold(self, person: _Person, agencies: Counter, *, prerequisite: bool = True) -> bool:
        """Whether this person could have had a place here when they booked."""
        session, slot = self.session, self.slot
        if person.id in slot.booked:
            return False
        cap = session.agency_cap
        if cap is not None and slot.agencies[person.agency_id] + agencies[person.agency_id] >= cap:
            return False
        required = session.course.prerequisite_id
        if prerequisite and required is not None:
            completed = person.completed.get(required)
            if completed is None or completed >= min(session.starts_at, self.now):
                return False
        return not _clash(slot.dates, person.busy)

    def choose(
        self, pool: list[_Person], number: int, *, holding: bool = True, prerequisite: bool = True
    ) -> list[_Person]:
        """Up to `number` people, spread at random, those new to the course first. People who
        will hold a place must be able to: agency cap, prerequisite (unless told not to), no
        clash with another place they hold."""
        if number <= 0:
            return []
        course_id = self.session.course_id
        order = sorted(self.rng.sample(pool, len(pool)), key=lambda p: course_id in p.courses)
        chosen: list[_Person] = []
        agencies: Counter = Counter()
        for person in order:
            if holding and not self.can_hold(person, agencies, prerequisite=prerequisite):
                continue
            if not holding and person.id in self.slot.booked:
                continue
            chosen.append(person)
            agencies[person.agency_id] += 1
            if len(chosen) == number:
                break
        return chosen

    # Rows -----------------------------------------------------------------------------------

    def add(self, person: _Person, status: BookingStatus, created_at: datetime, **values) -> None:
        session = self.session
        row = {
            "user_id": person.id,
            "session_id": session.id,
            "agency_id": person.agency_id,
            "status": status,
            "booked_by_id": person.id,
            "created_at": created_at,
            "waitlisted_at": created_at if status is BookingStatus.WAITLISTED else None,
            "confirmed_at": None,
            "pending_expires_at": None,
            "decided_by_id": None,
            "decided_at": None,
            "decision_reason": None,
            "cancelled_at": None,
            "cancelled_by_id": None,
            "cancellation_reason": None,
            "is_late_cancellation": False,
            "reminder_sent_at": None,
            "completed_at": None,
            "sequence": 0,
        }
        row.update(values)
        if status is BookingStatus.PENDING:
            row["pending_expires_at"] = min(self.now + PENDING_HOLD, session.starts_at)
        if status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
            self._confirm(row, person)
        self.rows.append(row)
        self.own.append(row)
        self.slot.booked.add(person.id)
        person.courses.add(session.course_id)
        if status in (BookingStatus.CONFIRMED, BookingStatus.PENDING):
            self.slot.holders += 1
            self.slot.agencies[person.agency_id] += 1
            person.busy.extend(self.slot.dates)
        if row["completed_at"] is not None:
            person.completed.setdefault(session.course_id, row["completed_at"])

    def _confirm(self, row: dict, person: _Person) -> None:
        """A place confirmed at once, or once the coordinator (or the admin) approved it; a
        cancelled booking had its place until it was cancelled."""
        session = self.session
        created_at, confirmed_at = row["created_at"], row["created_at"]
        if session.course.approval_required:
            decider = self.deciders.get(person.agency_id, self.deciders.get(None))
            latest = row["cancelled_at"] or min(session.starts_at, self.now)
            delay = timedelta(hours=self.rng.randint(2, 70))
            confirmed_at = max(created_at, min(created_at + delay, latest - timedelta(minutes=5)))
            row.update(decided_by_id=decider, decided_at=confirmed_at)
            row["sequence"] += 1
        row["confirmed_at"] = confirmed_at
        reminder = session.starts_at - REMINDER_NOTICE
        if confirmed_at < reminder <= min(self.now, row["cancelled_at"] or self.now):
            row["reminder_sent_at"] = reminder

    def booked_at(self, earliest_days: int, latest_days: int, *, before: datetime) -> datetime:
        """A time in working hours some days (at least one) before `before`."""
        moment = before - timedelta(days=self.rng.randint(max(1, earliest_days), latest_days))
        return moment.replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(
            minutes=self.rng.randint(0, 9 * 60)
        )

    # Kinds of session -----------------------------------------------------------------------

    def force(self, person: _Person, status: BookingStatus) -> None:
        session = self.session
        if status is BookingStatus.PENDING:
            self.add(person, status, self.now - timedelta(hours=3))
        elif session.starts_at <= self.now:
            created = self.booked_at(14, 40, before=session.starts_at)
            self.add(person, status, created, completed_at=session.ends_at)
        else:
            self.add(person, status, self.booked_at(3, 30, before=self.now))

    def past(self, pool: list[_Person]) -> None:
        """Ran 60-100% full; most completed it; now and then someone cancelled late. People who
        completed the prerequisite here come first; early in the records there are too few, so
        others (who did it before the records began) make up the numbers."""
        session, rng = self.session, self.rng
        capacity = session.capacity
        target = rng.randint(-(-capacity * 6 // 10), capacity) - self.slot.holders
        chosen = self.choose(pool, target)
        self._attended(chosen)
        if len(chosen) < target and session.course.prerequisite_id is not None:
            self._attended(self.choose(pool, target - len(chosen), prerequisite=False))
        # A late cancellation freed a place nobody took.
        if rng.random() < LATE_CANCELLATION_RATE and self.slot.holders < capacity:
            for person in self.choose(pool, 1):
                created = self.booked_at(10, 50, before=session.starts_at)
                self.add(
                    person,
                    BookingStatus.CANCELLED,
                    created,
                    cancelled_at=session.starts_at - timedelta(minutes=rng.randint(60, 46 * 60)),
                    cancelled_by_id=person.id,
                    cancellation_reason=rng.choice(LATE_REASONS),
                    is_late_cancellation=True,
                    sequence=1,
                )

    def _attended(self, people: list[_Person]) -> None:
        session = self.session
        for person in people:
            completed = session.ends_at if self.rng.random() < COMPLETION_RATE else None
            created = self.booked_at(3, 60, before=session.starts_at)
            self.add(person, BookingStatus.CONFIRMED, created, completed_at=completed)

    def upcoming(self, pool: list[_Person], *, full: bool, waiter: _Person | None) -> bool:
        """Full ones have people waiting; the rest fill up as the date approaches. Returns
        whether `waiter` joined the waiting list."""
        session, rng, now = self.session, self.rng, self.now
        capacity = session.capacity
        if full:
            target = capacity
        else:
            fullness = max(0.1, 1 - (session.starts_at - now).days / catalogue_demo.FUTURE_DAYS)
            target = rng.randint(0, max(0, int(capacity * fullness) - 1))
        pending = rng.randint(1, 2) if session.course.approval_required else 0
        already = sum(1 for row in self.own if row["status"] is BookingStatus.PENDING)
        chosen = self.choose(pool, min(capacity, max(target, pending)) - self.slot.holders)
        pending = min(len(chosen), max(0, pending - already))
        for index, person in enumerate(chosen):
            if index < len(chosen) - pending:
                self.add(person, BookingStatus.CONFIRMED, self.booked_at(2, 60, before=now))
            else:
                created = now - timedelta(minutes=rng.randint(30, 20 * 60))
                self.add(person, BookingStatus.PENDING, created)
        if rng.random() < EARLY_CANCELLATION_RATE:
            for person in self.choose(pool, 1, holding=False):
                created = self.booked_at(10, 60, before=now)
                self.add(
                    person,
                    BookingStatus.CANCELLED,
                    created,
                    cancelled_at=created + (now - created) * rng.uniform(0.2, 0.9),
                    cancelled_by_id=person.id,
                    cancellation_reason=rng.choice(EARLY_REASONS),
                    sequence=1,
                )
        if self.slot.holders < capacity:
            return False
        return self._waiting_list(pool, waiter)

    def _waiting_list(self, pool: list[_Person], waiter: _Person | None) -> bool:
        """Two to five people waiting, who joined after the last place went (`waiter` second)."""
        rng, now = self.rng, self.now
        last_change = max(
            max(row["created_at"], row["cancelled_at"] or row["created_at"]) for row in self.own
        )
        number = rng.randint(2, 5)
        waiting = self.choose(pool, number - (waiter is not None), holding=False)
        if waiter is not None:
            waiting.insert(min(1, len(waiting)), waiter)
        times = sorted(
            (last_change + (now - last_change) * rng.uniform(0.05, 0.95)).replace(microsecond=0)
            for _ in waiting
        )
        for person, joined in zip(waiting, times, strict=True):
            self.add(person, BookingStatus.WAITLISTED, joined)
        return waiter is not None

    def cancelled_session(self, pool: list[_Person]) -> None:
        """The bookings cancelled with the session."""
        session, rng = self.session, self.rng
        cancelled_at = session.cancelled_at or self.now
        number = rng.randint(max(1, session.capacity // 5), max(1, session.capacity * 3 // 5))
        for person in self.choose(pool, number):
            self.add(
                person,
                BookingStatus.CANCELLED,
                self.booked_at(3, 60, before=cancelled_at),
                cancelled_at=cancelled_at,
                cancelled_by_id=self.deciders.get(None),
                cancellation_reason=f"The session was cancelled: {session.cancellation_reason}",
                sequence=1,
            )
