"""Schemathesis against the xAPI endpoint as the API's OpenAPI document describes it: statements
the document admits are accepted (200), those it does not are refused (400), every answer is
documented and none is a server error; without credentials, every request is refused (401)."""

import os
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings

from lms.elearning.models import XapiStatement
from lms.elearning.xapi_rules import CLOCK_SKEW
from tests.api.test_schemathesis import CHECKS, MODES
from tests.conftest import count
from tests.elearning.xapi_helpers import make_sender

# XAPI_EXAMPLES=300 runs more examples, at random rather than derandomised, for a deeper look.
MAX_EXAMPLES = int(os.environ.get("XAPI_EXAMPLES", 40))


def statements_of(body) -> list:
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    return [body] if isinstance(body, dict) else []


def beyond_the_schema(case) -> bool:
    """What JSON Schema cannot say, and the descriptions do: no timestamp in the future, ids
    unique within a request."""
    items = statements_of(case.body)
    latest = datetime.now(UTC) + CLOCK_SKEW - timedelta(seconds=30)
    for item in items:
        stamp = item.get("timestamp")
        if isinstance(stamp, str):
            try:
                moment = datetime.fromisoformat(stamp.upper().split(".")[0].rstrip("Z") + "+00:00")
            except ValueError:
                moment = None
            if moment is None or moment > latest or "60" in stamp[17:19]:
                return True
    ids = [str(item.get("id", "")).lower() for item in items if "id" in item]
    return len(ids) != len(set(ids))


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    chosen = [result.ok() for result in schema.get_all_operations()]
    return {op.path: op for op in chosen if "xAPI" in (op.tags or ())}


def run(operation, *, mode, headers, max_examples=MAX_EXAMPLES, check=None):
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=not os.environ.get("XAPI_EXAMPLES"),
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        if mode.is_positive:
            assume(not beyond_the_schema(case))
        # The endpoint's own server (the site's root), not the document's /api/v1.
        response = case.call_and_validate(base_url=operation.base_url, checks=CHECKS)
        if check is not None:
            check(response)

    call()


def test_the_xapi_operations_are_described(app, client):
    assert set(operations(app)) == {"/xapi/statements", "/xapi/about"}
    document = client.get("/api/v1/openapi.json").get_json()
    path = document["paths"]["/xapi/statements"]
    assert path["servers"][0]["url"] == "https://localhost"
    operation = path["post"]
    assert operation["security"] == [{"httpBasic": []}]
    assert document["components"]["securitySchemes"]["httpBasic"]["scheme"] == "basic"
    assert {"200", "400", "401", "413"} <= set(operation["responses"])
    header = document["components"]["parameters"]["XapiVersion"]
    assert (header["in"], header["name"], header["required"]) == (
        "header",
        "X-Experience-API-Version",
        True,
    )
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/XapiStatements"}


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_statements_with_a_providers_credential(app, make_module, make_user, mode):
    sender = make_sender(app, make_module, make_user)
    run(operations(app)["/xapi/statements"], mode=mode, headers=sender.auth())
    if mode.is_positive:
        assert count(app, XapiStatement) > MAX_EXAMPLES // 2


def test_statements_without_credentials_are_refused(app, make_module, make_user):
    make_sender(app, make_module, make_user)
    for mode in MODES:
        run(
            operations(app)["/xapi/statements"],
            mode=mode,
            headers=None,
            max_examples=10,
            check=lambda response: response.status_code in (400, 401),
        )
    assert count(app, XapiStatement) == 0


def test_the_about_resource(app):
    run(operations(app)["/xapi/about"], mode=MODES[0], headers=None, max_examples=3)
