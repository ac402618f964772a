"""run-jobs tells people once when their compliance becomes due: one message each naming the
requirements, the day they run out and the courses that would satisfy them; running again
sends nothing new; training again moves the date, so they are told next time."""

import sqlalchemy as sa

from lms.compliance.models import DueNotice
from lms.compliance.notices import send_due_notices
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.compliance.agency_fixtures import school  # noqa: F401
from tests.compliance.pages_helpers import attended, long, months_ago, valid_until
from tests.conftest import count


def _send(app) -> int:
    with app.test_request_context():
        return send_due_notices(now=utcnow())


def test_a_person_due_is_told_once(app, school):  # noqa: F811
    assert _send(app) == 1
    with app.app_context():
        [message] = db.session.scalars(sa.select(OutboxMessage)).all()
        [notice] = db.session.scalars(sa.select(DueNotice)).all()
    day = valid_until(months_ago(23), 24)
    assert message.recipient == school.due.email and message.kind == "compliance_due"
    assert message.subject == "Due soon: School staff refresher"
    assert f"School staff refresher: valid until {long(day)}." in message.body_text
    assert "- DSL refresher: https://localhost/courses/" in message.body_text
    assert f"/sessions/{school.session}" in message.body_text
    assert (notice.user_id, notice.requirement_id, notice.valid_until) == (
        school.due.id,
        school.requirement,
        day,
    )
    # Overdue, never done and compliant people are not told; running again sends nothing.
    assert _send(app) == 0
    assert count(app, OutboxMessage) == 1 and count(app, DueNotice) == 1


def test_training_again_moves_the_date_so_they_are_told_next_time(
    app,
    make_course_session,
    make_completed_booking,
    school,  # noqa: F811
):
    assert _send(app) == 1
    # Ben trains again (22 months ago, a month after last time): due a month later.
    attended(
        make_course_session, make_completed_booking, school.due.id, school.refresher, months_ago(22)
    )
    assert _send(app) == 1
    with app.app_context():
        days = sorted(db.session.scalars(sa.select(DueNotice.valid_until)))
    assert days == [valid_until(months_ago(23), 24), valid_until(months_ago(22), 24)]
    assert count(app, OutboxMessage) == 2


def test_inactive_requirements_and_people_are_not_told(
    app,
    make_user,
    make_course,
    make_requirement,
    school,  # noqa: F811
):
    with app.app_context():
        from lms.accounts.models import User
        from lms.compliance.models import TrainingRequirement

        db.session.get(TrainingRequirement, school.requirement).is_active = False
        db.session.commit()
        assert _send(app) == 0
        db.session.get(TrainingRequirement, school.requirement).is_active = True
        db.session.get(User, school.due.id).is_active = False
        db.session.commit()
    assert _send(app) == 0
    assert count(app, OutboxMessage) == 0


def test_run_jobs_sends_the_notices(app, runner, school):  # noqa: F811
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "compliance due notices sent: 1" in result.output
    assert count(app, DueNotice) == 1
    result = runner.invoke(args=["run-jobs"])
    assert "compliance due notices sent: 0" in result.output


def test_finding_who_is_due_takes_the_same_queries_for_many_people(
    app,
    make_user,
    make_course_session,
    make_completed_booking,
    school,  # noqa: F811
):
    from lms.compliance.notices import due_now
    from tests.conftest import counting_statements

    def queries() -> int:
        with counting_statements(app) as statements, app.app_context():
            found = due_now(now=utcnow())
        return len(found), len(statements)

    with app.app_context():
        from lms.settings import services as settings

        settings.current()  # the settings row, made once
        db.session.commit()
    one, few = queries()
    for number in range(5):
        person = make_user(name=f"Also due {number}", agency_id=school.agency)
        attended(
            make_course_session, make_completed_booking, person.id, school.refresher, months_ago(23)
        )
    six, many = queries()
    assert (one, six) == (1, 6)
    assert many == few
