"""Every route, for every role: who gets the page, who is sent to sign in, who is refused."""

import re

import pytest

from lms.accounts.models import Role
from tests.conftest import post_form
from tests.core.conftest import ARGUMENTS

ROLES = ["anonymous", "practitioner", "coordinator", "trainer", "pdl_viewer", "admin"]
EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN = {"anonymous": 302} | {role: 200 for role in ROLES[1:]}
ANONYMOUS_ONLY = {"anonymous": 200} | {role: 302 for role in ROLES[1:]}


def only(*roles):
    return {"anonymous": 302} | {role: 200 if role in roles else 403 for role in ROLES[1:]}


# GET routes and the status each role gets. {agency} and {user} are filled with the agency and a
# colleague of the person asking; a new route must be added here or the walk below fails.
MATRIX = {
    "/": EVERYONE,
    "/accessibility": EVERYONE,
    "/privacy": EVERYONE,
    "/register": ANONYMOUS_ONLY,
    "/sign-in": ANONYMOUS_ONLY,
    "/password/forgotten": EVERYONE,
    "/password/reset/{token}": {role: 410 for role in ROLES},
    "/account": SIGNED_IN,
    "/account/password": SIGNED_IN,
    "/account/email": SIGNED_IN,
    "/account/email/{token}": {role: 410 for role in ROLES},
    "/confirm-email/{token}": {role: 410 for role in ROLES},
    "/register/agency-not-listed": EVERYONE,
    "/join-requests": only("coordinator", "admin"),
    "/agency-requests": only("admin"),
    "/registrations": only("pdl_viewer", "admin"),
    "/agency/staff": only("coordinator"),
    "/agency/staff/{user}": only("coordinator"),
    "/admin/agencies": only("admin"),
    "/admin/agencies/new": only("admin"),
    "/admin/agencies/{agency}": only("admin"),
    "/admin/users": only("admin"),
    "/admin/users/new": only("admin"),
    "/admin/users/{user}": only("admin"),
    "/training": EVERYONE,
    "/courses": EVERYONE,
    "/courses/{code}": EVERYONE,
    "/sessions/{session}": EVERYONE,
    "/sessions/{session}.ics": EVERYONE,
    "/calendar/sessions.ics": EVERYONE,
    "/api/v1/sessions": EVERYONE,
    "/api/v1/courses": EVERYONE,
    "/api/v1/openapi.json": EVERYONE,
    "/trainer/sessions": only("trainer"),
    "/admin/courses": only("admin"),
    "/admin/courses/new": only("admin"),
    "/admin/courses/{course}": only("admin"),
    "/admin/sessions": only("admin"),
    "/admin/sessions/new": only("admin"),
    "/admin/sessions/{session}": only("admin"),
    "/admin/sessions/{session}/copy": only("admin"),
    "/admin/sessions/{session}/cancel": only("admin"),
    "/admin/reference": only("admin"),
    "/admin/{kind}/new": only("admin"),
    "/admin/{kind}/{row}": only("admin"),
    "/my-training": SIGNED_IN,
    "/bookings/{booking}/cancel": only("coordinator", "admin"),
    "/bookings/{booking}/substitute": only("coordinator", "admin"),
    "/bookings/{booking}/decline": only("coordinator", "admin"),
    "/offers/{offer}": only(),
    "/calendar/me/{token}.ics": {role: 404 for role in ROLES},
    "/sessions/{session}/bookings": only("admin"),
    "/sessions/{session}/bookings.csv": only("admin"),
    "/agency/bookings": only("coordinator"),
    "/admin/demand": only("admin"),
    "/admin/settings": only("admin"),
    "/registers/{date}": only("admin"),
    "/registers/{date}/sign-in-sheet.pdf": only("admin"),
    "/registers/{date}/check-in": only("admin"),
    "/registers/{date}/import": only("admin"),
    "/registers/{date}/final": only("admin"),
    "/imports/{batch}": only("admin"),
    "/check-in/{date}/{token}": SIGNED_IN,
    "/agency/charges": only("coordinator"),
    "/admin/charges": only("admin"),
    # A statement is one agency's: coordinators get their own; an admin names the agency
    # (?agency=ID), and without one gets 404.
    "/charges/statement.csv": only("coordinator") | {"admin": 404},
    "/charges/statement.pdf": only("coordinator") | {"admin": 404},
    "/admin/attendance-decisions": only("admin"),
    "/healthz": EVERYONE,
    # Coordinators see the reports restricted to their own agency.
    "/reports": only("coordinator", "pdl_viewer", "admin"),
    "/reports/{report}": only("coordinator", "pdl_viewer", "admin"),
    "/reports/{report}.{fmt}": only("coordinator", "pdl_viewer", "admin"),
    # The reports API takes a personal API token only, never the session cookie.
    "/api/v1/reports": {role: 401 for role in ROLES},
    "/api/v1/reports/{report}": {role: 401 for role in ROLES},
    # --- e-learning imports, and the providers' saved mappings ---
    "/admin/elearning/imports": only("admin"),
    "/admin/elearning/imports/new": only("admin"),
    "/admin/elearning/imports/{import}": only("admin"),
    "/admin/elearning/imports/{import}/errors.csv": only("admin"),
    # The route's import holds no file to read and was not imported: back to its page.
    "/admin/elearning/imports/{import}/columns": only("admin") | {"admin": 302},
    "/admin/elearning/imports/{import}/preview": only("admin") | {"admin": 302},
    "/admin/elearning/imports/{import}/undo": only("admin") | {"admin": 302},
    # --- (end of e-learning imports, and the providers' saved mappings) ---
    # --- xAPI credentials ---
    "/admin/xapi": only("admin"),
    "/admin/providers/{provider}/xapi": only("admin"),
    "/admin/providers/{provider}/xapi/{credential}/revoke": only("admin"),
    # The xAPI "about" resource is open; statements are only ever posted.
    "/xapi/about": EVERYONE,
    # --- (end of xAPI credentials) ---
    # --- the unmatched queue ---
    "/admin/unmatched": only("admin"),
    "/admin/unmatched/{unmatched}": only("admin"),
    "/admin/unmatched/{unmatched}/match/{user}": only("admin"),
    "/admin/unmatched/{unmatched}/dismiss": only("admin"),
    # --- (end of the unmatched queue) ---
    # --- self-declared training ---
    "/my-training/declarations": SIGNED_IN,
    "/my-training/declarations/new": SIGNED_IN,
    "/admin/declarations": only("admin"),
    "/agency/declarations": only("coordinator"),
    # {declaration} is a colleague's: their coordinator and admins see it, nobody else.
    "/declarations/{declaration}": only("coordinator", "admin"),
    "/declarations/{declaration}/evidence": only("coordinator", "admin"),
    # --- (end of self-declared training) ---
    # --- modules and renewals ---
    "/agency/renewals": only("coordinator"),
    # --- (end of modules and renewals) ---
    # --- e-learning reports ---
    # --- (end of e-learning reports) ---
    # --- evaluation question sets ---
    "/admin/evaluation": only("admin"),
    "/admin/evaluation/{stage}": only("admin"),
    "/admin/evaluation/{stage}/versions/{question_set}": only("admin"),
    # --- (end of evaluation question sets) ---
    # --- evaluation before and straight after ---
    # {response} is a colleague's request: only the person it is about answers it.
    "/feedback/{response}": only(),
    # --- (end of evaluation before and straight after) ---
    # --- follow-ups ---
    "/follow-up/{token}": {role: 404 for role in ROLES},
    "/follow-up/thanks": EVERYONE,
    # --- (end of follow-ups) ---
    # --- impact statistics ---
    # The impact report is one of "/reports/{name}"; the summaries: trainers see their own
    # sessions, admins and PDL viewers the providers. The tester is no trainer of {session}.
    "/evaluation/summaries": only("trainer", "pdl_viewer", "admin"),
    "/evaluation/summaries/providers/{provider}": only("pdl_viewer", "admin"),
    "/evaluation/summaries/sessions/{session}": only("pdl_viewer", "admin"),
    # --- (end of impact statistics) ---
    # --- comments, quotes and summaries ---
    # Comments and quotes never name who wrote them; only admins remove a comment.
    "/evaluation/comments": only("pdl_viewer", "admin"),
    "/evaluation/comments/{feedback_answer}/redact": only("admin"),
    "/evaluation/quotes": only("pdl_viewer", "admin"),
    "/evaluation/quotes.csv": only("pdl_viewer", "admin"),
    # --- (end of comments, quotes and summaries) ---
    # --- certificate PDFs and the logo ---
    # {certificate} is a colleague's: they, their coordinator and admins see it.
    "/certificates/{certificate}.pdf": only("coordinator", "admin"),
    "/admin/certificate-logo": only("admin"),
    # --- (end of certificate PDFs and the logo) ---
    # --- verify page and certificate statistics ---
    "/verify": EVERYONE,
    "/verify/{certificate_code}": EVERYONE,
    # --- (end of verify page and certificate statistics) ---
    # --- Open Badges credentials and keys ---
    # Public documents for any verifier; the walk has a signing key besides "route-key".
    "/ob/issuer": EVERYONE,
    "/ob/jwks.json": EVERYONE,
    "/ob/keys/{kid}": EVERYONE,
    "/ob/status/{status_list}": EVERYONE,
    "/ob/achievements/{course}": EVERYONE,
    "/verify/credential": EVERYONE,
    # {certificate} is a colleague's: their coordinator and admins download its credential.
    "/certificates/{certificate}/credential.jwt": only("coordinator", "admin"),
    # The tester's own: an empty list when they have no certificates.
    "/my-training/credentials.json": SIGNED_IN,
    # --- (end of Open Badges credentials and keys) ---
    # --- training records ---
    # {user} is a colleague of the tester: their coordinator and admins see their record.
    "/people/{user}/training-record": only("coordinator", "admin"),
    "/people/{user}/training-record.pdf": only("coordinator", "admin"),
    "/people/{user}/training-record.csv": only("coordinator", "admin"),
    # --- (end of training records) ---
    # --- bulk certificate downloads ---
    # {certificate_export} is a ZIP of the tester's agency's certificates.
    # One page for coordinators and admins (an admin chooses the agency on it). The walk's ZIP
    # is queued, not built: its file answers 409 with a page saying it is not ready yet.
    "/agency/certificates": only("coordinator", "admin"),
    "/agency/certificates/exports/{certificate_export}": only("coordinator", "admin"),
    "/agency/certificates/exports/{certificate_export}.zip": only("coordinator", "admin")
    | {"coordinator": 409, "admin": 409},
    # --- (end of bulk certificate downloads) ---
    # --- requirements and role tags (admin), role tags on staff ---
    "/admin/requirements": only("admin"),
    "/admin/requirements/new": only("admin"),
    "/admin/requirements/{requirement}": only("admin"),
    "/admin/role-tags": only("admin"),
    "/admin/role-tags/{role_tag}": only("admin"),
    "/agency/staff/{user}/role-tags": only("coordinator", "admin"),
    # --- (end of requirements and role tags) ---
    # --- compliance: your training, the agency's table, chasing ---
    # One page for coordinators (their own agency) and admins (who choose the agency on it).
    "/agency/compliance": only("coordinator", "admin"),
    # The download needs an agency chosen: an admin who has not chosen one goes back to the page.
    "/agency/compliance.csv": only("coordinator", "admin") | {"admin": 302},
    # --- (end of compliance pages) ---
    # --- annual report pack ---
    # PDL viewers and admins make the pack and see its snapshots; only admins choose its quotes
    # (PDL viewers see the choice, read-only). {snapshot} is a real snapshot of 2025-26.
    "/reports/annual-pack": only("pdl_viewer", "admin"),
    "/reports/annual-pack/snapshots/{snapshot}": only("pdl_viewer", "admin"),
    "/reports/annual-pack/quotes": only("pdl_viewer", "admin"),
    # pack files
    "/reports/annual-pack/snapshots/{snapshot}.pdf": only("pdl_viewer", "admin"),
    "/reports/annual-pack/snapshots/{snapshot}.xlsx": only("pdl_viewer", "admin"),
    # --- (end of annual report pack) ---
    # --- subject access ---
    # An admin's page for anyone's copy of their data (the download itself is a POST); the
    # person's own page.
    "/admin/users/{user}/data": only("admin"),
    "/account/data": SIGNED_IN,
    # --- (end of subject access) ---
    # --- erasure ---
    "/admin/users/{user}/erase": only("admin"),
    # --- (end of erasure) ---
}


