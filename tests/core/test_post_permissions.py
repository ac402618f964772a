"""Every POST route, for every role, posting a valid CSRF token and an empty form: who is sent
to sign in, who is refused, who gets the form back with its errors, who is redirected. A new POST
route must be added to POST_MATRIX or the first test fails.

Two walks keep this fast. Every answer that must change nothing (a refusal, a 404, a form shown
again with its errors) is asked for in one walk over one set of objects, and each route's walk
checks that the row count of every table stayed the same. The answers that act (a signed-in
person redirected) each get a fresh set of objects, since acting changes them."""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.extensions import db
from tests.conftest import CSRF_PATTERN
from tests.core.test_permissions import ROLES, rule_to_path


def only(*roles, done=200):
    """Anonymous people are sent to sign in, roles without the power are refused, and the roles
    with it get `done` (200: the form again with its errors; 302: the action done or refused
    with a message on the page it goes back to)."""
    return {"anonymous": 302} | {role: done if role in roles else 403 for role in ROLES[1:]}


EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN = ROLES[1:]

# POST routes and what each role gets for an empty form. {agency} and {user} are the agency and
# a colleague of the person posting; {booking}, {offer}, {response}, {declaration}, {charge} are
# the colleague's; {api_token} is the colleague's personal API token.
POST_MATRIX = {
    "/account": only(*SIGNED_IN),
    "/account/api-tokens": only("pdl_viewer", "admin"),
    "/account/api-tokens/{api_token}/revoke": only("pdl_viewer", "admin", done=404),
    "/account/confirmation": only(*SIGNED_IN, done=302),
    "/account/data": only(*SIGNED_IN, done="zip"),
    "/account/email": only(*SIGNED_IN),
    "/account/password": only(*SIGNED_IN),
    "/admin/agencies/new": only("admin"),
    "/admin/agencies/{agency}": only("admin"),
    "/admin/agencies/{agency}/active": only("admin", done=302),
    "/admin/certificate-logo": only("admin"),
    "/admin/certificate-logo/remove": only("admin", done=302),
    "/admin/courses/new": only("admin"),
    "/admin/courses/{course}": only("admin"),
    "/admin/courses/{course}/archive": only("admin", done=302),
    "/admin/courses/{course}/publish": only("admin", done=302),
    "/admin/elearning/imports/new": only("admin"),
    "/admin/elearning/imports/{import}/columns": only("admin", done=302),
    "/admin/elearning/imports/{import}/import": only("admin", done=302),
    "/admin/elearning/imports/{import}/undo": only("admin", done=302),
    "/admin/evaluation/{stage}": only("admin"),
    "/admin/providers/{provider}/xapi": only("admin"),
    "/admin/providers/{provider}/xapi/{credential}/revoke": only("admin", done=302),
    "/admin/requirements/new": only("admin"),
    "/admin/requirements/{requirement}": only("admin"),
    "/admin/requirements/{requirement}/active": only("admin", done=302),
    "/admin/role-tags": only("admin"),
    "/admin/role-tags/{role_tag}": only("admin"),
    "/admin/role-tags/{role_tag}/delete": only("admin", done=302),
    "/admin/sessions/new": only("admin"),
    "/admin/sessions/{session}": only("admin"),
    "/admin/sessions/{session}/cancel": only("admin"),
    "/admin/sessions/{session}/copy": only("admin"),
    "/admin/settings": only("admin"),
    "/admin/unmatched/{unmatched}/dismiss": only("admin"),
    "/admin/unmatched/{unmatched}/match/{user}": only("admin", done=302),
    "/admin/users/new": only("admin"),
    "/admin/users/{user}": only("admin"),
    # A subject access download is answered with the ZIP itself (and audited), so it acts.
    "/admin/users/{user}/data": only("admin", done="zip"),
    "/admin/users/{user}/erase": only("admin"),
    "/admin/{kind}/new": only("admin"),
    "/admin/{kind}/{row}": only("admin"),
    "/admin/{kind}/{row}/active": only("admin", done=302),
    # {request} and {api_token} name nothing the poster may act on: 404 for those who may act.
    "/agency-requests/{request}/dismiss": only("admin", done=404),
    # An empty form goes back to the page ("Choose an agency"); the agency chosen is checked
    # next (tests/core/test_object_access.py posts another agency's).
    "/agency/certificates/download": only(*SIGNED_IN, done=302),
    # An admin chases for the agency the form names; with none named there is no agency: 404.
    "/agency/compliance/chase": only("coordinator", "admin") | {"admin": 404},
    "/agency/staff/{user}": only("coordinator"),
    "/agency/staff/{user}/role-tags": only("coordinator", "admin", done=302),
    "/bookings/{booking}/approve": only("coordinator", "admin", done=302),
    "/bookings/{booking}/cancel": only("coordinator", "admin"),
    "/bookings/{booking}/confirm": only("admin"),
    "/bookings/{booking}/decline": only("coordinator", "admin"),
    "/bookings/{booking}/left-early/{verdict}": only("admin", done=302),
    "/bookings/{booking}/substitute": only("coordinator", "admin"),
    "/charges/{charge}/dispute": only("coordinator"),
    "/charges/{charge}/{decision}": only("admin"),
    "/check-in/{date}/{token}": only(*SIGNED_IN, done=302),
    "/courses/{code}/interest": only(*SIGNED_IN, done=302),
    "/declarations/{declaration}/reject": only("coordinator", "admin"),
    "/declarations/{declaration}/verify": only("coordinator", "admin", done=302),
    "/evaluation/comments/{feedback_answer}/redact": only("admin"),
    "/feedback/before/{booking}": {
        "anonymous": 302,
        "practitioner": 403,
        "coordinator": 403,
        "trainer": 403,
        "pdl_viewer": 403,
        "admin": 403,
    },
    "/feedback/{response}": {
        "anonymous": 302,
        "practitioner": 403,
        "coordinator": 403,
        "trainer": 403,
        "pdl_viewer": 403,
        "admin": 403,
    },
    "/follow-up/{token}": {role: 404 for role in ROLES},
    "/imports/{batch}": only("admin", done=302),
    "/join-requests/{request}/{choice}": only(*SIGNED_IN, done=404),
    "/my-training/calendar": only(*SIGNED_IN, done=302),
    "/my-training/declarations/new": only(*SIGNED_IN),
    "/offers/{offer}/{answer}": {
        "anonymous": 302,
        "practitioner": 403,
        "coordinator": 403,
        "trainer": 403,
        "pdl_viewer": 403,
        "admin": 403,
    },
    "/password/forgotten": EVERYONE,
    "/password/reset/{token}": {role: 410 for role in ROLES},
    "/register": {
        "anonymous": 200,
        "practitioner": 302,
        "coordinator": 302,
        "trainer": 302,
        "pdl_viewer": 302,
        "admin": 302,
    },
    "/register/agency-not-listed": EVERYONE,
    "/registers/{date}": only("admin"),
    "/registers/{date}/everyone-present": only("admin", done=302),
    # Closing a register that cannot close shows the page with the reason, as 400.
    "/registers/{date}/final": only("admin", done=400),
    "/registers/{date}/import": only("admin", done=400),
    "/registers/{date}/walk-in": only("admin", done=302),
    "/reports/annual-pack": only("pdl_viewer", "admin"),
    "/reports/annual-pack/quotes": only("admin", done=302),
    "/sessions/{session}/add": only("admin"),
    "/sessions/{session}/book": only(*SIGNED_IN, done=302),
    "/sessions/{session}/book-colleague": only("coordinator"),
    "/sign-in": {
        "anonymous": 200,
        "practitioner": 302,
        "coordinator": 302,
        "trainer": 302,
        "pdl_viewer": 302,
        "admin": 302,
    },
    "/sign-out": only(*SIGNED_IN, done=302),
    "/verify/credential": EVERYONE,
    "/xapi/statements": {role: 401 for role in ROLES},
}

