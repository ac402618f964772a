"""Role tags: admins add, rename and delete them; a coordinator marks them on their own staff."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.compliance.models import PersonTag, RoleTag
from lms.extensions import db
from tests.conftest import count, post_form


@pytest.fixture
def admin(client, make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


def _events(app, action):
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _tags_of(app, user_id):
    with app.app_context():
        rows = db.session.scalars(sa.select(PersonTag).where(PersonTag.user_id == user_id))
        return {row.tag.name: row.set_by_id for row in rows}


def test_an_admin_adds_and_renames_a_role_tag(app, client, admin):
    response = post_form(
        client,
        "/admin/role-tags",
        {"name": "Designated safeguarding lead", "description": "The school's DSL"},
    )
    assert response.status_code == 302
    page = client.get("/admin/role-tags").get_data(as_text=True)
    assert "Designated safeguarding lead" in page and "The school&#39;s DSL" in page
    with app.app_context():
        tag_id = db.session.scalar(sa.select(RoleTag.id))
    renamed = post_form(
        client, f"/admin/role-tags/{tag_id}", {"name": "DSL", "description": "Renamed"}
    )
    assert renamed.status_code == 302
    with app.app_context():
        assert db.session.get(RoleTag, tag_id).name == "DSL"
    [created] = _events(app, "role_tag.created")
    [updated] = _events(app, "role_tag.updated")
    assert created.after["name"] == "Designated safeguarding lead"
    assert updated.before["name"] == "Designated safeguarding lead"
    assert updated.after == {"name": "DSL", "description": "Renamed"}


def test_a_role_tag_name_is_needed_and_unique(app, client, admin, make_role_tag):
    make_role_tag("Designated safeguarding lead")
    empty = post_form(client, "/admin/role-tags", {"name": "  "})
    assert empty.status_code == 200
    assert "Enter the role&#39;s name" in empty.get_data(as_text=True)
    same = post_form(client, "/admin/role-tags", {"name": "designated SAFEGUARDING lead"})
    assert "There is already a role called designated SAFEGUARDING lead" in same.get_data(
        as_text=True
    )
    long = post_form(client, "/admin/role-tags", {"name": "x" * 101})
    assert "The name must be 100 characters or fewer" in long.get_data(as_text=True)
    assert count(app, RoleTag) == 1


def test_a_role_tag_a_requirement_uses_cannot_be_deleted(
    app, client, admin, make_role_tag, make_requirement
):
    tag = make_role_tag("Designated safeguarding lead")
    make_requirement("DSL refresher", tag_ids=[tag], satisfied_by="level", level=3)
    page = client.get(f"/admin/role-tags/{tag}").get_data(as_text=True)
    assert "cannot be deleted while requirements use it" in page
    response = post_form(
        client, f"/admin/role-tags/{tag}/delete", {}, token_from=f"/admin/role-tags/{tag}"
    )
    assert response.status_code == 302
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted while these requirements use it: DSL refresher" in followed
    assert count(app, RoleTag) == 1 and _events(app, "role_tag.deleted") == []


def test_deleting_an_unused_role_tag_takes_it_off_people(
    app, client, admin, make_role_tag, tag_person, make_user
):
    tag = make_role_tag("Deputy designated safeguarding lead")
    person = make_user()
    tag_person(person.id, tag)
    response = post_form(
        client, f"/admin/role-tags/{tag}/delete", {}, token_from=f"/admin/role-tags/{tag}"
    )
    assert response.headers["Location"].endswith("/admin/role-tags")
    assert count(app, RoleTag) == 0 and count(app, PersonTag) == 0
    [event] = _events(app, "role_tag.deleted")
    assert event.before["name"] == "Deputy designated safeguarding lead"
    assert event.before["people"] == 1


def test_only_admins_manage_role_tags(client, make_user, login, make_role_tag):
    tag = make_role_tag()
    login(make_user(roles=(Role.COORDINATOR,)))
    assert client.get("/admin/role-tags").status_code == 403
    assert client.get(f"/admin/role-tags/{tag}").status_code == 403


# A coordinator marks roles on their staff ----------------------------------------------------


def test_a_coordinator_marks_roles_on_their_staff_and_it_is_audited(
    app, client, make_user, make_agency, login, make_role_tag
):
    school = make_agency("Alder Road Primary School")
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=school)
    teacher = make_user(agency_id=school, name="Zoë Williams", job_title="Class teacher")
    lead = make_role_tag("Designated safeguarding lead")
    deputy = make_role_tag("Deputy designated safeguarding lead")
    login(coordinator)

    staff_page = client.get(f"/agency/staff/{teacher.id}").get_data(as_text=True)
    assert "Roles for training requirements" in staff_page and "No roles marked." in staff_page
    assert f"/agency/staff/{teacher.id}/role-tags" in staff_page

    path = f"/agency/staff/{teacher.id}/role-tags"
    page = client.get(path).get_data(as_text=True)
    assert "Designated safeguarding lead" in page and "Deputy designated" in page
    response = post_form(client, path, {"tag_ids": [str(lead), str(deputy)]})
    assert response.headers["Location"].endswith(f"/agency/staff/{teacher.id}")
    assert _tags_of(app, teacher.id) == {
        "Designated safeguarding lead": coordinator.id,
        "Deputy designated safeguarding lead": coordinator.id,
    }
    staff_page = client.get(f"/agency/staff/{teacher.id}").get_data(as_text=True)
    assert "Deputy designated safeguarding lead, Designated safeguarding lead" in staff_page

    post_form(client, path, {"tag_ids": [str(lead)]})
    assert _tags_of(app, teacher.id) == {"Designated safeguarding lead": coordinator.id}
    events = _events(app, "person.role_tags_set")
    assert [event.after["tags"] for event in events] == [
        ["Deputy designated safeguarding lead", "Designated safeguarding lead"],
        ["Designated safeguarding lead"],
    ]
    assert events[1].before["tags"] == events[0].after["tags"]
    assert all(event.object_id == teacher.id for event in events)


def test_a_coordinator_of_another_agency_gets_403(
    app, client, make_user, make_agency, login, make_role_tag
):
    tag = make_role_tag()
    stranger = make_user(agency_id=make_agency())
    login(make_user(roles=(Role.COORDINATOR,), agency_id=make_agency()))
    path = f"/agency/staff/{stranger.id}/role-tags"
    assert client.get(path).status_code == 403
    token_page = "/account"
    assert post_form(client, path, {"tag_ids": [str(tag)]}, token_from=token_page).status_code == (
        403
    )
    assert count(app, PersonTag) == 0


def test_a_practitioner_cannot_mark_their_own_roles(client, make_user, login, make_role_tag):
    make_role_tag()
    person = make_user()
    login(person)
    assert client.get(f"/agency/staff/{person.id}/role-tags").status_code == 403


def test_an_admin_marks_anyones_roles_from_their_account_page(
    app, client, admin, make_user, make_role_tag
):
    tag = make_role_tag("Named or designated professional (health)")
    nurse = make_user(job_title="Named nurse")
    account = client.get(f"/admin/users/{nurse.id}").get_data(as_text=True)
    assert f"/agency/staff/{nurse.id}/role-tags" in account
    response = post_form(client, f"/agency/staff/{nurse.id}/role-tags", {"tag_ids": [str(tag)]})
    assert response.headers["Location"].endswith(f"/admin/users/{nurse.id}")
    assert _tags_of(app, nurse.id) == {"Named or designated professional (health)": admin.id}


def test_an_unknown_role_is_refused_and_nothing_changes(
    app, client, admin, make_user, make_role_tag
):
    make_role_tag()
    person = make_user()
    path = f"/agency/staff/{person.id}/role-tags"
    for bad in ("999", "abc", "99999999999"):
        response = post_form(client, path, {"tag_ids": [bad]})
        assert response.status_code == 200
        assert "Select the roles from the list" in response.get_data(as_text=True)
    assert count(app, PersonTag) == 0
