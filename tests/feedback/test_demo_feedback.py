"""The demo evaluations: responses at every stage, a plausible rise in knowledge and confidence,
quotes given with consent, a redacted comment, an answer under an older version of a set, and
every figure the statistics read agreeing with the answer it was copied from; idempotent."""

import re
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts import demo as accounts_demo
from lms.accounts.models import Role, User
from lms.bookings import demo as bookings_demo
from lms.catalogue import demo as catalogue_demo
from lms.elearning import demo as elearning_demo
from lms.extensions import db
from lms.feedback import comments, measures
from lms.feedback import demo as feedback_demo
from lms.feedback.models import Answer, QuestionKind, QuestionSet, Response, Stage

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SUMMARY = re.compile(
    r"^[\d,]+ evaluation requests added \([\d,]+ of [\d,]+ before, [\d,]+ of [\d,]+ after, "
    r"[\d,]+ of [\d,]+ follow-up, [\d,]+ of [\d,]+ manager answered\)$"
)


def seed_all(app) -> str:
    """The demo history the evaluations are about (the attendance demo adds no completed
    bookings, so it is left out to keep this quick), then the evaluations."""
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=NOW)
        bookings_demo.seed(now=NOW)
        elearning_demo.seed(now=NOW)
        summary = feedback_demo.seed(now=NOW)
        db.session.commit()
        return summary


def test_the_demo_evaluations(app, client, make_user, login):
    summary = seed_all(app)
    assert SUMMARY.match(summary), summary
    with app.app_context():
        asked = Counter(db.session.scalars(sa.select(Response.stage)))
        answered = Counter(
            db.session.scalars(sa.select(Response.stage).where(Response.answered_at.is_not(None)))
        )
        for stage in Stage:
            assert answered[stage] >= 20, stage
            assert asked[stage] > answered[stage], stage  # some never answered, some still open
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.answered_at.is_(None), Response.expires_at > NOW)
        )
        assert answered[Stage.AFTER] > asked[Stage.AFTER] / 2  # most answered straight after
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.completion_id.is_not(None), Response.answered_at.is_not(None))
        )

        after = db.session.execute(
            sa.select(
                Response.knowledge_before,
                Response.knowledge,
                Response.confidence_before,
                Response.confidence,
                Response.rating,
                Response.quote_consent,
                Response.answered_at,
            ).where(Response.stage == Stage.AFTER, Response.answered_at.is_not(None))
        ).all()
        mean = lambda values: sum(values) / len(values)  # noqa: E731
        assert 4 <= mean([row[0] for row in after]) <= 5.5
        assert 6.5 <= mean([row[1] for row in after]) <= 8.5
        assert 4 <= mean([row[2] for row in after]) <= 5.5
        assert 6.5 <= mean([row[3] for row in after]) <= 8.5
        gains = Counter((row[1] > row[0]) - (row[1] < row[0]) for row in after)
        assert gains[1] > 0.7 * len(after) and gains[0] and gains[-1]
        assert sum(row[4] >= 4 for row in after) > 0.8 * len(after)
        assert 0.35 < mean([bool(row[5]) for row in after]) < 0.65
        assert all(row[6] <= NOW for row in after)

        quotes = db.session.scalars(comments.quotes(comments.Chosen())).unique().all()
        assert len(quotes) > 100
        stages = {quote.response.stage for quote in quotes}
        assert stages == {Stage.AFTER, Stage.FOLLOW_UP}

        redacted = db.session.scalars(
            sa.select(Answer).where(Answer.redacted_at.is_not(None))
        ).all()
        assert len(redacted) == 1 and redacted[0].text is None and redacted[0].redacted_by_id

        versions = db.session.execute(
            sa.select(QuestionSet.version, sa.func.count())
            .join(Response, Response.question_set_id == QuestionSet.id)
            .where(QuestionSet.stage == Stage.AFTER)
            .group_by(QuestionSet.version)
        ).all()
        assert dict(versions).keys() == {1, 2} and 2 <= dict(versions)[1] < 10

        # Some practitioners answered one stage only; some managers answered when the
        # practitioner did not.
        by_booking: dict[int, set] = {}
        for booking_id, stage in db.session.execute(
            sa.select(Response.booking_id, Response.stage).where(
                Response.answered_at.is_not(None), Response.booking_id.is_not(None)
            )
        ):
            by_booking.setdefault(booking_id, set()).add(stage)
        assert any(stages == {Stage.MANAGER} for stages in by_booking.values())
        assert any(stages == {Stage.FOLLOW_UP} for stages in by_booking.values())
        assert any({Stage.BEFORE, Stage.AFTER} <= stages for stages in by_booking.values())

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
        assert feedback_demo.seed(now=NOW).startswith("0 evaluation responses added")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == count

    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/evaluation/quotes").get_data(as_text=True)
    assert "quotes</h2>" in page
    page = client.get("/evaluation/comments").get_data(as_text=True)
    assert "Removed by an administrator on" in page  # the latest comment heads the list


def test_the_demo_practitioner_has_an_evaluation_and_a_follow_up_to_answer(app):
    seed_all(app)
    with app.app_context():
        open_stages = db.session.scalars(
            sa.select(Response.stage)
            .join(Response.user)
            .where(
                User.email == feedback_demo.DEMO_PRACTITIONER_EMAIL,
                Response.booking_id.is_not(None),
                Response.answered_at.is_(None),
            )
        ).all()
    assert {Stage.AFTER, Stage.FOLLOW_UP} <= set(open_stages)


def test_every_demo_figure_agrees_with_the_answer_it_came_from(app):
    seed_all(app)
    with app.app_context():
        answered = db.session.scalars(
            sa.select(Response)
            .where(Response.answered_at.is_not(None))
            .options(
                selectinload(Response.answers).joinedload(Answer.question),
                selectinload(Response.question_set),
            )
        ).all()
        befores = {
            response.booking_id: response for response in answered if response.stage is Stage.BEFORE
        }
        for response in answered:
            given = {}
            for answer in response.answers:
                assert answer.question.set_id == response.question_set_id
                assert (answer.question.kind is QuestionKind.TEXT) == (answer.number is None)
                given[answer.question.measure] = answer
            for code, fixed in measures.BY_STAGE[response.stage].items():
                if fixed.column is None:
                    continue
                value = getattr(response, fixed.column)
                if code in measures.RECALLED and not response.before_recalled:
                    before = befores[response.booking_id]
                    assert value == getattr(before, code.removesuffix("_before"))
                    assert code not in given
                elif code in given:
                    number = given[code].number
                    assert value == (bool(number) if fixed.kind is QuestionKind.YES_NO else number)
                else:
                    assert value in (None, False), (response.id, code)
            if response.stage is Stage.AFTER:
                assert {"rating", "knowledge", "confidence", "quote_consent"} <= given.keys()
