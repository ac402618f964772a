"""Live completions over xAPI: statements posted to /xapi/statements become completions, wait in
the unmatched queue, or are kept and ignored; a statement is received once."""

import io
import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, User
from lms.elearning.models import (
    Completion,
    CompletionSource,
    UnmatchedCompletion,
    XapiCredential,
    XapiStatement,
)
from lms.extensions import db
from tests.conftest import count
from tests.elearning.xapi_helpers import (
    EXPERIENCED,
    FAILED,
    PASSED,
    make_sender,
    post,
    statement,
)


@pytest.fixture
def sender(app, make_module, make_user):
    return make_sender(app, make_module, make_user)


@pytest.fixture
def learner(make_user):
    return make_user("sam.learner@health.example.org")


def rows(app, model, *criteria):
    with app.app_context():
        return db.session.scalars(sa.select(model).where(*criteria)).all()


def test_the_about_resource_names_the_version(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.get_json() == {"version": ["1.0.3"]}
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_a_completed_statement_becomes_a_completion_of_the_person(app, client, sender, learner):
    sent = statement("Sam.Learner@Health.example.org", sender.activity_id)
    response = post(client, sender, sent)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == [sent["id"]]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    [completion] = rows(app, Completion)
    assert (completion.user_id, completion.course_id) == (learner.id, sender.module_id)
    assert completion.completed_on == date(2026, 3, 10)
    assert completion.source is CompletionSource.XAPI
    assert completion.statement_id == sent["id"]
    assert completion.agency_id == learner.agency_id
    [received] = rows(app, XapiStatement)
    assert (received.outcome, received.actor_email) == ("completion", learner.email)
    assert rows(app, XapiCredential)[0].last_used_at is not None


def test_an_array_is_answered_with_the_ids_in_order(app, client, sender, make_user):
    first, second = make_user(), make_user()
    sent = [
        statement(first.email, sender.activity_id),
        statement(second.email, sender.activity_id, verb=PASSED, timestamp="2026-03-11T09:00:00Z"),
    ]
    response = post(client, sender, sent)
    assert response.get_json() == [sent[0]["id"], sent[1]["id"]]
    held = {(c.user_id, c.completed_on) for c in rows(app, Completion)}
    assert held == {(first.id, date(2026, 3, 10)), (second.id, date(2026, 3, 11))}


def test_a_statement_without_an_id_is_given_one(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    del sent["id"]
    [given] = post(client, sender, sent).get_json()
    assert uuid.UUID(given).version == 4
    assert rows(app, XapiStatement)[0].statement_id == given
    assert rows(app, Completion)[0].statement_id == given


def test_other_verbs_are_kept_and_ignored(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id, verb=EXPERIENCED)
    assert post(client, sender, sent).status_code == 200
    assert count(app, Completion) == 0
    assert [row.outcome for row in rows(app, XapiStatement)] == ["ignored"]


def test_a_statement_received_again_changes_nothing(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id, result={"score": {"scaled": 0.8}})
    post(client, sender, sent)
    sent["result"]["score"]["scaled"] = 0.2
    sent["timestamp"] = "2026-03-12T10:00:00Z"
    response = post(client, sender, sent)
    assert response.status_code == 200
    assert response.get_json() == [sent["id"]]
    [completion] = rows(app, Completion)
    assert (completion.completed_on, completion.score) == (date(2026, 3, 10), Decimal("80.00"))
    assert [row.outcome for row in rows(app, XapiStatement)] == ["completion"]


def test_a_second_completion_the_same_day_is_already_held(app, client, sender, learner):
    post(client, sender, statement(learner.email, sender.activity_id))
    post(client, sender, statement(learner.email, sender.activity_id, verb=PASSED))
    assert count(app, Completion) == 1
    outcomes = [row.outcome for row in rows(app, XapiStatement, True)]
    assert sorted(outcomes) == ["already_held", "completion"]


def test_completed_then_failed_keeps_the_first_completion(app, client, sender, learner):
    post(client, sender, statement(learner.email, sender.activity_id))
    later = statement(
        learner.email, sender.activity_id, verb=FAILED, timestamp="2026-03-10T11:00:00Z"
    )
    assert post(client, sender, later).status_code == 200
    [completion] = rows(app, Completion)
    assert completion.withdrawn_at is None


def test_an_address_nobody_has_waits_in_the_unmatched_queue(app, client, sender):
    sent = statement("New.Starter@school.example.org", sender.activity_id)
    assert post(client, sender, sent).status_code == 200
    again = statement("new.starter@school.example.org", sender.activity_id, verb=PASSED)
    assert post(client, sender, again).status_code == 200
    [waiting] = rows(app, UnmatchedCompletion)
    assert waiting.email == "new.starter@school.example.org"
    assert (waiting.course_id, waiting.completed_on) == (sender.module_id, date(2026, 3, 10))
    assert (waiting.source, waiting.statement_id, waiting.name) == (
        CompletionSource.XAPI,
        sent["id"],
        "Sam Learner",
    )
    assert count(app, Completion) == 0
    assert {row.outcome for row in rows(app, XapiStatement)} == {"unmatched"}


def test_another_providers_module_is_not_completed(app, client, make_module, make_user, learner):
    ours = make_sender(app, make_module, make_user)
    theirs = make_sender(app, make_module, make_user)
    assert post(client, ours, statement(learner.email, theirs.activity_id)).status_code == 200
    assert count(app, Completion) == 0
    assert rows(app, XapiStatement)[0].outcome == "ignored"


def test_an_actor_known_by_another_identifier_records_nothing(app, client, sender):
    sent = statement("x@example.org", sender.activity_id)
    sent["actor"] = {"account": {"homePage": "https://lms.example.org", "name": "learner-42"}}
    assert post(client, sender, sent).status_code == 200
    assert count(app, Completion) + count(app, UnmatchedCompletion) == 0
    assert rows(app, XapiStatement)[0].outcome == "ignored"


@pytest.mark.parametrize(
    ("timestamp", "day"),
    [
        ("2026-07-14T23:30:00Z", date(2026, 7, 15)),  # British Summer Time: already the 15th
        ("2026-01-14T23:30:00Z", date(2026, 1, 14)),  # winter: UK time is UTC
        ("2026-07-15T00:30:00+02:00", date(2026, 7, 14)),
    ],
)
def test_the_completion_day_is_the_uk_date_of_the_timestamp(
    app, client, sender, learner, timestamp, day
):
    post(client, sender, statement(learner.email, sender.activity_id, timestamp=timestamp))
    assert rows(app, Completion)[0].completed_on == day


def test_the_completion_counts_for_the_agency_the_person_was_in_that_day(
    app, client, sender, make_agency, make_user
):
    before, now = make_agency("Riverside Hospital"), make_agency("Riverside Council")
    person = make_user("moved@example.org", agency_id=now)
    with app.app_context():
        user = db.session.get(User, person.id)
        user.memberships[0].started_at = datetime(2026, 2, 1, tzinfo=UTC)
        user.memberships.append(
            AgencyMembership(
                agency_id=before,
                job_title="Nurse",
                started_at=datetime(2025, 1, 1, tzinfo=UTC),
                ended_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    sent = [
        statement(person.email, sender.activity_id, timestamp="2026-01-20T10:00:00Z"),
        statement(person.email, sender.activity_id, timestamp="2026-03-20T10:00:00Z"),
    ]
    assert post(client, sender, sent).status_code == 200
    held = {c.completed_on: c.agency_id for c in rows(app, Completion)}
    assert held == {date(2026, 1, 20): before, date(2026, 3, 20): now}


def test_the_scaled_score_is_kept_as_a_percentage(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id, result={"score": {"scaled": 0.855}})
    post(client, sender, sent)
    assert rows(app, Completion)[0].score == Decimal("85.50")


# Refusals ---------------------------------------------------------------------------------------


def nothing_stored(app) -> bool:
    stored = (XapiStatement, Completion, UnmatchedCompletion)
    used = rows(app, XapiCredential)[0].last_used_at
    return sum(count(app, model) for model in stored) == 0 and used is None


def test_the_nothing_stored_check_sees_a_stored_statement(app, client, sender, learner):
    post(client, sender, statement(learner.email, sender.activity_id))
    assert not nothing_stored(app)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["none", "bearer", "garbled"],
)
def test_missing_credentials_are_refused(app, client, sender, learner, headers):
    response = client.post(
        "/xapi/statements",
        json=statement(learner.email, sender.activity_id),
        headers={"X-Experience-API-Version": "1.0.3", **headers},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert "HTTP Basic" in response.get_json()["error"]
    assert nothing_stored(app)


@pytest.mark.parametrize("which", ["wrong secret", "unknown key", "revoked"])
def test_wrong_or_revoked_credentials_are_refused(app, client, sender, learner, which, caplog):
    from tests.elearning.xapi_helpers import basic

    headers = {
        "wrong secret": basic(sender.key, sender.secret + "x"),
        "unknown key": basic("k" * 24, sender.secret),
        "revoked": sender.auth(),
    }[which]
    if which == "revoked":
        with app.app_context():
            db.session.get(XapiCredential, sender.credential_id).revoked_at = datetime.now(UTC)
            db.session.commit()
    response = post(client, None, statement(learner.email, sender.activity_id), headers=headers)
    assert response.status_code == 401
    assert "not valid" in response.get_json()["error"]
    assert count(app, XapiStatement) + count(app, Completion) == 0
    assert "refused: xAPI statements with key" in caplog.text
    assert sender.secret not in caplog.text


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (None, "Send the header X-Experience-API-Version"),
        ("1.1.0", "'1.1.0' is not accepted"),
        ("2.0.0", "is not accepted"),
        ("banana", "is not accepted"),
    ],
)
def test_the_version_header_is_required(app, client, sender, learner, version, reason):
    response = post(client, sender, statement(learner.email, sender.activity_id), version=version)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert nothing_stored(app)


def test_any_1_0_version_is_accepted(client, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    assert post(client, sender, sent, version="1.0.0").status_code == 200


def broken(change):
    def make(activity_id):
        sent = statement("sam.learner@health.example.org", activity_id)
        change(sent)
        return sent

    return make


def _set(path: str, value):
    def change(sent):
        *parents, last = path.split(".")
        target = sent
        for part in parents:
            target = target[part]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value

    return broken(change)


MALFORMED = {
    "no actor": (_set("actor", KeyError), "it has no actor"),
    "no verb": (_set("verb", KeyError), "it has no verb"),
    "mbox not mailto": (_set("actor.mbox", "sam@example.org"), "must be 'mailto:'"),
    "bad email": (_set("actor.mbox", "mailto:sam@@example"), "not a valid email address"),
    "NUL in the email": (_set("actor.mbox", "mailto:sam\x00@example.org"), "not a valid email"),
    "two identifiers": (_set("actor.openid", "https://id.example.org/sam"), "exactly one"),
    "control in name": (_set("actor.name", "Sam\x07"), "actor.name must be text"),
    "bad UUID": (_set("id", "not-a-uuid"), "id must be a UUID"),
    "verb not an IRI": (_set("verb.id", "completed"), "verb.id 'completed' is not an IRI"),
    "object without id": (_set("object.id", KeyError), "object.id is missing"),
    "long object id": (_set("object.id", "https://x.org/" + "a" * 600), "longer than 500"),
    "bad timestamp": (_set("timestamp", "10/03/2026"), "not an ISO 8601 date"),
    "no offset": (_set("timestamp", "2026-03-10T10:15:00"), "with its offset from UTC"),
    "future": (_set("timestamp", "2099-01-01T00:00:00Z"), "is in the future"),
    "score above 1": (_set("result", {"score": {"scaled": 1.5}}), "from -1 to 1"),
    "unknown property": (_set("colour", "blue"), "'colour' is not a property"),
    "not an object": (lambda activity_id: ["a statement"], "must be a JSON object"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_statement_is_refused_with_the_reason(app, client, sender, learner, case):
    make, reason = MALFORMED[case]
    body = make(sender.activity_id)
    response = post(client, sender, body[0] if isinstance(body, list) else body)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert nothing_stored(app)


def test_an_array_with_one_bad_statement_stores_nothing(app, client, sender, learner):
    good = statement(learner.email, sender.activity_id)
    bad = statement(learner.email, sender.activity_id)
    bad["actor"]["mbox"] = "mailto:nobody"
    response = post(client, sender, [good, bad])
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("Statement 2: ")
    assert nothing_stored(app)


def test_two_statements_with_one_id_in_a_request_are_refused(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    response = post(client, sender, [sent, dict(sent)])
    assert response.status_code == 400
    assert "same id" in response.get_json()["error"]
    assert nothing_stored(app)


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"actor=sam", "application/x-www-form-urlencoded", "Content-Type: application/json"),
        (b'{"actor": ', "application/json", "not valid JSON"),
        (b'{"id": NaN}', "application/json", "not valid JSON"),
        (b"[]", "application/json", "no statements"),
        (b"\xff\xfe", "application/json", "not UTF-8"),
        (b"[" * 100_000, "application/json", "not valid JSON"),
    ],
    ids=["form", "truncated", "NaN", "empty array", "not UTF-8", "deeply nested"],
)
def test_a_body_that_is_not_statements_is_refused(app, client, sender, data, content_type, reason):
    response = post(client, sender, None, data=data, content_type=content_type)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert nothing_stored(app)


def test_too_many_statements_are_refused(app, client, sender, learner):
    sent = [statement(learner.email, sender.activity_id) for _ in range(501)]
    response = post(client, sender, sent)
    assert response.status_code == 400
    assert "at most 500 statements" in response.get_json()["error"]
    assert nothing_stored(app)


def test_a_huge_body_is_refused_with_413(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    sent["context"] = {"extensions": {"https://x.org/padding": "a" * (1024 * 1024)}}
    response = post(client, sender, sent)
    assert response.status_code == 413
    assert "larger than 1024 KB" in response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert nothing_stored(app)


def test_other_methods_and_addresses_answer_in_json(client):
    listed = client.get("/xapi/statements")
    assert listed.status_code == 405
    assert "not allowed" in listed.get_json()["error"]
    missing = client.get("/xapi/activities/state")
    assert missing.status_code == 404 and "nothing at" in missing.get_json()["error"]
    assert missing.headers["X-Experience-API-Version"] == "1.0.3"


def test_the_future_allows_a_little_clock_skew(app, client, sender, learner):
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert (
        post(
            client, sender, statement(learner.email, sender.activity_id, timestamp=soon)
        ).status_code
        == 200
    )


# At the same moment ------------------------------------------------------------------------------


def race(app, calls):
    """Run the calls at once (each with its own client, so its own session and connection)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_one_statement_sent_twice_at_once_is_stored_once(app, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    clients = [app.test_client() for _ in range(4)]
    results = race(app, [lambda c=c: post(c, sender, sent).status_code for c in clients])
    assert results == [200] * 4
    assert count(app, XapiStatement) == 1
    assert count(app, Completion) == 1


def test_one_completion_sent_with_different_ids_at_once_is_held_once(app, sender, make_user):
    sent = [statement("someone.new@example.org", sender.activity_id) for _ in range(4)]
    clients = [app.test_client() for _ in sent]
    calls = [
        lambda c=c, s=s: post(c, sender, s).status_code for c, s in zip(clients, sent, strict=True)
    ]
    assert race(app, calls) == [200] * 4
    assert count(app, XapiStatement) == 4
    assert count(app, UnmatchedCompletion) == 1


def test_a_flood_of_requests_is_slowed(app, client, sender, learner):
    app.config["XAPI_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert post(client, sender, statement(learner.email, sender.activity_id)).status_code == 200
    response = post(client, sender, statement(learner.email, sender.activity_id))
    assert response.status_code == 429
    assert response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert count(app, XapiStatement) == 2


def test_a_huge_body_sent_in_chunks_is_refused_with_413(app, client, sender, learner):
    sent = statement(learner.email, sender.activity_id)
    sent["context"] = {"extensions": {"https://x.org/padding": "a" * (1024 * 1024)}}
    data = json.dumps(sent).encode()
    response = client.post(
        "/xapi/statements",
        input_stream=io.BytesIO(data),
        headers={
            **sender.auth(),
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        # As a server does for a body without a length (gunicorn, for one).
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413, response.get_json()
    assert nothing_stored(app)
