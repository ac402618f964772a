"""Admins define training requirements: the list, the form, its refusals, the audit trail,
deactivating, and the two new settings."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, Sector
from lms.audit.models import AuditEvent
from lms.compliance.models import Satisfied, TrainingRequirement
from lms.extensions import db
from lms.settings.models import PartnershipSettings
from tests.conftest import count, post_form, settings_form


@pytest.fixture
def admin(client, make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


def requirement_form(**overrides) -> dict:
    form = {
        "name": "Level 3 for health visitors",
        "description": "Intercollegiate level 3.",
        "satisfied_by": "hours",
        "level": "3",
        "hours": "6",
        "within_years": "3",
        "renew_months": "",
        "job_title_words": "health visitor\nschool nurse",
    }
    return form | overrides


def _requirement(app, name):
    with app.app_context():
        requirement = db.session.scalar(
            sa.select(TrainingRequirement).where(TrainingRequirement.name == name)
        )
        if requirement is None:
            return None
        return {
            "id": requirement.id,
            "satisfied_by": requirement.satisfied_by,
            "level": requirement.level,
            "hours": requirement.hours,
            "within_years": requirement.within_years,
            "renew_months": requirement.renew_months,
            "sectors": requirement.sectors,
            "agencies": [agency.id for agency in requirement.agencies],
            "tags": [tag.id for tag in requirement.tags],
            "courses": [course.id for course in requirement.courses],
            "themes": [theme.id for theme in requirement.themes],
            "job_titles": requirement.job_titles,
            "is_example": requirement.is_example,
            "is_active": requirement.is_active,
            "outside": requirement.outside_training_counts,
        }


def _audit(app, action):
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_an_hours_requirement_is_saved_with_who_it_applies_to_and_audited(
    app, client, admin, make_agency, make_role_tag
):
    agency = make_agency("Riverside University Hospitals NHS Trust")
    tag = make_role_tag("Named or designated professional (health)")
    data = requirement_form(
        sectors=["health"],
        agency_ids=[str(agency)],
        tag_ids=[str(tag)],
        outside_training_counts="y",
    )
    response = post_form(client, "/admin/requirements/new", data)
    assert response.status_code == 302
    saved = _requirement(app, "Level 3 for health visitors")
    assert saved["satisfied_by"] is Satisfied.HOURS
    assert (saved["level"], saved["hours"], saved["within_years"]) == (3, Decimal("6.0"), 3)
    assert saved["renew_months"] is None and saved["outside"] is True
    assert saved["sectors"] == [Sector.HEALTH]
    assert saved["agencies"] == [agency] and saved["tags"] == [tag]
    assert saved["job_titles"] == ["health visitor", "school nurse"]
    [event] = _audit(app, "requirement.created")
    assert event.before is None and event.after["hours"] == "6.0"
    assert event.after["tags"] == ["Named or designated professional (health)"]

    page = client.get("/admin/requirements").get_data(as_text=True)
    assert "Level 3 for health visitors" in page
    assert "6 hours at level 3 or above within 3 years" in page
    assert "Job titles with: health visitor, school nurse" in page
    assert "Roles: Named or designated professional (health)" in page
    assert "Example: the partnership must confirm this" not in page


def test_a_courses_requirement_needs_a_course_and_renews_in_months(
    app, client, admin, make_course, make_module
):
    course = make_course("Designated safeguarding lead refresher", level=3)
    module = make_module("Level 1 Safeguarding Children")
    make_course("Draft course", status="draft")
    page = client.get("/admin/requirements/new").get_data(as_text=True)
    assert "Designated safeguarding lead refresher" in page and "Level 1 Safeguarding" in page
    assert "Draft course" not in page

    refused = post_form(
        client,
        "/admin/requirements/new",
        {"name": "DSL refresher", "satisfied_by": "courses", "renew_months": "24"},
    )
    assert refused.status_code == 200
    assert "Select at least one course or module that satisfies it" in refused.get_data(
        as_text=True
    )
    assert _requirement(app, "DSL refresher") is None

    data = {
        "name": "DSL refresher",
        "satisfied_by": "courses",
        "course_ids": [str(course), str(module)],
        "renew_months": "24",
        "sectors": ["education"],
        # Values for another kind are not kept.
        "hours": "6",
        "within_years": "3",
    }
    assert post_form(client, "/admin/requirements/new", data).status_code == 302
    saved = _requirement(app, "DSL refresher")
    assert sorted(saved["courses"]) == sorted([course, module])
    assert saved["renew_months"] == 24 and saved["hours"] is None
    assert saved["within_years"] is None
    page = client.get("/admin/requirements").get_data(as_text=True)
    assert "Every 24 months" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the requirement&#39;s name"),
        ({"name": "x" * 201}, "The name must be 200 characters or fewer"),
        ({"hours": ""}, "Enter the hours of training needed"),
        ({"within_years": ""}, "Enter the number of years the hours are counted over"),
        ({"hours": "lots"}, "Enter the hours as a number, like 6 or 7.5"),
        ({"hours": "NaN"}, "Enter the hours as a number, like 6 or 7.5"),
        ({"hours": "100"}, "Enter the hours as a number from 0.5 to 99.5"),
        ({"hours": "0"}, "Enter the hours as a number from 0.5 to 99.5"),
        ({"hours": "6.25"}, "Enter the hours to one decimal place"),
        ({"within_years": "11"}, "Enter a number of years from 1 to 10"),
        ({"within_years": "three"}, "Enter the number of years as a whole number"),
        ({"within_years": "99999999999999999999"}, "Enter the number of years as a whole number"),
        ({"renew_months": "12"}, "An hours requirement is renewed by its years"),
        ({"satisfied_by": "level", "renew_months": "121"}, "from 1 to 120"),
        ({"satisfied_by": "level", "level": ""}, "Select the level of training that satisfies"),
        ({"level": "9"}, "Select the level from the list"),
        ({"satisfied_by": "sometimes"}, "Select what satisfies the requirement"),
        ({"sectors": ["health", "moon"]}, "Select the sectors from the list"),
        ({"agency_ids": ["2147483648"]}, "Select the agencies from the list"),
        ({"agency_ids": ["abc"]}, "Select the agencies from the list"),
        ({"tag_ids": ["999"]}, "Select the roles from the list"),
        ({"course_ids": ["-1"], "satisfied_by": "courses"}, "Select the courses or modules"),
        ({"theme_ids": ["7"]}, "Select the themes from the list"),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_saved(
    app, client, admin, overrides, message
):
    response = post_form(client, "/admin/requirements/new", requirement_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert count(app, TrainingRequirement) == 0


def test_names_are_unique_whatever_their_case(app, client, admin, make_requirement):
    make_requirement("Level 1 for all health staff")
    response = post_form(
        client, "/admin/requirements/new", requirement_form(name="level 1 for ALL health staff")
    )
    assert "There is already a requirement called level 1 for ALL health staff" in (
        response.get_data(as_text=True)
    )
    assert count(app, TrainingRequirement) == 1


def test_control_characters_are_cleaned_and_a_nul_is_refused(app, client, admin):
    response = post_form(
        client, "/admin/requirements/new", requirement_form(name="Level\x07 3\x1b health")
    )
    assert response.status_code == 302
    assert _requirement(app, "Level 3 health") is not None
    nul = post_form(client, "/admin/requirements/new", requirement_form(name="Bad\x00name"))
    assert nul.status_code == 400
    assert count(app, TrainingRequirement) == 1


def test_saving_an_example_confirms_it_and_the_change_is_audited(
    app, client, admin, make_requirement, make_course
):
    course = make_course("Designated safeguarding lead refresher")
    requirement = make_requirement(
        "DSL refresher", course_ids=[course], renew_months=24, example=True
    )
    listing = client.get("/admin/requirements").get_data(as_text=True)
    assert "Example: the partnership must confirm this" in listing
    page = client.get(f"/admin/requirements/{requirement}").get_data(as_text=True)
    assert "saving it confirms it" in page and 'value="24"' in page

    data = {"name": "DSL refresher", "satisfied_by": "courses", "course_ids": [str(course)]}
    data["renew_months"] = "12"
    response = post_form(client, f"/admin/requirements/{requirement}", data)
    assert response.status_code == 302
    saved = _requirement(app, "DSL refresher")
    assert saved["is_example"] is False and saved["renew_months"] == 12
    [event] = _audit(app, "requirement.updated")
    assert event.before["renew_months"] == 24 and event.after["renew_months"] == 12
    assert event.before["is_example"] is True and event.after["is_example"] is False
    assert "Example: the partnership" not in client.get("/admin/requirements").get_data(
        as_text=True
    )


def test_deactivating_and_reactivating_are_audited(app, client, admin, make_requirement):
    requirement = make_requirement("Prevent every 2 years", satisfied_by="level", level=1)
    path = f"/admin/requirements/{requirement}/active"
    post_form(client, path, {"active": "0"}, token_from="/admin/requirements")
    assert _requirement(app, "Prevent every 2 years")["is_active"] is False
    assert "Not active" in client.get("/admin/requirements").get_data(as_text=True)
    post_form(client, path, {"active": "1"}, token_from="/admin/requirements")
    assert _requirement(app, "Prevent every 2 years")["is_active"] is True
    [off] = _audit(app, "requirement.deactivated")
    [on] = _audit(app, "requirement.reactivated")
    assert off.before["is_active"] is True and off.after["is_active"] is False
    assert on.after["is_active"] is True


def test_only_admins_reach_the_requirement_pages(app, client, make_user, login, make_requirement):
    requirement = make_requirement()
    login(make_user(roles=(Role.COORDINATOR,)))
    assert client.get("/admin/requirements").status_code == 403
    assert client.get(f"/admin/requirements/{requirement}").status_code == 403
    assert client.get("/admin/requirements/99999").status_code == 403


def test_an_unknown_requirement_is_not_found(client, admin):
    assert client.get("/admin/requirements/99999").status_code == 404
    assert client.get("/admin/requirements/99999999999").status_code == 404


def test_the_admin_area_links_to_the_requirements(client, admin):
    page = client.get("/admin/courses").get_data(as_text=True)
    assert 'href="/admin/requirements"' in page


# Settings ------------------------------------------------------------------------------------


def _compliance_settings(app):
    with app.app_context():
        row = db.session.get(PartnershipSettings, 1)
        return row.compliance_due_months, row.suppress_below


def test_the_compliance_settings_are_shown_saved_and_audited(app, client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Compliance is due this many months before it runs out" in page
    assert "Published tables show counts below this" in page
    changed = settings_form(compliance_due_months=6, suppress_below=10)
    assert post_form(client, "/admin/settings", changed).status_code == 302
    assert _compliance_settings(app) == (6, 10)
    [event] = _audit(app, "settings.updated")
    assert event.before["compliance_due_months"] == 3 and event.after["suppress_below"] == 10


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"compliance_due_months": 0}, "must be from 1 to 12"),
        ({"compliance_due_months": 13}, "must be from 1 to 12"),
        ({"suppress_below": 1}, "must be from 2 to 100"),
        ({"suppress_below": 101}, "must be from 2 to 100"),
        ({"suppress_below": ""}, "Enter a number"),
    ],
)
def test_compliance_settings_out_of_range_are_refused(app, client, admin, overrides, message):
    response = post_form(client, "/admin/settings", settings_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(app, AuditEvent, AuditEvent.action == "settings.updated") == 0
