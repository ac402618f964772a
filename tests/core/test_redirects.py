"""After signing in, approving a booking or deciding a charge, only a path on this site is
followed, whatever its encoding; anything else goes to the page's usual place."""

import pytest

from lms.accounts.models import Role
from lms.attendance.models import ChargeStatus, NonAttendanceCharge
from lms.core.urls import same_site_path
from lms.extensions import db
from tests.conftest import csrf_token

HOSTILE = [
    "//evil.example",
    "///evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r\nSet-Cookie: session=stolen",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "HTTPS:/evil.example",
    "javascript:alert(1)",
    " /\x0b/evil.example",
    " //evil.example",
    "\t//evil.example",
    "\u3000//evil.example",
    "/\u2028/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D%0A/evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%255C/evil.example",
    "/%2509/evil.example",
    "evil.example",
    "",
]
SAME_SITE = ["/admin/charges?month=2026-11&status=", "/training?q=child%20neglect#results"]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_helper_refuses_anything_but_a_path_on_this_site(target):
    assert same_site_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", SAME_SITE)
def test_the_helper_follows_a_path_on_this_site(target):
    assert same_site_path(target, "/home") == target


def test_sign_in_follows_only_a_path_on_this_site(app, make_user):
    person = make_user()
    for target, expected in [(value, "/") for value in HOSTILE] + [(v, v) for v in SAME_SITE]:
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/sign-in",
            query_string={"next": target},
            data={"csrf_token": token, "email": person.email, "password": person.password},
            headers={"Referer": "https://localhost/sign-in"},
        )
        assert response.status_code == 302, (target, response.status_code)
        assert response.location == expected, target


@pytest.mark.parametrize(
    ("path", "fallback"),
    [
        ("/bookings/{booking}/approve", "/agency/bookings"),
        ("/charges/{charge}/uphold", "/admin/charges"),
        ("/charges/{charge}/waive", "/admin/charges"),
    ],
)
def test_approve_uphold_and_waive_go_back_only_to_a_path_on_this_site(
    app, client, make_user, login, route_objects, path, fallback
):
    roles = (Role.ADMIN, Role.COORDINATOR)
    login(make_user(roles=roles, agency_id=route_objects["agency"]))
    token = csrf_token(client, "/account")
    url = path.format(**route_objects)
    for target, expected in [(value, fallback) for value in HOSTILE] + [
        (value, value) for value in SAME_SITE
    ]:
        with app.app_context():  # a decided charge is refused in the page: raise it again
            charge = db.session.get(NonAttendanceCharge, route_objects["charge"])
            charge.status = ChargeStatus.RAISED
            db.session.commit()
        response = client.post(
            url,
            data={"csrf_token": token, "back": target, "reason": "Checked"},
            headers={"Referer": "https://localhost/"},
        )
        assert response.status_code == 302, (target, response.status_code)
        assert response.location == expected, target
