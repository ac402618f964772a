"""E-learning modules in the catalogue: administrators add them with the provider's details,
and each refused value is explained with what was typed kept and nothing saved."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.services import events_for
from lms.catalogue.models import Course, CourseSession, CourseStatus
from lms.elearning.models import Completion
from lms.extensions import db
from tests.conftest import count, post_form


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    return client


def module_form(provider, **overrides):
    data = {
        "code": "EL-L1",
        "title": "Safeguarding children level 1",
        "summary": "The basics of safeguarding children, online.",
        "learning_outcomes": "",
        "level": "1",
        "delivery_mode": "elearning",
        "audience": "children",
        "cpd_hours": "1.5",
        "provider_id": str(provider),
        "prerequisite_id": "",
        "module_code": "SC-L1",
        "activity_id": "https://elearning.example.org/activities/sc-l1",
        "course_url": "https://elearning.example.org/courses/sc-l1",
        "certificate_validity_months": "36",
    }
    data.update(overrides)
    return data


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_admin_adds_an_elearning_module_with_its_provider_details(app, admin_client, make_provider):
    provider = make_provider("Learning Pool")
    response = post_form(admin_client, "/admin/courses/new", module_form(provider))
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert (
            course.provider_id,
            course.module_code,
            course.activity_id,
            course.course_url,
            course.certificate_validity_months,
            course.status,
        ) == (
            provider,
            "SC-L1",
            "https://elearning.example.org/activities/sc-l1",
            "https://elearning.example.org/courses/sc-l1",
            36,
            CourseStatus.DRAFT,
        )


def test_the_form_labels_the_validity_in_months(admin_client):
    page = text_of(admin_client.get("/admin/courses/new"))
    assert "Valid for (months)" in page
    assert "Leave blank if it never expires" in page
    assert "Module code" in page


def test_a_module_that_never_expires_has_no_validity(app, admin_client, make_provider):
    provider = make_provider()
    response = post_form(
        admin_client,
        "/admin/courses/new",
        module_form(provider, certificate_validity_months="", activity_id="", course_url=""),
    )
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert (course.certificate_validity_months, course.activity_id, course.course_url) == (
            None,
            None,
            None,
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"provider_id": ""}, "Select the provider of the e-learning module"),
        ({"module_code": ""}, "Enter the provider&#39;s code for the module"),
        ({"module_code": "X" * 101}, "The module code must be 100 characters or fewer"),
        ({"activity_id": "sc-l1"}, "The activity id must be a full web address"),
        ({"activity_id": "ftp://example.org/a"}, "The activity id must be a full web address"),
        ({"activity_id": "https://"}, "The activity id must be a full web address"),
        ({"course_url": "javascript:alert(1)"}, "must be a full web address starting with"),
        ({"course_url": "www.example.org/l1"}, "must be a full web address starting with"),
        (
            {"course_url": "https://example.org/" + "a" * 500},
            "The link must be 500 characters or fewer",
        ),
        ({"certificate_validity_months": "three"}, "Enter the months it is valid for"),
        ({"certificate_validity_months": "0"}, "must be from 1 to 120"),
        ({"certificate_validity_months": "121"}, "must be from 1 to 120"),
    ],
)
def test_bad_module_details_are_explained_and_nothing_is_saved(
    app, admin_client, make_provider, overrides, message
):
    provider = make_provider()
    response = post_form(admin_client, "/admin/courses/new", module_form(provider, **overrides))
    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert "govuk-error-summary" in page
    assert 'value="Safeguarding children level 1"' in page  # what was typed is kept
    assert count(app, Course) == 0


def test_a_module_code_is_unique_for_its_provider(app, admin_client, make_provider, make_module):
    provider = make_provider("Learning Pool")
    make_module("Level 1 (old)", module_code="SC-L1", provider_id=provider)
    response = post_form(
        admin_client, "/admin/courses/new", module_form(provider, module_code="sc-l1")
    )
    assert "Learning Pool already has a module with the code sc-l1: Level 1 (old)" in text_of(
        response
    )
    assert count(app, Course) == 1
    other = make_provider("Another provider")
    response = post_form(
        admin_client,
        "/admin/courses/new",
        module_form(other, module_code="SC-L1", activity_id=""),
    )
    assert response.status_code == 302
    assert count(app, Course) == 2


def test_an_activity_id_names_one_module(app, admin_client, make_provider, make_module):
    taken = make_module("Level 1 (old)", module_code="OLD")
    with app.app_context():
        activity = db.session.get(Course, taken).activity_id
    response = post_form(
        admin_client, "/admin/courses/new", module_form(make_provider(), activity_id=activity)
    )
    assert "Another module already has this activity id: Level 1 (old)" in text_of(response)
    assert count(app, Course) == 1


def test_a_module_keeps_its_own_code_and_activity_when_saved_again(app, admin_client, make_module):
    module = make_module("Level 1", module_code="L1", validity_months=36)
    with app.app_context():
        course = db.session.get(Course, module)
        data = module_form(
            course.provider_id,
            code=course.code,
            title="Level 1, revised",
            module_code="L1",
            activity_id=course.activity_id,
        )
    response = post_form(admin_client, f"/admin/courses/{module}", data)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Course, module).title == "Level 1, revised"


def test_a_face_to_face_course_keeps_no_module_details(app, admin_client, make_provider):
    response = post_form(
        admin_client,
        "/admin/courses/new",
        module_form("", delivery_mode="classroom"),
    )
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert (course.module_code, course.activity_id, course.course_url) == (None, None, None)


def test_changing_the_validity_moves_every_completions_expiry(
    app, admin_client, make_module, make_user, make_completion
):
    module = make_module("Level 1", module_code="L1", validity_months=36)
    completion = make_completion(make_user().id, module, date(2025, 1, 31))
    with app.app_context():
        held = db.session.get(Completion, completion)
        assert held.expires_on == date(2028, 1, 31)
        held.renewal_reminded_at = sa.func.now()
        db.session.commit()
        course = db.session.get(Course, module)
        data = module_form(
            course.provider_id,
            code=course.code,
            title=course.title,
            module_code="L1",
            activity_id=course.activity_id,
            certificate_validity_months="13",
        )
    response = post_form(admin_client, f"/admin/courses/{module}", data, follow_redirects=True)
    assert "Its completions now expire to match the new validity" in text_of(response)
    with app.app_context():
        held = db.session.get(Completion, completion)
        assert held.expires_on == date(2026, 2, 28)
        assert held.renewal_reminded_at is None  # a new expiry earns a new reminder
    with app.app_context():
        events = {event.action: event for event in events_for(db.session.get(Course, module))}
        assert events["elearning.expiry_moved"].after == {"validity_months": 13, "completions": 1}
        assert events["course.updated"].before["validity_months"] == 36
    data["certificate_validity_months"] = ""
    assert post_form(admin_client, f"/admin/courses/{module}", data).status_code == 302
    with app.app_context():
        assert db.session.get(Completion, completion).expires_on is None


def test_a_refused_save_leaves_the_expiry_alone(
    app, admin_client, make_module, make_user, make_completion
):
    module = make_module("Level 1", module_code="L1", validity_months=36)
    completion = make_completion(make_user().id, module, date(2025, 1, 31))
    with app.app_context():
        course = db.session.get(Course, module)
        data = module_form(
            course.provider_id,
            code=course.code,
            title="",
            module_code="L1",
            activity_id=course.activity_id,
            certificate_validity_months="12",
        )
    assert post_form(admin_client, f"/admin/courses/{module}", data).status_code == 200
    with app.app_context():
        assert db.session.get(Completion, completion).expires_on == date(2028, 1, 31)
        assert db.session.get(Course, module).certificate_validity_months == 36


def test_a_module_with_completions_stays_elearning(
    app, admin_client, make_module, make_user, make_completion
):
    module = make_module("Level 1", module_code="L1")
    make_completion(make_user().id, module, date(2025, 1, 31))
    with app.app_context():
        course = db.session.get(Course, module)
        data = module_form(
            "", code=course.code, title=course.title, delivery_mode="classroom", module_code=""
        )
    response = post_form(admin_client, f"/admin/courses/{module}", data)
    assert "This module has completions recorded, so it must stay e-learning" in text_of(response)
    with app.app_context():
        assert db.session.get(Course, module).module_code == "L1"


def test_a_module_is_archived_never_deleted(app, admin_client, make_module, client):
    module = make_module("Level 1", code="EL1")
    response = post_form(
        admin_client,
        f"/admin/courses/{module}/archive",
        {},
        token_from=f"/admin/courses/{module}",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Course, module).status is CourseStatus.ARCHIVED
    assert "/courses/EL1" not in text_of(client.get("/courses"))
    assert "This course is no longer offered" in text_of(client.get("/courses/EL1"))


def test_no_session_can_be_scheduled_for_a_module(app, admin_client, make_module, make_venue):
    module = make_module("Level 1")
    page = text_of(admin_client.get("/admin/courses/new"))
    assert "Schedule a session" not in text_of(admin_client.get(f"/admin/courses/{module}"))
    assert f'value="{module}"' not in text_of(admin_client.get("/admin/sessions/new"))
    response = post_form(
        admin_client,
        "/admin/sessions/new",
        {
            "course_id": str(module),
            "dates-0-day": ["10", "3", str(date.today().year + 1)],
            "dates-0-starts": "09:30",
            "dates-0-ends": "12:30",
            "venue_id": str(make_venue()),
            "capacity": "20",
            "cancellation_notice_hours": "48",
        },
    )
    assert "E-learning courses are not delivered in scheduled sessions" in text_of(response)
    assert count(app, CourseSession) == 0
    assert page  # the new-course page still renders
