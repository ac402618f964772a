"""Every route, fed what no column can hold (a NUL byte, an id beyond 2**31 - 1), answers with a
400 or 404 page, never a 500, on SQLite and on PostgreSQL."""

import io
import re

import pytest

from lms.accounts.models import Role
from tests.conftest import csrf_token, post_form
from tests.core.conftest import ARGUMENTS

# POST routes also name an API token; any id does, as each request is refused before the view.
NAMES = {**ARGUMENTS, "token_id": "1"}
HUGE = "99999999999"
NUL = "\x00"
# Query parameters the pages read as numbers, dates or text.
QUERY_NAMES = ["q", "agency", "course_id", "session", "page", "month", "status", "theme", "role"]


def rules(app, method):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in rule.methods and rule.endpoint != "static"
    ]


def fill(rule, values: dict, *, huge_ids: bool = False) -> str:
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name]
        value = NAMES[name].format(**values)
        if huge_ids and type(converter).__name__ == "IdConverter":
            value = HUGE
        path = re.sub(rf"<(?:[^<>]*:)?{name}>", value, path)
    return path


@pytest.fixture
def admin_client(client, make_user, login, route_objects):
    roles = (Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.PDL_VIEWER)
    login(make_user(roles=roles, agency_id=route_objects["agency"]))
    return client


def test_every_int_in_every_route_is_bounded(app):
    with_ids = [rule for rule in app.url_map.iter_rules() if "session_id" in rule.arguments]
    assert with_ids
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if name.endswith("_id"):
                assert type(converter).__name__ == "IdConverter", (rule.rule, name)


def test_an_id_beyond_an_integer_column_is_page_not_found_on_every_route(
    app, admin_client, route_objects
):
    token = csrf_token(admin_client, "/account")
    checked = 0
    for method in ("GET", "POST"):
        for rule in rules(app, method):
            if not any(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
                continue
            path = fill(rule, route_objects, huge_ids=True)
            if method == "GET":
                response = admin_client.get(path)
            else:
                response = admin_client.post(
                    path,
                    data={"csrf_token": token},
                    headers={"Referer": "https://localhost/"},
                )
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked >= 30
    assert admin_client.get(f"/sessions/{HUGE}").status_code == 404
    assert "Page not found" in admin_client.get(f"/sessions/{HUGE}").get_data(as_text=True)


def test_a_nul_byte_in_a_query_value_is_a_bad_request_on_every_route(
    app, admin_client, route_objects
):
    for rule in rules(app, "GET"):
        path = fill(rule, route_objects)
        for name in ("q", "email"):
            response = admin_client.get(path, query_string={name: f"a{NUL}b"})
            assert response.status_code == 400, (path, name, response.status_code)
    page = admin_client.get("/training?q=%00")
    assert page.status_code == 400
    assert "There is a problem with your request" in page.get_data(as_text=True)


def test_a_nul_byte_in_a_form_value_is_a_bad_request_on_every_route(
    app, admin_client, route_objects
):
    token = csrf_token(admin_client, "/account")
    for rule in rules(app, "POST"):
        path = fill(rule, route_objects)
        data = {"csrf_token": token, "name": f"Amina{NUL}", "email": f"a{NUL}@example.org"}
        data |= {"password": f"pass{NUL}word", "reason": NUL, "title": NUL, "q": NUL}
        response = admin_client.post(path, data=data, headers={"Referer": "https://localhost/"})
        assert response.status_code == 400, (path, response.status_code)


def test_a_nul_byte_in_the_address_is_a_bad_request(admin_client):
    assert admin_client.get("/password/reset/abc%00def").status_code == 400
    assert admin_client.get("/courses/SCP%00").status_code == 400


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/sign-in", {"email": f"amina{NUL}@example.org", "password": "x"}),
        ("/register", {"name": f"Amina{NUL}", "email": "amina@example.org"}),
        ("/password/forgotten", {"email": f"amina{NUL}@example.org"}),
    ],
)
def test_a_nul_byte_from_a_visitor_is_a_bad_request(client, path, data):
    assert post_form(client, path, data).status_code == 400


def test_an_uploaded_file_name_with_a_nul_byte_is_a_bad_request(admin_client, route_objects):
    path = f"/registers/{route_objects['date']}/import"
    response = post_form(
        admin_client,
        path,
        {"report": (io.BytesIO(b"Name,Email\n"), f"report{NUL}.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_numbers_beyond_an_integer_in_query_values_never_give_a_server_error(
    app, admin_client, route_objects
):
    for rule in rules(app, "GET"):
        path = fill(rule, route_objects)
        response = admin_client.get(path, query_string=dict.fromkeys(QUERY_NAMES, HUGE))
        assert response.status_code < 500, (path, response.status_code)
