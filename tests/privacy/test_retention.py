"""The retention schedule: each kind of personal data goes once its period has passed and not a
minute before; running it twice changes nothing; the settings page keeps the periods in range;
the privacy notice states them."""

import sys
import types
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User, UserRole
from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.compliance.models import Chase
from lms.core.models import utcnow
from lms.elearning.models import (
    CompletionSource,
    ElearningImport,
    ImportProblem,
    TrainingDeclaration,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from lms.feedback import comments
from lms.feedback.models import Answer, Response
from lms.mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from lms.privacy import retention
from lms.settings import services as settings
from lms.settings.models import PartnershipSettings
from tests.conftest import Person, count, post_form, settings_form
from tests.feedback.comment_fixtures import add_answers

NOW = utcnow().replace(microsecond=0)
HOUR = timedelta(hours=1)


def cutoff(months: int):
    return retention.months_before(NOW, months)


def apply(app) -> dict:
    with app.app_context():
        return retention.apply(NOW)


def dump(app) -> dict:
    """Every row of every table, to show a second run changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(sa.select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def stub_erasure(monkeypatch) -> list:
    """Stand in for erase_person (marks the account erased); returns the calls made."""
    calls = []

    def erase_person(user_id, *, by, now, reason):
        calls.append((user_id, by, reason))
        changed = db.session.execute(
            sa.update(User)
            .where(User.id == user_id, User.erased_at.is_(None))
            .values(erased_at=now, name="Erased person")
        ).rowcount
        return changed == 1

    try:
        import lms.privacy.erasure as real
    except ImportError:
        module = types.ModuleType("lms.privacy.erasure")
        module.erase_person = erase_person
        monkeypatch.setitem(sys.modules, "lms.privacy.erasure", module)
    else:
        monkeypatch.setattr(real, "erase_person", erase_person)
    return calls


@pytest.fixture(autouse=True)
def erasures(monkeypatch):
    return stub_erasure(monkeypatch)


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert retention.months_before(NOW.replace(2026, 3, 31), 1).date() == date(2026, 2, 28)
    assert retention.months_before(NOW.replace(2026, 1, 15), 72).date() == date(2020, 1, 15)
    assert retention.months_in_words(72) == "6 years"
    assert retention.months_in_words(12) == "1 year"
    assert retention.months_in_words(18) == "18 months"
    assert retention.months_in_words(1) == "1 month"


# Inactive accounts ---------------------------------------------------------------------------


@pytest.fixture
def people(
    app,
    make_user,
    make_agency,
    make_course_session,
    make_completed_booking,
    make_module,
    make_completion,
):
    """Accounts just inside and just outside the 72 months, each active in one way."""
    old, recent = cutoff(72) - HOUR, cutoff(72) + HOUR
    made = {
        name: make_user(joined=old).id
        for name in (
            "idle",
            "signed_in_long_ago",
            "signed_in_lately",
            "booked_lately",
            "session_lately",
            "booked_long_ago",
            "completed_lately",
            "completed_long_ago",
            "declared_lately",
            "declared_long_ago",
            "inactive",
            "erased",
        )
    }
    made["joined_lately"] = make_user(joined=recent).id
    for role in (Role.ADMIN, Role.TRAINER, Role.PDL_VIEWER, Role.COORDINATOR):
        made[role.value] = make_user(joined=old, roles=(Role.PRACTITIONER, role)).id
    made["coordinator_elsewhere"] = make_user(joined=old, roles=(Role.COORDINATOR,)).id

    def booking(user_id, starts_at, created_at):
        session = make_course_session(dates=[(starts_at, starts_at + 7 * HOUR)])
        booking_id = make_completed_booking(user_id, session)
        with app.app_context():
            db.session.get(Booking, booking_id).created_at = created_at
            db.session.commit()

    booking(made["booked_lately"], old - HOUR, recent)
    booking(made["session_lately"], recent, old - HOUR)
    booking(made["booked_long_ago"], old - HOUR, old - HOUR)
    module = make_module()
    for name, day in (
        ("completed_lately", cutoff(72).date()),
        ("completed_long_ago", cutoff(72).date() - timedelta(days=1)),
    ):
        completion = make_completion(made[name], module, day)
        with app.app_context():
            db.session.execute(
                sa.text("UPDATE elearning_completions SET recorded_at = :at WHERE id = :id"),
                {"at": old, "id": completion},
            )
            db.session.commit()
    elsewhere = make_agency()
    with app.app_context():
        for name, at in (("declared_lately", recent), ("declared_long_ago", old)):
            user = db.session.get(User, made[name])
            db.session.add(
                TrainingDeclaration(
                    user_id=user.id,
                    agency_id=user.agency_id,
                    title="Outside course",
                    completed_on=old.date(),
                    hours=Decimal("3.0"),
                    evidence=b"%PDF-1.4",
                    evidence_type="application/pdf",
                    evidence_name="certificate.pdf",
                    submitted_at=at,
                )
            )
        db.session.get(User, made["signed_in_long_ago"]).last_signed_in_at = old
        db.session.get(User, made["signed_in_lately"]).last_signed_in_at = recent
        db.session.get(User, made["inactive"]).is_active = False
        db.session.get(User, made["erased"]).erased_at = old
        # A coordinator who moved: the grant no longer counts (it was for the old agency).
        db.session.get(User, made["coordinator_elsewhere"]).agency_id = elsewhere
        db.session.commit()
    return made


ERASED = {
    "idle",
    "signed_in_long_ago",
    "booked_long_ago",
    "completed_long_ago",
    "declared_long_ago",
    "inactive",
    "coordinator_elsewhere",
}


def test_accounts_inactive_for_the_period_are_erased_and_no_others(app, people, erasures):
    result = apply(app)["inactive accounts erased"]
    names = {user_id: name for name, user_id in people.items()}
    assert {names[user_id] for user_id, _by, _reason in erasures} == ERASED
    assert result == len(ERASED)
    assert {by for _user_id, by, _reason in erasures} == {None}
    assert {reason for *_, reason in erasures} == {"No activity for 72 months (retention schedule)"}
    with app.app_context():
        erased = set(db.session.scalars(sa.select(User.id).where(User.erased_at == NOW)))
        admins = db.session.scalar(
            sa.select(sa.func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN)
        )
    assert erased == {people[name] for name in ERASED}
    assert admins == 1  # the only administrator, idle for years, is kept


def test_a_longer_period_spares_them(app, people, erasures):
    with app.app_context():
        settings.current().retention_inactive_months = 240
        db.session.commit()
    assert apply(app)["inactive accounts erased"] == 0
    assert erasures == []


# Outbox --------------------------------------------------------------------------------------


def message(status, *, sent_at=None, next_attempt_at=None, attempts=1, user_id=None) -> int:
    row = OutboxMessage(
        recipient="person@example.org",
        user_id=user_id,
        kind="test",
        subject="Your booking",
        body_text="Dear Person",
        status=status,
        attempts=attempts,
        created_at=NOW - timedelta(days=400),
        next_attempt_at=next_attempt_at or NOW - timedelta(days=400),
        sent_at=sent_at,
    )
    row.attachments = [
        OutboxAttachment(filename="a.ics", content_type="text/calendar", content=b"BEGIN")
    ]
    db.session.add(row)
    db.session.flush()
    return row.id


@pytest.fixture
def outbox(app, make_user, make_requirement):
    person = make_user()
    requirement = make_requirement()
    days = timedelta(days=90)
    with app.app_context():
        made = {
            "sent_long_ago": message(MessageStatus.SENT, sent_at=NOW - days - HOUR),
            "sent_lately": message(MessageStatus.SENT, sent_at=NOW - days + HOUR),
            "failed_long_ago": message(MessageStatus.FAILED, next_attempt_at=NOW - days - HOUR),
            "failed_lately": message(MessageStatus.FAILED, next_attempt_at=NOW - days + HOUR),
            "retrying": message(MessageStatus.QUEUED, attempts=3),
            "queued": message(MessageStatus.QUEUED, attempts=0),
        }
        db.session.add(
            Chase(user_id=person.id, requirement_id=requirement, message_id=made["sent_long_ago"])
        )
        db.session.commit()
    return made


def test_messages_sent_or_given_up_on_before_the_period_are_deleted(app, outbox):
    assert apply(app)["sent messages deleted"] == 2
    with app.app_context():
        left = set(db.session.scalars(sa.select(OutboxMessage.id)))
        attachments = set(db.session.scalars(sa.select(OutboxAttachment.message_id)))
        chase = db.session.scalar(sa.select(Chase))
    kept = {outbox[name] for name in ("sent_lately", "failed_lately", "retrying", "queued")}
    assert left == kept and attachments == kept
    assert chase is not None and chase.message_id is None  # the chase and its date stay


def test_the_chase_page_copes_with_a_deleted_message(app, client, login, make_user, outbox):
    from lms.core.timefmt import uk_date

    with app.app_context():
        chase = db.session.scalar(sa.select(Chase))
        person = db.session.get(User, chase.user_id)
        agency_id, name, chased_on = person.agency_id, person.name, uk_date(chase.chased_at)
    apply(app)
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency_id))
    response = client.get("/agency/compliance")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert name in html and chased_on in html  # still shown as chased, on the same day


# Evaluation comments -------------------------------------------------------------------------


@pytest.fixture
def answered(app, make_user, make_completed_booking, make_response):
    person = make_user()
    made = {}
    for name, at in (("long_ago", cutoff(36) - HOUR), ("lately", cutoff(36) + HOUR)):
        response = make_response(
            "after",
            booking_id=make_completed_booking(person.id),
            answered_at=at,
            rating=4,
            quote_consent=True,
        )
        with app.app_context():
            texts = {"will_change": f"Quote {name}", "comments": f"Comment {name}"}
            made[name] = (response, add_answers(response, "after", texts))
            db.session.commit()
    return made


def test_comments_given_before_the_period_are_removed_and_ratings_stay(app, answered):
    from lms.reports import pack
    from lms.reports.models import PackQuote

    with app.app_context():
        for _response, texts in answered.values():
            db.session.add(PackQuote(year="2020-21", answer_id=texts[min(texts)]))
        db.session.commit()
        assert len(pack.chosen_quotes("2020-21")) == 2
        ratings = dict(db.session.execute(sa.select(Response.id, Response.rating)).all())
        answers = count(app, Answer)
    assert apply(app)["evaluation comments removed"] == 2
    with app.app_context():
        rows = {row.id: row for row in db.session.scalars(sa.select(Answer))}
        old_ids = set(answered["long_ago"][1].values())
        assert all(rows[i].text is None and rows[i].redacted_at == NOW for i in old_ids)
        assert all(rows[i].redacted_by_id is None for i in old_ids)
        assert {rows[i].text for i in answered["lately"][1].values()} == {
            "Quote lately",
            "Comment lately",
        }
        assert dict(db.session.execute(sa.select(Response.id, Response.rating)).all()) == ratings
        quotes = [answer.text for answer in db.session.scalars(comments.quotes(comments.Chosen()))]
        assert sorted(quotes) == ["Comment lately", "Quote lately"]
        assert [quote["text"] for quote in pack.chosen_quotes("2020-21")] == ["Comment lately"]
        assert comments.removed_text(rows[min(old_ids)]).endswith(
            "not kept beyond the retention period"
        )
    assert count(app, Answer) == answers


def test_the_comments_page_says_why_a_comment_went(app, client, login, make_user, answered):
    apply(app)
    login(make_user(roles=(Role.ADMIN,)))
    html = client.get("/evaluation/comments").get_data(as_text=True)
    assert "not kept beyond the retention period" in html
    assert "Comment lately" in html and "Comment long_ago" not in html


# E-learning rows that matched nobody -----------------------------------------------------------


@pytest.fixture
def unmatched(app, make_module, make_provider):
    module = make_module()
    old, recent = cutoff(12) - HOUR, cutoff(12) + HOUR
    providers = [make_provider() for _ in range(4)]
    with app.app_context():
        imports = {}
        for name, at, imported in (
            ("never_imported_long_ago", old, None),
            ("never_imported_lately", recent, None),
            ("imported_long_ago", old, old),
            ("imported_lately", recent, recent),
        ):
            batch = ElearningImport(
                provider_id=providers.pop(),
                file_name="completions.csv",
                sha256="0" * 64,
                content=b"email,module\nnobody@example.org,MOD001\n",
                uploaded_at=at,
                imported_at=imported,
            )
            db.session.add(batch)
            db.session.flush()
            if imported:
                batch.content = None
                db.session.add(
                    ImportProblem(
                        import_id=batch.id,
                        row_number=2,
                        value="nobody@example.org",
                        reason="No account",
                    )
                )
            imports[name] = batch.id
        rows = {}
        for number, (name, status, at) in enumerate(
            (
                ("open_long_ago", UnmatchedStatus.OPEN, old),
                ("dismissed_long_ago", UnmatchedStatus.DISMISSED, old),
                ("matched_long_ago", UnmatchedStatus.MATCHED, old),
                ("open_lately", UnmatchedStatus.OPEN, recent),
                ("dismissed_lately", UnmatchedStatus.DISMISSED, recent),
            )
        ):
            row = UnmatchedCompletion(
                email=f"nobody{number}@example.org",
                name="No Body",
                course_id=module,
                completed_on=at.date(),
                source=CompletionSource.IMPORT,
                received_at=at,
                status=status,
            )
            db.session.add(row)
            db.session.flush()
            rows[name] = row.id
        db.session.commit()
    return imports, rows


def test_unmatched_rows_error_reports_and_unimported_files_go_after_the_period(app, unmatched):
    imports, rows = unmatched
    results = apply(app)
    assert results["unmatched e-learning rows deleted"] == 2
    assert results["e-learning import error rows deleted"] == 1
    assert results["e-learning files never imported cleared"] == 1
    with app.app_context():
        left = set(db.session.scalars(sa.select(UnmatchedCompletion.id)))
        problems = set(db.session.scalars(sa.select(ImportProblem.import_id)))
        kept_files = set(
            db.session.scalars(
                sa.select(ElearningImport.id).where(ElearningImport.content.is_not(None))
            )
        )
        batches = count(app, ElearningImport)
    assert left == {rows[n] for n in ("matched_long_ago", "open_lately", "dismissed_lately")}
    assert problems == {imports["imported_lately"]}
    assert kept_files == {imports["never_imported_lately"]}
    assert batches == 4  # the imports and their counts stay


def test_a_file_no_longer_kept_asks_to_be_uploaded_again(app, client, login, make_user, unmatched):
    imports, _rows = unmatched
    apply(app)
    login(make_user(roles=(Role.ADMIN,)))
    path = f"/admin/elearning/imports/{imports['never_imported_long_ago']}/preview"
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert "This file is no longer kept: upload it again." in response.get_data(as_text=True)


# Audit events --------------------------------------------------------------------------------


@pytest.fixture
def events(app):
    old, recent = cutoff(84) - HOUR, cutoff(84) + HOUR
    made = {}
    with app.app_context():
        for name, action, at in (
            ("updated_long_ago", "user.updated", old),
            ("updated_lately", "user.updated", recent),
            ("charge_long_ago", "charge.raised", old),
            ("attendance_long_ago", "attendance.changed", old),
            ("register_long_ago", "session.register_final", old),
            ("created_long_ago", "user.created", old),
            ("erased_long_ago", "privacy.person_erased", old),
        ):
            event = AuditEvent(
                at=at, actor_label="system", action=action, object_type="User", object_id=1
            )
            db.session.add(event)
            db.session.flush()
            made[name] = event.id
        db.session.commit()
    return made


def test_audit_events_older_than_the_period_go_except_the_attendance_trail(app, events):
    assert apply(app)["audit events deleted"] == 2
    with app.app_context():
        left = set(db.session.scalars(sa.select(AuditEvent.id)))
    gone = {events["updated_long_ago"], events["charge_long_ago"]}
    assert left >= set(events.values()) - gone and not left & gone


# Every kind at once: counted, audited once a step, and a second run changes nothing ----------


def test_a_second_run_changes_nothing(
    app, client, login, people, erasures, outbox, answered, unmatched, events
):
    first = apply(app)
    assert all(first.values()), first
    with app.app_context():
        audited = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.after).where(
                AuditEvent.action.startswith("retention.")
            )
        ).all()
    assert len(audited) == len(first)  # one event per step that changed something
    assert sorted(after["count"] for _action, after in audited) == sorted(first.values())
    before = dump(app)
    second = apply(app)
    assert set(second.values()) == {0}
    assert dump(app) == before
    with app.app_context():
        admin = db.session.scalar(sa.select(User).join(UserRole).where(UserRole.role == Role.ADMIN))
        login(Person(admin.id, admin.email, admin.name, admin.agency_id))
    history = client.get("/admin/settings").get_data(as_text=True)
    assert "messages deleted by system (Sent more than 90 days ago" in history


def test_run_jobs_applies_the_schedule(app, events):
    from lms.cli import run_jobs

    with app.app_context():
        results = run_jobs()
    assert results["audit events deleted"] == 2
    assert "inactive accounts erased" in results and "sent messages deleted" in results


def test_with_the_real_erasure(app, make_user, monkeypatch):
    monkeypatch.undo()  # no stand-in: the erasure the schedule will really call
    pytest.importorskip("lms.privacy.erasure")
    person = make_user("idle.person@example.org", name="Ida Idle", joined=cutoff(72) - HOUR)
    kept = make_user(joined=cutoff(72) + HOUR)
    assert apply(app)["inactive accounts erased"] == 1
    with app.app_context():
        erased = db.session.get(User, person.id)
        assert erased.erased_at is not None
        assert "Ida Idle" not in erased.name and "idle.person" not in erased.email
        assert db.session.get(User, kept.id).erased_at is None
    before = dump(app)
    assert apply(app)["inactive accounts erased"] == 0
    assert dump(app) == before


# The settings page and the privacy notice ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("retention_outbox_days", 6, "The number of days sent messages are kept must be from 7"),
        (
            "retention_inactive_months",
            241,
            "The number of months without activity after which an account is erased must be "
            "from 12 to 240",
        ),
        ("retention_audit_months", 11, "The number of months audit events are kept must be from"),
        ("retention_comment_months", 0, "comments in evaluations are kept must be from 1 to 240"),
        ("retention_unmatched_months", 121, "matched nobody are kept must be from 1 to 120"),
        ("retention_outbox_days", "", "Enter a number of days"),
        ("retention_comment_months", "three", "Not a valid integer value"),
    ],
)
def test_an_out_of_range_period_is_refused_and_nothing_saved(
    app, client, login, make_user, field, value, message
):
    login(make_user(roles=(Role.ADMIN,)))
    # A good change alongside the bad one is not saved either.
    form = settings_form(retention_outbox_days=30) | {field: str(value)}
    response = post_form(client, "/admin/settings", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    with app.app_context():
        row = db.session.get(PartnershipSettings, 1)
        assert row is None or (row.retention_outbox_days, getattr(row, field)) == (
            90,
            PartnershipSettings.__table__.c[field].default.arg,
        )


def test_periods_are_saved_and_the_privacy_notice_states_them(app, client, login, make_user):
    assert "We delete the messages we send you" in client.get("/privacy").get_data(as_text=True)
    assert count(app, PartnershipSettings) == 0  # reading the notice writes nothing
    login(make_user(roles=(Role.ADMIN,)))
    values = {
        "retention_inactive_months": 96,
        "retention_outbox_days": 30,
        "retention_comment_months": 18,
        "retention_unmatched_months": 1,
        "retention_audit_months": 120,
    }
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Retention of personal data" in page
    response = post_form(client, "/admin/settings", settings_form(**values))
    assert response.status_code == 302
    with app.app_context():
        row = settings.current()
        assert {name: getattr(row, name) for name in values} == values
    html = client.get("/privacy").get_data(as_text=True)
    for words in (
        "30 days after sending them",
        "for 8 years, we erase your account",
        "evaluations 18 months after you gave them",
        "we delete it 1 month after it arrived",
        "for 10 years. Changes to attendance registers",
        "Download your data",
        "administrator",
    ):
        assert words in html, words


def test_the_privacy_notice_states_the_defaults(client):
    html = client.get("/privacy").get_data(as_text=True)
    for words in (
        "90 days after sending them",
        "for 6 years, we erase your account",
        "evaluations 3 years after you gave them",
        "we delete it 1 year after it arrived",
        "for 7 years. Changes",
    ):
        assert words in html, words
