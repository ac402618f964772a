"""Rows for the upgrade tests, put in with plain SQL at old migrations: every table of the first
migration, then the catalogue, bookings and attendance at 0004, then e-learning at 0009, with the
figures the reports must give for them counted by hand."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import sqlalchemy as sa

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
SESSION_START = datetime(2025, 6, 10, 8, 30, tzinfo=UTC)  # in financial year 2025-26


class Rows:
    """Rows put in with plain SQL at the revision the database is at; a NOT NULL column a row
    does not name gets a plain value of its type, and is remembered like the rest."""

    def __init__(self):
        self.kept: list[tuple[str, dict]] = []
        self.number = 0

    def add_all(self, connection, tables, table_name: str, columns: str, *rows: tuple) -> None:
        """Put in rows of `columns` (names separated by spaces) into the table."""
        for row in rows:
            self.add(connection, tables, table_name, **dict(zip(columns.split(), row, strict=True)))

    def add(self, connection, tables, table_name: str, /, **values) -> None:
        table = tables[table_name]
        for column in table.columns:
            if column.name in values or column.nullable or column.server_default is not None:
                continue
            if column.primary_key and column.autoincrement and len(table.primary_key) == 1:
                continue
            values[column.name] = self._filler(column)
        connection.execute(table.insert().values(**values))
        self.kept.append((table_name, values))

    def _filler(self, column: sa.Column):
        self.number += 1
        kind = column.type
        if isinstance(kind, sa.Boolean):
            return False
        if isinstance(kind, sa.DateTime):
            return T0 + timedelta(minutes=self.number)
        if isinstance(kind, sa.Date):
            return date(2025, 5, 1)
        if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
            return Decimal("1.5")
        if isinstance(kind, sa.Integer):
            return 1
        if isinstance(kind, sa.JSON):
            return {"n": self.number}
        if isinstance(kind, sa.LargeBinary):
            return f"bytes {self.number}".encode()
        if isinstance(kind, sa.String | sa.Text):
            return f"{column.name} {self.number}"[: kind.length or 100]
        raise AssertionError(f"no filler for {column.table.name}.{column.name} ({kind})")


def comparable(value):
    """A value as both databases give it back: datetimes as naive UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def fetch(connection, tables, name: str, values: dict):
    """The row as stored now, found by its primary key, with the columns given."""
    table = tables[name]
    key = [column.name for column in table.primary_key.columns]
    if not all(k in values for k in key):
        key = [c for c in values if c in table.columns]
    row = connection.execute(
        sa.select(*(table.c[c] for c in values)).where(*(table.c[k] == values[k] for k in key))
    ).one_or_none()
    return None if row is None else dict(row._mapping)


def missing_or_changed(rows: Rows, engine) -> list[str]:
    """Every kept row that is gone or holds other values, described."""
    problems = []
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    tables = metadata.tables
    with engine.connect() as connection:
        for name, values in rows.kept:
            if name not in tables:
                problems.append(f"table {name} is gone")
                continue
            stored = fetch(connection, tables, name, values)
            if stored is None:
                problems.append(f"{name}: row {values} is gone")
                continue
            for column, value in values.items():
                if comparable(stored[column]) != comparable(value):
                    problems.append(f"{name}.{column}: {value!r} became {stored[column]!r}")
    return problems


