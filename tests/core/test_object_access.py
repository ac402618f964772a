"""Object-level checks over every route, from the route matrices: a coordinator of another
agency gets nothing of a person's things, by address or by naming the agency in the query;
PDL viewers' pages name nobody.

The per-feature tests check single cases (tests/elearning/test_declarations_checking.py,
tests/certificates/test_pdf_views.py, tests/compliance/test_chasing.py and others); these walk
every route, so a route added later is checked too. A practitioner of the same agency is refused
every colleague's thing by the matrices themselves (tests/core/test_permissions.py and
tests/core/test_post_permissions.py give practitioners 403 on each)."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.extensions import db
from tests.conftest import CSRF_PATTERN
from tests.core.test_permissions import MATRIX
from tests.core.test_post_permissions import POST_MATRIX, post_objects, row_counts

__all__ = ["post_objects"]  # the fixture, shared with test_post_permissions

# Placeholders that name a thing of the colleague, or of their agency.
THEIRS = (
    "{user}",
    "{booking}",
    "{offer}",
    "{charge}",
    "{declaration}",
    "{completion}",
    "{response}",
    "{certificate}",
    "{certificate_export}",
    "{api_token}",
)
# Pages of one agency that take ?agency=ID (admins choose; a coordinator's own is forced).
AGENCY_PAGES = (
    "/agency/compliance",
    "/agency/compliance.csv",
    "/agency/certificates",
    "/agency/bookings",
    "/agency/charges",
    "/agency/staff",
    "/agency/declarations",
    "/agency/renewals",
    "/charges/statement.csv",
    "/reports/programme",
    "/reports/compliance-by-agency",
)
NAME, EMAIL = "Zephyrine Quillfeather", "zephyrine.quillfeather@example.org"


@pytest.fixture
def named_colleague(app, post_objects):
    """The walk's colleague, with a name and address no page has otherwise."""
    with app.app_context():
        colleague = db.session.get(User, post_objects["user"])
        colleague.name, colleague.email = NAME, EMAIL
        db.session.commit()
    return post_objects


def signed_in(app, make_user, login, role, agency_id):
    client = app.test_client()
    login(make_user(roles=(role,), agency_id=agency_id), using=client)
    page = client.get("/").get_data(as_text=True)
    return client, CSRF_PATTERN.search(page).group(1)


def names_nobody(response) -> bool:
    text = response.get_data().decode("utf-8", "replace").casefold()
    return NAME.casefold() not in text and EMAIL not in text and "quillfeather" not in text


def theirs(path: str) -> bool:
    return any(placeholder in path for placeholder in THEIRS)


@pytest.mark.parametrize(
    ("role", "elsewhere"),
    [
        (Role.COORDINATOR, True),
        (Role.PRACTITIONER, False),
        (Role.TRAINER, False),
        (Role.PDL_VIEWER, False),
    ],
    ids=["coordinator of another agency", "practitioner", "trainer", "pdl_viewer"],
)
def test_others_get_nothing_of_a_persons_things(
    app, make_agency, make_user, login, named_colleague, role, elsewhere
):
    """Every route naming the colleague or their things, by GET and POST, for a coordinator of
    another agency and for everyone of the colleague's agency without the power: 403 or 404,
    nothing changed, their name nowhere."""
    agency = make_agency("Elsewhere") if elsewhere else named_colleague["agency"]
    client, token = signed_in(app, make_user, login, role, agency)
    gets = sorted(path for path in MATRIX if theirs(path))
    posts = sorted(path for path in POST_MATRIX if theirs(path))
    assert len(gets) >= 15 and len(posts) >= 15  # the walk walks
    answered = {}
    for path in gets:
        with client.get(path.format(**named_colleague)) as response:
            answered["GET " + path] = response.status_code
            assert names_nobody(response), path
    before = row_counts(app)
    for path in posts:
        address = path.format(**named_colleague)
        headers = {"Referer": "https://localhost/"}
        with client.post(address, data={"csrf_token": token}, headers=headers) as response:
            answered["POST " + path] = response.status_code
            assert names_nobody(response), path
    assert row_counts(app) == before
    assert {key: status for key, status in answered.items() if status not in (403, 404)} == {}


def test_naming_another_agency_in_the_query_shows_only_your_own(
    app, make_agency, make_user, login, named_colleague
):
    client, _token = signed_in(app, make_user, login, Role.COORDINATOR, make_agency("Elsewhere"))
    # The colleague's own coordinator sees them on these pages, so the check can fail.
    theirs_client, _ = signed_in(app, make_user, login, Role.COORDINATOR, named_colleague["agency"])
    seen_by_their_coordinator = 0
    for path in AGENCY_PAGES:
        address = f"{path}?agency={named_colleague['agency']}"
        with client.get(address) as response:
            assert response.status_code in (200, 302, 403, 404), path
            assert names_nobody(response), path
        with theirs_client.get(address) as response:
            seen_by_their_coordinator += not names_nobody(response)
    assert seen_by_their_coordinator >= 3


def test_only_their_coordinator_downloads_their_certificates(
    app, make_agency, make_user, login, named_colleague
):
    """The bulk download names the agency in its form: another agency's coordinator and a
    practitioner of the agency are refused, and nothing is recorded; their own coordinator gets
    the ZIP (the walk's certificate is of January 2026)."""
    form = {"for_agency": str(named_colleague["agency"]), "for_period": "2025-26", "download": "y"}
    headers = {"Referer": "https://localhost/"}
    refused = [
        signed_in(app, make_user, login, Role.COORDINATOR, make_agency("Elsewhere")),
        signed_in(app, make_user, login, Role.PRACTITIONER, named_colleague["agency"]),
    ]
    before = row_counts(app)
    for client, token in refused:
        with client.post(
            "/agency/certificates/download", data={"csrf_token": token, **form}, headers=headers
        ) as response:
            assert response.status_code == 403
    assert row_counts(app) == before
    client, token = signed_in(app, make_user, login, Role.COORDINATOR, named_colleague["agency"])
    with client.post(
        "/agency/certificates/download", data={"csrf_token": token, **form}, headers=headers
    ) as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"


def test_pdl_viewers_pages_name_nobody(app, make_user, login, named_colleague):
    """Every page a PDL viewer may open, on the walk's objects: counts, never the person."""
    client, _token = signed_in(app, make_user, login, Role.PDL_VIEWER, named_colleague["agency"])
    pages = sorted(path for path, roles in MATRIX.items() if roles["pdl_viewer"] == 200)
    assert len(pages) >= 20
    named = []
    for path in pages:
        with client.get(path.format(**named_colleague)) as response:
            kind = response.headers.get("Content-Type", "")
            if re.match(r"text/|application/json", kind) and not names_nobody(response):
                named.append(path)
    assert named == []
    # The colleague really is in the data those pages count.
    with app.app_context():
        assert db.session.scalar(sa.select(User.name).where(User.email == EMAIL)) == NAME
