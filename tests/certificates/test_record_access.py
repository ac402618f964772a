"""Who may see a person's training record, and the links to it."""

import pytest

from lms.accounts.models import Role

FORMS = ("", ".pdf", ".csv")


@pytest.fixture
def people(make_agency, make_user):
    agency, other = make_agency(), make_agency()
    return {
        "person": make_user(name="Zoë 李 O'Brien", agency_id=agency),
        "coordinator": make_user(roles=(Role.COORDINATOR,), agency_id=agency),
        "other coordinator": make_user(roles=(Role.COORDINATOR,), agency_id=other),
        "colleague": make_user(agency_id=agency),
        "trainer": make_user(roles=(Role.TRAINER,), agency_id=agency),
        "admin": make_user(roles=(Role.ADMIN,), agency_id=other),
    }


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("person", 200),
        ("coordinator", 200),
        ("admin", 200),
        ("other coordinator", 403),
        ("colleague", 403),
        ("trainer", 403),
        ("anonymous", 302),
    ],
)
def test_who_sees_a_record(client, login, people, who, status, form):
    if who != "anonymous":
        login(people[who])
    response = client.get(f"/people/{people['person'].id}/training-record{form}")
    assert response.status_code == status
    if status == 302:
        assert "/sign-in" in response.headers["Location"]
    if status == 200 and form:
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="training-record-{people["person"].id}{form}"'
        )


@pytest.mark.parametrize("form", FORMS)
def test_an_unknown_person_is_not_found(client, login, people, form):
    login(people["admin"])
    assert client.get(f"/people/999999/training-record{form}").status_code == 404


def test_a_coordinator_cannot_see_an_admins_record_in_their_agency(
    client, login, make_user, people
):
    admin_here = make_user(roles=(Role.ADMIN,), agency_id=people["person"].agency_id)
    login(people["coordinator"])
    assert client.get(f"/people/{admin_here.id}/training-record").status_code == 403


def test_the_page_names_whose_record_it_is_for_a_coordinator(client, login, people):
    login(people["coordinator"])
    page = client.get(f"/people/{people['person'].id}/training-record").get_data(as_text=True)
    assert "Training record: Zoë 李 O&#39;Brien" in page
    assert "Your training record" not in page


def test_your_training_links_to_your_record(client, login, people):
    person = people["person"]
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    link = page.split('id="training-record-link"')[1].split("</a>")[0]
    assert f'href="/people/{person.id}/training-record"' in link
    assert "See your training record (page, PDF or spreadsheet)" in link


def test_the_coordinators_staff_page_links_to_the_record(client, login, people):
    person = people["person"]
    login(people["coordinator"])
    page = client.get(f"/agency/staff/{person.id}").get_data(as_text=True)
    link = page.split('id="training-record-link"')[1].split("</a>")[0]
    assert f'href="/people/{person.id}/training-record"' in link


def test_the_admins_user_page_links_to_the_record(client, login, people):
    person = people["person"]
    login(people["admin"])
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    link = page.split('id="training-record-link"')[1].split("</a>")[0]
    assert f'href="/people/{person.id}/training-record"' in link
    new_person_page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'id="training-record-link"' not in new_person_page
