"""Subject access: one ZIP of everything held about a person, found by walking the map of
personal data, and nothing about anyone else.

One person, Ada, has something of every kind (built once for the module): bookings with marks
and a charge, a booking she made for a colleague, an e-learning completion, a declaration, an
evaluation with answers and outcomes, a certificate, a role tag, a chase, messages, audit events
both ways, an agency move, and a colleague, Bartholomew, whose account names her as his line
manager. Bartholomew's name, address and free text must appear nowhere in Ada's ZIP.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.accounts.models import Role, User
from lms.audit import services as audit
from lms.bookings.models import Booking
from lms.extensions import db
from lms.privacy import access_files
from lms.privacy.registry import AUDIT_OBJECT, PERSONAL
from lms.privacy.subject_access import collect
from tests.conftest import app_config, post_form

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ADA_EMAIL = "ada.okafor@council.example"
BART = {
    "name": "Bartholomew Quince",
    "email": "bart.quince@council.example",
    "texts": [
        "Quince private decision reason",
        "Quince declared workshop",
        "Quince evaluation remark",
        "Quince sign-in",
    ],
}
ADA_FORMULA = "=HYPERLINK(1) the toolkit helped"
ADA_SCRIPT = '"><img onerror=alert(1)> <script>alert(2)</script>'


@pytest.fixture(scope="module")
def app(shared_database, tmp_path_factory):
    """One app and database for the module, so Ada's history is built once; emptied after."""
    app = create_app(app_config(shared_database, tmp_path_factory.mktemp("access")))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@dataclass
class World:
    ada: int
    bart: int
    agency: int
    admin: int
    admin_email: str
    ada_password_hash: str
    ada_session_token: str


def put(table_name: str, /, **values) -> int:
    """A row straight into a table; returns its id."""
    table = db.metadata.tables[table_name]
    return db.session.execute(sa.insert(table).values(**values)).inserted_primary_key[0]