def fill_oldest(connection, tables, rows: Rows) -> None:
    """Every table of the first migration: agencies, people, roles, audit, mail, sign-ins."""
    add = partial(rows.add_all, connection, tables)
    add(
        "agencies",
        "id name sector is_statutory_partner is_active created_at updated_at",
        (1, "Riverside Council", "local_authority", True, True, T0, T0),
        (2, "Riverside NHS Trust", "health", True, True, T0, T0),
        (3, "Alder Road School", "education", False, True, T0, T0),
    )
    add("agency_email_domains", "id agency_id domain", (1, 2, "riverside.nhs.example"))
    people = [
        (1, "admin@riverside.gov.example", "Ada Admin", 1, ["admin"]),
        (2, "obrien@riverside.nhs.example", "Siobhán O'Brien", 2, ["practitioner"]),
        (3, "zoe@alderroad.sch.example", "Zoë 李", 3, ["practitioner", "coordinator"]),
        (4, "trainer@riverside.gov.example", "'; DROP TABLE users;--", 1, ["trainer"]),
        (5, "nurse@riverside.nhs.example", "Nia Nurse", 2, ["practitioner"]),
    ]
    for number, email, name, agency_id, roles in people:
        add(
            "users",
            "id email name job_title agency_id line_manager_email password_hash is_active "
            "session_token last_signed_in_at created_at updated_at",
            (number, email, name, "Health visitor", agency_id, "manager@riverside.nhs.example",
             "$argon2id$x", True, f"{number:064d}", T0 + timedelta(days=number), T0, T0),
        )  # fmt: skip
        add(
            "agency_memberships",
            "id user_id agency_id job_title started_at ended_at",
            (number, number, agency_id, "Health visitor", T0, None),
        )
        add("user_roles", "user_id role granted_at", *((number, role, T0) for role in roles))
    add(
        "audit_events",
        "id at actor_id actor_label action object_type object_id before after reason",
        (1, T0, 1, "Ada Admin", "agency.create", "agency", 3, None,
         {"name": "Alder Road School", "sector": "education"}, "New school"),
    )  # fmt: skip
    add(
        "outbox_messages",
        "id recipient user_id kind subject body_text body_html status attempts last_error "
        "created_at next_attempt_at sent_at",
        (1, "zoe@alderroad.sch.example", 3, "welcome", "Welcome", "Hello Zoë", "<p>Hi</p>",
         "sent", 1, None, T0, T0, T0 + timedelta(minutes=1)),
        (2, "obrien@riverside.nhs.example", 2, "reset", "Reset", "A link", None, "queued", 2,
         "SMTP down", T0, T0 + timedelta(hours=1), None),
    )  # fmt: skip
    add(
        "outbox_attachments",
        "id message_id filename content_type content",
        (1, 1, "invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n\x00\xff"),
    )
    add(
        "password_reset_tokens",
        "id user_id token_hash created_at expires_at used_at",
        (1, 2, "b" * 64, T0, T0 + timedelta(hours=1), None),
    )
    add(
        "sign_in_attempts",
        "id email attempted_at succeeded",
        (1, "obrien@riverside.nhs.example", T0, False),
    )
    missing = set(tables) - {name for name, _ in rows.kept} - {"alembic_version"}
    assert not missing, f"the oldest migration's tables {missing} got no rows"


def fill_middle(connection, tables, rows: Rows) -> None:
    """The catalogue, bookings and attendance: one session in 2025-26 whose figures are known."""
    add = partial(rows.add_all, connection, tables)
    end = SESSION_START + timedelta(hours=7)
    add("themes", "id name slug description is_active", (1, "Neglect", "neglect", "", True))
    add(
        "venues",
        "id name address postcode capacity accessibility_notes is_active created_at updated_at",
        (1, "Town Hall", "1 Town Hall Square", "E1 6AN", 30, "Step-free", True, T0, T0),
    )
    add(
        "courses",
        "id code title summary learning_outcomes level delivery_mode audience cpd_hours "
        "approval_required status created_at updated_at",
        (1, "SCP-101", "Neglect: seeing it", "Summary", "Spot it\nRefer it", 2, "classroom",
         "children", Decimal("3.5"), False, "published", T0, T0),
    )  # fmt: skip
    add("course_themes", "course_id theme_id", (1, 1))
    add(
        "course_sessions",
        "id course_id venue_id platform joining_instructions capacity places_taken status "
        "starts_at ends_at is_twilight sequence created_at updated_at",
        (1, 1, 1, None, "Sign in at reception", 20, 3, "completed", SESSION_START, end, False,
         0, T0, T0),
    )  # fmt: skip
    add("session_dates", "id session_id starts_at ends_at", (1, 1, SESSION_START, end))
    add("session_trainers", "session_id user_id", (1, 4))
    add(
        "partnership_settings",
        "id approval_hold_days auto_promotion_days offer_hours reminder_days "
        "no_show_charge_pence late_cancellation_charge_pence exempt_statutory_partners "
        "dispute_window_days repeat_no_show_threshold attendance_threshold_percent "
        "created_at updated_at",
        (1, 5, 3, 24, 3, 5000, 2500, False, 14, 3, 75, T0, T0),
    )
    add(
        "bookings",
        "id user_id session_id agency_id status outcome is_late_cancellation sequence "
        "created_at is_walk_in",
        (1, 2, 1, 2, "confirmed", "completed", False, 0, T0, False),
        (2, 5, 1, 2, "confirmed", "partial", False, 0, T0, False),
        (3, 3, 1, 3, "confirmed", "no_show", False, 0, T0, False),
        (4, 1, 1, 1, "cancelled", None, True, 0, T0, False),
    )
    add(
        "attendance_marks",
        "id booking_id session_date_id mark source marked_at version",
        (1, 1, 1, "attended", "register", end, 1),
        (2, 2, 1, "left_early", "register", end, 1),
        (3, 3, 1, "absent", "register", end, 1),
    )
    add(
        "non_attendance_charges",
        "id booking_id agency_id reason amount_pence status raised_at",
        (1, 3, 3, "no_show", 5000, "raised", end),
    )
    add("interests", "id user_id course_id agency_id created_at", (1, 2, 1, 2, T0))
    add(
        "personal_tokens",
        "id user_id kind token_hash label created_at",
        (1, 1, "api", "c" * 64, "PDL dashboard", T0),
    )
    add(
        "place_offers",
        "id booking_id session_id status offered_at expires_at",
        (1, 4, 1, "lapsed", T0, T0 + timedelta(hours=24)),
    )
    add(
        "import_batches",
        "id kind uploaded_at file_name sha256 rows added duplicates rejected",
        (1, "teams", end, "attendance.csv", "d" * 64, 3, 3, 0, 0),
    )


