"""The admin pages of the question sets: editing saves a new version and never changes one in
use; measured questions stay; refusals keep what was typed and change nothing."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.extensions import db
from lms.feedback import questions
from lms.feedback.models import Answer, Question, QuestionKind, QuestionSet, Response, Stage
from tests.conftest import post_form
from tests.feedback.question_pages import form_values, row_of, table_rows

BEFORE = "/admin/evaluation/before"
KNOWLEDGE = "How would you rate your knowledge of this subject now?"
CONFIDENCE = "How confident do you feel applying it in your work now?"


@pytest.fixture
def admin(client, make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


def _sets(app, stage: Stage) -> list[tuple[int, list[tuple]]]:
    """Every version of the stage, oldest first, with (text, kind, measure, required, scale)
    of each question in order."""
    with app.app_context():
        found = db.session.scalars(
            sa.select(QuestionSet).where(QuestionSet.stage == stage).order_by(QuestionSet.version)
        )
        return [
            (
                one.version,
                [
                    (q.text, q.kind.value, q.measure, q.required, q.scale_min, q.scale_max)
                    for q in one.questions
                ],
            )
            for one in found
        ]


def _save_version_1(app, stage=Stage.BEFORE) -> int:
    with app.app_context():
        made = questions.current_set(stage)
        db.session.commit()
        return made.id


def _edit(client, changes: dict, *, path=BEFORE):
    values = form_values(client.get(path).get_data(as_text=True))
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return post_form(client, path, values)


def _error_summary(page: str) -> str:
    assert "There is a problem" in page
    return page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]


def test_the_overview_lists_each_stage_with_its_version_and_answers(
    app, client, admin, make_user, make_completed_booking, make_response
):
    _save_version_1(app, Stage.AFTER)
    person = make_user()
    for _ in range(2):
        make_response("after", booking_id=make_completed_booking(person.id), rating=4)
    make_response("after", booking_id=make_completed_booking(person.id))  # not answered
    page = client.get("/admin/evaluation").get_data(as_text=True)
    rows = table_rows(page.split('id="stages"', 1)[1])
    assert [row[0] for row in rows] == [stage.label for stage in Stage]
    assert rows[1][1] == "1" and rows[1][4] == "2"  # version 1, answered by two
    assert rows[1][3] == str(len(questions.default_specs(Stage.AFTER)))
    assert "by the service" in rows[1][2]
    assert rows[0][1:] == [
        "None yet",
        "Not yet saved: the default questions are asked",
        "2",
        "0",
    ]
    with app.app_context():
        assert f"/admin/evaluation/{Stage.AFTER.value}" in page
        assert (
            db.session.scalar(
                sa.select(sa.func.count(QuestionSet.id)).where(QuestionSet.stage == Stage.BEFORE)
            )
            == 0
        )  # looking at the overview saves nothing


def test_the_overview_counts_answers_in_one_query(app, client, admin):
    for stage in Stage:
        _save_version_1(app, stage)
    statements = []

    def count(conn, cursor, statement, *args):
        if "feedback_responses" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/admin/evaluation").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_editing_makes_a_new_version_and_answers_keep_the_old_one(
    app, client, admin, make_user, make_completed_booking, make_response
):
    old_id = _save_version_1(app)
    response_id = make_response(
        "before", booking_id=make_completed_booking(make_user().id), knowledge=4, confidence=5
    )
    with app.app_context():
        old = db.session.get(QuestionSet, old_id)
        knowledge = next(q for q in old.questions if q.measure == "knowledge")
        db.session.add(Answer(response_id=response_id, question_id=knowledge.id, number=4))
        db.session.commit()
        knowledge_id = knowledge.id
    before = _sets(app, Stage.BEFORE)

    values = form_values(client.get(BEFORE).get_data(as_text=True))
    row = row_of(values, KNOWLEDGE)
    saved = _edit(client, {f"questions-{row}-text": "Your knowledge of the subject today?"})
    assert saved.status_code == 302
    page = client.get(saved.location).get_data(as_text=True)
    assert "Saved as version 2. Answers already given keep the version they answered" in page

    after = _sets(app, Stage.BEFORE)
    assert after[0] == before[0]  # version 1 exactly as it was
    assert after[1][0] == 2
    assert after[1][1][row][0] == "Your knowledge of the subject today?"
    assert after[1][1][row][1:] == before[0][1][row][1:]
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert response.question_set_id == old_id
        assert [a.question_id for a in response.answers] == [knowledge_id]
        assert questions.current_set(Stage.BEFORE).version == 2
    # The old version is still there to read, with its answer.
    old_page = client.get(f"{BEFORE}/versions/{old_id}").get_data(as_text=True)
    assert KNOWLEDGE in old_page and "a later version replaced it" in old_page
    assert re.search(r"Responses that answered it\s*</dt>\s*<dd[^>]*>\s*1\s*<", old_page)
    versions = client.get(BEFORE).get_data(as_text=True).split('id="versions"', 1)[1]
    assert versions.index("Version 2") < versions.index("Version 1")


def test_nothing_edited_makes_no_new_version(app, client, admin):
    _save_version_1(app)
    saved = _edit(client, {})
    assert saved.status_code == 302
    assert "Nothing was changed" in client.get(saved.location).get_data(as_text=True)
    assert [version for version, _ in _sets(app, Stage.BEFORE)] == [1]


def test_a_measured_question_cannot_be_removed_or_change_kind(app, client, admin):
    _save_version_1(app)
    values = form_values(client.get(BEFORE).get_data(as_text=True))
    row = row_of(values, KNOWLEDGE)
    assert f"questions-{row}-remove" not in client.get(BEFORE).get_data(as_text=True)
    assert f"questions-{row}-kind" not in client.get(BEFORE).get_data(as_text=True)

    # A changed kind posted for it is not taken: it stays a 1 to 10 scale.
    saved = _edit(client, {f"questions-{row}-kind": "yes_no", f"questions-{row}-required": None})
    assert saved.status_code == 302
    latest = _sets(app, Stage.BEFORE)[-1][1]
    assert latest[row] == (KNOWLEDGE, "scale", "knowledge", False, 1, 10)

    # Removing it (a posted remove box, or the row left out) is refused.
    before = _sets(app, Stage.BEFORE)
    for changes in (
        {f"questions-{row}-remove": "y"},
        {name: None for name in values if name.startswith(f"questions-{row}-")},
    ):
        refused = _edit(client, changes)
        assert refused.status_code == 200
        page = refused.get_data(as_text=True)
        assert "cannot be removed" in _error_summary(page)
        shown = re.findall(r'class="govuk-error-message">.*?</span>([^<]+)<', page)
        assert any("cannot be removed" in message for message in shown)
        assert _sets(app, Stage.BEFORE) == before


def test_custom_questions_are_added_moved_and_removed(app, client, admin):
    _save_version_1(app)
    values = form_values(client.get(BEFORE).get_data(as_text=True))
    new = len([name for name in values if name.endswith("-text")]) - 2
    saved = _edit(
        client,
        {
            f"questions-{new}-text": "What do you hope to learn?",
            f"questions-{new}-kind": "text",
            f"questions-{new}-required": None,
            f"questions-{new + 1}-text": "Have you done similar training?",
            f"questions-{new + 1}-kind": "yes_no",
            f"questions-{new + 1}-position": "1",
        },
    )
    assert saved.status_code == 302
    texts = [q[0] for q in _sets(app, Stage.BEFORE)[-1][1]]
    assert texts == [
        "Have you done similar training?",
        KNOWLEDGE,
        CONFIDENCE,
        "What do you hope to learn?",
    ]
    latest = _sets(app, Stage.BEFORE)[-1][1]
    assert latest[0][1:] == ("yes_no", None, True, None, None)
    assert latest[3][1:] == ("text", None, False, None, None)

    # Move the last to second, make the yes/no a 1 to 5 rating, then remove it.
    page = client.get(BEFORE).get_data(as_text=True)
    values = form_values(page)
    hope, done = row_of(values, texts[3]), row_of(values, texts[0])
    assert f"questions-{hope}-remove" in page
    assert (
        _edit(
            client, {f"questions-{hope}-position": "2", f"questions-{done}-kind": "scale_5"}
        ).status_code
        == 302
    )
    latest = _sets(app, Stage.BEFORE)[-1]
    assert latest[0] == 3
    assert [q[0] for q in latest[1]] == [texts[0], texts[3], KNOWLEDGE, CONFIDENCE]
    assert latest[1][0][1:] == ("scale", None, True, 1, 5)

    values = form_values(client.get(BEFORE).get_data(as_text=True))
    assert _edit(client, {f"questions-{row_of(values, texts[0])}-remove": "y"}).status_code == 302
    assert [q[0] for q in _sets(app, Stage.BEFORE)[-1][1]] == [texts[3], KNOWLEDGE, CONFIDENCE]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "Enter the wording of question"),
        ({"text": "x" * 501}, "must be 500 characters or fewer"),
        ({"kind": "multiple_choice"}, "Select the kind of new question"),
        ({"position": "first"}, "must be a whole number from 1 to 30"),
        # Digits str.isdigit() accepts and int() does not: these were a server error.
        ({"position": "²"}, "must be a whole number from 1 to 30"),
        ({"position": "9" * 5000}, "must be a whole number from 1 to 30"),
    ],
)
def test_refusals_keep_what_was_typed_and_change_nothing(app, client, admin, changes, message):
    _save_version_1(app)
    values = form_values(client.get(BEFORE).get_data(as_text=True))
    new = len([name for name in values if name.endswith("-text")]) - 2
    typed = {
        f"questions-{new}-text": "What do you hope to learn?",
        f"questions-{new}-hint": "A sentence or two <script>",
    }
    typed |= {f"questions-{new}-{name}": value for name, value in changes.items()}
    before = _sets(app, Stage.BEFORE)
    refused = _edit(client, typed)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert message in _error_summary(page)
    assert re.search(rf"question {new + 1}\b", _error_summary(page))  # the row, by number
    assert _sets(app, Stage.BEFORE) == before
    kept = form_values(page)
    assert kept[f"questions-{new}-hint"] == "A sentence or two <script>"
    assert "<script>" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    if "kind" not in changes:
        assert kept[f"questions-{new}-text"] == typed[f"questions-{new}-text"]


def test_more_than_thirty_questions_is_refused(app, client, admin):
    with app.app_context():
        specs = questions.default_specs(Stage.BEFORE)
        extra = questions.QuestionSpec(text="Extra", kind=QuestionKind.TEXT)
        questions.save_version(Stage.BEFORE, specs + [extra] * (30 - len(specs)), by=None)
        db.session.commit()
    values = form_values(client.get(BEFORE).get_data(as_text=True))
    assert len([name for name in values if name.endswith("-text")]) == 32  # two blank rows
    refused = _edit(client, {"questions-30-text": "One too many"})
    assert refused.status_code == 200
    assert "at most 30 questions" in _error_summary(refused.get_data(as_text=True))
    assert [version for version, _ in _sets(app, Stage.BEFORE)] == [1, 2]


def test_a_version_replaced_while_editing_is_not_overwritten(app, client, admin):
    _save_version_1(app)
    values = form_values(client.get(BEFORE).get_data(as_text=True))
    row = row_of(values, KNOWLEDGE)
    # Someone else saves version 2 meanwhile.
    with app.app_context():
        specs = [
            questions.QuestionSpec.of(q) for q in questions.current_set(Stage.BEFORE).questions
        ]
        specs[0] = questions.QuestionSpec(**{**specs[0].__dict__, "hint": "Theirs"})
        questions.save_version(Stage.BEFORE, specs, by=None)
        db.session.commit()
    values[f"questions-{row}-text"] = "Mine"
    refused = post_form(client, BEFORE, values)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "Someone else saved these questions while you were editing them" in page
    assert form_values(page)[f"questions-{row}-text"] == "Mine"
    assert [version for version, _ in _sets(app, Stage.BEFORE)] == [1, 2]
    assert "Mine" not in [q[0] for q in _sets(app, Stage.BEFORE)[-1][1]]


def test_a_stage_never_saved_shows_its_defaults_and_saves_them_as_version_1(app, client, admin):
    page = client.get("/admin/evaluation/follow_up").get_data(as_text=True)
    assert "No version has been saved yet" in page
    assert [version for version, _ in _sets(app, Stage.FOLLOW_UP)] == []
    saved = _edit(client, {}, path="/admin/evaluation/follow_up")
    assert saved.status_code == 302
    assert [version for version, _ in _sets(app, Stage.FOLLOW_UP)] == [1]


def test_unknown_stages_and_versions_of_another_stage_are_not_found(app, client, admin):
    after_id = _save_version_1(app, Stage.AFTER)
    assert client.get("/admin/evaluation/during").status_code == 404
    assert client.get(f"/admin/evaluation/after/versions/{after_id}").status_code == 200
    assert client.get(f"/admin/evaluation/before/versions/{after_id}").status_code == 404
    assert client.get("/admin/evaluation/after/versions/999999").status_code == 404


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.COORDINATOR, Role.TRAINER, Role.PDL_VIEWER]
)
def test_only_admins_edit_questions(app, client, make_user, login, role):
    set_id = _save_version_1(app)
    login(make_user(roles=(role,)))
    assert client.get("/admin/evaluation").status_code == 403
    assert client.get(BEFORE).status_code == 403
    assert client.get(f"{BEFORE}/versions/{set_id}").status_code == 403
    refused = post_form(client, BEFORE, {"version": "1"}, token_from="/account")
    assert refused.status_code == 403
    assert [version for version, _ in _sets(app, Stage.BEFORE)] == [1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 2