@pytest.fixture
def world(
    app,
    make_agency,
    make_user,
    make_completed_booking,
    make_course_session,
    make_module,
    make_completion,
    make_response,
    make_certificate,
    make_role_tag,
    tag_person,
    make_requirement,
):
    if "world" in app.extensions:
        return app.extensions["world"]
    council, trust = make_agency("Riverside Council"), make_agency("Riverside NHS Trust")
    admin = make_user(
        "grace.admin@council.example", name="Grace Admin", roles=(Role.ADMIN,), agency_id=council
    )
    ada = make_user(ADA_EMAIL, name="Ada Okafor", agency_id=trust, job_title="Health visitor")
    bart = make_user(BART["email"], name=BART["name"], agency_id=council)

    kept = make_completed_booking(ada.id)
    no_show = make_completed_booking(ada.id, completed=False)
    for_bart = make_completed_booking(bart.id)
    module = make_module("Safeguarding basics")
    completion = make_completion(ada.id, module, date(2026, 3, 1))
    response = make_response("after", booking_id=kept, rating=5, knowledge_before=3, knowledge=8)
    bart_response = make_response("after", booking_id=for_bart, rating=2)
    manager = make_response("manager", booking_id=for_bart, respondent_email=ADA_EMAIL)
    certificate = make_certificate(ada.id, booking_id=kept)
    tag = make_role_tag()
    tag_person(ada.id, tag, set_by_id=admin.id)
    requirement = make_requirement(course_ids=(module,))
    trained = make_course_session(trainer_ids=(ada.id,))
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(sa.select(User))}
        users[bart.id].line_manager_email = ADA_EMAIL
        users[ada.id].memberships[0].started_at = NOW - timedelta(days=400)
        put(
            "agency_memberships",
            user_id=ada.id,
            agency_id=council,
            job_title="Social worker",
            started_at=NOW - timedelta(days=900),
            ended_at=NOW - timedelta(days=400),
        )
        put(
            "agency_move_requests",
            user_id=ada.id,
            from_agency_id=council,
            to_agency_id=trust,
            job_title="Health visitor",
            status="approved",
            decided_by_id=admin.id,
            decided_at=NOW - timedelta(days=400),
        )
        # The booking Ada made for Bartholomew, and her mark on his register.
        db.session.execute(
            sa.update(db.metadata.tables["bookings"])
            .where(db.metadata.tables["bookings"].c.id == for_bart)
            .values(booked_by_id=ada.id, decision_reason=BART["texts"][0])
        )
        bookings = db.metadata.tables["bookings"]
        for booking in (kept, for_bart):
            session_id = db.session.scalar(
                sa.select(bookings.c.session_id).where(bookings.c.id == booking)
            )
            day = db.session.scalar(
                sa.select(db.metadata.tables["session_dates"].c.id).where(
                    db.metadata.tables["session_dates"].c.session_id == session_id
                )
            )
            put(
                "attendance_marks",
                booking_id=booking,
                session_date_id=day,
                mark="attended",
                source="register",
                marked_by_id=ada.id if booking == for_bart else admin.id,
            )
        put(
            "non_attendance_charges",
            booking_id=no_show,
            agency_id=trust,
            reason="no_show",
            amount_pence=5000,
            status="disputed",
            dispute_reason="I was ill that day",
            disputed_by_id=ada.id,
        )
        put("interests", user_id=ada.id, course_id=module, agency_id=trust)
        for who, title in ((ada.id, "Ada's conference day"), (bart.id, BART["texts"][1])):
            put(
                "training_declarations",
                user_id=who,
                agency_id=trust,
                title=title,
                provider_name="Partners",
                completed_on=date(2026, 2, 2),
                hours=Decimal("3.5"),
                evidence=b"%PDF-1.4 evidence",
                evidence_type="application/pdf",
                evidence_name="evidence.pdf",
                status="verified",
            )
        question = db.session.scalar(
            sa.select(db.metadata.tables["questions"].c.id).order_by(sa.text("id")).limit(1)
        )
        put("feedback_answers", response_id=response, question_id=question, text=ADA_FORMULA)
        put(
            "feedback_answers",
            response_id=bart_response,
            question_id=question,
            text=BART["texts"][2],
        )
        put(
            "feedback_outcomes",
            response_id=response,
            position=1,
            outcome=ADA_SCRIPT,
            met="yes",
        )
        put("certificate_checks", certificate_id=certificate, method="code")
        message = put(
            "outbox_messages",
            recipient=ADA_EMAIL,
            user_id=ada.id,
            kind="compliance_chase",
            subject="Your safeguarding training is due",
            body_text="Please book a place.",
            status="sent",
        )
        put(
            "outbox_attachments",
            message_id=message,
            filename="certificate.pdf",
            content_type="application/pdf",
            content=b"%PDF-1.4 certificate",
        )
        # Ada as Bartholomew's line manager: asked about his training, and her answer.
        put(
            "outbox_messages",
            recipient=ADA_EMAIL,
            user_id=bart.id,
            kind="feedback_manager",
            subject=f"How has {BART['name']}'s practice changed?",
            body_text=f"{BART['name']} went on a course. Tell us how it went.",
            status="sent",
        )
        put("feedback_answers", response_id=manager, question_id=question, text="Quince improved")
        put(
            "compliance_chases",
            user_id=ada.id,
            requirement_id=requirement,
            chased_by_id=admin.id,
            message_id=message,
        )
        put(
            "compliance_due_notices",
            user_id=ada.id,
            requirement_id=requirement,
            valid_until=date(2027, 3, 1),
        )
        put("sign_in_attempts", email="Ada.Okafor@Council.example", succeeded=True)
        put("sign_in_attempts", email=BART["email"], succeeded=False)
        put("password_reset_requests", email=ADA_EMAIL)
        put("personal_tokens", user_id=ada.id, kind="calendar", token_hash="f" * 64)
        put("password_reset_tokens", user_id=ada.id, token_hash="e" * 64, expires_at=NOW)
        put(
            "email_tokens",
            user_id=ada.id,
            purpose="confirm_account",
            email=ADA_EMAIL,
            token_hash="d" * 64,
            expires_at=NOW,
        )
        put(
            "unmatched_completions",
            email=ADA_EMAIL.upper(),
            course_id=module,
            completed_on=date(2026, 1, 5),
            source="import",
            name="Ada O",
        )
        # Audit events both ways: changes to Ada's account and her booking, and Ada changing
        # Bartholomew's account; a change to his booking is nothing to do with her.
        audit.record(
            "booking.confirmed_by_admin",
            db.session.get(Booking, kept),
            actor=users[admin.id],
            after={"status": "confirmed"},
            reason="Ada's place confirmed",
        )
        audit.record(
            "booking.confirmed_by_admin",
            db.session.get(Booking, for_bart),
            actor=users[admin.id],
            reason="Quince place confirmed",
        )
        audit.record(
            "user.updated",
            users[ada.id],
            actor=users[admin.id],
            after={"job_title": "Health visitor"},
        )
        audit.record(
            "user.updated",
            users[bart.id],
            actor=users[ada.id],
            before={"name": BART["name"], "email": BART["email"]},
            reason=BART["texts"][3],
        )
        db.session.commit()
        world = World(
            ada=ada.id,
            bart=bart.id,
            agency=trust,
            admin=admin.id,
            admin_email=admin.email,
            ada_password_hash=users[ada.id].password_hash,
            ada_session_token=users[ada.id].session_token,
        )
        assert trained and completion
    app.extensions["world"] = world
    return world


