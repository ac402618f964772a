"""The quote bank: only quotable answers given with consent, not removed and not withdrawn;
searchable and filtered; downloaded as CSV whose cells cannot run as formulas; never who."""

import csv
import io
from datetime import UTC, datetime

import pytest

from lms.extensions import db
from lms.feedback.models import Response
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
from tests.feedback.test_comments import escaped, page

history = comment_fixtures.history


def download(client, query: str = "") -> tuple[str, list[list[str]]]:
    response = client.get(f"/evaluation/quotes.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    return text, list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_only_consented_quotable_answers_without_who(client, login, history):
    login(history.viewer)
    html = page(client, "/evaluation/quotes")
    for text in (SCRIPT, FORMULA, EXAMPLE, BARRIER):
        assert escaped(text) in html, text
    assert escaped(PRIVATE) not in html  # no consent
    assert escaped(MANAGER) not in html  # a manager's answer is not a quote
    assert "4 quotes" in html
    assert "Neglect: recognising and responding (Level 3); Neglect; June 2025" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    for identity in (NAME, "Zara", EMAIL, "zara.whitfield", AGENCY, "manager@"):
        assert identity not in html


def test_a_withdrawn_response_is_not_quoted(app, client, login, history):
    with app.app_context():
        response = db.session.get(Response, _response_of(history, EXAMPLE))
        response.withdrawn_at = datetime(2025, 9, 1, tzinfo=UTC)
        db.session.commit()
    login(history.admin)
    html = page(client, "/evaluation/quotes")
    assert escaped(EXAMPLE) not in html and escaped(SCRIPT) in html


def _response_of(history, text):
    from lms.feedback.models import Answer

    return db.session.get(Answer, history.answers[text]).response_id


def test_a_removed_comment_leaves_the_bank_and_its_download(client, login, history):
    login(history.admin)
    path = f"/evaluation/comments/{history.answers[FORMULA]}/redact"
    assert post_form(client, path, {"reason": "Identifies a colleague"}).status_code == 302
    assert "cmd|" not in page(client, "/evaluation/quotes")
    text, _ = download(client)
    assert "cmd|" not in text and "graded care" in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("stage=follow_up", [EXAMPLE, BARRIER], [SCRIPT, FORMULA]),
        ("stage=manager", [SCRIPT, EXAMPLE], []),  # not a quote stage: ignored
        ("q=every+GRADED", [SCRIPT], [EXAMPLE, BARRIER]),
        ("q=graded+caseload", [], [SCRIPT, BARRIER]),  # every word must appear
        ("q=100%25", [EXAMPLE], [SCRIPT]),
        ("q=_", [], [SCRIPT, EXAMPLE]),
        ("period=2024-25", [], [SCRIPT, EXAMPLE]),
        ("period=2025-26", [SCRIPT, EXAMPLE], []),
    ],
)
def test_search_and_filters(client, login, history, query, shown, hidden):
    login(history.viewer)
    html = page(client, f"/evaluation/quotes?{query}")
    for text in shown:
        assert escaped(text) in html, text
    for text in hidden:
        assert escaped(text) not in html, text


def test_theme_and_course_filters(client, login, make_theme, history):
    other_theme = make_theme("Online safety")
    login(history.viewer)
    assert escaped(SCRIPT) in page(client, f"/evaluation/quotes?theme={history.theme}")
    html = page(client, f"/evaluation/quotes?theme={other_theme}")
    assert escaped(SCRIPT) not in html and "There are no quotes here" in html
    assert "There are no quotes here" in page(
        client, f"/evaluation/quotes?course={history.other_course}"
    )
    assert escaped(EXAMPLE) in page(client, f"/evaluation/quotes?course={history.course}")


def test_the_download_neutralises_formulas_and_names_nobody(client, login, history):
    login(history.viewer)
    text, rows = download(client, "?period=2025-26")
    assert text.startswith("\ufeff")
    assert ["Period", "2025-26 financial year"] in rows
    header = rows.index(["Quote", "Question", "Stage", "Course", "Level", "Themes", "Month"])
    quotes = {row[0]: row for row in rows[header + 1 :]}
    assert set(quotes) == {SCRIPT, "'" + FORMULA, EXAMPLE, BARRIER}
    assert quotes[SCRIPT][2:] == [
        "Straight after the course",
        "Neglect: recognising and responding",
        "Level 3",
        "Neglect",
        "June 2025",
    ]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    for identity in (NAME, EMAIL, AGENCY, "manager@"):
        assert identity not in text


def test_the_download_follows_the_filters(client, login, history):
    login(history.viewer)
    _, rows = download(client, "?stage=after&q=graded")
    assert ["Words", "graded"] in rows and ["Stage", "Straight after the course"] in rows
    assert [row[0] for row in rows if row and row[0] in (SCRIPT, EXAMPLE)] == [SCRIPT]


def test_quotes_are_paged(app, client, login, history):
    app.config["COMMENTS_PER_PAGE"] = 3
    login(history.viewer)
    first = page(client, "/evaluation/quotes?period=2025-26")
    second = page(client, "/evaluation/quotes?period=2025-26&page=2")
    assert first.count("app-quote") == 3 and second.count("app-quote") == 1
    pager = first.split('class="govuk-pagination"')[1].split("</nav>")[0]
    assert "page=2" in pager and "period=2025-26" in pager
