"""Schemathesis against the API's own OpenAPI document, as served at /api/v1/openapi.json.

Every operation is called with data the document admits (positive) and with data it does not
(negative: NUL bytes, control characters, huge numbers, overlong text, wrong types), without a
token and, for the reports, with a PDL viewer's. Each answer must be documented (status, content
type, body), never a server error; what the document admits is accepted, and what it does not is
refused. The run is bounded (examples per operation, derandomised) so it takes well under a
minute on SQLite and runs on PostgreSQL as well.
"""

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.accounts import tokens
from lms.accounts.models import Role, Sector, TokenKind, User
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports.build import REPORTS
from tests.conftest import one_day, uk

# Examples per operation; without a token the reports only ever answer 401, so a few do.
MAX_EXAMPLES = 25
MAX_EXAMPLES_REFUSED = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@pytest.fixture
def secret(app, make_agency, make_user, make_theme, make_course, make_course_session, make_module):
    """Some of everything the API lists, and a PDL viewer's API token."""
    neglect = make_theme("Neglect")
    make_theme("Child exploitation")
    make_agency("Riverside Police", sector=Sector.POLICE)
    course = make_course("Recognising neglect", code="NEG2", level=2, theme_ids=[neglect])
    make_course_session(course, dates=one_day(uk(2025, 10, 14)))
    make_course_session(course, dates=one_day(uk(2031, 5, 12)))
    make_module("Safeguarding children level 1", code="EL1", theme_ids=[neglect])
    make_module("Early help", code="EL2", validity_months=None)
    viewer = make_user(roles=(Role.PDL_VIEWER,))
    with app.app_context():
        made = tokens.issue(db.session.get(User, viewer.id), TokenKind.API, now=utcnow())
        db.session.commit()
    return made


def reversed_range(case) -> bool:
    """A period whose first date is after its last: refused with 400 as the period's description
    says, but not something JSON Schema can express."""
    period = (case.query or {}).get("period")
    if not isinstance(period, str) or ".." not in period:
        return False
    first, _, last = period.partition("..")
    try:
        return date.fromisoformat(first) > date.fromisoformat(last)
    except ValueError:
        return False


def bad_header(case) -> bool:
    """Whether the case is about a malformed Authorization header (the document's security)."""
    header = (case.meta.components if case.meta else {}).get(ParameterLocation.HEADER)
    return header is not None and header.mode.is_negative


def with_headers(case, token: str | None) -> None:
    """The case's Authorization header: the token (or none), unless the case is about a bad
    header, which is sent as generated and must be refused."""
    if bad_header(case):
        return
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


def run_operations(app, *, mode, token, tags):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = [operation for operation in operations if set(operation.tags or ()) & tags]
    # The list of reports and each report, and the catalogue's two lists when asked for.
    assert len(chosen) == len(REPORTS) + 1 + (2 if "Catalogue" in tags else 0)
    for operation in chosen:
        refused = not token and "Reports" in operation.tags
        if token and not mode.is_positive and not len(operation.query):
            continue  # only its header could be wrong: the run without a token sends those
        # With a token, the header is fixed, so negative cases get their query wrong.
        fixed = {"Authorization": f"Bearer {token}"} if token else None

        @given(case=operation.as_strategy(generation_mode=mode, headers=fixed))
        @settings(
            max_examples=MAX_EXAMPLES_REFUSED if refused else MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            if mode.is_positive:
                assume(not reversed_range(case))
            with_headers(case, token)
            case.call_and_validate(checks=CHECKS)

        call()


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_every_operation_without_a_token(app, secret, mode):
    run_operations(app, mode=mode, token=None, tags={"Catalogue", "Reports"})


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_the_reports_with_a_pdl_viewers_token(app, secret, mode):
    run_operations(app, mode=mode, token=secret, tags={"Reports"})


# The tags whose operations a fuzzing run calls: Catalogue and Reports here, xAPI in
# tests/elearning/test_xapi_contract.py. An operation with another tag would be fuzzed by none.
FUZZED_TAGS = {"Catalogue", "Reports", "xAPI"}


def test_every_operation_in_the_document_is_fuzzed(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(REPORTS) + 1 + 2 + 2  # reports, their list, catalogue, xAPI
    assert [op.label for op in operations if not set(op.tags or ()) & FUZZED_TAGS] == []
