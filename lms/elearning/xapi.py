"""Live completions: the statements a provider's system sends to /xapi/statements, checked
(`xapi_rules`) and then recorded.

Every statement received is kept once, by its id (`XapiStatement`, whose unique id decides a
race between two requests carrying the same statement); one received before changes nothing.
A statement becomes a completion when its verb is "completed" or "passed", its object is the
activity id of one of the credential's own provider's modules (a provider cannot record
completions of another provider's modules: such a statement is ignored), and its actor's
mbox is someone's email address; the day is the UK date of its timestamp. An address nobody
has an account with waits in the unmatched queue. Every other statement is accepted and
ignored, so a later "failed" or "attempted" never undoes the first completion.
"""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.catalogue.models import Course
from lms.elearning import completions
from lms.elearning.models import (
    CompletionSource,
    UnmatchedCompletion,
    XapiCredential,
    XapiStatement,
)
from lms.elearning.xapi_rules import COMPLETION_VERBS, Statement
from lms.extensions import db

COMPLETION = "completion"
ALREADY_HELD = "already_held"
UNMATCHED = "unmatched"
IGNORED = "ignored"
OUTCOMES = (COMPLETION, ALREADY_HELD, UNMATCHED, IGNORED)


def receive(credential: XapiCredential, statements: list[Statement], *, now: datetime) -> list[str]:
    """Record the statements (checked already) sent with a credential; returns their ids in
    order, those received before included. Flushes, does not commit."""
    ids = [statement.statement_id for statement in statements]
    received = set(
        db.session.scalars(
            sa.select(XapiStatement.statement_id).where(XapiStatement.statement_id.in_(ids))
        )
    )
    fresh = [statement for statement in statements if statement.statement_id not in received]
    modules = _modules(credential, fresh)
    people = _people(fresh)
    for statement in fresh:
        row = XapiStatement(
            statement_id=statement.statement_id,
            credential_id=credential.id,
            verb=statement.verb,
            object_id=statement.object_id,
            actor_email=statement.email,
            received_at=now,
            outcome=IGNORED,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except sa.exc.IntegrityError:
            continue  # the same statement, received by another request at the same moment
        row.outcome = _record(statement, modules, people, now=now)
    credential.last_used_at = now
    db.session.flush()
    return ids


def _is_completion(statement: Statement) -> bool:
    return (
        statement.verb in COMPLETION_VERBS and statement.is_activity and statement.email is not None
    )


def _modules(credential: XapiCredential, statements: list[Statement]) -> dict[str, Course]:
    """The provider's modules the completion statements name, by activity id."""
    wanted = {statement.object_id for statement in statements if _is_completion(statement)}
    if not wanted:
        return {}
    modules = db.session.scalars(
        sa.select(Course).where(
            Course.provider_id == credential.provider_id, Course.activity_id.in_(wanted)
        )
    )
    return {module.activity_id: module for module in modules}


def _people(statements: list[Statement]) -> dict[str, User]:
    wanted = {statement.email for statement in statements if _is_completion(statement)}
    if not wanted:
        return {}
    return {
        user.email: user
        for user in db.session.scalars(sa.select(User).where(User.email.in_(wanted)))
    }


def _record(
    statement: Statement, modules: dict[str, Course], people: dict[str, User], *, now: datetime
) -> str:
    """What the statement becomes: a completion, one already held, a row in the unmatched
    queue, or nothing."""
    module = modules.get(statement.object_id) if _is_completion(statement) else None
    if module is None:
        return IGNORED
    day = statement.completed_on(now)
    person = people.get(statement.email)
    if person is not None:
        _, added = completions.record(
            person,
            module,
            day,
            source=CompletionSource.XAPI,
            score=statement.score,
            statement_id=statement.statement_id,
        )
        return COMPLETION if added else ALREADY_HELD
    _queue(statement, module, day, now=now)
    return UNMATCHED


def _queue(statement: Statement, module: Course, day, *, now: datetime) -> None:
    """Add the completion to the unmatched queue, unless the address, module and day are
    there already (whatever became of that row)."""
    waiting = sa.select(UnmatchedCompletion.id).where(
        UnmatchedCompletion.email == statement.email,
        UnmatchedCompletion.course_id == module.id,
        UnmatchedCompletion.completed_on == day,
    )
    if db.session.scalar(waiting) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                UnmatchedCompletion(
                    email=statement.email,
                    name=statement.name,
                    course_id=module.id,
                    completed_on=day,
                    score=statement.score,
                    source=CompletionSource.XAPI,
                    statement_id=statement.statement_id,
                    received_at=now,
                )
            )
    except sa.exc.IntegrityError:
        pass  # queued by another request at the same moment
