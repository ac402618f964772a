"""A large synthetic partnership for load and report testing: `flask seed-scale`.

About 150 agencies, 30,000 practitioners, 4,000 sessions over the last few UK financial years,
120,000 bookings with their attendance marks and non-attendance charges, and 150,000 e-learning
completions (`lms.elearning.scale`) (counts times `scale`).
For an empty database only. Rows are made in Python with primary keys chosen here and written
with bulk Core inserts, so the whole history takes seconds rather than hours; the invariants the
services keep (places taken, one live booking per person and session, outcomes from marks,
session times from its dates) are kept by construction.
"""

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import (
    Agency,
    AgencyEmailDomain,
    AgencyMembership,
    Role,
    Sector,
    User,
    UserRole,
)
from lms.accounts.passwords import hash_password
from lms.attendance.models import (
    AttendanceMark,
    ChargeReason,
    ChargeStatus,
    Mark,
    MarkSource,
    NonAttendanceCharge,
    Outcome,
)
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Platform,
    Provider,
    SessionDate,
    SessionStatus,
    Theme,
    Venue,
    course_themes,
    session_trainers,
)
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, is_twilight
from lms.core.errors import DomainError
from lms.core.timefmt import LONDON, london_to_utc
from lms.elearning import scale as elearning_scale
from lms.extensions import db
from lms.settings import services as settings

PASSWORD = "Scale-test-2026"
CHUNK = 5000
MARKED_AFTER = timedelta(hours=1)

AGENCIES = 150
PRACTITIONERS = 30_000
SESSIONS = 4_000
BOOKINGS = 120_000

# Used when the partnership charges nothing yet, so the history has charges to report on.
CHARGES = {"no_show_charge_pence": 5000, "late_cancellation_charge_pence": 2500}

CANCELLED_SESSION_RATE = 0.06
CANCELLED_BOOKING_SHARE = (0.06, 0.2)
LATE_CANCELLATION_RATE = 0.3
MOVED_AGENCY_RATE = 0.1
TWILIGHT_RATE = 0.25
TWO_DAY_RATE = 0.15
NO_SHOW_RATE = 0.09
PARTIAL_RATE = 0.05
LATE_MARK_RATE = 0.06

