"""Requests straight after e-learning: a provider file and an xAPI statement ask about recent
completions (set-based for a file), never about training declared as done elsewhere or about
completions older than the follow-up weeks; undoing the import withdraws."""

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core.models import utcnow
from lms.core.timefmt import local
from lms.elearning import batches, completions
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback.models import Response, Stage
from lms.mail.models import OutboxMessage
from tests.elearning import import_fixtures
from tests.elearning.import_fixtures import csv_bytes
from tests.elearning.test_import_service import import_file
from tests.elearning.xapi_helpers import make_sender, post, statement

provider = import_fixtures.provider


def _asked(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(Completion.user_id, Completion.course_id, Response.withdrawn_at)
            .join(Response, Response.completion_id == Completion.id)
            .where(Response.stage == Stage.AFTER)
            .order_by(Response.id)
        ).all()


def _sent(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(OutboxMessage.recipient)
                .where(OutboxMessage.kind == "evaluation_request")
                .order_by(OutboxMessage.id)
            )
        )


def _day(days_ago: int) -> str:
    return (local(utcnow()).date() - timedelta(days=days_ago)).strftime("%d/%m/%Y")


def test_an_import_asks_about_recent_completions_only_and_undo_withdraws(app, provider):
    amina, zoe = provider["amina"], provider["zoe"]
    rows = [
        [amina.email, "Amina Patel", "SG1", _day(3), "Completed"],
        [zoe.email, "Zoë Brown", "SG1", _day(55), "Completed"],
        # Older than 8 weeks: history, not asked.
        [amina.email, "Amina Patel", "SG2", _day(60), "Completed"],
        [zoe.email, "Zoë Brown", "SG2", _day(400), "Completed"],
    ]
    counts = import_file(app, provider["id"], csv_bytes(rows), by_id=amina.id)
    assert counts["added"] == 4
    # (A bulk insert's rows may come in either order: compared as a set.)
    assert sorted((user_id, course) for user_id, course, _ in _asked(app)) == sorted(
        [(amina.id, provider["level1"]), (zoe.id, provider["level1"])]
    )
    assert sorted(_sent(app)) == sorted([amina.email, zoe.email])
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == zoe.email)
        )
        response_id = db.session.scalar(sa.select(Response.id).where(Response.user_id == zoe.id))
        assert f"/feedback/{response_id}" in message.body_text
        assert "Safeguarding Children Level 1" in message.body_text

    with app.app_context():
        batch = db.session.get(batches.ElearningImport, counts["id"])
        batches.undo(batch, by=db.session.get(User, amina.id))
        db.session.commit()
    assert all(withdrawn is not None for _, _, withdrawn in _asked(app))


def test_importing_the_same_file_again_asks_nobody_twice(app, provider):
    amina = provider["amina"]
    data = csv_bytes([[amina.email, "Amina Patel", "SG1", _day(3), "Completed"]])
    import_file(app, provider["id"], data, by_id=amina.id)
    import_file(app, provider["id"], data, by_id=amina.id)
    assert len(_asked(app)) == 1 and len(_sent(app)) == 1


def test_an_xapi_completion_asks(app, client, make_module, make_user):
    sender = make_sender(app, make_module, make_user)
    learner = make_user("sam@example.org")
    timestamp = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = post(
        client, sender, statement(learner.email, sender.activity_id, timestamp=timestamp)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [(user_id, course) for user_id, course, _ in _asked(app)] == [
        (learner.id, sender.module_id)
    ]
    assert _sent(app) == [learner.email]


def test_a_declared_or_old_completion_is_not_asked(app, make_user, make_module, make_completion):
    person = make_user()
    module = make_module()
    today = local(utcnow()).date()
    make_completion(person.id, module, today, source="self_declared")
    make_completion(person.id, module, today - timedelta(weeks=8, days=1))
    assert _asked(app) == [] and _sent(app) == []
    recent = make_completion(person.id, module, today - timedelta(weeks=8))
    assert len(_asked(app)) == 1
    with app.app_context():
        completions.withdraw(db.session.get(Completion, recent), by=None, reason="Wrong person")
        db.session.commit()
    assert _asked(app)[0][2] is not None


def test_run_jobs_catches_up_with_a_completion_never_asked(
    app, runner, make_user, make_module, make_completion
):
    from lms.elearning import completions as module_completions

    person = make_user()
    module = make_module()
    hooks = list(module_completions.COMPLETED)
    module_completions.COMPLETED.clear()  # as if the process stopped before asking
    try:
        make_completion(person.id, module, local(utcnow()).date())
    finally:
        module_completions.COMPLETED.extend(hooks)
    assert _asked(app) == []
    output = runner.invoke(args=["run-jobs"]).output
    assert "evaluations asked for after a course (caught up): 1" in output
    assert len(_asked(app)) == 1 and _sent(app) == [person.email]
    runner.invoke(args=["run-jobs"])
    assert len(_asked(app)) == 1 and len(_sent(app)) == 1
