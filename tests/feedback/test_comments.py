"""Evaluation comments: every free-text answer, without who wrote it, filtered and paged; an
administrator removes one for good (audited without its text); nobody else can."""

import json

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.feedback.models import Answer
from tests.conftest import post_form
from tests.feedback import comment_fixtures
from tests.feedback.comment_fixtures import (
    AGENCY,
    BARRIER,
    EMAIL,
    EXAMPLE,
    FORMULA,
    MANAGER,
    NAME,
    PRIVATE,
    SCRIPT,
)

history = comment_fixtures.history


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    )


def test_every_comment_is_listed_newest_first_without_who_wrote_it(client, login, history):
    login(history.viewer)
    html = page(client, "/evaluation/comments")
    texts = [escaped(text) for text in (MANAGER, EXAMPLE, SCRIPT, PRIVATE)]
    assert all(text in html for text in texts)
    assert [html.index(text) for text in texts] == sorted(html.index(text) for text in texts)
    assert escaped(BARRIER) in html and escaped(FORMULA) in html
    assert "6 comments" in html
    assert "What will you do differently in your practice as a result?" in html
    assert "Neglect: recognising and responding" in html and "June 2025" in html
    assert "Straight after the course" in html and "Line manager&#39;s follow-up" in html
    for identity in (NAME, "Zara", EMAIL, "zara.whitfield", AGENCY, "manager@northgate"):
        assert identity not in html
    assert "Remove" not in html  # a PDL viewer reads, only an administrator removes


def test_script_in_a_comment_is_shown_as_text(client, login, history):
    login(history.admin)
    html = page(client, "/evaluation/comments")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("period=2024-25", [PRIVATE], [SCRIPT, EXAMPLE]),
        ("period=2025-26", [SCRIPT, EXAMPLE, MANAGER], [PRIVATE]),
        ("stage=follow_up", [EXAMPLE, BARRIER], [SCRIPT, MANAGER, PRIVATE]),
        ("q=GRADED+care", [SCRIPT], [EXAMPLE, PRIVATE]),
        ("q=caseload+pressure", [BARRIER], [SCRIPT]),
        ("q=100%25", [EXAMPLE], [SCRIPT, PRIVATE]),  # % is a character, not a wildcard
        ("q=0%25+of", [EXAMPLE], [PRIVATE]),
        ("q=%25", [EXAMPLE], [SCRIPT, PRIVATE]),
        ("q=_", [], [SCRIPT, EXAMPLE, PRIVATE]),  # _ matches only an underscore
        ("period=not-a-year", [SCRIPT, PRIVATE], []),  # unreadable filters are ignored
    ],
)
def test_filters_and_search(client, login, history, query, shown, hidden):
    login(history.admin)
    html = page(client, f"/evaluation/comments?{query}")
    for text in shown:
        assert escaped(text) in html, text
    for text in hidden:
        assert escaped(text) not in html, text


def test_the_course_filter(client, login, history):
    login(history.viewer)
    html = page(client, f"/evaluation/comments?course={history.other_course}")
    assert escaped(PRIVATE) in html and escaped(SCRIPT) not in html
    assert "1 comment" in html


def test_a_long_search_is_cut_short(client, login, history):
    login(history.viewer)
    html = page(client, "/evaluation/comments?q=" + "graded " * 100)
    assert escaped(SCRIPT) in html


def test_comments_are_paged_keeping_the_filters(app, client, login, history):
    app.config["COMMENTS_PER_PAGE"] = 2
    login(history.viewer)
    first = page(client, "/evaluation/comments?period=2025-26")
    assert escaped(MANAGER) in first and escaped(SCRIPT) not in first
    pager = first.split('class="govuk-pagination"')[1].split("</nav>")[0]
    assert "page=2" in pager and "period=2025-26" in pager
    third = page(client, "/evaluation/comments?period=2025-26&page=3")
    assert escaped(FORMULA) in third or escaped(SCRIPT) in third
    assert escaped(MANAGER) not in third and escaped(PRIVATE) not in third


def redact(client, answer_id: int, reason: str):
    path = f"/evaluation/comments/{answer_id}/redact"
    return post_form(client, path, {"reason": reason})