# Share of agencies per sector (every sector has at least one), and the job titles in it.
SECTORS = {
    Sector.LOCAL_AUTHORITY: (0.06, ["Social worker", "Early help practitioner", "Team manager"]),
    Sector.HEALTH: (0.1, ["Health visitor", "School nurse", "Midwife", "GP", "Paediatrician"]),
    Sector.POLICE: (0.02, ["Police constable", "Detective sergeant", "PCSO"]),
    Sector.EDUCATION: (0.3, ["Teacher", "Designated safeguarding lead", "Teaching assistant"]),
    Sector.EARLY_YEARS: (0.14, ["Nursery practitioner", "Childminder", "Nursery manager"]),
    Sector.VOLUNTARY_COMMUNITY: (0.16, ["Youth worker", "Support worker", "Volunteer lead"]),
    Sector.FAITH: (0.06, ["Faith leader", "Safeguarding officer"]),
    Sector.PROBATION: (0.01, ["Probation officer"]),
    Sector.FIRE: (0.01, ["Firefighter", "Community safety officer"]),
    Sector.HOUSING: (0.05, ["Housing officer", "Tenancy support officer"]),
    Sector.CAFCASS: (0.01, ["Family court adviser"]),
    Sector.OTHER: (0.08, ["Sports coach", "Practitioner"]),
}
NOUNS = {
    Sector.LOCAL_AUTHORITY: "Council",
    Sector.HEALTH: "NHS Trust",
    Sector.POLICE: "Police",
    Sector.EDUCATION: "School",
    Sector.EARLY_YEARS: "Nursery",
    Sector.VOLUNTARY_COMMUNITY: "Community Project",
    Sector.FAITH: "Church",
    Sector.PROBATION: "Probation Service",
    Sector.FIRE: "Fire and Rescue Service",
    Sector.HOUSING: "Housing Association",
    Sector.CAFCASS: "Cafcass",
    Sector.OTHER: "Trust",
}
# The statutory safeguarding partners: the local authority, the ICB and the police.
STATUTORY = {Sector.LOCAL_AUTHORITY, Sector.POLICE}
PLACES = [
    "Northgate", "Southbank", "Eastwick", "Westfield", "Riverside", "Hillcrest", "Oakwood",
    "Ashford", "Beechgrove", "Cedar Park", "Elmstead", "Fernhill", "Greenway", "Hawthorn",
    "Kingsmead", "Larchmont", "Meadowbank", "Newhaven", "Orchard Vale", "Pinewood",
]  # fmt: skip
FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Ella", "Farah", "George", "Hannah", "Isaac", "Jade",
    "Kwame", "Laura", "Mohammed", "Nadia", "Oliver", "Priya", "Rosa", "Sam", "Tariq", "Zoe",
]  # fmt: skip
SURNAMES = [
    "Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fernandes", "Green", "Hussain", "Iqbal",
    "Jones", "Khan", "Lewis", "Morris", "Nowak", "Okafor", "Patel", "Roberts", "Smith", "Taylor",
    "Williams",
]  # fmt: skip
THEMES = [
    "Neglect", "Child sexual exploitation", "Child criminal exploitation", "Domestic abuse",
    "Mental health", "Substance misuse", "Online safety", "Radicalisation and Prevent",
    "Female genital mutilation", "Adults at risk", "Contextual safeguarding", "Self-neglect",
]  # fmt: skip
TOPICS = [
    "Safeguarding essentials", "Recognising neglect", "Working together", "Exploitation",
    "Domestic abuse awareness", "Trauma-informed practice", "Online harms", "Prevent",
    "Professional curiosity", "Information sharing", "Making safeguarding personal",
    "Hidden harm", "Escalation and challenge", "Court skills", "Child protection conferences",
    "Harmful sexual behaviour", "Graded Care Profile", "Self-neglect and hoarding",
    "Modern slavery", "Safer recruitment",
]  # fmt: skip
PROVIDERS = ["Safer Futures Training", "Brightside Learning", "Keystone Safeguarding"]
DAY_SLOTS = [(time(9, 30), time(12, 30)), (time(9, 30), time(16, 0)), (time(13, 0), time(16, 0))]
TWILIGHT_SLOTS = [(time(16, 0), time(18, 0)), (time(18, 0), time(20, 0))]


@dataclass
class _Person:
    id: int
    agency_id: int
    # When they moved from their previous agency, if they did during the history.
    moved_at: datetime | None = None
    previous_agency_id: int | None = None

    def agency_at(self, moment: datetime) -> int:
        if self.moved_at is not None and moment < self.moved_at:
            return self.previous_agency_id
        return self.agency_id


def _scaled(count: int, scale: float, minimum: int) -> int:
    return max(minimum, round(count * scale))


def _insert(table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start : start + CHUNK])


def financial_year_start(moment: datetime, years_back: int = 0) -> datetime:
    """1 April (UK time) that starts the financial year holding `moment`, `years_back` earlier."""
    local = moment.astimezone(LONDON)
    year = local.year if (local.month, local.day) >= (4, 1) else local.year - 1
    return london_to_utc(date(year - years_back, 4, 1), time(0, 0))


def _refuse_unless_empty() -> None:
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    sessions = db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession)) or 0
    others = sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Agency, Course, Theme, Venue, Provider, Booking)
    )
    if accounts or sessions or others:
        raise DomainError(
            f"seed-scale needs an empty database; it found {accounts} accounts, "
            f"{sessions} sessions and {others} other catalogue or booking rows"
        )


