"""Waiting rows attach to a person by themselves once their address is proven: the
confirmation link of a new account, the first password an invited person sets, and the link
that confirms a change of email. Typing an address is not enough."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.elearning import unmatched
from lms.elearning.models import (
    Completion,
    CompletionSource,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from tests.accounts.test_admin import user_form
from tests.accounts.test_email_confirmation import CHANGE, CONFIRM, last_message, register
from tests.conftest import PASSWORD, count, post_form

RESET = re.compile(r"https?://\S+(/password/reset/\S+)")


@pytest.fixture
def waiting(app, make_module):
    """Two open rows and a dismissed one for an address, waiting for its owner."""

    def make(email: str) -> int:
        module = make_module("Safeguarding Level 1")
        with app.app_context():
            rows = [
                UnmatchedCompletion(
                    email=email,
                    course_id=module,
                    completed_on=day,
                    source=CompletionSource.IMPORT,
                    status=status,
                )
                for day, status in (
                    (date(2025, 6, 1), UnmatchedStatus.OPEN),
                    (date(2025, 9, 1), UnmatchedStatus.OPEN),
                    (date(2025, 12, 1), UnmatchedStatus.DISMISSED),
                )
            ]
            db.session.add_all(rows)
            db.session.commit()
        return module

    return make


def statuses(app, email: str) -> list[UnmatchedStatus]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(UnmatchedCompletion.status)
                .where(UnmatchedCompletion.email == email)
                .order_by(UnmatchedCompletion.completed_on)
            )
        )


def completions_of(app, email: str) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(Completion.completed_on, Completion.agency_id, Completion.source)
            .join(User, User.id == Completion.user_id)
            .where(User.email == email)
            .order_by(Completion.completed_on)
        ).all()


EMAIL = "siobhan.obrien@ruh.nhs.example"


def test_registering_attaches_nothing_until_the_address_is_confirmed(
    app, client, make_agency, waiting
):
    agency = make_agency("Riverside University Hospitals")
    waiting(EMAIL)
    register(client, agency)  # typed in capitals: addresses match ignoring case
    assert count(app, Completion) == 0
    assert statuses(app, EMAIL) == [UnmatchedStatus.OPEN] * 2 + [UnmatchedStatus.DISMISSED]

    link = CONFIRM.search(last_message(app, EMAIL).body_text).group(1)
    assert client.get(link).status_code == 302
    assert completions_of(app, EMAIL) == [
        (date(2025, 6, 1), agency, CompletionSource.IMPORT),
        (date(2025, 9, 1), agency, CompletionSource.IMPORT),
    ]
    # The dismissed row stays dismissed.
    assert statuses(app, EMAIL) == [UnmatchedStatus.MATCHED] * 2 + [UnmatchedStatus.DISMISSED]


def test_an_invited_account_attaches_them_when_it_sets_its_first_password(
    app, client, make_user, make_agency, login, waiting
):
    agency = make_agency()
    email = "tomasz@riverside-council.example"
    waiting(email)
    login(make_user(roles=(Role.ADMIN,)))
    assert post_form(client, "/admin/users/new", user_form(agency)).status_code == 302
    assert count(app, Completion) == 0  # made by an admin, not proven yet
    link = RESET.search(last_message(app, email).body_text).group(1)
    post_form(client, "/sign-out", {}, token_from="/")
    response = post_form(client, link, {"password": "tidal-marmalade-kettle"})
    assert response.status_code == 302
    assert [row[1] for row in completions_of(app, email)] == [agency, agency]


def test_a_confirmed_change_of_email_attaches_the_rows_for_the_new_address(
    app, client, make_user, login, waiting
):
    person = make_user("old.address@example.org")
    waiting("new.address@example.org")
    login(person)
    post_form(
        client,
        "/account/email",
        {"email": "New.Address@example.org", "current_password": PASSWORD},
    )
    assert count(app, Completion) == 0  # asked for, not yet confirmed
    link = CHANGE.search(last_message(app, "new.address@example.org").body_text).group(1)
    assert client.get(link).status_code == 302
    found = completions_of(app, "new.address@example.org")
    assert [(row[1], row[2]) for row in found] == [(person.agency_id, CompletionSource.IMPORT)] * 2


def test_a_change_of_email_never_confirmed_attaches_nothing(app, client, make_user, login, waiting):
    person = make_user("old.address@example.org")
    waiting("new.address@example.org")
    login(person)
    post_form(
        client,
        "/account/email",
        {"email": "new.address@example.org", "current_password": PASSWORD},
    )
    assert client.get("/account/email/not-the-real-token").status_code == 410
    assert count(app, Completion) == 0
    assert statuses(app, "new.address@example.org")[:2] == [UnmatchedStatus.OPEN] * 2


def test_rows_matched_by_themselves_are_audited_as_the_system(app, client, make_agency, waiting):
    from lms.audit.models import AuditEvent

    waiting(EMAIL)
    register(client, make_agency())
    client.get(CONFIRM.search(last_message(app, EMAIL).body_text).group(1))
    with app.app_context():
        labels = db.session.scalars(
            sa.select(AuditEvent.actor_label).where(
                AuditEvent.action == "elearning.unmatched_matched"
            )
        ).all()
    assert labels == ["system", "system"]


def test_a_row_decided_a_moment_ago_cannot_be_matched_again(app, make_user, make_module):
    """Two admins at once: the conditional update lets only the first decision through."""
    first, second = make_user(), make_user()
    module = make_module()
    with app.app_context():
        row = UnmatchedCompletion(
            email="x@example.org",
            course_id=module,
            completed_on=date(2026, 1, 6),
            source=CompletionSource.IMPORT,
        )
        db.session.add(row)
        db.session.commit()
        admin = db.session.get(User, first.id)
        unmatched.match(row, db.session.get(User, second.id), by=admin)
        with pytest.raises(unmatched.UnmatchedError, match="already been matched"):
            unmatched.match(row, admin, by=admin)
        with pytest.raises(unmatched.UnmatchedError, match="already been matched"):
            unmatched.dismiss(row, "test", by=admin)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Completion)) == 1
        assert db.session.scalar(sa.select(Completion.user_id)) == second.id


def test_the_queue_shows_a_row_that_attached_by_itself(
    app, client, make_agency, make_user, login, waiting
):
    waiting(EMAIL)
    register(client, make_agency())
    client.get(CONFIRM.search(last_message(app, EMAIL).body_text).group(1))
    login(make_user(roles=(Role.ADMIN,)))
    with app.app_context():
        row_id = db.session.scalar(
            sa.select(UnmatchedCompletion.id).where(
                UnmatchedCompletion.status == UnmatchedStatus.MATCHED
            )
        )
    page = client.get(f"/admin/unmatched/{row_id}").get_data(as_text=True)
    assert "Matched to Siobhan O&#39;Brien" in page
    assert "by itself when the address was confirmed" in page
