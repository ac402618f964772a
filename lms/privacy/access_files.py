"""The subject access ZIP: one JSON and one CSV file per table holding something about the
person, a readable summary page (index.html) and README.txt saying what each file is and what
was withheld and why."""

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask import render_template

from lms.core.cells import safe_cell
from lms.core.timefmt import uk_datetime
from lms.extensions import db
from lms.privacy.registry import PERSONAL
from lms.privacy.subject_access import binary_columns, collect, exported_columns

# The summary page's sections, in plain words, and the tables shown in each. A table mapped in
# the registry but not named here is still exported, under "Other records".
SECTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("account", "Account and roles", ("users", "user_roles", "person_tags")),
    (
        "agencies",
        "Agency history",
        ("agency_memberships", "agency_move_requests", "agency_requests"),
    ),
    ("bookings", "Bookings and interest in courses", ("bookings", "place_offers", "interests")),
    ("attendance", "Attendance and sessions trained", ("attendance_marks", "session_trainers")),
    ("charges", "Non-attendance charges", ("non_attendance_charges",)),
    (
        "elearning",
        "E-learning completions and declared training",
        (
            "elearning_completions",
            "training_declarations",
            "unmatched_completions",
            "xapi_statements",
            "elearning_import_problems",
        ),
    ),
    (
        "evaluations",
        "Evaluations and follow-ups",
        ("feedback_responses", "feedback_answers", "feedback_outcomes", "pack_quotes"),
    ),
    ("certificates", "Certificates", ("certificates", "certificate_checks")),
    (
        "compliance",
        "Reminders about required training",
        ("compliance_chases", "compliance_due_notices"),
    ),
    (
        "messages",
        "Messages sent to the person or about them",
        ("outbox_messages", "outbox_attachments"),
    ),
    (
        "audit",
        "Audit events: what the person did, and changes to their account and records",
        ("audit_events",),
    ),
    (
        "security",
        "Sign-in records and tokens",
        (
            "email_tokens",
            "password_reset_tokens",
            "password_reset_requests",
            "sign_in_attempts",
            "personal_tokens",
        ),
    ),
    (
        "work",
        "Things the person uploaded or set up for the partnership",
        (
            "import_batches",
            "elearning_imports",
            "xapi_credentials",
            "question_sets",
            "certificate_batches",
            "partnership_logos",
            "report_snapshots",
            "providers",
        ),
    ),
]

OTHER = ("other", "Other records", ())


@dataclass
class Section:
    key: str
    title: str
    tables: list[tuple[str, list[str], list[dict]]]  # (table, columns, rows)

    @property
    def count(self) -> int:
        return sum(len(rows) for _, _, rows in self.tables)


def sections(held: dict[str, list[dict]]) -> list[Section]:
    """The held rows grouped by section, every section listed (empty ones too)."""
    named = {table for _, _, tables in SECTIONS for table in tables}
    others = tuple(table for table in PERSONAL if table not in named)
    result = []
    for key, title, tables in [*SECTIONS, (OTHER[0], OTHER[1], others)]:
        parts = [(table, exported_columns(table), held[table]) for table in tables if table in held]
        if key != OTHER[0] or parts:
            result.append(Section(key, title, parts))
    return result


def heading(column: str) -> str:
    return column.replace("_", " ").capitalize()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def table_csv(columns: list[str], rows: list[dict]) -> str:
    """Rows as CSV (with a byte order mark, so Excel reads it as UTF-8), every cell
    neutralised so a spreadsheet cannot run it as a formula."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_text(row.get(column))) for column in columns])
    return out.getvalue()


def readme(person: dict, held: dict[str, list[dict]], produced: datetime) -> str:
    """What each file is, and what was withheld and why."""
    lines = [
        f"Everything held about {person['name']} (user {person['id']}),",
        f"produced {uk_datetime(produced)} (UK time).",
        "",
        "index.html   a readable summary: open it in a web browser.",
        "README.txt   this file.",
        "json/*.json  the same records as JSON, one file per table, one object per row.",
        "csv/*.csv    the same records as CSV, for a spreadsheet. A cell that starts with",
        "             = + - @ or a tab has a ' put in front, so it cannot run as a formula.",
        "",
        "Times are in UTC, written as ISO 8601 (2026-11-30T09:30:00+00:00).",
        "On records you only acted on (something you did for or to someone else), or that only",
        "mention your email address, the other person's details are left out (blank).",
        "",
        "Files:",
    ]
    for table in PERSONAL:
        if table in held:
            lines.append(f"  json/{table}.json, csv/{table}.csv: {len(held[table])} row(s)")
    lines += ["", "Withheld, and why:"]
    for table, entry in PERSONAL.items():
        left_out = dict(entry.withheld)
        for column in sorted(binary_columns(db.metadata.tables[table]) - set(left_out)):
            left_out[column] = "file contents, which are not included"
        for column, reason in left_out.items():
            lines.append(f"  {table}.{column}: {reason}")
    return "\n".join(lines) + "\n"


def build_zip(person: dict, *, produced: datetime) -> tuple[bytes, dict[str, list[dict]]]:
    """The ZIP for one person (`person`: their users row, with id and name), and what it holds."""
    held = collect(person["id"])
    parts = sections(held)
    page = render_template(
        "privacy/export_index.html",
        person=person,
        produced=produced,
        sections=parts,
        heading=heading,
        text=_text,
    )
    out = io.BytesIO()
    stamp = produced.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def write(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        write("index.html", page)
        write("README.txt", readme(person, held, produced))
        for table, rows in held.items():
            columns = exported_columns(table)
            write(f"json/{table}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            write(f"csv/{table}.csv", table_csv(columns, rows))
    return out.getvalue(), held


def download_name(user_id: int, produced: datetime) -> str:
    return f"subject-access-{user_id}-{produced:%Y-%m-%d}.zip"