def test_an_administrator_removes_a_comment_for_good(app, client, login, history):
    answer_id = history.answers[SCRIPT]
    login(history.admin)
    confirm = page(client, f"/evaluation/comments/{answer_id}/redact")
    assert escaped(SCRIPT) in confirm and "Why is it being removed?" in confirm
    assert NAME not in confirm and EMAIL not in confirm

    response = redact(client, answer_id, "It names the family's street")
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.get(Answer, answer_id)
        assert answer.text is None and answer.redacted_at is not None
        assert answer.redacted_by_id == history.admin.id
        stored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.text.like("%graded%"))
        )
        assert stored == 0
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "feedback.comment_redacted")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.reason == "It names the family's street"
        assert event.after["answer_id"] == answer_id
        assert event.after["response_id"] == answer.response_id
        everything = json.dumps([event.before, event.after, event.reason])
        assert "graded" not in everything and "script" not in everything

    html = page(client, "/evaluation/comments")
    assert "Removed by an administrator on" in html and "graded care" not in html
    assert "graded care" not in page(client, "/evaluation/quotes")
    assert "graded care" not in client.get("/evaluation/quotes.csv").get_data(as_text=True)


def test_removing_twice_changes_nothing(app, client, login, history):
    answer_id = history.answers[PRIVATE]
    login(history.admin)
    assert redact(client, answer_id, "Names a colleague").status_code == 302
    with app.app_context():
        first = db.session.get(Answer, answer_id).redacted_at
    again = redact(client, answer_id, "Second go")
    assert again.status_code == 302
    assert "already removed" in page(client, again.headers["Location"])
    confirm = page(client, f"/evaluation/comments/{answer_id}/redact")
    assert "removed already" in confirm and 'name="reason"' not in confirm
    with app.app_context():
        assert db.session.get(Answer, answer_id).redacted_at == first
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "feedback.comment_redacted")
            )
            == 1
        )


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Enter why the comment is being removed"), ("x" * 501, "500 characters or fewer")],
)
def test_a_reason_is_required_and_bounded(app, client, login, history, reason, message):
    answer_id = history.answers[PRIVATE]
    login(history.admin)
    response = redact(client, answer_id, reason)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and "govuk-error-summary" in html
    with app.app_context():
        answer = db.session.get(Answer, answer_id)
        assert answer.text == PRIVATE and answer.redacted_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("role", [Role.PDL_VIEWER, Role.COORDINATOR, Role.PRACTITIONER])
def test_only_an_administrator_removes(app, client, login, make_user, history, role):
    answer_id = history.answers[PRIVATE]
    login(make_user(roles=(role,)))
    path = f"/evaluation/comments/{answer_id}/redact"
    assert client.get(path).status_code == 403
    response = post_form(client, path, {"reason": "No"}, token_from="/")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Answer, answer_id).text == PRIVATE


def test_a_number_answer_or_unknown_id_is_not_found(app, client, login, history):
    from lms.feedback import questions
    from lms.feedback.models import Response, Stage

    with app.app_context():
        response_id = db.session.get(Answer, history.answers[PRIVATE]).response_id
        rating = next(
            q for q in questions.current_set(Stage.AFTER).questions if q.measure == "rating"
        )
        number = Answer(response_id=response_id, question_id=rating.id, number=3)
        db.session.add(number)
        db.session.commit()
        number_id = number.id
        assert db.session.get(Response, response_id).answered_at is not None
    login(history.admin)
    for answer_id in (number_id, 999_999):
        assert client.get(f"/evaluation/comments/{answer_id}/redact").status_code == 404
        path = f"/evaluation/comments/{answer_id}/redact"
        assert post_form(client, path, {"reason": "x"}, token_from="/").status_code == 404
    with app.app_context():
        assert db.session.get(Answer, number_id).number == 3


def test_reached_from_the_reports_page_by_those_who_may_read_them(client, login, make_user):
    from tests.core.test_navigation import service_navigation

    login(make_user(roles=(Role.PDL_VIEWER,)))
    reports = page(client, "/reports")
    assert 'href="/evaluation/comments"' in reports and 'href="/evaluation/quotes"' in reports
    for path in ("/evaluation/comments", "/evaluation/quotes"):
        highlighted = [item for item in service_navigation(page(client, path)) if item[1]]
        assert highlighted == [("Reports", "true")]


def test_a_coordinator_is_not_offered_them(client, login, make_user):
    login(make_user(roles=(Role.COORDINATOR,)))
    reports = page(client, "/reports")
    assert "/evaluation/comments" not in reports and "/evaluation/quotes" not in reports
