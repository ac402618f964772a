"""Agency-scoped powers belong to a named agency and end when the person moves; a move into an
agency the person's email does not belong to waits for that agency's coordinator or an admin."""

import sqlalchemy as sa

from lms.accounts.models import AgencyMoveRequest, RequestStatus, Role, User
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import post_form


def account_form(person, agency_id):
    return {
        "name": person.name,
        "job_title": "Health visitor",
        "agency_id": str(agency_id),
        "line_manager_email": "",
    }


def subjects_to(app, email):
    with app.app_context():
        return [
            message.subject
            for message in db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.recipient == email)
            )
        ]


def test_a_coordinator_cannot_make_themselves_coordinator_of_another_agency(
    app, client, make_agency, make_user, login
):
    home = make_agency("Riverside Council", domains=("riverside.example",))
    target = make_agency("Northgate Academy", domains=("northgate.example",))
    target_coordinator = make_user(
        "head@northgate.example", roles=(Role.COORDINATOR,), agency_id=target
    )
    colleague = make_user("staff@northgate.example", agency_id=target)
    intruder = make_user("coord@riverside.example", roles=(Role.COORDINATOR,), agency_id=home)
    login(intruder)
    response = post_form(client, "/account", account_form(intruder, target))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, intruder.id)
        assert user.agency_id == home  # not moved
        request = db.session.scalar(sa.select(AgencyMoveRequest))
        assert request.status is RequestStatus.PENDING and request.to_agency_id == target
    # Still nothing of the other agency's: its staff page and its people are out of reach.
    assert client.get(f"/agency/staff/{colleague.id}").status_code == 403
    assert "asks to join Northgate Academy" in " ".join(subjects_to(app, target_coordinator.email))


def test_an_approved_move_ends_the_coordinator_role_and_tells_both_coordinators(
    app, client, make_agency, make_user, login
):
    home = make_agency("Riverside Council", domains=("riverside.example",))
    target = make_agency("Northgate Academy", domains=("northgate.example",))
    old_coordinator = make_user("lead@riverside.example", roles=(Role.COORDINATOR,), agency_id=home)
    new_coordinator = make_user(
        "head@northgate.example", roles=(Role.COORDINATOR,), agency_id=target
    )
    mover = make_user(
        "coord@riverside.example", roles=(Role.PRACTITIONER, Role.COORDINATOR), agency_id=home
    )
    login(mover)
    post_form(client, "/account", account_form(mover, target))
    post_form(client, "/sign-out", {}, token_from="/account")
    login(new_coordinator)
    page = client.get("/join-requests").get_data(as_text=True)
    assert "Riverside Council" in page
    with app.app_context():
        request_id = db.session.scalar(sa.select(AgencyMoveRequest.id))
    post_form(client, f"/join-requests/{request_id}/approve", {}, token_from="/join-requests")
    with app.app_context():
        user = db.session.get(User, mover.id)
        assert user.agency_id == target
        assert user.roles == {Role.PRACTITIONER}  # the coordinator role stayed at Riverside
        moved = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "user.moved_agency")
        )
        assert moved.before["agency_id"] == home and moved.after["agency_id"] == target
        assert moved.after["roles_withdrawn"] == ["coordinator"]
    assert any("has moved agency" in s for s in subjects_to(app, old_coordinator.email))
    assert any("has moved agency" in s for s in subjects_to(app, new_coordinator.email))
    assert any("You have joined Northgate Academy" in s for s in subjects_to(app, mover.email))


def test_a_move_to_an_agency_of_ones_own_email_domain_happens_at_once(
    app, client, make_agency, make_user, login
):
    home = make_agency("Riverside Council", domains=("riverside.example",))
    trust = make_agency("Riverside Hospitals", domains=("nhs.example",))
    person = make_user("nurse@nhs.example", roles=(Role.COORDINATOR,), agency_id=home)
    login(person)
    post_form(client, "/account", account_form(person, trust))
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.agency_id == trust
        assert Role.COORDINATOR not in user.roles
    assert client.get("/agency/staff").status_code == 403


def test_only_the_target_agencys_coordinator_or_an_admin_decides(
    app, client, make_agency, make_user, login
):
    home = make_agency("Riverside Council", domains=("riverside.example",))
    target = make_agency("Northgate Academy", domains=("northgate.example",))
    elsewhere = make_agency("Eastside Surgery", domains=("eastside.example",))
    outsider = make_user("lead@eastside.example", roles=(Role.COORDINATOR,), agency_id=elsewhere)
    mover = make_user("nurse@riverside.example", agency_id=home)
    login(mover)
    post_form(client, "/account", account_form(mover, target))
    post_form(client, "/sign-out", {}, token_from="/account")
    login(outsider)
    with app.app_context():
        request_id = db.session.scalar(sa.select(AgencyMoveRequest.id))
    assert "Riverside Council" not in client.get("/join-requests").get_data(as_text=True)
    response = post_form(
        client, f"/join-requests/{request_id}/approve", {}, token_from="/join-requests"
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(User, mover.id).agency_id == home
