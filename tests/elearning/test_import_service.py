"""The import rules: what each row becomes, counts that add up, nothing twice, undo, and one
transaction however far the import got."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, User
from lms.audit.models import AuditEvent
from lms.catalogue.models import Provider
from lms.elearning import batches, importing, mapping
from lms.elearning.models import (
    Completion,
    CompletionSource,
    ElearningImport,
    ImportProblem,
    UnmatchedCompletion,
)
from lms.elearning.readers import open_table
from lms.extensions import db
from tests.conftest import count
from tests.elearning import import_fixtures
from tests.elearning.import_fixtures import MAPPING, csv_bytes

ROWS = [
    ["amina@example.org", "Amina Patel", "SG1", "03/02/2026", "Completed", "85", "Riverside"],
    [" AMINA@Example.org ", "Amina Patel", "safeguarding children level 2", "2026-02-03", "passed"],
    ["amina@example.org", "Amina Patel", "SG1", "03/02/2026 16:00", "Completed"],
    ["newcomer@example.org", "Kwame Mensah", "SG1", "04/02/26", "Completed", "", "Youth Trust"],
    ["zoe@example.org", "Zoë Brown", "SG1", "", "In Progress"],
    ["zoe@example.org", "Zoë Brown", "SG1", "", "Not Started"],
    ["zoe.example.org", "Zoë Brown", "SG1", "03/02/2026", "Completed"],
    ["zoe@example.org", "Zoë Brown", "SG9", "03/02/2026", "Completed"],
    ["zoe@example.org", "Zoë Brown", "SG1", "03/02/2099", "Completed"],
    ["zoe@example.org", "Zoë Brown", "SG1", "soon", "Completed"],
    ["zoe@example.org", "Zoë Brown", "SG1", "03/02/2026", "Completed", "150"],
]

provider = import_fixtures.provider


def import_file(app, provider_id, data, *, by_id, chunk_rows=None) -> dict:
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        by = db.session.get(User, by_id)
        batch = batches.upload(provider, data, "export.csv", by=by)
        db.session.commit()
        table = batches.table_of(batch)
        chosen = mapping.checked(provider.import_mapping, table.headings)
        importing.run(batch, table, chosen, by=by, chunk_rows=chunk_rows)
        db.session.commit()
        return {name: getattr(batch, name) for name in ("id", "rows_read", *importing.OUTCOMES)}


def test_each_row_becomes_what_it_should_and_the_counts_add_up(app, provider):
    counts = import_file(app, provider["id"], csv_bytes(ROWS), by_id=provider["amina"].id)
    assert counts | {"id": 0} == {
        "id": 0,
        "rows_read": 11,
        "added": 2,
        "already_held": 1,
        "not_completed": 2,
        "unmatched": 1,
        "rejected": 5,
    }
    with app.app_context():
        held = db.session.scalars(sa.select(Completion).order_by(Completion.course_id)).all()
        assert [(c.user_id, c.course_id, c.completed_on) for c in held] == [
            (provider["amina"].id, provider["level1"], date(2026, 2, 3)),
            (provider["amina"].id, provider["level2"], date(2026, 2, 3)),
        ]
        assert held[0].agency_id == provider["agency"] and held[0].score == Decimal("85.00")
        assert held[0].expires_on == date(2029, 2, 3) and held[1].expires_on is None
        assert held[0].source is CompletionSource.IMPORT and held[0].import_id == counts["id"]
        waiting = db.session.scalars(sa.select(UnmatchedCompletion)).one()
        assert (waiting.email, waiting.name, waiting.agency_text) == (
            "newcomer@example.org",
            "Kwame Mensah",
            "Youth Trust",
        )
        problems = db.session.execute(
            sa.select(ImportProblem.row_number, ImportProblem.value, ImportProblem.reason).order_by(
                ImportProblem.row_number
            )
        ).all()
    assert [(number, value) for number, value, _ in problems] == [
        (5, "newcomer@example.org"),
        (8, "zoe.example.org"),
        (9, "SG9"),
        (10, "03/02/2099"),
        (11, "soon"),
        (12, "150"),
    ]
    reasons = [reason for *_, reason in problems]
    assert "unmatched queue" in reasons[0] and "not an email address" in reasons[1]
    assert "No e-learning module" in reasons[2] and "in the future" in reasons[3]
    assert "can be read" in reasons[4] and "from 0 to 100" in reasons[5]


def test_the_agency_recorded_is_the_one_on_the_day(app, provider, make_agency):
    earlier = make_agency("Old Trust")
    with app.app_context():
        from datetime import UTC, datetime

        membership = db.session.scalars(
            sa.select(AgencyMembership).where(AgencyMembership.user_id == provider["zoe"].id)
        ).one()
        membership.started_at = datetime(2026, 3, 1, tzinfo=UTC)
        db.session.add(
            AgencyMembership(
                user_id=provider["zoe"].id,
                agency_id=earlier,
                job_title="Nurse",
                started_at=datetime(2025, 1, 1, tzinfo=UTC),
                ended_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    rows = [
        ["zoe@example.org", "Zoë", "SG1", "03/02/2026", "Completed"],
        ["zoe@example.org", "Zoë", "SG1", "03/04/2026", "Completed"],
    ]
    import_file(app, provider["id"], csv_bytes(rows), by_id=provider["amina"].id)
    with app.app_context():
        agencies = db.session.scalars(
            sa.select(Completion.agency_id).order_by(Completion.completed_on)
        ).all()
    assert agencies == [earlier, provider["agency"]]


def test_importing_the_same_file_again_adds_nothing(app, provider):
    data = csv_bytes(ROWS)
    import_file(app, provider["id"], data, by_id=provider["amina"].id)
    again = import_file(app, provider["id"], data, by_id=provider["amina"].id, chunk_rows=2)
    assert (again["added"], again["already_held"], again["unmatched"]) == (0, 3, 1)
    assert again["rows_read"] == 11
    assert count(app, Completion) == 2
    assert count(app, UnmatchedCompletion) == 1


def test_rows_repeated_across_chunks_are_held_once(app, provider):
    row = ["amina@example.org", "Amina", "SG1", "03/02/2026", "Completed"]
    counts = import_file(
        app, provider["id"], csv_bytes([row] * 7), by_id=provider["amina"].id, chunk_rows=3
    )
    assert (counts["added"], counts["already_held"]) == (1, 6)
    assert count(app, Completion) == 1


def test_undo_withdraws_the_batch_and_a_second_undo_changes_nothing(app, provider):
    first = import_file(app, provider["id"], csv_bytes(ROWS), by_id=provider["amina"].id)
    with app.app_context():
        batch = db.session.get(ElearningImport, first["id"])
        admin = db.session.get(User, provider["amina"].id)
        assert batches.undo(batch, by=admin) == 2
        db.session.commit()
        assert batches.undo(batch, by=admin) == 0
        db.session.commit()
        assert batch.undone_at is not None and batch.undone_by_id == admin.id
        events = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "ElearningImport")
        ).all()
    assert sorted(events) == ["elearning.import_undone", "elearning.imported"]
    assert count(app, Completion, Completion.withdrawn_at.is_(None)) == 0
    assert count(app, UnmatchedCompletion) == 0
    again = import_file(app, provider["id"], csv_bytes(ROWS), by_id=provider["amina"].id)
    assert (again["added"], again["unmatched"]) == (2, 1)
    assert count(app, Completion, Completion.withdrawn_at.is_(None)) == 2


class DiskFull:
    """The database itself refusing every completion of one person (a trigger that raises),
    so an import fails on that row however the rows are inserted."""

    def __init__(self, app):
        self.app = app
        self.installed = False

    def _run(self, *statements: str) -> None:
        with self.app.app_context(), db.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)

    def _sqlite(self) -> bool:
        with self.app.app_context():
            return db.engine.dialect.name == "sqlite"

    def on(self, user_id: int) -> None:
        if self._sqlite():
            self._run(
                "CREATE TRIGGER test_disk_full BEFORE INSERT ON elearning_completions "
                f"WHEN NEW.user_id = {int(user_id)} "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
        else:
            self._run(
                "CREATE FUNCTION test_disk_full() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.user_id = {int(user_id)} THEN RAISE EXCEPTION 'the disk is full'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER test_disk_full BEFORE INSERT ON elearning_completions "
                "FOR EACH ROW EXECUTE FUNCTION test_disk_full()",
            )
        self.installed = True

    def off(self) -> None:
        if not self.installed:
            return
        if self._sqlite():
            self._run("DROP TRIGGER test_disk_full")
        else:
            self._run(
                "DROP TRIGGER test_disk_full ON elearning_completions",
                "DROP FUNCTION test_disk_full()",
            )
        self.installed = False


@pytest.fixture
def disk_full(app):
    failure = DiskFull(app)
    yield failure
    failure.off()


def test_a_failure_half_way_commits_nothing_and_the_file_imports_again(
    app, provider, make_user, disk_full
):
    people = [make_user(f"person{n}@example.org") for n in range(8)]
    rows = [[person.email, "Someone", "SG1", "03/02/2026", "Completed"] for person in people]
    data = csv_bytes(rows)
    disk_full.on(people[4].id)  # row 6 of the file, in the third chunk of two rows
    with app.app_context():
        provider_row = db.session.get(Provider, provider["id"])
        admin = db.session.get(User, provider["amina"].id)
        batch = batches.upload(provider_row, data, "export.csv", by=admin)
        db.session.commit()
        batch_id = batch.id
        table = batches.table_of(batch)
        with pytest.raises(Exception, match="the disk is full"):
            importing.run(batch, table, MAPPING, by=admin, chunk_rows=2)
        db.session.rollback()
    assert count(app, Completion) == 0
    assert count(app, ImportProblem) == 0
    disk_full.off()
    with app.app_context():
        batch = db.session.get(ElearningImport, batch_id)
        assert batch.imported_at is None and batch.rows_read == 0 and batch.content == data
        importing.run(batch, batches.table_of(batch), MAPPING, by=None, chunk_rows=5)
        db.session.commit()
        assert (batch.rows_read, batch.added) == (8, 8)
    assert count(app, Completion) == 8


def test_a_database_check_keeps_the_counts_adding_up(app, provider):
    with app.app_context():
        batch = ElearningImport(
            provider_id=provider["id"], file_name="x.csv", sha256="0" * 64, rows_read=3, added=2
        )
        db.session.add(batch)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_an_archived_module_still_matches_its_code(app, provider):
    from lms.catalogue.models import Course, CourseStatus

    with app.app_context():
        db.session.get(Course, provider["level1"]).status = CourseStatus.ARCHIVED
        db.session.commit()
    rows = [["amina@example.org", "Amina", "SG1", "03/02/2026", "Completed"]]
    assert (
        import_file(app, provider["id"], csv_bytes(rows), by_id=provider["amina"].id)["added"] == 1
    )


def test_a_module_of_another_provider_or_a_classroom_course_is_unknown(
    app, provider, make_module, make_course
):
    from lms.catalogue.models import Course

    make_module("Elsewhere", module_code="OTHER1")
    classroom = make_course("Face to face course", mode="classroom")
    with app.app_context():
        db.session.get(Course, classroom).provider_id = provider["id"]
        db.session.commit()
    rows = [
        ["amina@example.org", "Amina", "OTHER1", "03/02/2026", "Completed"],
        ["amina@example.org", "Amina", "Face to face course", "03/02/2026", "Completed"],
    ]
    counts = import_file(app, provider["id"], csv_bytes(rows), by_id=provider["amina"].id)
    assert (counts["rejected"], counts["added"]) == (2, 0)


def test_a_preview_changes_nothing_and_names_each_persons_agency(app, provider):
    first = [["amina@example.org", "Amina", "SG1", "03/02/2026", "Completed"]]
    import_file(app, provider["id"], csv_bytes(first), by_id=provider["amina"].id)
    rows = first + [["zoe@example.org", "Zoë", "SG2", "04/02/2026", "Passed"]]
    with app.app_context():
        provider_row = db.session.get(Provider, provider["id"])
        table = open_table(csv_bytes(rows))
        preview = importing.preview(provider_row, table, MAPPING)
        shown = importing.people_shown(preview)
    assert [row.outcome for row in preview] == ["already_held", "added"]
    assert shown[provider["amina"].id] == ("Amina Patel", "Riverside Health")
    assert shown[provider["zoe"].id] == ("Zoë Brown", "Riverside Health")
    assert count(app, Completion) == 1