# The answers that act: a signed-in person sent on to another page, or given a download.
ACTS = 302
DOWNLOAD = "zip"


def acts(role: str, status) -> bool:
    return role != "anonymous" and status in (ACTS, DOWNLOAD)


def test_every_post_route_is_in_the_matrix(app):
    routes = {
        rule_to_path(rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint != "static"
    }
    assert routes == set(POST_MATRIX)


@pytest.fixture
def compliance_objects(make_requirement, make_role_tag, tag_person):
    """The GET walk's requirement and role tag, without its annual pack snapshot: no POST route
    names one, and taking it is half the time of making the walk's objects."""

    def make(agency_id: int, colleague_id: int) -> dict:
        tag = make_role_tag("Route walk lead")
        tag_person(colleague_id, tag)
        requirement = make_requirement("Route walk requirement", tag_ids=[tag])
        return {"requirement": requirement, "role_tag": tag}

    return make


@pytest.fixture
def post_objects(app, route_objects):
    """The GET walk's objects, and a personal API token of the colleague."""
    from lms.accounts import tokens
    from lms.accounts.models import PersonalToken, User
    from lms.core.models import utcnow

    with app.app_context():
        colleague = db.session.get(User, route_objects["user"])
        tokens.issue_api_token(colleague, "Colleague's dashboard", now=utcnow())
        db.session.commit()
        token_id = db.session.scalar(sa.select(sa.func.max(PersonalToken.id)))
    return route_objects | {"api_token": token_id}


@pytest.fixture
def sign_in_as(app, make_user, login, post_objects):
    """A client per role (anonymous: a client with a session) and its CSRF token; each role
    signs in as someone new in the colleague's agency."""

    def sign_in(roles) -> dict:
        clients = {}
        for role in roles:
            client = app.test_client()
            if role != "anonymous":
                person = make_user(roles=(Role(role),), agency_id=post_objects["agency"])
                login(person, using=client)
            page = client.get("/" if role != "anonymous" else "/sign-in")
            clients[role] = (client, CSRF_PATTERN.search(page.get_data(as_text=True)).group(1))
        return clients

    return sign_in


def post(posters, role: str, address: str) -> int:
    """The status of an empty form posted; an anonymous poster sent on must be sent to sign in."""
    client, token = posters[role]
    headers = {"Referer": "https://localhost/"}
    with client.post(address, data={"csrf_token": token}, headers=headers) as response:
        if role == "anonymous" and response.status_code == 302:
            assert urlsplit(response.headers["Location"]).path == "/sign-in", address
        if response.status_code == 200 and response.mimetype == "application/zip":
            return DOWNLOAD
        return response.status_code


def row_counts(app) -> dict:
    """Every table's row count, in one query."""
    query = sa.union_all(
        *(
            sa.select(sa.literal(table.name), sa.func.count()).select_from(table)
            for table in db.metadata.sorted_tables
        )
    )
    with app.app_context():
        return dict(db.session.execute(query).all())


def test_posts_that_must_change_nothing(app, post_objects, sign_in_as):
    """Refusals, 404s and forms shown again: one walk, and no table changes on any route."""
    posters = sign_in_as(ROLES)
    assert row_counts(app)["users"] >= len(ROLES)  # the counts count
    answered, expected, changed = {}, {}, []
    for path in sorted(POST_MATRIX):
        address = path.format(**post_objects)
        before = row_counts(app)
        for role, status in POST_MATRIX[path].items():
            if not acts(role, status):
                answered[path, role] = post(posters, role, address)
                expected[path, role] = status
        if row_counts(app) != before:
            changed.append(path)
    wrong = {key: (got, expected[key]) for key, got in answered.items() if got != expected[key]}
    assert wrong == {}, "(got, expected)"
    assert changed == []


@pytest.mark.parametrize(
    "path",
    sorted(
        path
        for path, statuses in POST_MATRIX.items()
        if any(acts(role, status) for role, status in statuses.items())
    ),
)
def test_posts_that_act(post_objects, sign_in_as, path):
    """Each on objects of its own (acting changes them), signing in only the roles that act."""
    address = path.format(**post_objects)
    posters = sign_in_as([role for role, status in POST_MATRIX[path].items() if acts(role, status)])
    answered = {
        role: post(posters, role, address)
        for role, status in POST_MATRIX[path].items()
        if acts(role, status)
    }
    assert answered == {role: POST_MATRIX[path][role] for role in answered}
