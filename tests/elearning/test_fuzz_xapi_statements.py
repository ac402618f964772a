"""Fuzzing the reading of xAPI statements, directly (the endpoint is fuzzed against its OpenAPI
document in tests/elearning/test_xapi_contract.py): a sound statement with one value changed to
any JSON, any body, any version header; each is read or refused with a BadStatement, and no
control character reaches what is kept of a statement."""

import copy
import json
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from lms.elearning import xapi_rules
from tests.core.test_fuzz_parsers import BOUNDED, NASTY, NOW
from tests.fuzzing import CONTROLS, json_values

STATEMENT = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "name": "Sam Learner", "mbox": "mailto:sam@example.org"},
    "verb": {"id": xapi_rules.COMPLETED, "display": {"en-GB": "completed"}},
    "object": {"objectType": "Activity", "id": "https://elearning.example.org/activities/1"},
    "result": {"score": {"scaled": 0.9}},
    "timestamp": "2026-03-10T10:15:00Z",
}
JSON = json_values(NASTY, max_leaves=8)
PLACES = [
    ("id",),
    ("actor",),
    ("actor", "name"),
    ("actor", "mbox"),
    ("actor", "objectType"),
    ("verb",),
    ("verb", "id"),
    ("verb", "display"),
    ("object",),
    ("object", "id"),
    ("object", "objectType"),
    ("result",),
    ("result", "score"),
    ("result", "score", "scaled"),
    ("timestamp",),
    ("version",),
]


def read_or_refused(item):
    try:
        statement = xapi_rules.read(item, now=NOW)
    except xapi_rules.BadStatement as error:
        assert error.message and error.status == 400
        return None
    for text in (statement.statement_id, statement.verb, statement.object_id, statement.name):
        assert not CONTROLS.search(text)
    assert statement.email is None or not CONTROLS.search(statement.email)
    assert statement.score is None or 0 <= statement.score <= 100
    return statement


@BOUNDED
@given(st.sampled_from(PLACES), JSON)
def test_a_statement_with_one_value_changed_is_read_or_refused(place, value):
    item = copy.deepcopy(STATEMENT)
    target = item
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    read_or_refused(item)


@BOUNDED
@given(st.binary(max_size=300), st.sampled_from(["application/json", "text/plain", ""]))
def test_any_body_is_statements_or_refused(body, content_type):
    try:
        items = xapi_rules.parse_body(body, content_type)
    except xapi_rules.BadStatement as error:
        assert error.message
        return
    try:
        xapi_rules.read_all(items, now=NOW)
    except xapi_rules.BadStatement as error:
        assert error.message


@BOUNDED
@given(
    st.emails().filter(lambda email: len(email) <= 254),
    st.uuids(),
    st.datetimes(datetime(1971, 1, 1), datetime(2026, 5, 31), timezones=st.just(UTC)),
    st.integers(0, 100),
)
def test_a_sound_statement_reads_back(email, statement_id, moment, percent):
    item = copy.deepcopy(STATEMENT)
    item["actor"]["mbox"] = f"mailto:{email}"
    item["id"] = str(statement_id).upper()
    item["timestamp"] = moment.isoformat()
    item["result"]["score"]["scaled"] = percent / 100
    statement = read_or_refused(json.loads(json.dumps(item)))
    if statement is None:  # hypothesis' addresses allow what the endpoint's pattern does not
        assert not re.fullmatch(xapi_rules.MBOX_PATTERN, f"mailto:{email}")
        return
    assert statement.email == email.lower() and statement.statement_id == str(statement_id)
    assert statement.timestamp == moment and statement.score == percent


@BOUNDED
@given(NASTY)
def test_any_version_header_is_accepted_or_refused(value):
    try:
        xapi_rules.check_version(value)
    except xapi_rules.BadStatement as error:
        assert error.message and not CONTROLS.search(error.message)
        return
    assert re.fullmatch(r"1\.0(\.[0-9]{1,4})?", value.strip())