def export(app, user_id: int) -> zipfile.ZipFile:
    with app.test_request_context():
        content, _ = access_files.build_zip({"id": user_id, "name": "Someone"}, produced=NOW)
    return zipfile.ZipFile(io.BytesIO(content))


def texts(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def tables_in(archive: zipfile.ZipFile) -> set[str]:
    return {
        name.removeprefix("json/").removesuffix(".json")
        for name in archive.namelist()
        if name.startswith("json/")
    }


EVERY_KIND = {
    "users",
    "user_roles",
    "agency_memberships",
    "agency_move_requests",
    "bookings",
    "attendance_marks",
    "non_attendance_charges",
    "interests",
    "session_trainers",
    "elearning_completions",
    "training_declarations",
    "unmatched_completions",
    "feedback_responses",
    "feedback_answers",
    "feedback_outcomes",
    "certificates",
    "certificate_checks",
    "person_tags",
    "compliance_chases",
    "compliance_due_notices",
    "outbox_messages",
    "outbox_attachments",
    "audit_events",
    "sign_in_attempts",
    "password_reset_requests",
    "personal_tokens",
    "password_reset_tokens",
    "email_tokens",
}


def test_every_kind_held_about_the_person_is_in_the_zip(app, world):
    archive = export(app, world.ada)
    assert archive.testzip() is None
    assert tables_in(archive) >= EVERY_KIND
    for table in tables_in(archive):
        assert f"csv/{table}.csv" in archive.namelist()
    assert {"index.html", "README.txt"} <= set(archive.namelist())


def _theirs(name: str, row: dict, user_id: int) -> bool:
    """A row of the ZIP surely about the person: a subject column holds their id."""
    return any(row.get(column) == user_id for column in PERSONAL[name].subject)


def _rows_naming(name: str, user_id: int, email: str, held: dict[str, list[dict]]) -> int:
    """Rows of a table naming the person, counted straight from the database: a subject or
    actor column with their id, an email column with their address, the audit trail's object,
    or a via column pointing to a row of the ZIP with their id as its subject."""
    entry, table = PERSONAL[name], db.metadata.tables[name]
    conditions = [table.c[c] == user_id for c in entry.subject + entry.actor]
    conditions += [sa.func.lower(table.c[c]) == email for c in entry.email]
    for column in entry.via:
        (key,) = table.c[column].foreign_keys
        parent = key.column.table.name
        ids = [row["id"] for row in held.get(parent, []) if _theirs(parent, row, user_id)]
        conditions.append(table.c[column].in_(ids))
    audit_table, type_column, kind, id_column = AUDIT_OBJECT
    if name == audit_table:
        conditions.append(
            sa.and_(sa.func.lower(table.c[type_column]) == kind, table.c[id_column] == user_id)
        )
    return db.session.scalar(sa.select(sa.func.count()).where(sa.or_(*conditions)))


def test_no_table_of_the_map_with_rows_about_the_person_is_missing(app, world):
    archive = export(app, world.ada)
    held = {table: json.loads(archive.read(f"json/{table}.json")) for table in tables_in(archive)}
    with app.app_context():
        found = {name: _rows_naming(name, world.ada, ADA_EMAIL, held) for name in PERSONAL}
    assert {name for name, count in found.items() if count} == set(held)
    for name, count in found.items():
        assert len(held.get(name, [])) >= count, name


def test_nobody_elses_name_address_or_free_text_is_in_the_zip(app, world):
    archive = export(app, world.ada)
    for name, text in texts(archive).items():
        for secret in [BART["name"], BART["email"], "Quince", *BART["texts"]]:
            assert secret.lower() not in text.lower(), (name, secret)
    # What Ada did for him is there, without him in it.
    with app.app_context():
        held = collect(world.ada)
    made = [
        row
        for row in held["bookings"]
        if row["booked_by_id"] == world.ada and row["user_id"] != world.ada
    ]
    assert made == [made[0]] and made[0]["user_id"] is None and made[0]["decision_reason"] is None
    his_account = [row for row in held["users"] if row["line_manager_email"] == ADA_EMAIL]
    assert his_account and his_account[0]["name"] is None and his_account[0]["id"] is None


def test_the_colleague_asking_for_his_own_data_gets_it(app, world):
    everything = "\n".join(texts(export(app, world.bart)).values())
    assert BART["email"] in everything and BART["texts"][1] in everything
    assert ADA_FORMULA not in everything and "Ada's conference day" not in everything


def test_secrets_and_files_are_withheld_and_said_so(app, world):
    archive = export(app, world.ada)
    everything = "\n".join(texts(archive).values())
    assert world.ada_password_hash not in everything
    assert world.ada_session_token not in everything
    assert "f" * 64 not in everything and "e" * 64 not in everything
    assert "%PDF" not in everything
    users = json.loads(archive.read("json/users.json"))
    ada = next(row for row in users if row["id"] == world.ada)
    assert "password_hash" not in ada and "session_token" not in ada
    assert ada["email"] == ADA_EMAIL and ada["name"] == "Ada Okafor"
    tokens = json.loads(archive.read("json/personal_tokens.json"))
    assert tokens and all("token_hash" not in row for row in tokens)
    readme = archive.read("README.txt").decode()
    assert "users.password_hash: a secret" in readme
    assert "training_declarations.evidence: file contents" in readme


def test_values_are_json_safe(app, world):
    archive = export(app, world.ada)
    declarations = json.loads(archive.read("json/training_declarations.json"))
    assert declarations[0]["hours"] == "3.5"
    assert declarations[0]["completed_on"] == "2026-02-02"
    assert declarations[0]["status"] == "verified"
    assert "evidence" not in declarations[0]
    events = json.loads(archive.read("json/audit_events.json"))
    assert all(event["at"].endswith("+00:00") for event in events)


def test_audit_events_on_the_person_and_on_their_rows_are_given(app, world):
    events = json.loads(export(app, world.ada).read("json/audit_events.json"))
    on_her = {
        (e["action"], e["object_type"], e["reason"]) for e in events if e["actor_id"] != world.ada
    }
    assert on_her >= {
        ("user.updated", "User", None),
        ("booking.confirmed_by_admin", "Booking", "Ada's place confirmed"),
    }
    by_her = [e for e in events if e["actor_id"] == world.ada and e["object_type"] == "User"]
    assert [(e["object_id"], e["before"], e["reason"]) for e in by_her] == [(None, None, None)]


def test_csv_cells_cannot_run_as_formulas(app, world):
    archive = export(app, world.ada)
    content = archive.read("csv/feedback_answers.csv").decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
    assert [row["text"] for row in rows] == ["'" + ADA_FORMULA]
    answers = json.loads(archive.read("json/feedback_answers.json"))
    assert [row["text"] for row in answers] == [ADA_FORMULA]


def test_the_summary_page_is_readable_and_escaped(app, world):
    with app.app_context():
        db.session.execute(
            sa.update(db.metadata.tables["interests"])
            .where(db.metadata.tables["interests"].c.user_id == world.ada)
            .values(notified_at=NOW)
        )
        db.session.commit()
    page = export(app, world.ada).read("index.html").decode()
    assert '<h2 id="bookings">Bookings and interest in courses</h2>' in page
    assert "Non-attendance charges" in page and "I was ill that day" in page
    assert (
        "Messages sent to the person or about them" in page
        and "Your safeguarding training is due" in page
    )
    assert "Ada&#39;s conference day" in page
    assert "&lt;script&gt;alert(2)" in page and "&lt;img onerror" in page
    assert "<script" not in page and "<img" not in page and "<link" not in page


def test_every_table_of_the_map_has_a_place_on_the_summary_page():
    named = [table for _, _, tables in access_files.SECTIONS for table in tables]
    assert sorted(named) == sorted(set(named)) == sorted(PERSONAL)


def test_a_person_with_only_an_account_still_gets_a_valid_zip(app, world, make_user):
    alone = make_user("only.account@council.example", name="Only Account", agency_id=world.agency)
    archive = export(app, alone.id)
    assert archive.testzip() is None
    assert tables_in(archive) == {"users", "user_roles", "agency_memberships"}
    assert json.loads(archive.read("json/users.json"))[0]["email"] == "only.account@council.example"
    assert "Nothing held." in archive.read("index.html").decode()


# Routes ----------------------------------------------------------------------------------------


def _downloads(app, asked_by: int, about: int) -> int:
    events = db.metadata.tables["audit_events"]
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                events.c.action == "privacy.subject_access_download",
                events.c.actor_id == asked_by,
                events.c.object_type == "User",
                events.c.object_id == about,
            )
        )


