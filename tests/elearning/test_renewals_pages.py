"""Renewals on the pages: a person's "Your training", their coordinator's list of the agency's
renewals and the staff member's page, and the reminder setting."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from lms.accounts.models import Role
from lms.elearning.models import Completion
from lms.extensions import db
from lms.settings.models import PartnershipSettings
from tests.conftest import post_form, settings_form

NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)
TODAY = date(2027, 3, 20)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expiring(app, make_completion):
    def make(user_id, course_id, expires_on, *, completed_on=date(2024, 3, 1)):
        completion_id = make_completion(user_id, course_id, completed_on)
        with app.app_context():
            db.session.get(Completion, completion_id).expires_on = expires_on
            db.session.commit()
        return completion_id

    return make


def rows_of(page: str) -> dict[str, str]:
    """Each table row's text, keyed by its first cell's text."""
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows[cells[0]] = " | ".join(cells).rstrip()
    return rows


def test_your_training_shows_each_module_at_its_boundary(
    client, login, make_user, make_module, expiring
):
    person = make_user()
    cases = {
        "Due from today": TODAY + timedelta(days=30),
        "Still valid": TODAY + timedelta(days=31),
        "Expires tomorrow": TODAY + timedelta(days=1),
        "Expired yesterday": TODAY - timedelta(days=1),
    }
    for title, expires_on in cases.items():
        expiring(person.id, make_module(title), expires_on)
    forever = make_module("Never expires", validity_months=None)
    expiring(person.id, forever, None)
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    assert "E-learning" in page
    rows = rows_of(page)
    assert rows["Due from today"] == (
        "Due from today | 1 March 2024 | 18 April 2027 | Due for renewal | "
        "Renew Due from today (opens in new tab)"
    )
    assert rows["Still valid"].endswith("| 19 April 2027 | Valid |")
    assert "| 20 March 2027 | Due for renewal |" in rows["Expires tomorrow"]
    assert "| 18 March 2027 | Expired | Renew" in rows["Expired yesterday"]
    assert rows["Never expires"] == "Never expires | 1 March 2024 | Does not expire | Valid |"
    assert "3 modules need renewing" in page


def test_your_training_counts_only_the_latest_completion(
    client, login, make_user, make_module, make_completion
):
    person = make_user()
    module = make_module("Level 1", validity_months=12)
    make_completion(person.id, module, date(2025, 1, 10))
    make_completion(person.id, module, date(2027, 1, 10))
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    assert rows_of(page)["Level 1"] == "Level 1 | 10 January 2027 | 9 January 2028 | Valid |"
    # The e-learning table (each completion's certificate is listed above it, under its own day).
    assert "10 January 2025" not in page.split('id="elearning"')[1]


def test_your_training_without_elearning_says_so(client, login, make_user):
    login(make_user())
    assert "No e-learning completions yet" in client.get("/my-training").get_data(as_text=True)


def test_a_coordinator_sees_only_their_own_agencys_renewals(
    client, login, make_user, make_agency, make_module, expiring
):
    agency, elsewhere = make_agency("Riverside Health"), make_agency("Hillside Police")
    coordinator = make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR), agency_id=agency)
    due = make_user(name="Dana Due", agency_id=agency)
    gone = make_user(name="Eddie Expired", agency_id=agency)
    fine = make_user(name="Val Valid", agency_id=agency)
    other = make_user(name="Olly Other", agency_id=elsewhere)
    left = make_user(name="Ina Inactive", agency_id=agency, active=False)
    module = make_module("Level 1")
    expiring(due.id, module, TODAY + timedelta(days=10))
    expiring(gone.id, module, TODAY - timedelta(days=3))
    expiring(fine.id, module, TODAY + timedelta(days=200))
    expiring(other.id, module, TODAY + timedelta(days=10))
    expiring(left.id, module, TODAY + timedelta(days=10))
    login(coordinator)
    page = client.get("/agency/renewals").get_data(as_text=True)
    rows = rows_of(page)
    assert set(rows) == {"Eddie Expired " + gone.email, "Dana Due " + due.email}
    assert "Expired" in rows["Eddie Expired " + gone.email]
    assert "Due for renewal" in rows["Dana Due " + due.email]
    assert "2 renewals" in page
    only_due = rows_of(client.get("/agency/renewals?status=due").get_data(as_text=True))
    assert set(only_due) == {"Dana Due " + due.email}
    only_expired = rows_of(client.get("/agency/renewals?status=expired").get_data(as_text=True))
    assert set(only_expired) == {"Eddie Expired " + gone.email}


def test_a_bad_status_filter_is_explained(client, login, make_user):
    login(make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR)))
    response = client.get("/agency/renewals?status=lost")
    assert response.status_code == 200
    assert "Select the status from the list" in response.get_data(as_text=True)


def test_a_practitioner_cannot_see_the_agency_renewals(client, login, make_user):
    login(make_user())
    assert client.get("/agency/renewals").status_code == 403


def test_the_staff_page_lists_the_persons_elearning(
    client, login, make_user, make_agency, make_module, expiring
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR), agency_id=agency)
    person = make_user(agency_id=agency)
    expiring(person.id, make_module("Level 1"), TODAY + timedelta(days=3))
    login(coordinator)
    page = client.get(f"/agency/staff/{person.id}").get_data(as_text=True)
    assert rows_of(page)["Level 1"] == "Level 1 | 1 March 2024 | 22 March 2027 | Due for renewal"


@pytest.mark.parametrize("value", ["0", "181", "-5"])
def test_the_reminder_days_setting_is_checked(app, client, login, make_user, value):
    login(make_user(roles=(Role.ADMIN,)))
    page = post_form(
        client, "/admin/settings", settings_form(renewal_reminder_days=value)
    ).get_data(as_text=True)
    assert "must be from 1 to 180" in page
    assert f'value="{value}"' in page
    with app.app_context():
        assert db.session.get(PartnershipSettings, 1).renewal_reminder_days == 30


def test_admins_set_the_reminder_days(app, client, login, make_user):
    login(make_user(roles=(Role.ADMIN,)))
    assert "reminded to renew it" in client.get("/admin/settings").get_data(as_text=True)
    assert (
        post_form(client, "/admin/settings", settings_form(renewal_reminder_days=45)).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(PartnershipSettings, 1).renewal_reminder_days == 45


def test_the_renewals_lists_take_the_same_queries_for_2_or_12_people(
    app, client, login, make_user, make_agency, make_module, expiring
):
    from tests.conftest import counting_statements

    agency = make_agency()
    coordinator = make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR), agency_id=agency)
    modules = [make_module(f"Module {n}") for n in range(3)]
    login(coordinator)

    def add_people(number):
        for _ in range(number):
            person = make_user(agency_id=agency)
            for module in modules:
                expiring(person.id, module, TODAY + timedelta(days=5))

    def statements() -> int:
        paths = ("/agency/renewals", "/my-training")
        for path in paths:
            client.get(path)
        with counting_statements(app) as seen:
            for path in paths:
                assert client.get(path).status_code == 200
        return len(seen)

    add_people(2)
    expiring(coordinator.id, modules[0], TODAY + timedelta(days=5))
    few = statements()
    add_people(10)
    expiring(coordinator.id, modules[1], TODAY + timedelta(days=5))
    assert statements() == few


def test_no_renew_link_for_an_archived_module(app, client, login, make_user, make_module, expiring):
    from lms.catalogue.models import Course, CourseStatus

    person = make_user()
    module = make_module("Old level 1")
    expiring(person.id, module, TODAY - timedelta(days=1))
    with app.app_context():
        db.session.get(Course, module).status = CourseStatus.ARCHIVED
        db.session.commit()
    login(person)
    row = rows_of(client.get("/my-training").get_data(as_text=True))["Old level 1"]
    assert row == "Old level 1 | 1 March 2024 | 18 March 2027 | Expired |"
