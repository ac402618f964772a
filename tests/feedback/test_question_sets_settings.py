"""The evaluation's other settings: the partnership's settings, the course's "ask before" box
and the provider a trainer works for."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.audit.models import AuditEvent
from lms.catalogue.models import Course
from lms.extensions import db
from lms.settings.models import PartnershipSettings
from tests.accounts.test_admin import user_form
from tests.catalogue.test_catalogue_admin import course_form
from tests.conftest import post_form, settings_form


@pytest.fixture
def admin(client, make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


def _settings(app) -> tuple:
    with app.app_context():
        row = db.session.get(PartnershipSettings, 1)
        return (
            row.follow_up_weeks,
            row.feedback_reminder_days,
            row.feedback_link_days,
            row.fewest_responses,
            row.certificates_wait_for_evaluation,
        )


def test_the_evaluation_settings_are_shown_and_saved(app, client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Weeks after the course the follow-up is sent" in page
    assert "Certificates wait until the evaluation straight after the course is answered" in page
    assert 'name="certificates_wait_for_evaluation" type="checkbox" value="y" checked' in page
    assert post_form(client, "/admin/settings", settings_form()).status_code == 302
    assert _settings(app) == (8, 7, 28, 10, True)
    changed = settings_form(
        follow_up_weeks=6,
        feedback_reminder_days=5,
        feedback_link_days=21,
        fewest_responses=5,
        certificates_wait_for_evaluation="",
    )
    assert post_form(client, "/admin/settings", changed).status_code == 302
    assert _settings(app) == (6, 5, 21, 5, False)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="follow_up_weeks" type="text" value="6"' in page
    assert 'name="certificates_wait_for_evaluation" type="checkbox" value="y" checked' not in page


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("follow_up_weeks", 0, "weeks after the course the follow-up is sent must be from 1 to 52"),
        ("follow_up_weeks", 53, "must be from 1 to 52"),
        ("feedback_reminder_days", 31, "must be from 1 to 30"),
        ("feedback_link_days", 6, "days a follow-up link works must be from 7 to 90"),
        ("feedback_link_days", 91, "must be from 7 to 90"),
        ("fewest_responses", 0, "fewest responses a figure is shown for must be from 1 to 100"),
        ("fewest_responses", 101, "must be from 1 to 100"),
        ("fewest_responses", "ten", "Not a valid integer value"),
    ],
)
def test_evaluation_settings_out_of_range_are_refused(app, client, admin, name, value, message):
    assert post_form(client, "/admin/settings", settings_form()).status_code == 302
    refused = post_form(client, "/admin/settings", settings_form(**{name: value}))
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert f'name="{name}" type="text" value="{value}"' in page
    assert _settings(app) == (8, 7, 28, 10, True)


def test_a_course_asks_people_booked_before_the_day_when_ticked(app, client, admin):
    assert post_form(client, "/admin/courses/new", course_form()).status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        course_id, code = course.id, course.code
        assert course.evaluation_before is False
    form_page = client.get(f"/admin/courses/{course_id}").get_data(as_text=True)
    assert "Ask people booked to rate their knowledge and confidence before the course" in form_page
    assert 'name="evaluation_before" type="checkbox" value="y" checked' not in form_page

    saved = post_form(client, f"/admin/courses/{course_id}", course_form(evaluation_before="y"))
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Course, course_id).evaluation_before is True
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "Course", AuditEvent.action == "course.updated")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert (event.before["evaluation_before"], event.after["evaluation_before"]) == (
            False,
            True,
        )
    form_page = client.get(f"/admin/courses/{course_id}").get_data(as_text=True)
    assert 'name="evaluation_before" type="checkbox" value="y" checked' in form_page
    post_form(client, f"/admin/courses/{course_id}/publish", {}, token_from="/admin/courses")
    public = client.get(f"/courses/{code}").get_data(as_text=True)
    assert "we ask you to rate your knowledge and confidence" in public

    assert post_form(client, f"/admin/courses/{course_id}", course_form()).status_code == 302
    with app.app_context():
        assert db.session.get(Course, course_id).evaluation_before is False
    assert "we ask you to rate" not in client.get(f"/courses/{code}").get_data(as_text=True)


def test_an_admin_says_which_provider_a_trainer_works_for(
    app, client, admin, make_agency, make_provider
):
    agency = make_agency()
    provider = make_provider("Safe Hands Training")
    retired = make_provider("Old Provider")
    with app.app_context():
        from lms.catalogue.models import Provider

        db.session.get(Provider, retired).is_active = False
        db.session.commit()
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "A trainer who works for a commissioned provider sees the evaluation summary" in page
    assert "Safe Hands Training" in page and "Old Provider" not in page

    made = post_form(client, "/admin/users/new", user_form(agency, provider_id=str(provider)))
    assert made.status_code == 302
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == "tomasz@riverside-council.example")
        )
        assert user.provider_id == provider
        user_id = user.id
    path = f"/admin/users/{user_id}"
    assert f'<option value="{provider}" selected' in client.get(path).get_data(as_text=True)

    for typed in (str(retired), "999999", "99999999999999999999", "safe-hands"):
        refused = post_form(client, path, user_form(agency, provider_id=typed))
        assert refused.status_code == 200, typed
        assert "Select the provider from the list" in refused.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(User, user_id).provider_id == provider

    assert post_form(client, path, user_form(agency, provider_id="")).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).provider_id is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "User", AuditEvent.object_id == user_id
            )
        ).all()
        assert actions.count("user.provider_changed") == 2
