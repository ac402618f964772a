"""The demo's example requirements and role tags, and the school coordinator whose designated
safeguarding leads are in every state."""

import sqlalchemy as sa

from lms.accounts.models import Role, Sector, User
from lms.compliance import status
from lms.compliance.demo import DSL_COURSE, SCHOOL_COORDINATOR_EMAIL
from lms.compliance.models import PersonTag, RoleTag, TrainingRequirement
from lms.core.models import utcnow
from lms.elearning.renewals import today_in_uk
from lms.extensions import db
from tests.conftest import count, post_form

DSL_REQUIREMENT = "Schools: designated safeguarding lead refresher"


def test_the_demo_ships_examples_to_confirm_and_a_school_with_leads_in_every_state(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "6 example requirements" in result.output
    with app.app_context():
        requirements = {
            requirement.name: requirement
            for requirement in db.session.scalars(sa.select(TrainingRequirement))
        }
        assert all(requirement.is_example for requirement in requirements.values())
        level3 = requirements["Health: intercollegiate level 3"]
        assert (level3.level, level3.hours, level3.within_years) == (3, 6, 3)
        assert "health visitor" in level3.job_titles and level3.sectors == [Sector.HEALTH]
        dsl = requirements[DSL_REQUIREMENT]
        assert [course.code for course in dsl.courses] == [DSL_COURSE]
        assert dsl.renew_months == 24
        assert {tag.name for tag in dsl.tags} == {
            "Designated safeguarding lead",
            "Deputy designated safeguarding lead",
        }
        coordinator = db.session.scalar(
            sa.select(User).where(User.email == SCHOOL_COORDINATOR_EMAIL)
        )
        assert coordinator.agency.sector is Sector.EDUCATION
        assert Role.COORDINATOR in coordinator.roles
        today = today_in_uk(utcnow())
        leads = [
            found
            for found in status.for_agency(coordinator.agency_id, today=today, due_months=3)
            if found.rule.name == DSL_REQUIREMENT
        ]
        states = {found.person.email: found.state for found in leads}
        assert sorted(state.value for state in states.values()) == sorted(
            state.value for state in status.State
        ), states
        assert states[SCHOOL_COORDINATOR_EMAIL] is status.State.COMPLIANT
        assert states["practitioner@alderroad.sch.example"] is status.State.DUE
        tags, requirements_count = count(app, PersonTag), len(requirements)

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert count(app, TrainingRequirement) == requirements_count
    assert count(app, PersonTag) == tags and count(app, RoleTag) == 4


def test_the_school_coordinator_signs_in_and_sees_the_roles_of_their_leads(app, runner, client):
    runner.invoke(args=["seed-demo"])
    from lms.accounts.demo import DEMO_PASSWORD

    login = {"email": SCHOOL_COORDINATOR_EMAIL, "password": DEMO_PASSWORD}
    assert post_form(client, "/sign-in", login).status_code == 302
    with app.app_context():
        zoe = db.session.scalar(
            sa.select(User).where(User.email == "practitioner@alderroad.sch.example")
        )
    page = client.get(f"/agency/staff/{zoe.id}").get_data(as_text=True)
    assert "Designated safeguarding lead" in page
    assert client.get(f"/agency/staff/{zoe.id}/role-tags").status_code == 200
