"""What the admin pages of the question sets show: each stage's current version, every version
of a stage, and how many responses answered each one (a fixed number of queries per page)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.extensions import db
from lms.feedback import questions
from lms.feedback.models import QuestionSet, Response, Stage


@dataclass(frozen=True)
class StageSummary:
    stage: Stage
    # None while the stage has no saved version: its default questions are shown.
    current: QuestionSet | None
    question_count: int
    answered: int
    saved_by: User | None


def answered_counts(set_ids) -> dict[int, int]:
    """How many answered responses point at each of these versions, in one grouped query."""
    ids = list(set_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.question_set_id, sa.func.count(Response.id))
        .where(Response.question_set_id.in_(ids), Response.answered_at.is_not(None))
        .group_by(Response.question_set_id)
    )
    return {set_id: count for set_id, count in rows}


def creators(sets) -> dict[int, User]:
    """The people who saved these versions, by id, in one query."""
    ids = {found.created_by_id for found in sets if found.created_by_id}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def overview() -> list[StageSummary]:
    """Every stage, in order, with its current version (its latest), the number of questions,
    who saved it and how many responses answered it."""
    newest = (
        sa.select(QuestionSet.stage, sa.func.max(QuestionSet.version).label("version"))
        .group_by(QuestionSet.stage)
        .subquery()
    )
    current = {
        found.stage: found
        for found in db.session.scalars(
            sa.select(QuestionSet)
            .join(
                newest,
                sa.and_(
                    QuestionSet.stage == newest.c.stage, QuestionSet.version == newest.c.version
                ),
            )
            .options(selectinload(QuestionSet.questions))
        )
    }
    counts = answered_counts(found.id for found in current.values())
    people = creators(current.values())
    summaries = []
    for stage in Stage:
        found = current.get(stage)
        summaries.append(
            StageSummary(
                stage=stage,
                current=found,
                question_count=(
                    len(found.questions) if found else len(questions.default_specs(stage))
                ),
                answered=counts.get(found.id, 0) if found else 0,
                saved_by=people.get(found.created_by_id) if found else None,
            )
        )
    return summaries


def stage_versions(stage: Stage) -> list[QuestionSet]:
    """Every saved version of the stage's questions, newest first, with their questions."""
    return list(
        db.session.scalars(
            sa.select(QuestionSet)
            .where(QuestionSet.stage == stage)
            .order_by(QuestionSet.version.desc())
            .options(selectinload(QuestionSet.questions))
        )
    )


def version_of(stage: Stage, set_id: int) -> QuestionSet | None:
    """The version with this id if it is one of the stage's, with its questions."""
    return db.session.scalar(
        sa.select(QuestionSet)
        .where(QuestionSet.id == set_id, QuestionSet.stage == stage)
        .options(selectinload(QuestionSet.questions))
    )
