"""Checking declared training: admins see every agency's, a coordinator their agency's; the
evidence is served as a download to those who may see it; verifying a module's declaration
records a completion once; rejecting needs a reason; nobody checks their own."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.audit.models import AuditEvent
from lms.core.models import utcnow
from lms.elearning import declaration_lists, declarations
from lms.elearning.models import (
    Completion,
    CompletionSource,
    DeclarationStatus,
    TrainingDeclaration,
)
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import count, post_form

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture
def make_declaration(app):
    """A pending declaration of a person: of a module when given, else outside training."""

    def make(user_id, agency_id, *, course_id=None, title="Safer recruitment", **values) -> int:
        with app.app_context():
            declaration = TrainingDeclaration(
                user_id=user_id,
                agency_id=agency_id,
                course_id=course_id,
                title="" if course_id else title,
                provider_name="" if course_id else "NSPCC",
                completed_on=values.pop("completed_on", date(2026, 3, 14)),
                hours=values.pop("hours", Decimal("6.5")),
                evidence=values.pop("evidence", PNG),
                evidence_type=values.pop("evidence_type", "image/png"),
                evidence_name=values.pop("evidence_name", "certificate.png"),
                **values,
            )
            db.session.add(declaration)
            db.session.commit()
            return declaration.id

    return make


@pytest.fixture
def agency(make_agency):
    return make_agency("Riverside Community Health")


@pytest.fixture
def practitioner(make_user, agency):
    return make_user("priya@riverside.example", name="Priya Shah", agency_id=agency)


@pytest.fixture
def coordinator(make_user, agency):
    return make_user(roles=(Role.COORDINATOR,), name="Cora Coordinator", agency_id=agency)


def status_of(app, declaration_id) -> DeclarationStatus:
    with app.app_context():
        return db.session.get(TrainingDeclaration, declaration_id).status


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))
        return [(row.recipient, row.subject, row.body_text) for row in rows]


def test_a_coordinator_verifies_a_module_and_it_counts_as_a_completion(
    app, client, login, practitioner, coordinator, make_module, make_declaration
):
    module = make_module("Safeguarding Level 1", validity_months=36)
    declared = make_declaration(practitioner.id, practitioner.agency_id, course_id=module)
    login(coordinator)
    listing = client.get("/agency/declarations").get_data(as_text=True)
    assert "Priya Shah" in listing and "Safeguarding Level 1" in listing
    page = client.get(f"/declarations/{declared}").get_data(as_text=True)
    assert "Download certificate.png" in page and "Verify" in page

    response = post_form(
        client, f"/declarations/{declared}/verify", {}, token_from=f"/declarations/{declared}"
    )
    assert response.status_code == 302
    with app.app_context():
        declaration = db.session.get(TrainingDeclaration, declared)
        assert declaration.status is DeclarationStatus.VERIFIED
        assert declaration.decided_by_id == coordinator.id and declaration.decided_at
        completion = db.session.scalar(sa.select(Completion))
        assert completion.source is CompletionSource.SELF_DECLARED
        assert completion.declaration_id == declared and completion.user_id == practitioner.id
        assert completion.course_id == module and completion.completed_on == date(2026, 3, 14)
        assert completion.agency_id == practitioner.agency_id
        assert completion.expires_on == date(2029, 3, 14)
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.actor_id == coordinator.id)
        ).all()
        assert "elearning.declaration_verified" in actions
    [(recipient, subject, body)] = mails(app, "declaration_verified")
    assert recipient == practitioner.email and "verified" in subject
    assert "Safeguarding Level 1" in body and "/my-training/declarations" in body


def test_verified_outside_training_counts_on_the_record_not_in_e_learning_figures(
    app, client, login, practitioner, make_user, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id, hours=Decimal("6.5"))
    login(make_user(roles=(Role.ADMIN,)))
    post_form(
        client, f"/declarations/{declared}/verify", {}, token_from=f"/declarations/{declared}"
    )
    assert status_of(app, declared) is DeclarationStatus.VERIFIED
    assert count(app, Completion) == 0
    with app.app_context():
        assert declaration_lists.verified_hours(practitioner.id) == Decimal("6.5")


def test_verifying_twice_changes_nothing(
    app, client, login, practitioner, coordinator, make_module, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id, course_id=make_module())
    login(coordinator)
    post_form(
        client, f"/declarations/{declared}/verify", {}, token_from=f"/declarations/{declared}"
    )
    again = post_form(
        client, f"/declarations/{declared}/verify", {}, token_from=f"/declarations/{declared}"
    )
    assert "already been verified" in client.get(again.location).get_data(as_text=True)
    assert count(app, Completion) == 1
    assert count(app, AuditEvent, AuditEvent.action == "elearning.declaration_verified") == 1
    assert len(mails(app, "declaration_verified")) == 1
    # Nor can a verified one be rejected afterwards.
    post_form(
        client,
        f"/declarations/{declared}/reject",
        {"reason": "Changed my mind"},
        token_from=f"/declarations/{declared}",
    )
    assert status_of(app, declared) is DeclarationStatus.VERIFIED


def test_rejecting_needs_a_reason_and_keeps_what_was_typed(
    app, client, login, practitioner, coordinator, make_module, make_declaration
):
    declared = make_declaration(
        practitioner.id, practitioner.agency_id, course_id=make_module("Level 1")
    )
    login(coordinator)
    path = f"/declarations/{declared}/reject"
    page = post_form(client, path, {"reason": "  "}, token_from=f"/declarations/{declared}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Enter why the declaration is rejected" in text
    assert status_of(app, declared) is DeclarationStatus.PENDING
    long = "The certificate is for someone else. " * 30
    text = post_form(client, path, {"reason": long}, token_from=f"/declarations/{declared}")
    text = text.get_data(as_text=True)
    assert "1000 characters or fewer" in text and long.strip()[:200] in text
    assert status_of(app, declared) is DeclarationStatus.PENDING

    response = post_form(
        client,
        path,
        {"reason": "The certificate names someone else"},
        token_from=f"/declarations/{declared}",
    )
    assert response.status_code == 302
    with app.app_context():
        declaration = db.session.get(TrainingDeclaration, declared)
        assert declaration.status is DeclarationStatus.REJECTED
        assert declaration.reason == "The certificate names someone else"
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "elearning.declaration_rejected")
        )
        assert event.reason == "The certificate names someone else"
        assert event.actor_id == coordinator.id
    assert count(app, Completion) == 0  # rejected ones never count
    with app.app_context():
        assert declaration_lists.verified_hours(practitioner.id) == 0
    [(recipient, _, body)] = mails(app, "declaration_rejected")
    assert recipient == practitioner.email and "The certificate names someone else" in body
    # A rejected one cannot be verified afterwards either.
    post_form(
        client, f"/declarations/{declared}/verify", {}, token_from=f"/declarations/{declared}"
    )
    assert status_of(app, declared) is DeclarationStatus.REJECTED and count(app, Completion) == 0


def test_the_person_sees_the_outcome_and_the_reason(
    app, client, login, practitioner, make_user, make_declaration
):
    first = make_declaration(practitioner.id, practitioner.agency_id, title="First course")
    second = make_declaration(practitioner.id, practitioner.agency_id, title="Second course")
    make_declaration(practitioner.id, practitioner.agency_id, title="Third course")
    admin_id = make_user(roles=(Role.ADMIN,)).id
    with app.test_request_context():
        admin = db.session.get(User, admin_id)
        declarations.verify(db.session.get(TrainingDeclaration, first), by=admin, now=utcnow())
        declarations.reject(
            db.session.get(TrainingDeclaration, second),
            "Not safeguarding training",
            by=admin,
            now=utcnow(),
        )
        db.session.commit()
    login(practitioner)
    page = client.get("/my-training/declarations").get_data(as_text=True)
    assert "Verified" in page and "Rejected" in page and "Waiting to be checked" in page
    assert "Reason: Not safeguarding training" in page
    assert "6.5 verified hours" in page


def test_nobody_verifies_their_own(app, client, login, make_user, agency, make_declaration):
    admin = make_user(roles=(Role.ADMIN, Role.COORDINATOR), agency_id=agency)
    declared = make_declaration(admin.id, agency)
    login(admin)
    page = client.get(f"/declarations/{declared}").get_data(as_text=True)
    assert "Verify</button>" not in page and "Reject" not in page
    token_from = f"/declarations/{declared}"
    assert post_form(client, f"{token_from}/verify", {}, token_from=token_from).status_code == 403
    response = post_form(client, f"{token_from}/reject", {"reason": "x"}, token_from=token_from)
    assert response.status_code == 403
    assert status_of(app, declared) is DeclarationStatus.PENDING
    with app.app_context():
        declaration = db.session.get(TrainingDeclaration, declared)
        with pytest.raises(declarations.DeclarationError, match="your own"):
            declarations.verify(declaration, by=db.session.get(User, admin.id), now=utcnow())


def test_a_coordinator_of_another_agency_gets_403(
    app, client, login, practitioner, make_user, make_agency, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id)
    login(make_user(roles=(Role.COORDINATOR,), agency_id=make_agency("Other Trust")))
    assert client.get(f"/declarations/{declared}").status_code == 403
    assert client.get(f"/declarations/{declared}/evidence").status_code == 403
    token_from = "/agency/declarations"
    assert "Priya Shah" not in client.get(token_from).get_data(as_text=True)
    path = f"/declarations/{declared}/verify"
    assert post_form(client, path, {}, token_from=token_from).status_code == 403
    path = f"/declarations/{declared}/reject"
    assert post_form(client, path, {"reason": "no"}, token_from=token_from).status_code == 403
    assert status_of(app, declared) is DeclarationStatus.PENDING


def test_the_evidence_is_a_download_with_its_stored_type(
    app, client, login, practitioner, coordinator, make_declaration
):
    declared = make_declaration(
        practitioner.id, practitioner.agency_id, evidence_name="Zoë's certificate.png"
    )
    for viewer in (practitioner, coordinator):
        login(viewer)
        response = client.get(f"/declarations/{declared}/evidence")
        assert response.status_code == 200
        assert response.data == PNG
        assert response.headers["Content-Type"] == "image/png"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "certificate.png" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        post_form(client, "/sign-out", {}, token_from="/")


def test_others_cannot_see_the_evidence(
    app, client, login, practitioner, make_user, agency, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id)
    assert client.get(f"/declarations/{declared}/evidence").status_code == 302  # sign in
    for roles in ((Role.PRACTITIONER,), (Role.TRAINER,), (Role.PDL_VIEWER,)):
        login(make_user(roles=roles, agency_id=agency))  # a colleague, not the person
        assert client.get(f"/declarations/{declared}/evidence").status_code == 403
        post_form(client, "/sign-out", {}, token_from="/")
    login(practitioner)
    assert client.get("/declarations/999999/evidence").status_code == 404
    assert client.get("/declarations/99999999999999/evidence").status_code == 404


def test_admins_see_every_agencys_pending_declarations_and_filter_by_status(
    app, client, login, practitioner, make_user, make_agency, make_declaration
):
    elsewhere = make_user(name="Omar Other", agency_id=make_agency("Other Trust"))
    make_declaration(practitioner.id, practitioner.agency_id, title="Pending one")
    done = make_declaration(elsewhere.id, elsewhere.agency_id, title="Rejected one")
    admin = make_user(roles=(Role.ADMIN,))
    with app.test_request_context():
        declarations.reject(
            db.session.get(TrainingDeclaration, done),
            "No",
            by=db.session.get(User, admin.id),
            now=utcnow(),
        )
        db.session.commit()
    login(admin)
    pending = client.get("/admin/declarations").get_data(as_text=True)
    assert "Pending one" in pending and "Rejected one" not in pending
    assert "1 declaration" in pending
    rejected = client.get("/admin/declarations?status=rejected").get_data(as_text=True)
    assert "Rejected one" in rejected and "Other Trust" in rejected
    every = client.get("/admin/declarations?status=all").get_data(as_text=True)
    assert "Pending one" in every and "Rejected one" in every
    assert client.get("/admin/declarations?status=nonsense&page=x").status_code == 200


def test_script_in_a_declaration_is_shown_escaped(
    app, client, login, practitioner, make_user, make_declaration
):
    declared = make_declaration(
        practitioner.id,
        practitioner.agency_id,
        title="<script>alert(1)</script>",
        evidence_name='"><img src=x onerror=alert(1)>.png',
    )
    login(make_user(roles=(Role.ADMIN,)))
    for path in ("/admin/declarations", f"/declarations/{declared}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_the_person_opens_their_own_declaration_but_cannot_decide_it(
    client, login, practitioner, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id, title="My course")
    login(practitioner)
    page = client.get(f"/declarations/{declared}").get_data(as_text=True)
    assert "My course" in page and "It is waiting to be checked" in page
    assert "Reject</button>" not in page


def test_after_a_move_the_new_agencys_coordinator_checks_it_not_the_old(
    app, client, login, practitioner, coordinator, make_user, make_agency, make_declaration
):
    """Powers scoped to an agency follow the person's agency now (the declaration still
    counts for the agency of the training day)."""
    declared = make_declaration(practitioner.id, practitioner.agency_id)
    new_agency = make_agency("New Trust")
    with app.app_context():
        db.session.get(User, practitioner.id).agency_id = new_agency
        db.session.commit()
    login(coordinator)
    assert client.get(f"/declarations/{declared}").status_code == 403
    assert "Priya Shah" not in client.get("/agency/declarations").get_data(as_text=True)
    post_form(client, "/sign-out", {}, token_from="/")
    login(make_user(roles=(Role.COORDINATOR,), agency_id=new_agency))
    assert "Priya Shah" in client.get("/agency/declarations").get_data(as_text=True)
    assert client.get(f"/declarations/{declared}").status_code == 200


@pytest.mark.parametrize(
    ("roles", "path", "section", "current"),
    [
        ((Role.ADMIN,), "/admin/declarations", "Admin", "Declared training"),
        ((Role.ADMIN,), "/declarations/{id}", "Admin", "Declared training"),
        ((Role.ADMIN,), "/admin/unmatched", "Admin", "Unmatched e-learning"),
        ((Role.COORDINATOR,), "/agency/declarations", "Your agency", "Training to verify"),
        ((Role.COORDINATOR,), "/declarations/{id}", "Your agency", "Training to verify"),
    ],
)
def test_the_pages_sit_in_their_sections_navigation(
    client, login, practitioner, make_user, agency, make_declaration, roles, path, section, current
):
    from tests.core.test_navigation import section_navigation

    declared = make_declaration(practitioner.id, practitioner.agency_id)
    login(make_user(roles=roles, agency_id=agency))
    page = client.get(path.format(id=declared)).get_data(as_text=True)
    label, links = section_navigation(page)
    assert label == section
    assert [text for text, is_current in links if is_current] == [current]


def test_declaring_is_limited_per_person(app, client, practitioner, login):
    from tests.elearning.test_declarations import declare, outside

    app.config["DECLARATION_RATE_LIMIT"] = "2 per hour"
    login(practitioner)
    statuses = [
        declare(client, outside(title=f"Course {number}")).status_code for number in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert count(app, TrainingDeclaration) == 2


def test_one_verified_hour_is_said_in_the_singular(
    app, client, login, practitioner, make_user, make_declaration
):
    declared = make_declaration(practitioner.id, practitioner.agency_id, hours=Decimal("1"))
    admin_id = make_user(roles=(Role.ADMIN,)).id
    with app.test_request_context():
        admin = db.session.get(User, admin_id)
        declarations.verify(db.session.get(TrainingDeclaration, declared), by=admin, now=utcnow())
        db.session.commit()
    login(practitioner)
    page = client.get("/my-training/declarations").get_data(as_text=True)
    assert "1 declaration, 1 verified hour<" in page


def test_admins_narrow_the_list_to_one_agency(
    client, login, practitioner, make_user, make_agency, make_declaration
):
    other_agency = make_agency("Other Trust")
    elsewhere = make_user(name="Omar Other", agency_id=other_agency)
    make_declaration(practitioner.id, practitioner.agency_id, title="Ours")
    make_declaration(elsewhere.id, other_agency, title="Theirs")
    login(make_user(roles=(Role.ADMIN,)))
    page = client.get(f"/admin/declarations?agency={other_agency}").get_data(as_text=True)
    assert "Theirs" in page and "Ours" not in page
    assert client.get("/admin/declarations?agency=abc").status_code == 200
