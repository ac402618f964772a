"""Erasure on the hand-counted histories (tests/annual/conftest.py and the reports' history it
builds on; tests/reports/impact_history.py): every figure the same afterwards, the name and
address nowhere, certificates revoked, sign-in refused, the audit trail kept under the
pseudonym, and a second erasure changes nothing. On both databases."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.auth import authenticate, send_requested_resets
from lms.accounts.models import (
    PasswordResetRequest,
    PasswordResetToken,
    Role,
    User,
)
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.compliance import status
from lms.core.models import utcnow
from lms.elearning.models import (
    ElearningImport,
    TrainingDeclaration,
)
from lms.extensions import db
from lms.feedback.models import Answer, Response
from lms.mail.models import OutboxMessage
from lms.mail.services import queue_message
from lms.privacy.erasure import erase_person, kept_title
from lms.privacy.erasure_map import ERASURE, erased_email, erased_name
from lms.privacy.registry import PERSONAL
from lms.reports import periods
from tests.annual.conftest import NOW, annual_year  # noqa: F401
from tests.certificates.record_history import (
    PERSON,
    training_record,  # noqa: F401
)
from tests.conftest import post_form
from tests.privacy.erasure_copies import NEW_NAME, copies
from tests.privacy.erasure_helpers import dump, figures, found_anywhere
from tests.reports.conftest import history  # noqa: F401
from tests.reports.impact_history import impact_history  # noqa: F401

YEAR = periods.financial_year(2025)
ERASED_AT = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # in the year 2026-27 the figures show


def _admin(app, make_user, agency_id):
    return make_user(name="Admin A", roles=(Role.ADMIN,), agency_id=agency_id)


def _erase(app, user_ids, by_id=None, reason="Asked to be forgotten") -> list[bool]:
    with app.app_context():
        by = db.session.get(User, by_id) if by_id else None
        done = [erase_person(i, by=by, now=ERASED_AT, reason=reason) for i in user_ids]
        db.session.commit()
        return done


def test_every_table_of_the_registry_says_what_erasure_does_to_it():
    assert set(ERASURE) == set(PERSONAL)
    assert all(ERASURE.values())


def test_a_job_title_keeps_only_the_requirement_words_it_contained():
    words = ["health visitor", "nurse", "school nurse", "social worker"]
    assert kept_title("Senior social worker, Team B", words) == "social worker"
    assert kept_title("Lead School Nurse (Alder Road)", words) == "school nurse"
    assert kept_title("Health visitor and nurse", words) == "health visitor; nurse"
    assert kept_title("Receptionist at Hope Church", words) == ""


def test_every_figure_is_the_same_after_three_counted_people_are_erased(
    app,
    annual_year,  # noqa: F811
    make_user,
    make_requirement,
):
    people = annual_year.history.people
    council = annual_year.history.agencies["council"]
    # A requirement by job title: P2's identifying title must keep it applying after erasure.
    make_requirement("Health visitors", satisfied_by="level", level=2, job_titles=["visitor"])
    with app.app_context():
        p2 = db.session.get(User, people["P2"].id)
        p2.job_title = "Senior Health Visitor, Riverside North team"
        for membership in p2.memberships:
            membership.job_title = p2.job_title
        db.session.get(User, people["P1"].id).job_title = "Designated safeguarding lead"
        db.session.commit()
    admin = _admin(app, make_user, council)
    before = figures(app, now=NOW, year=YEAR, agency_id=council)

    # P1: moved agency, a certificate, evaluations with a quote; P2: a no-show charged, an
    # attendance, e-learning; P7: a no-show charge disputed, a late interest.
    erased = [people[key].id for key in ("P1", "P2", "P7")]
    assert _erase(app, erased, admin.id) == [True, True, True]

    after = figures(app, now=NOW, year=YEAR, agency_id=council)
    assert after.keys() == before.keys()
    assert [key for key in before if before[key] != after[key]] == []
    with app.app_context():
        p2 = db.session.get(User, people["P2"].id)
        assert p2.job_title == "visitor"
        assert {m.job_title for m in p2.memberships} == {"visitor"}
        assert db.session.get(User, people["P1"].id).job_title == ""


def test_afterwards_the_name_and_address_appear_nowhere_and_a_second_erasure_changes_nothing(
    app,
    annual_year,  # noqa: F811
    make_user,
    make_provider,
    client,
):
    history = annual_year.history  # noqa: F811
    people = history.people
    admin = _admin(app, make_user, history.agencies["council"])
    copies(app, history, admin.id, make_provider())
    erased = {key: people[key] for key in ("P1", "P2", "P7")}
    names = [person.name for person in erased.values()] + [NEW_NAME]
    emails = [person.email for person in erased.values()]
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        answers = db.session.scalar(sa.select(sa.func.count()).select_from(Answer))
    assert found_anywhere(app, names=names, emails=emails) != []  # the search finds them

    assert _erase(app, [p.id for p in erased.values()], admin.id, f"{NEW_NAME} asked") == [True] * 3

    assert found_anywhere(app, names=names, emails=emails) == []
    with app.app_context():
        for person in erased.values():
            user = db.session.get(User, person.id)
            assert (user.name, user.email) == (
                erased_name(user.id),
                erased_email(user.id),
            )
            assert (
                user.erased_at == ERASED_AT and user.is_active and user.line_manager_email is None
            )
        # Certificates revoked; the audit trail kept, what P2 did shown under the pseudonym.
        p1_certificates = db.session.scalars(
            sa.select(Certificate).where(Certificate.user_id == people["P1"].id)
        ).all()
        assert p1_certificates and all(c.revoked_at == ERASED_AT for c in p1_certificates)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events + 3
        acted = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "booking.noted"))
        assert acted.actor_id == people["P2"].id
        assert acted.actor_label == erased_name(people["P2"].id)
        assert acted.reason == f"Asked by {erased_name(people['P7'].id)}"
        erasures = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "person.erased")
        ).all()
        assert {e.object_id for e in erasures} == {p.id for p in erased.values()}
        # Free text detached, answers kept; messages to them gone; P2's declaration kept blank.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == answers
        p1_answers = db.session.scalars(
            sa.select(Answer).join(Response).where(Response.user_id == people["P1"].id)
        ).all()
        assert all(a.text is None for a in p1_answers)
        assert any(a.redacted_at == ERASED_AT for a in p1_answers)
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.user_id == people["P2"].id)
            )
            == 0
        )
        declaration = db.session.scalar(sa.select(TrainingDeclaration))
        assert (declaration.title, declaration.evidence) == (
            "Training outside the partnership",
            b"",
        )
        applied = db.session.scalar(
            sa.select(ElearningImport).where(ElearningImport.imported_at.is_not(None))
        )
        assert applied.content is None
        # No mail is ever queued to them.
        p2 = db.session.get(User, people["P2"].id)
        queue_message(
            recipient=p2.email, user=p2, kind="account_exists", subject="x", context={"user": p2}
        )
        db.session.commit()
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == p2.email)
            )
            == 0
        )
        # Sign-in refused, as for an unknown address, by the old address or the placeholder's.
        for address in (erased["P2"].email, p2.email):
            assert (
                authenticate(
                    address,
                    erased["P2"].password,
                    now=NOW,
                    max_failures=10,
                    window=timedelta(minutes=5),
                )
                is None
            )

    tables = dump(app)
    assert _erase(app, [p.id for p in erased.values()], admin.id) == [False] * 3
    assert dump(app) == tables


def test_an_erased_person_cannot_sign_in_or_ask_for_a_new_password(app, client, make_user, caplog):
    person = make_user(name="Sam Signin")
    _erase(app, [person.id])
    caplog.set_level("INFO", logger="lms")
    with app.app_context():
        placeholder = erased_email(person.id)
        for address in (person.email, placeholder):
            assert (
                authenticate(
                    address, person.password, now=NOW, max_failures=10, window=timedelta(minutes=5)
                )
                is None
            )
        assert [
            r.getMessage().split(" from ")[0] for r in caplog.records if "sign-in" in r.getMessage()
        ] == ["sign-in failed: unknown email"] * 2
        db.session.add(PasswordResetRequest(email=placeholder, requested_at=NOW))
        db.session.commit()
        sent = send_requested_resets(now=NOW, valid_for=timedelta(hours=1), link_for=str)
        db.session.commit()
        assert sent == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0
    response = post_form(client, "/sign-in", {"email": person.email, "password": person.password})
    unknown = post_form(client, "/sign-in", {"email": "nobody@example.org", "password": "x" * 12})
    assert response.status_code == unknown.status_code == 200


def _page(client, user_id):
    return f"/admin/users/{user_id}/erase"


def test_the_page_erases_only_after_the_address_is_typed_and_a_reason_given(
    app, client, make_user, login
):
    admin = make_user(name="Admin A", roles=(Role.ADMIN,))
    person = make_user(name="Robin Tester", email="robin@example.org")
    login(admin)
    page = client.get(_page(client, person.id))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Robin Tester" in text and "robin@example.org" in text and "cannot be undone" in text
    assert "What happens to each kind of record" in text and "&lt;dl" not in text
    for data in (
        {"confirm_email": "robin@example.org", "reason": ""},
        {"confirm_email": "someone@example.org", "reason": "Asked"},
        {"confirm_email": "", "reason": "Asked"},
    ):
        refused = post_form(client, _page(client, person.id), data)
        assert refused.status_code == 200
        assert "govuk-error-summary" in refused.get_data(as_text=True)
        with app.app_context():
            user = db.session.get(User, person.id)
            assert (user.name, user.erased_at) == ("Robin Tester", None)

    done = post_form(
        client, _page(client, person.id), {"confirm_email": "ROBIN@example.org ", "reason": "Asked"}
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/admin/users/{person.id}")
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Erased person {person.id}" in shown and "govuk-notification-banner--success" in shown
    assert 'id="erased-note"' in shown
    with app.app_context():
        assert db.session.get(User, person.id).erased_at is not None
    tables = dump(app)
    again = client.get(_page(client, person.id))
    assert "was erased on" in again.get_data(as_text=True)
    post_again = post_form(
        client,
        _page(client, person.id),
        {"confirm_email": erased_email(person.id), "reason": "Again"},
        token_from=f"/admin/users/{admin.id}",
    )
    assert post_again.status_code == 302
    assert "erased already" in client.get(post_again.headers["Location"]).get_data(as_text=True)
    assert dump(app) == tables


def test_only_an_administrator_erases(app, client, make_user, login):
    coordinator = make_user(roles=(Role.COORDINATOR,))
    person = make_user(agency_id=coordinator.agency_id)
    login(coordinator)
    assert client.get(_page(client, person.id)).status_code == 403
    refused = post_form(
        client,
        _page(client, person.id),
        {"confirm_email": person.email, "reason": "Asked"},
        token_from="/account",
    )
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(User, person.id).erased_at is None


def test_the_impact_figures_are_the_same_after_people_who_answered_are_erased(
    app,
    impact_history,  # noqa: F811
):
    agency = impact_history.agencies["A"]
    # The annual year's test recounts every report; here the impact report (with every option),
    # the e-learning reports and the pack.
    chosen = {"impact", "elearning-by-agency", "elearning-by-module"}
    before = figures(app, now=NOW, year=YEAR, agency_id=agency, reports=chosen)
    # u1: two courses, answers before, after, at follow-up and from the manager; u12: e-learning
    # evaluated; u8: a comment kept and a comment removed.
    people = impact_history.people
    erased = [people[key].id for key in ("u1", "u12", "u8")]
    assert _erase(app, erased, impact_history.admin.id) == [True, True, True]
    after = figures(app, now=NOW, year=YEAR, agency_id=agency, reports=chosen)
    assert [key for key in before if before[key] != after[key]] == []
    with app.app_context():
        texts = db.session.scalars(
            sa.select(Answer.text).join(Response).where(Response.user_id.in_(erased))
        ).all()
        assert texts and set(texts) == {None}


@pytest.fixture
def record(training_record):  # noqa: F811
    return training_record


def test_a_training_record_with_declarations_and_a_certificate_counts_the_same_once_erased(
    app, client, record, make_requirement
):
    """tests/certificates/record_history.py: "Zoë 李 O'Brien", a certificate, courses,
    e-learning, outside training verified (its hours count), pending and rejected declarations."""
    make_requirement(
        "Hours", satisfied_by="hours", hours=10, within_years=5, outside_training_counts=True
    )
    make_requirement("Level 3", satisfied_by="level", level=3, renew_months=36)
    today = utcnow().date()

    def counted():
        with app.app_context():
            mine = status.for_person(
                db.session.get(User, record.person.id), today=today, due_months=3
            )
            return [
                (s.rule.name, s.state.value, s.valid_until, s.hours_done, len(s.evidence))
                for s in mine
            ]

    chosen = {"certificates-by-agency", "compliance-by-agency", "elearning-by-agency"}
    before = (counted(), figures(app, now=NOW, year=YEAR, agency_id=record.agency, reports=chosen))
    with app.app_context():
        code = db.session.scalar(sa.select(Certificate.code))
    assert _erase(app, [record.person.id]) == [True]
    after = (counted(), figures(app, now=NOW, year=YEAR, agency_id=record.agency, reports=chosen))
    assert after == before
    # 6 + 3 + 1.5 + 2 hours of courses and modules, and 2.5 of verified outside training.
    assert [row[3] for row in before[0]] == [Decimal("15.0"), None]
    assert found_anywhere(app, names=[PERSON], emails=[record.person.email]) == []
    with app.app_context():
        titles = db.session.scalars(sa.select(TrainingDeclaration.title)).all()
        assert set(titles) <= {"", "Training outside the partnership"}
    shown = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in shown
    assert f"Erased person {record.person.id}" in shown


def test_a_namesake_keeps_their_name_in_what_is_theirs(app, make_user):
    erased, namesake = make_user(name="Alex Morgan"), make_user(name="alex morgan")
    with app.app_context():
        other = db.session.get(User, namesake.id)
        db.session.add_all(
            [
                OutboxMessage(
                    recipient=who.email,
                    user_id=who.id,
                    kind="notice",
                    subject="Your place",
                    body_text=f"Dear Alex Morgan, copy to {erased.email}",
                )
                for who in (erased, namesake)
            ]
        )
        audit.record("user.updated", other, actor=other, after={"name": "alex morgan"})
        db.session.commit()
    _erase(app, [erased.id])
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.user_id == namesake.id
        assert message.body_text == f"Dear Alex Morgan, copy to {erased_email(erased.id)}"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.actor_id == namesake.id))
        assert (event.actor_label, event.after) == (
            f"alex morgan (user {namesake.id})",
            {"name": "alex morgan"},
        )
        assert db.session.get(User, namesake.id).name == "alex morgan"


@pytest.mark.parametrize("editor_role", [Role.ADMIN, Role.COORDINATOR])
def test_an_erased_person_s_account_only_changes_whether_they_still_work_here(
    app, client, make_user, login, editor_role
):
    """Their details are gone for good: the pages show no details to fill in, and posting some
    changes nothing, but an admin or their coordinator can still mark that they have left."""
    editor = make_user(name="Editor E", roles=(editor_role,))
    person = make_user(name="Robin Tester", agency_id=editor.agency_id)
    _erase(app, [person.id])
    login(editor)
    page = (
        f"/admin/users/{person.id}" if editor_role is Role.ADMIN else f"/agency/staff/{person.id}"
    )
    shown = client.get(page).get_data(as_text=True)
    assert f"Erased person {person.id}" in shown
    assert 'name="job_title"' not in shown and 'name="is_active"' in shown
    done = post_form(client, page, {"name": "Robin Tester", "job_title": "Lead", "is_active": ""})
    assert done.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert (user.name, user.is_active) == (erased_name(person.id), False)
        assert user.job_title != "Lead"
    post_form(client, page, {"is_active": "y"})
    with app.app_context():
        assert db.session.get(User, person.id).is_active is True
