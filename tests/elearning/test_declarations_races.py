"""Deciding at the same moment: several admins verifying one declaration, or matching one
unmatched row to different people, at once. One decision goes through; the others change
nothing and fail no request. On an SQLite file, and on PostgreSQL with TEST_DATABASE_URL."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.elearning.models import (
    Completion,
    CompletionSource,
    DeclarationStatus,
    TrainingDeclaration,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.bookings.test_races import Racer, assert_no_failures, race
from tests.conftest import CSRF_PATTERN, count, post_form

CROWD = 6


@pytest.fixture(autouse=True)
def _many_sign_ins(app):
    app.config["SIGN_IN_RATE_LIMIT"] = "10000 per minute"


def signed_in(app, person, page: str) -> Racer:
    client = app.test_client()
    response = post_form(client, "/sign-in", {"email": person.email, "password": person.password})
    assert response.status_code == 302
    match = CSRF_PATTERN.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return Racer(person, client, match.group(1))


def test_admins_verifying_one_declaration_at_once_record_one_completion(
    app, make_user, make_module, make_agency
):
    agency = make_agency()
    person = make_user(agency_id=agency)
    module = make_module()
    with app.app_context():
        declaration = TrainingDeclaration(
            user_id=person.id,
            agency_id=agency,
            course_id=module,
            completed_on=date(2026, 3, 14),
            hours=Decimal("3"),
            evidence=b"%PDF-1.4",
            evidence_type="application/pdf",
            evidence_name="certificate.pdf",
        )
        db.session.add(declaration)
        db.session.commit()
        declared = declaration.id
    racers = [
        signed_in(app, make_user(roles=(Role.ADMIN,)), f"/declarations/{declared}")
        for _ in range(CROWD)
    ]
    result = race([racer.post(f"/declarations/{declared}/verify") for racer in racers])
    assert_no_failures(result)
    with app.app_context():
        assert db.session.get(TrainingDeclaration, declared).status is DeclarationStatus.VERIFIED
        completion = db.session.scalar(sa.select(Completion))
        assert completion.source is CompletionSource.SELF_DECLARED
    assert count(app, Completion) == 1
    assert count(app, AuditEvent, AuditEvent.action == "elearning.declaration_verified") == 1
    assert count(app, OutboxMessage, OutboxMessage.kind == "declaration_verified") == 1


def test_admins_matching_one_row_to_different_people_at_once_match_it_once(
    app, make_user, make_module
):
    module = make_module()
    with app.app_context():
        row = UnmatchedCompletion(
            email="waiting@example.org",
            course_id=module,
            completed_on=date(2026, 1, 6),
            source=CompletionSource.IMPORT,
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    people = [make_user() for _ in range(CROWD)]
    racers = [
        signed_in(app, make_user(roles=(Role.ADMIN,)), f"/admin/unmatched/{row_id}")
        for _ in range(CROWD)
    ]
    result = race(
        [
            racer.post(f"/admin/unmatched/{row_id}/match/{person.id}")
            for racer, person in zip(racers, people, strict=True)
        ]
    )
    assert_no_failures(result, allowed=frozenset({200, 302}))
    with app.app_context():
        row = db.session.get(UnmatchedCompletion, row_id)
        completion = db.session.scalar(sa.select(Completion))
        assert row.status is UnmatchedStatus.MATCHED and row.completion_id == completion.id
        assert completion.user_id in {person.id for person in people}
    assert count(app, Completion) == 1
    assert count(app, AuditEvent, AuditEvent.action == "elearning.unmatched_matched") == 1