def rule_to_path(rule) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^<>]*:)?{name}>", ARGUMENTS[name], path)
    return path


def test_every_get_route_is_in_the_matrix(app):
    routes = {
        rule_to_path(rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    }
    assert routes == set(MATRIX)


@pytest.mark.parametrize("path", sorted(MATRIX))
def test_route_by_role(app, make_user, login, route_objects, path):
    """Each role asks for the route in a client of its own; the objects the route names are
    made once for all six (they are the slow part of the walk)."""
    answered = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            person = make_user(roles=(Role(role),), agency_id=route_objects["agency"])
            login(person, using=client)
        with client.get(path.format(**route_objects)) as response:
            answered[role] = response.status_code
    assert answered == MATRIX[path]


def test_coordinator_of_one_agency_gets_403_on_another_agencys_people(
    client, make_user, make_agency, login
):
    mine, other = make_agency(), make_agency()
    stranger = make_user(agency_id=other)
    login(make_user(roles=(Role.COORDINATOR,), agency_id=mine))
    assert client.get(f"/agency/staff/{stranger.id}").status_code == 403


def test_coordinator_cannot_edit_an_administrator_in_their_agency(
    client, make_user, make_agency, login
):
    agency = make_agency()
    admin = make_user(roles=(Role.ADMIN,), agency_id=agency)
    login(make_user(roles=(Role.COORDINATOR,), agency_id=agency))
    assert client.get(f"/agency/staff/{admin.id}").status_code == 403


@pytest.mark.parametrize(
    ("role", "expected", "hidden"),
    [
        ("practitioner", ["Find training", "Account"], ["Admin", "Reports", "Your agency"]),
        ("coordinator", ["Your agency", "Reports", "Account"], ["Admin", "Teaching"]),
        ("trainer", ["Teaching", "Account"], ["Admin", "Reports", "Your agency"]),
        ("pdl_viewer", ["Reports", "Account"], ["Admin", "Your agency", "Teaching"]),
        ("admin", ["Admin", "Reports", "Account"], ["Your agency", "Teaching"]),
    ],
)
def test_navigation_by_role(client, make_user, login, role, expected, hidden):
    login(make_user(roles=(Role(role),)))
    page = client.get("/").get_data(as_text=True)
    nav = page.split('class="govuk-service-navigation__list"')[1].split("</ul>")[0]
    for text in expected:
        assert f">\n                    {text}" in nav or f">{text}<" in nav or text in nav
    for text in hidden:
        assert text not in nav
    assert "Sign out" in nav and "Sign in" not in nav


def test_anonymous_navigation_offers_sign_in_and_registration(client):
    page = client.get("/").get_data(as_text=True)
    nav = page.split('class="govuk-service-navigation__list"')[1].split("</ul>")[0]
    assert "Sign in" in nav and "Create an account" in nav and "Sign out" not in nav


def test_statistics_pages_show_counts_not_names(client, make_user, make_agency, login):
    agency = make_agency("Riverside Youth Trust")
    make_user(name="Kwame Mensah", email="kwame@youthtrust.example", agency_id=agency)
    login(make_user(roles=(Role.PDL_VIEWER,)))
    page = client.get("/registrations").get_data(as_text=True)
    assert "Riverside Youth Trust" in page
    assert "Kwame" not in page and "kwame@" not in page


def test_sign_out_is_a_post(client, make_user, login):
    login(make_user())
    assert client.get("/sign-out").status_code == 405
    assert post_form(client, "/sign-out", {}, token_from="/").status_code == 302