def seed_scale(
    *, years: int, now: datetime, scale: float = 1.0, seed: int = 2026
) -> dict[str, int]:
    """Build the synthetic history on an empty database; flushes, never commits. Returns the
    number of rows added per table."""
    if years < 1:
        raise DomainError("Give at least one financial year")
    if now.tzinfo is None:
        raise DomainError("now must be timezone-aware")
    now = now.astimezone(UTC)
    _refuse_unless_empty()
    rng = random.Random(seed)
    rules = settings.current()
    if rules.no_show_charge_pence == 0 and rules.late_cancellation_charge_pence == 0:
        rules = settings.update(CHARGES, by=None)
    db.session.flush()
    history_start = financial_year_start(now, years - 1)
    builder = _Builder(rng, now=now, history_start=history_start, scale=scale)
    builder.people()
    builder.catalogue()
    builder.sessions()
    builder.bookings()
    builder.attendance(rules)
    elearning_scale.build(builder)
    return builder.write()


class _Builder:
    def __init__(self, rng: random.Random, *, now: datetime, history_start: datetime, scale):
        self.rng = rng
        self.now = now
        self.start = history_start
        self.scale = scale
        self.rows: dict[str, list[dict]] = {}
        self.agencies: list[dict] = []
        self.persons: list[_Person] = []
        self.trainers: list[int] = []
        self.venue_capacity: dict[int, int] = {}
        self.courses: list[dict] = []
        self.plans: list[dict] = []  # one per session: its row, dates and bookings to make
        self.confirmed: dict[int, list[dict]] = {}  # session id -> confirmed booking rows
        self.late_cancelled: dict[int, list[dict]] = {}

    def table(self, name: str) -> list[dict]:
        return self.rows.setdefault(name, [])

    # People -----------------------------------------------------------------------------------

    def people(self) -> None:
        rng, created = self.rng, self.start - timedelta(days=400)
        count = _scaled(AGENCIES, self.scale, 2 * len(Sector))
        sectors = list(Sector) + rng.choices(
            list(SECTORS), weights=[share for share, _ in SECTORS.values()], k=count - len(Sector)
        )
        names: set[str] = set()
        for number, sector in enumerate(sectors, start=1):
            name = f"{rng.choice(PLACES)} {NOUNS[sector]}"
            if name in names:
                name = f"{name} {number}"
            names.add(name)
            statutory = sector in STATUTORY or (sector is Sector.HEALTH and number % 5 == 0)
            row = {
                "id": number,
                "name": name,
                "sector": sector,
                "is_statutory_partner": statutory,
                "is_active": True,
                "is_charge_exempt": sector is Sector.VOLUNTARY_COMMUNITY and number % 4 == 0,
                "created_at": created,
                "updated_at": created,
            }
            self.agencies.append(row)
            domain = "".join(c if c.isalnum() else "-" for c in name.lower()) + ".example"
            self.table("domains").append({"id": number, "agency_id": number, "domain": domain})
        self.table("agencies").extend(self.agencies)

        password_hash = hash_password(PASSWORD)
        practitioners = _scaled(PRACTITIONERS, self.scale, 10)
        trainers = _scaled(30, self.scale, 3)
        user_id = 0

        def add_user(agency: dict, roles: Iterable[Role], job_title: str) -> _Person:
            nonlocal user_id
            user_id += 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            domain = self.rows["domains"][agency["id"] - 1]["domain"]
            joined = created + timedelta(days=rng.randint(0, 300))
            person = _Person(user_id, agency["id"])
            self.table("users").append(
                {
                    "id": user_id,
                    "email": f"{first}.{last}.{user_id}@{domain}".lower(),
                    "name": f"{first} {last}",
                    "job_title": job_title,
                    "agency_id": agency["id"],
                    "line_manager_email": f"manager@{domain}",
                    "password_hash": password_hash,
                    "is_active": True,
                    "session_token": secrets.token_urlsafe(32),
                    "last_signed_in_at": None,
                    "email_confirmed_at": joined,
                    "created_at": joined,
                    "updated_at": joined,
                }
            )
            for role in roles:
                scope = agency["id"] if role is Role.COORDINATOR else None
                self.table("roles").append(
                    {"user_id": user_id, "role": role, "granted_at": joined, "agency_id": scope}
                )
            if Role.PRACTITIONER in roles and rng.random() < MOVED_AGENCY_RATE:
                previous = rng.choice(self.agencies)
                if previous["id"] != agency["id"]:
                    span = (self.now - self.start).total_seconds()
                    person.moved_at = self.start + timedelta(seconds=rng.uniform(0, span))
                    person.previous_agency_id = previous["id"]
            memberships = self.table("memberships")
            if person.moved_at is not None:
                memberships.append(
                    {
                        "id": len(memberships) + 1,
                        "user_id": user_id,
                        "agency_id": person.previous_agency_id,
                        "job_title": job_title,
                        "started_at": joined,
                        "ended_at": person.moved_at,
                    }
                )
            memberships.append(
                {
                    "id": len(memberships) + 1,
                    "user_id": user_id,
                    "agency_id": agency["id"],
                    "job_title": job_title,
                    "started_at": person.moved_at or joined,
                    "ended_at": None,
                }
            )
            return person

        council = next(a for a in self.agencies if a["sector"] is Sector.LOCAL_AUTHORITY)
        add_user(council, [Role.ADMIN], "Partnership business manager")
        for _ in range(trainers):
            self.trainers.append(add_user(council, [Role.TRAINER], "Safeguarding trainer").id)
        for agency in self.agencies:
            add_user(agency, [Role.COORDINATOR, Role.PRACTITIONER], "Safeguarding lead")
        for _ in range(practitioners):
            agency = rng.choice(self.agencies)
            title = rng.choice(SECTORS[agency["sector"]][1])
            self.persons.append(add_user(agency, [Role.PRACTITIONER], title))

    # Catalogue --------------------------------------------------------------------------------

    def catalogue(self) -> None:
        rng, created = self.rng, self.start - timedelta(days=200)
        for number, name in enumerate(THEMES, start=1):
            slug = "".join(c if c.isalnum() else "-" for c in name.lower())
            self.table("themes").append(
                {"id": number, "name": name, "slug": slug, "description": "", "is_active": True}
            )
        for number, name in enumerate(PROVIDERS, start=1):
            self.table("providers").append(
                {
                    "id": number,
                    "name": name,
                    "contact_email": f"bookings@provider{number}.example",
                    "contract_starts_on": None,
                    "contract_ends_on": None,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        hosts = [a for a in self.agencies if a["sector"] in (Sector.LOCAL_AUTHORITY, Sector.HEALTH)]
        for number in range(1, _scaled(16, self.scale, 4) + 1):
            capacity = rng.choice([20, 24, 30, 40, 60])
            self.venue_capacity[number] = capacity
            self.table("venues").append(
                {
                    "id": number,
                    "name": f"{PLACES[number % len(PLACES)]} Training Room {number}",
                    "address": f"{number} High Street",
                    "postcode": f"RV{number % 9 + 1} {number % 10}AB",
                    "capacity": capacity,
                    "accessibility_notes": "Step-free access.",
                    "agency_id": rng.choice(hosts)["id"] if hosts else None,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        modes = [DeliveryMode.CLASSROOM] * 5 + [DeliveryMode.VIRTUAL] * 3 + [DeliveryMode.BLENDED]
        for number in range(1, _scaled(40, self.scale, 8) + 1):
            topic = TOPICS[(number - 1) % len(TOPICS)]
            level = (number - 1) // len(TOPICS) + 1
            course = {
                "id": number,
                "code": f"SC{level}{number:03d}",
                "title": f"{topic} (level {level})",
                "summary": f"{topic} for practitioners across the partnership.",
                "learning_outcomes": "- Recognise concerns\n- Know how to refer",
                "level": min(level, 4),
                "delivery_mode": modes[number % len(modes)],
                "audience": rng.choice(list(Audience)),
                "cpd_hours": Decimal("3.0"),
                "provider_id": rng.choice(self.rows["providers"])["id"] if number % 3 else None,
                "approval_required": False,
                "prerequisite_id": None,
                "certificate_validity_months": 36 if level == 1 else None,
                "status": CourseStatus.PUBLISHED,
                "created_at": created,
                "updated_at": created,
            }
            self.courses.append(course)
            for theme in rng.sample(self.rows["themes"], 2):
                self.table("course_themes").append({"course_id": number, "theme_id": theme["id"]})
        self.table("courses").extend(self.courses)

    # Sessions ---------------------------------------------------------------------------------

    def sessions(self) -> None:
        rng = self.rng
        count = _scaled(SESSIONS, self.scale, 10)
        first_day = self.start.astimezone(LONDON).date()
        last_day = (self.now - timedelta(days=2)).astimezone(LONDON).date()
        span = (last_day - first_day).days
        days = []
        while len(days) < count:
            day = first_day + timedelta(days=rng.randint(0, span))
            if day.weekday() < 5:
                days.append(day)
        days.sort()
        busy: set[tuple[str, int, date]] = set()
        date_id = 0
        for number, day in enumerate(days, start=1):
            course = rng.choice(self.courses)
            twilight = rng.random() < TWILIGHT_RATE
            start_clock, end_clock = rng.choice(TWILIGHT_SLOTS if twilight else DAY_SLOTS)
            days_of = [day]
            if rng.random() < TWO_DAY_RATE:
                following = day + timedelta(days=1 if day.weekday() < 4 else 3)
                if london_to_utc(following, end_clock) < self.now:
                    days_of.append(following)
            dates = [(london_to_utc(d, start_clock), london_to_utc(d, end_clock)) for d in days_of]
            mode = course["delivery_mode"]
            virtual = mode is DeliveryMode.VIRTUAL or (
                mode is DeliveryMode.BLENDED and rng.random() < 0.5
            )
            capacity = rng.randint(16, 40)
            venue_id = None
            if not virtual:
                venues = list(self.venue_capacity)
                free = [v for v in venues if ("venue", v, day) not in busy] or venues
                venue_id = rng.choice(free)
                busy.add(("venue", venue_id, day))
                capacity = min(capacity, self.venue_capacity[venue_id])
            free = [t for t in self.trainers if ("trainer", t, day) not in busy] or self.trainers
            trainer = rng.choice(free)
            busy.add(("trainer", trainer, day))
            starts_at, ends_at = dates[0][0], dates[-1][1]
            cancelled = rng.random() < CANCELLED_SESSION_RATE
            created = starts_at - timedelta(days=rng.randint(60, 120))
            row = {
                "id": number,
                "course_id": course["id"],
                "venue_id": venue_id,
                "platform": Platform.TEAMS if virtual else None,
                "join_link": f"https://teams.example/meet/{number}" if virtual else None,
                "joining_instructions": "",
                "capacity": capacity,
                "places_taken": 0,
                "agency_cap": None,
                "booking_opens_at": None,
                "booking_closes_at": None,
                "cancellation_cutoff_at": starts_at - DEFAULT_CANCELLATION_NOTICE,
                "status": SessionStatus.CANCELLED if cancelled else SessionStatus.COMPLETED,
                "cancelled_at": starts_at - timedelta(days=rng.randint(1, 14))
                if cancelled
                else None,
                "cancellation_reason": "Trainer unavailable" if cancelled else None,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "is_twilight": is_twilight(starts_at),
                "sequence": 0,
                "created_at": created,
                "updated_at": created,
            }
            self.table("sessions").append(row)
            self.table("session_trainers").append({"session_id": number, "user_id": trainer})
            ids = []
            for date_starts, date_ends in dates:
                date_id += 1
                ids.append(date_id)
                self.table("dates").append(
                    {
                        "id": date_id,
                        "session_id": number,
                        "starts_at": date_starts,
                        "ends_at": date_ends,
                    }
                )
            self.plans.append({"row": row, "dates": list(zip(ids, dates, strict=True))})

    # Bookings ---------------------------------------------------------------------------------

    def bookings(self) -> None:
        rng = self.rng
        total = _scaled(BOOKINGS, self.scale, len(self.plans))
        weights = [rng.uniform(0.6, 1.4) for _ in self.plans]
        whole = sum(weights)
        sizes = [int(total * weight / whole) for weight in weights]
        for index in rng.sample(range(len(sizes)), total - sum(sizes)):
            sizes[index] += 1
        rows = self.table("bookings")
        for plan, size in zip(self.plans, sizes, strict=True):
            session = plan["row"]
            starts_at, cutoff = session["starts_at"], session["cancellation_cutoff_at"]
            people = rng.sample(self.persons, min(size, len(self.persons)))
            created = sorted(
                starts_at - timedelta(minutes=rng.randint(3 * 1440, 70 * 1440)) for _ in people
            )
            if session["status"] is SessionStatus.CANCELLED:
                cancelled = len(people)
            else:
                cancelled = round(len(people) * rng.uniform(*CANCELLED_BOOKING_SHARE))
            holding = len(people) - cancelled
            confirmed_count = min(holding, session["capacity"])
            session["places_taken"] = confirmed_count
            order = list(range(len(people)))
            rng.shuffle(order)
            kinds = {}
            for position, index in enumerate(order):
                if position < cancelled:
                    kinds[index] = "cancelled"
                else:
                    kinds[index] = "confirmed"
            # The latest bookers of a full session are the ones left on its waiting list.
            waiting = holding - confirmed_count
            late_joiners = [i for i in reversed(range(len(people))) if kinds[i] == "confirmed"]
            for index in late_joiners[:waiting]:
                kinds[index] = "waitlisted"
            for index, person in enumerate(people):
                at = created[index]
                row = _booking(len(rows) + 1, session, person, at)
                kind = kinds[index]
                if kind == "waitlisted":
                    row["status"] = BookingStatus.WAITLISTED
                    row["waitlisted_at"] = at
                elif kind == "confirmed":
                    row["status"] = BookingStatus.CONFIRMED
                    row["confirmed_at"] = at
                    row["reminder_sent_at"] = starts_at - timedelta(days=3)
                    self.confirmed.setdefault(session["id"], []).append(row)
                else:
                    row["status"] = BookingStatus.CANCELLED
                    row["confirmed_at"] = at
                    row["cancelled_by_id"] = person.id
                    if session["status"] is SessionStatus.CANCELLED:
                        row["cancelled_at"] = max(session["cancelled_at"], at)
                        row["cancellation_reason"] = "The session was cancelled"
                        row["cancelled_by_id"] = None
                    elif rng.random() < LATE_CANCELLATION_RATE:
                        row["cancelled_at"] = max(
                            cutoff + timedelta(minutes=rng.randint(1, 47 * 60)), at
                        )
                        row["is_late_cancellation"] = True
                        row["cancellation_reason"] = "Unable to attend"
                        self.late_cancelled.setdefault(session["id"], []).append(row)
                    else:
                        row["cancelled_at"] = at + (cutoff - at) * rng.random()
                        row["cancellation_reason"] = "Unable to attend"
                rows.append(row)

    # Attendance and charges -------------------------------------------------------------------

    def attendance(self, rules) -> None:
        rng = self.rng
        exempt = {
            agency["id"]: agency["is_charge_exempt"]
            or (agency["is_statutory_partner"] and rules.exempt_statutory_partners)
            for agency in self.agencies
        }
        marks = self.table("marks")
        self.table("charges")
        trainer_of = {row["session_id"]: row["user_id"] for row in self.rows["session_trainers"]}
        for plan in self.plans:
            session = plan["row"]
            if session["status"] is not SessionStatus.COMPLETED:
                continue
            closed_at = min(session["ends_at"] + MARKED_AFTER, self.now)
            for booking in self.confirmed.get(session["id"], []):
                draw = rng.random()
                dates = plan["dates"]
                if draw < NO_SHOW_RATE:
                    values = [Mark.ABSENT] * len(dates)
                    outcome = Outcome.NO_SHOW
                elif draw < NO_SHOW_RATE + PARTIAL_RATE:
                    values = [Mark.LEFT_EARLY] if len(dates) == 1 else [Mark.ATTENDED, Mark.ABSENT]
                    outcome = Outcome.PARTIAL
                else:
                    values = [
                        Mark.LATE if rng.random() < LATE_MARK_RATE else Mark.ATTENDED for _ in dates
                    ]
                    outcome = Outcome.COMPLETED
                booking["outcome"] = outcome.value
                if outcome is Outcome.COMPLETED:
                    booking["completed_at"] = closed_at
                for (date_id, (_, date_ends)), value in zip(dates, values, strict=True):
                    marks.append(
                        {
                            "id": len(marks) + 1,
                            "booking_id": booking["id"],
                            "session_date_id": date_id,
                            "mark": value,
                            "minutes": None,
                            "source": MarkSource.REGISTER,
                            "marked_by_id": trainer_of.get(session["id"]),
                            "marked_at": min(date_ends + MARKED_AFTER, self.now),
                            "version": 1,
                        }
                    )
                if outcome is Outcome.NO_SHOW:
                    self._charge(booking, ChargeReason.NO_SHOW, rules, exempt, closed_at)
            for booking in self.late_cancelled.get(session["id"], []):
                self._charge(booking, ChargeReason.LATE_CANCELLATION, rules, exempt, closed_at)

    def _charge(self, booking: dict, reason: ChargeReason, rules, exempt, raised_at) -> None:
        amount = (
            rules.no_show_charge_pence
            if reason is ChargeReason.NO_SHOW
            else rules.late_cancellation_charge_pence
        )
        if amount <= 0 or exempt[booking["agency_id"]]:
            return
        charges = self.rows["charges"]
        old = raised_at < self.now - timedelta(days=90)
        waived = old and self.rng.random() < 0.05
        status = (
            ChargeStatus.WAIVED if waived else ChargeStatus.INVOICED if old else ChargeStatus.RAISED
        )
        decided = raised_at + timedelta(days=20) if waived else None
        charges.append(
            {
                "id": len(charges) + 1,
                "booking_id": booking["id"],
                "agency_id": booking["agency_id"],
                "reason": reason,
                "amount_pence": amount,
                "status": status,
                "raised_at": raised_at,
                "dispute_reason": None,
                "disputed_at": None,
                "disputed_by_id": None,
                "decided_at": decided,
                "decided_by_id": 1 if waived else None,
                "decision_reason": "Waived by the partnership" if waived else None,
            }
        )

    # Writing ----------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        tables = [
            ("agencies", Agency.__table__),
            ("domains", AgencyEmailDomain.__table__),
            ("users", User.__table__),
            ("roles", UserRole.__table__),
            ("memberships", AgencyMembership.__table__),
            ("themes", Theme.__table__),
            ("providers", Provider.__table__),
            ("venues", Venue.__table__),
            ("courses", Course.__table__),
            ("course_themes", course_themes),
            ("sessions", CourseSession.__table__),
            ("dates", SessionDate.__table__),
            ("session_trainers", session_trainers),
            ("bookings", Booking.__table__),
            ("marks", AttendanceMark.__table__),
            ("charges", NonAttendanceCharge.__table__),
            *elearning_scale.tables(course_themes),
        ]
        counts = {}
        for key, table in tables:
            rows = self.rows.get(key, [])
            elearning_scale.WRITERS.get(key, _insert)(table, rows)
            counts[table.name] = counts.get(table.name, 0) + len(rows)
        if db.session.get_bind().dialect.name == "postgresql":
            for _, table in tables:
                if "id" in table.c:
                    db.session.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                        )
                    )
        db.session.flush()
        return counts


def _booking(number: int, session: dict, person: _Person, at: datetime) -> dict:
    return {
        "id": number,
        "user_id": person.id,
        "session_id": session["id"],
        "agency_id": person.agency_at(at),
        "status": None,
        "booked_by_id": person.id,
        "created_at": at,
        "waitlisted_at": None,
        "confirmed_at": None,
        "pending_expires_at": None,
        "decided_by_id": None,
        "decided_at": None,
        "decision_reason": None,
        "cancelled_at": None,
        "cancelled_by_id": None,
        "cancellation_reason": None,
        "is_late_cancellation": False,
        "substitute_for_id": None,
        "reminder_sent_at": None,
        "completed_at": None,
        "sequence": 0,
        "outcome": None,
        "left_early_counts": None,
        "is_walk_in": False,
    }
