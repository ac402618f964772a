"""The rows `flask seed-scale` builds, table by table, and their bulk insert.

Each part of the history (`people`, `catalogue`, `sessions`, `bookings`, `attendance`, and
`lms.elearning.scale`) adds rows to a `Builder`'s tables with primary keys chosen there;
`Builder.write` inserts them all, in an order that satisfies their foreign keys.
"""

import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency, AgencyEmailDomain, AgencyMembership, User, UserRole
from lms.attendance.models import AttendanceMark, NonAttendanceCharge
from lms.bookings.models import Booking
from lms.catalogue.models import (
    Course,
    CourseSession,
    Provider,
    SessionDate,
    Theme,
    Venue,
    course_themes,
    session_trainers,
)
from lms.elearning import scale as elearning_scale
from lms.extensions import db

CHUNK = 5000


@dataclass
class Person:
    id: int
    agency_id: int
    # When they moved from their previous agency, if they did during the history.
    moved_at: datetime | None = None
    previous_agency_id: int | None = None

    def agency_at(self, moment: datetime) -> int:
        if self.moved_at is not None and moment < self.moved_at:
            return self.previous_agency_id
        return self.agency_id


def scaled(count: int, scale: float, minimum: int) -> int:
    return max(minimum, round(count * scale))


def insert(table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start : start + CHUNK])


class Builder:
    """The tables being built and what the later parts need from the earlier ones."""

    def __init__(self, rng: random.Random, *, now: datetime, history_start: datetime, scale):
        self.rng = rng
        self.now = now
        self.start = history_start
        self.scale = scale
        self.rows: dict[str, list[dict]] = {}
        self.agencies: list[dict] = []
        self.persons: list[Person] = []
        self.trainers: list[int] = []
        self.venue_capacity: dict[int, int] = {}
        self.courses: list[dict] = []
        self.plans: list[dict] = []  # one per session: its row, dates and bookings to make
        self.confirmed: dict[int, list[dict]] = {}  # session id -> confirmed booking rows
        self.late_cancelled: dict[int, list[dict]] = {}

    def table(self, name: str) -> list[dict]:
        return self.rows.setdefault(name, [])

    def write(self) -> dict[str, int]:
        """Insert every table's rows, those referred to first; returns the rows added per table."""
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
            elearning_scale.WRITERS.get(key, insert)(table, rows)
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
