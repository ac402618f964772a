"""The unmatched queue: admins list, filter and search it, match a row to a person by hand or
dismiss it; a row decided once is never decided again."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, Role, User
from lms.audit.models import AuditEvent
from lms.elearning.models import (
    Completion,
    CompletionSource,
    UnmatchedCompletion,
    UnmatchedStatus,
)
from lms.extensions import db
from tests.conftest import count, post_form


@pytest.fixture
def make_unmatched(app):
    """An open unmatched row for an address, module and day."""

    def make(email, course_id, completed_on=date(2026, 1, 6), **values) -> int:
        with app.app_context():
            row = UnmatchedCompletion(
                email=email,
                course_id=course_id,
                completed_on=completed_on,
                source=values.pop("source", CompletionSource.IMPORT),
                **values,
            )
            db.session.add(row)
            db.session.commit()
            return row.id

    return make


@pytest.fixture
def admin(make_user, login):
    person = make_user(roles=(Role.ADMIN,), name="Ada Admin")
    login(person)
    return person


def row_of(app, row_id) -> UnmatchedCompletion:
    with app.app_context():
        row = db.session.get(UnmatchedCompletion, row_id)
        db.session.expunge(row)
        return row


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_queue_lists_open_rows_with_what_the_provider_wrote(
    client, admin, make_module, make_unmatched
):
    module = make_module("Safeguarding Children Level 1")
    make_unmatched(
        "jo.bloggs@school.example",
        module,
        name="Jo Bloggs",
        agency_text="St Mary's Primary",
        source=CompletionSource.XAPI,
    )
    text = page(client, "/admin/unmatched")
    assert "jo.bloggs@school.example" in text and "Jo Bloggs" in text
    assert "St Mary&#39;s Primary" in text and "Safeguarding Children Level 1" in text
    assert "6 January 2026" in text and "Live from the provider" in text
    assert "1 completion" in text and "Open: 1" in text


def test_filters_by_module_provider_status_and_search(
    app, client, admin, make_module, make_provider, make_unmatched
):
    first_provider, second_provider = make_provider("First"), make_provider("Second")
    level1 = make_module("Level 1", provider_id=first_provider)
    level2 = make_module("Level 2", provider_id=second_provider)
    make_unmatched("alex@a.example", level1, name="Alex Ames")
    make_unmatched("sam@b.example", level2, name="Sam Stone")
    dismissed = make_unmatched("old@c.example", level2, name="Old Row")
    with app.app_context():
        db.session.get(UnmatchedCompletion, dismissed).status = UnmatchedStatus.DISMISSED
        db.session.commit()

    by_module = page(client, f"/admin/unmatched?module={level1}")
    assert "alex@a.example" in by_module and "sam@b.example" not in by_module
    by_provider = page(client, f"/admin/unmatched?provider={second_provider}")
    assert "sam@b.example" in by_provider and "alex@a.example" not in by_provider
    assert "old@c.example" not in by_provider  # open rows unless asked
    by_status = page(client, "/admin/unmatched?status=dismissed")
    assert "old@c.example" in by_status and "sam@b.example" not in by_status
    every = page(client, "/admin/unmatched?status=all")
    assert all(email in every for email in ("alex@", "sam@", "old@"))
    by_name = page(client, "/admin/unmatched?q=STONE")
    assert "sam@b.example" in by_name and "alex@a.example" not in by_name
    by_email = page(client, "/admin/unmatched?q=alex@a")
    assert "alex@a.example" in by_email and "sam@b.example" not in by_email
    # A search's wildcards are taken literally.
    assert "No completions match these filters" in page(client, "/admin/unmatched?q=%25")
    assert "No completions match these filters" in page(client, "/admin/unmatched?q=_")
    # Counts follow the other filters, for each status.
    counted = page(client, f"/admin/unmatched?provider={second_provider}")
    assert "Open: 1" in counted and "Dismissed: 1" in counted and "Matched: 0" in counted


def test_rubbish_in_the_filters_is_ignored_not_an_error(client, admin, make_module, make_unmatched):
    make_unmatched("alex@a.example", make_module())
    for query in (
        "module=abc",
        "provider=99999999999999",
        "status=nope",
        "page=-3",
        "q=" + "x" * 500,
    ):
        assert client.get(f"/admin/unmatched?{query}").status_code == 200, query


def test_fifty_rows_a_page(app, client, admin, make_module, make_unmatched):
    module = make_module()
    for number in range(51):
        make_unmatched(f"person{number:02d}@example.org", module)
    first = page(client, "/admin/unmatched")
    assert "51 completions" in first and "1 to 50 shown" in first
    assert first.count('href="/admin/unmatched/') == 50
    assert 'class="govuk-pagination' in first
    second = page(client, "/admin/unmatched?page=2")
    assert second.count('href="/admin/unmatched/') == 1


def test_an_admin_finds_a_person_and_matches_the_row_by_hand(
    app, client, admin, make_user, make_agency, make_module, make_unmatched
):
    old_agency, new_agency = make_agency("Old Trust"), make_agency("New Trust")
    person = make_user("jo.bloggs@new.example", name="Jo Bloggs", agency_id=new_agency)
    with app.app_context():
        user = db.session.get(User, person.id)
        user.memberships[0].started_at = datetime(2026, 2, 1, tzinfo=UTC)
        user.memberships.insert(
            0,
            AgencyMembership(
                agency_id=old_agency,
                job_title="Nurse",
                started_at=datetime(2024, 1, 1, tzinfo=UTC),
                ended_at=datetime(2026, 2, 1, tzinfo=UTC),
            ),
        )
        db.session.commit()
    module = make_module("Level 1")
    row_id = make_unmatched("jo@old.example", module, date(2026, 1, 6), name="Jo Bloggs")

    found = page(client, f"/admin/unmatched/{row_id}?q=bloggs")
    assert "jo.bloggs@new.example" in found and "New Trust" in found
    assert f"/admin/unmatched/{row_id}/match/{person.id}" in found
    confirm = page(client, f"/admin/unmatched/{row_id}/match/{person.id}")
    assert "Match this completion to Jo Bloggs?" in confirm
    assert "New Trust" in confirm and "Old Trust, their agency on 6 January 2026" in confirm

    response = post_form(client, f"/admin/unmatched/{row_id}/match/{person.id}", {})
    assert response.status_code == 302
    with app.app_context():
        completion = db.session.scalar(sa.select(Completion))
        row = db.session.get(UnmatchedCompletion, row_id)
        assert (completion.user_id, completion.course_id) == (person.id, module)
        assert completion.agency_id == old_agency  # the agency on the day
        assert row.status is UnmatchedStatus.MATCHED and row.completion_id == completion.id
        assert row.decided_by_id == admin.id and row.decided_at is not None
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "elearning.unmatched_matched")
        )
        assert event.actor_id == admin.id and event.object_id == row_id
    shown = page(client, f"/admin/unmatched/{row_id}")
    assert "Matched to Jo Bloggs" in shown and "by Ada Admin" in shown
    assert "Jo Bloggs" not in page(client, "/admin/unmatched")  # no longer open


def test_a_row_is_matched_once_however_often_it_is_sent(
    app, client, admin, make_user, make_module, make_unmatched
):
    first, second = make_user(name="First Person"), make_user(name="Second Person")
    row_id = make_unmatched("x@example.org", make_module())
    post_form(client, f"/admin/unmatched/{row_id}/match/{first.id}", {})
    token_page = f"/admin/unmatched/{row_id}"
    response = post_form(
        client, f"/admin/unmatched/{row_id}/match/{second.id}", {}, token_from=token_page
    )
    assert response.status_code == 302
    assert "already been matched" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Completion.user_id)) == first.id
    assert count(app, Completion) == 1


def test_matching_someone_who_already_holds_the_completion_adds_nothing(
    app, client, admin, make_user, make_module, make_unmatched, make_completion
):
    person = make_user()
    module = make_module()
    make_completion(person.id, module, date(2026, 1, 6))
    row_id = make_unmatched("other@example.org", module, date(2026, 1, 6))
    confirm = page(client, f"/admin/unmatched/{row_id}/match/{person.id}")
    assert "already holds this module for that day" in confirm
    response = post_form(client, f"/admin/unmatched/{row_id}/match/{person.id}", {})
    assert "already held this completion" in client.get(response.location).get_data(as_text=True)
    assert count(app, Completion) == 1
    assert row_of(app, row_id).status is UnmatchedStatus.MATCHED


def test_a_deactivated_account_is_refused(
    app, client, admin, make_user, make_module, make_unmatched
):
    person = make_user(name="Gone Person", active=False)
    row_id = make_unmatched("x@example.org", make_module())
    response = post_form(client, f"/admin/unmatched/{row_id}/match/{person.id}", {})
    assert response.status_code == 200
    assert "Gone Person&#39;s account is deactivated" in response.get_data(as_text=True)
    assert count(app, Completion) == 0
    assert row_of(app, row_id).status is UnmatchedStatus.OPEN


def test_a_row_is_dismissed_with_a_reason_and_stays_for_the_record(
    app, client, admin, make_module, make_unmatched
):
    row_id = make_unmatched("test.account@provider.example", make_module())
    path = f"/admin/unmatched/{row_id}/dismiss"
    refused = post_form(client, path, {"reason": "   \n  "})
    assert refused.status_code == 200
    assert "Enter why this completion is dismissed" in refused.get_data(as_text=True)
    assert row_of(app, row_id).status is UnmatchedStatus.OPEN
    too_long = post_form(client, path, {"reason": "x" * 1001})
    text = too_long.get_data(as_text=True)
    assert "1000 characters or fewer" in text and "x" * 1001 in text  # typed text kept
    assert row_of(app, row_id).status is UnmatchedStatus.OPEN

    response = post_form(client, path, {"reason": "The provider's test account\x07"})
    assert response.status_code == 302
    row = row_of(app, row_id)
    assert row.status is UnmatchedStatus.DISMISSED and row.decided_by_id == admin.id
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "elearning.unmatched_dismissed")
        )
        assert event.reason == "The provider's test account" and event.actor_id == admin.id
    assert count(app, UnmatchedCompletion) == 1
    shown = page(client, f"/admin/unmatched/{row_id}")
    assert "Reason: The provider&#39;s test account" in shown
    assert "test.account@" in page(client, "/admin/unmatched?status=dismissed")
    assert "test.account@" not in page(client, "/admin/unmatched")
    # Decided: no second decision, by either route.
    again = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "already been dismissed" in again


def test_only_admins_decide(app, client, make_user, login, make_module, make_unmatched):
    person = make_user()
    row_id = make_unmatched("x@example.org", make_module())
    login(make_user(roles=(Role.COORDINATOR,)))
    response = post_form(
        client, f"/admin/unmatched/{row_id}/match/{person.id}", {}, token_from="/account"
    )
    assert response.status_code == 403
    response = post_form(
        client, f"/admin/unmatched/{row_id}/dismiss", {"reason": "no"}, token_from="/account"
    )
    assert response.status_code == 403
    assert row_of(app, row_id).status is UnmatchedStatus.OPEN


def test_unknown_rows_and_people_are_not_found(client, admin, make_module, make_unmatched):
    row_id = make_unmatched("x@example.org", make_module())
    assert client.get("/admin/unmatched/999999").status_code == 404
    assert client.get(f"/admin/unmatched/{row_id}/match/999999").status_code == 404
    assert client.get("/admin/unmatched/99999999999999").status_code == 404


def test_script_in_what_the_provider_wrote_is_shown_escaped(
    client, admin, make_module, make_unmatched
):
    row_id = make_unmatched(
        "x@example.org", make_module(), name="<script>alert(1)</script>", agency_text='"><img>'
    )
    for path in ("/admin/unmatched", f"/admin/unmatched/{row_id}"):
        text = page(client, path)
        assert "<script>alert(1)" not in text and '"><img>' not in text


def test_old_rows_are_kept_in_the_list_by_time_received(
    app, client, admin, make_module, make_unmatched
):
    module = make_module()
    older = make_unmatched("older@example.org", module)
    newer = make_unmatched("newer@example.org", module)
    with app.app_context():
        db.session.get(UnmatchedCompletion, older).received_at -= timedelta(days=3)
        db.session.commit()
    text = page(client, "/admin/unmatched")
    assert text.index(f"/admin/unmatched/{newer}") < text.index(f"/admin/unmatched/{older}")


def test_the_other_rows_for_the_address_can_be_matched_at_the_same_time(
    app, client, admin, make_user, make_module, make_unmatched
):
    person = make_user(name="Jo Bloggs")
    level1, level2 = make_module("Level 1"), make_module("Level 2")
    row_id = make_unmatched("jo@old.example", level1, date(2026, 1, 6))
    make_unmatched("jo@old.example", level2, date(2026, 2, 6))
    make_unmatched("jo@old.example", level1, date(2025, 2, 6))
    make_unmatched("someone.else@old.example", level1, date(2026, 1, 6))
    path = f"/admin/unmatched/{row_id}/match/{person.id}"
    confirm = page(client, path)
    assert "Also match the 2 other open completions for jo@old.example" in confirm
    assert "Level 2, 6 February 2026" in confirm and 'name="same_address"' in confirm
    assert "checked" in confirm.split('name="same_address"')[1].split(">")[0]

    response = post_form(client, path, {"same_address": "y"})
    assert "3 completions matched to Jo Bloggs" in client.get(response.location).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalars(sa.select(Completion.user_id)).all() == [person.id] * 3
        still_open = db.session.scalars(
            sa.select(UnmatchedCompletion.email).where(
                UnmatchedCompletion.status == UnmatchedStatus.OPEN
            )
        ).all()
    assert still_open == ["someone.else@old.example"]


def test_only_the_row_chosen_is_matched_when_the_box_is_cleared(
    app, client, admin, make_user, make_module, make_unmatched
):
    person = make_user()
    module = make_module()
    row_id = make_unmatched("jo@old.example", module, date(2026, 1, 6))
    other = make_unmatched("jo@old.example", module, date(2026, 2, 6))
    post_form(client, f"/admin/unmatched/{row_id}/match/{person.id}", {})
    assert count(app, Completion) == 1
    assert row_of(app, row_id).status is UnmatchedStatus.MATCHED
    assert row_of(app, other).status is UnmatchedStatus.OPEN