def test_an_admin_downloads_a_persons_data_and_it_is_audited(app, world, client, login):
    login(_person(app, world.admin))
    page = client.get(f"/admin/users/{world.ada}/data")
    assert page.status_code == 200
    assert "Download everything held about Ada Okafor" in page.get_data(as_text=True)
    assert f'href="/admin/users/{world.ada}/data"' in client.get(
        f"/admin/users/{world.ada}"
    ).get_data(as_text=True)
    before = _downloads(app, world.admin, world.ada)
    response = post_form(client, f"/admin/users/{world.ada}/data", {})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f"subject-access-{world.ada}-" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert tables_in(archive) >= EVERY_KIND
    assert _downloads(app, world.admin, world.ada) == before + 1


def test_a_person_downloads_their_own_data_and_it_is_audited(app, world, client, login):
    login(_person(app, world.ada))
    assert 'href="/account/data"' in client.get("/account").get_data(as_text=True)
    assert client.get("/account/data").status_code == 200
    response = post_form(client, "/account/data", {})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    users = json.loads(archive.read("json/users.json"))
    assert any(row["email"] == ADA_EMAIL for row in users)
    assert _downloads(app, world.ada, world.ada) == 1


@pytest.mark.parametrize("roles", [(Role.PRACTITIONER,), (Role.COORDINATOR,), (Role.PDL_VIEWER,)])
def test_nobody_else_gets_another_persons_data(app, world, client, login, make_user, roles):
    other = make_user(
        f"{roles[0].value}.other@council.example",
        roles=roles,
        name="Other Person",
        agency_id=world.agency,
    )
    login(other)
    assert client.get(f"/admin/users/{world.ada}/data").status_code == 403
    response = post_form(client, f"/admin/users/{world.ada}/data", {}, token_from="/account/data")
    assert response.status_code == 403
    assert _downloads(app, other.id, world.ada) == 0


def test_signed_out_people_are_sent_to_sign_in_and_a_post_needs_its_token(app, world, client):
    assert client.get("/account/data").status_code == 302
    assert client.post("/account/data").status_code in (302, 400)
    assert client.post(f"/admin/users/{world.ada}/data").status_code in (302, 400)


def test_an_unknown_person_is_not_found(app, world, client, login):
    login(_person(app, world.admin))
    assert client.get("/admin/users/99999999/data").status_code == 404


def _person(app, user_id: int):
    from tests.conftest import Person

    with app.app_context():
        user = db.session.get(User, user_id)
        return Person(user.id, user.email, user.name, user.agency_id)