def fill_elearning(connection, tables, rows: Rows) -> None:
    """E-learning: a provider's module, completions in and out of 2025-26, an import and its
    problems, xAPI, the unmatched queue and a declaration."""
    add = partial(rows.add_all, connection, tables)
    add(
        "providers",
        "id name is_active created_at updated_at",
        (1, "Virtual College", True, T0, T0),
    )
    add(
        "courses",
        "id code title summary learning_outcomes level delivery_mode audience cpd_hours "
        "approval_required status created_at updated_at provider_id module_code activity_id",
        (2, "EL-1", "Online basics", "Summary", "Know it", 1, "elearning", "both",
         Decimal("1.0"), False, "published", T0, T0, 1, "VC-001",
         "https://elearning.example.org/activities/VC-001"),
    )  # fmt: skip
    add(
        "elearning_imports",
        "id provider_id file_name sha256 uploaded_at rows_read added already_held "
        "not_completed unmatched rejected",
        (1, 1, "june.csv", "e" * 64, T0, 4, 2, 0, 0, 1, 1),
    )
    add(
        "elearning_import_problems",
        "id import_id row_number value reason",
        (1, 1, 5, "31/02/2025", "Not a date"),
    )
    add(
        "xapi_credentials",
        "id provider_id key secret_hash label created_at",
        (1, 1, "k" * 32, "f" * 64, "LRS", T0),
    )
    add(
        "xapi_statements",
        "id statement_id credential_id verb object_id actor_email received_at outcome",
        (1, "6fa459ea-ee8a-3ca4-894e-db77e160355e", 1, "http://adlnet.gov/expapi/verbs/completed",
         "https://elearning.example.org/activities/VC-001", "zoe@alderroad.sch.example", T0,
         "recorded"),
    )  # fmt: skip
    add(
        "elearning_completions",
        "id user_id course_id agency_id completed_on expires_on score source import_id "
        "statement_id recorded_at",
        (1, 2, 2, 2, date(2025, 7, 1), date(2028, 7, 1), Decimal("87.50"), "import", 1, None, T0),
        (2, 3, 2, 3, date(2025, 8, 1), None, None, "xapi", None,
         "6fa459ea-ee8a-3ca4-894e-db77e160355e", T0),
        (3, 5, 2, 2, date(2024, 12, 1), None, None, "import", 1, None, T0),
    )  # fmt: skip
    add(
        "unmatched_completions",
        "id email name agency_text course_id completed_on source received_at status",
        (1, "someone@elsewhere.example", "Sam Else", "Elsewhere", 2, date(2025, 7, 2), "import",
         T0, "open"),
    )  # fmt: skip
    add(
        "training_declarations",
        "id user_id agency_id title provider_name completed_on hours evidence evidence_type "
        "evidence_name status submitted_at reason",
        (1, 5, 2, "Level 3 elsewhere", "Another LSCP", date(2025, 5, 20), Decimal("6.0"),
         b"%PDF-1.4 evidence", "application/pdf", "certificate.pdf", "pending", T0, ""),
    )  # fmt: skip


EXPECTED_ATTENDANCE = {  # by agency, hand-counted from fill_middle: a late cancellation is
    # booked, and a place wasted like a no-show
    "Riverside NHS Trust": {"booked": 2, "attended": 1, "partial": 1, "no_shows": 0,
                            "late_cancellations": 0, "places_wasted": 0},
    "Alder Road School": {"booked": 1, "attended": 0, "partial": 0, "no_shows": 1,
                          "late_cancellations": 0, "places_wasted": 1},
    "Riverside Council": {"booked": 1, "attended": 0, "partial": 0, "no_shows": 0,
                          "late_cancellations": 1, "places_wasted": 1},
}  # fmt: skip
