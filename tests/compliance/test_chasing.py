"""Chasing a selection: one message each through the outbox naming each requirement and the
courses that would satisfy it, a Chase row per (person, requirement), an audit event; refusals
change nothing."""

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.compliance.models import Chase
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.compliance.agency_fixtures import school  # noqa: F401
from tests.conftest import count, post_form


def _chase(client, values, *, agency=""):
    return post_form(
        client,
        "/agency/compliance/chase",
        {"chosen": values, "for_agency": str(agency)},
        token_from="/agency/compliance" + (f"?agency={agency}" if agency else ""),
    )


def _messages(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.recipient)))


def test_chasing_sends_one_message_to_each_person_naming_the_courses(
    app,
    client,
    login,
    make_requirement,
    school,  # noqa: F811
):
    second = make_requirement("Everyone in schools: induction", sectors=["education"])
    login(school.coordinator)
    values = [
        f"{school.due.id}-{school.requirement}",
        f"{school.overdue.id}-{school.requirement}",
        f"{school.never.id}-{school.requirement}",
        f"{school.never.id}-{second}",
    ]
    response = _chase(client, values)
    assert response.status_code == 302
    assert client.get(response.location).get_data(as_text=True).count("Chased 3 people") == 1

    messages = _messages(app)
    assert [message.recipient for message in messages] == sorted(
        [school.due.email, school.overdue.email, school.never.email]
    )
    dan = next(message for message in messages if message.recipient == school.never.email)
    assert dan.kind == "compliance_chase" and dan.user_id == school.never.id
    assert "Dear Dan Never" in dan.body_text and "Cleo Coordinator" in dan.body_text
    assert "School staff refresher: never done." in dan.body_text
    assert "Everyone in schools: induction: never done." in dan.body_text
    assert "- DSL refresher: https://localhost/courses/" in dan.body_text
    assert f"https://localhost/sessions/{school.session}" in dan.body_text
    ben = next(message for message in messages if message.recipient == school.due.email)
    assert "School staff refresher: due soon, valid until" in ben.body_text
    assert "induction" not in ben.body_text

    with app.app_context():
        chases = db.session.execute(
            sa.select(Chase.user_id, Chase.requirement_id, Chase.message_id, Chase.chased_by_id)
        ).all()
        assert len(chases) == 4
        assert {row.message_id for row in chases if row.user_id == school.never.id} == {dan.id}
        assert {row.chased_by_id for row in chases} == {school.coordinator.id}
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "compliance.chased")
        ).all()
        assert sorted(event.object_id for event in events) == sorted(
            [school.due.id, school.overdue.id, school.never.id]
        )

    # The table shows when each was last chased.
    page = client.get("/agency/compliance?status=never").get_data(as_text=True)
    assert "Never</td>" not in page.split("Dan Never")[1].split("</tr>")[0]


def _refused(app, client, values, message):
    response = _chase(client, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert count(app, OutboxMessage) == 0
    assert count(app, Chase) == 0
    assert count(app, AuditEvent, AuditEvent.action == "compliance.chased") == 0


def test_refusals_change_nothing(app, client, login, make_user, make_agency, school):  # noqa: F811
    stranger = make_user(agency_id=make_agency("Elsewhere"))
    login(school.coordinator)
    due = f"{school.due.id}-{school.requirement}"
    _refused(app, client, [], "Select at least one person to chase")
    _refused(app, client, [due, "12-x"], "The selection could not be read")
    _refused(app, client, [due, "99999999999-1"], "The selection could not be read")
    _refused(app, client, [due, f"{stranger.id}-{school.requirement}"], "is not in Riverside")
    _refused(app, client, [due, f"{school.due.id}-999999"], "does not apply")
    _refused(
        app,
        client,
        [due, f"{school.compliant.id}-{school.requirement}"],
        "Ada Compliant is already compliant",
    )


def test_another_agencys_coordinator_and_practitioners_are_refused(
    app,
    client,
    login,
    make_user,
    make_agency,
    school,  # noqa: F811
):
    elsewhere = make_agency("Elsewhere")
    login(make_user(roles=(Role.COORDINATOR,), agency_id=elsewhere))
    due = f"{school.due.id}-{school.requirement}"
    token_page = "/agency/compliance"
    response = post_form(
        client,
        "/agency/compliance/chase",
        {"chosen": [due], "for_agency": str(school.agency)},
        token_from=token_page,
    )
    assert response.status_code == 403
    response = _chase(client, [due])  # their own agency: Ben is not in it
    assert response.status_code == 200 and "is not in Elsewhere" in response.get_data(as_text=True)

    practitioner = app.test_client()
    login(school.never, using=practitioner)
    response = post_form(
        practitioner, "/agency/compliance/chase", {"chosen": [due]}, token_from="/my-training"
    )
    assert response.status_code == 403
    assert count(app, OutboxMessage) == 0 and count(app, Chase) == 0


def test_an_admin_chases_in_the_agency_they_chose(app, client, login, make_user, school):  # noqa: F811
    login(make_user(roles=(Role.ADMIN,)))
    response = _chase(client, [f"{school.overdue.id}-{school.requirement}"], agency=school.agency)
    assert response.status_code == 302 and f"agency={school.agency}" in response.location
    assert [message.recipient for message in _messages(app)] == [school.overdue.email]
