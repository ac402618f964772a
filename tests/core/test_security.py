import re

import pytest
import sqlalchemy as sa
from flask import abort

from lms import create_app
from lms.accounts import tokens
from lms.accounts.models import PersonalToken, Role, TokenKind, User
from lms.cli import account_jobs
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, app_config, csrf_token, post_form
from tests.core.conftest import ARGUMENTS

# POST routes also name an API token: one of the signed-in person's own.
POST_ARGUMENTS = {**ARGUMENTS, "token_id": "{api_token}"}
# Endpoints that read no cookie, only credentials of their own (HTTP Basic), so CSRF does not
# arise: a signed-in browser's post is refused all the same, and changes nothing.
COOKIELESS = {"/xapi/statements": 401}


def row_counts(app) -> dict:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^<>]*:)?{name}>", POST_ARGUMENTS[name], path)
            yield path


def test_every_post_without_its_csrf_token_is_refused_and_changes_nothing(
    app, client, make_user, login, route_objects
):
    person = make_user(roles=(Role.ADMIN, Role.COORDINATOR), agency_id=route_objects["agency"])
    login(person)
    with app.app_context():
        tokens.issue(db.session.get(User, person.id), TokenKind.API, now=utcnow())
        db.session.commit()
        api_token = db.session.scalar(sa.select(PersonalToken.id))
    routes = list(post_routes(app))
    assert len(routes) >= 10
    before = row_counts(app)
    for path in routes:
        url = path.format(**route_objects, api_token=api_token)
        data = {
            "name": "Changed",
            "email": "changed@example.org",
            "password": PASSWORD,
            "active": "0",
            "job_title": "x",
        }
        response = client.post(url, data=data, headers={"Referer": "https://localhost/"})
        if path in COOKIELESS:
            assert response.status_code == COOKIELESS[path], url
            continue
        assert response.status_code == 400, url
        assert "The form was missing its security token" in response.get_data(as_text=True)
    assert row_counts(app) == before


def test_a_token_from_another_session_is_refused(app, make_user, login):
    person = make_user()
    other = app.test_client()
    stolen = csrf_token(other)
    client = app.test_client()
    login(person, using=client)
    response = client.post(
        "/sign-out", data={"csrf_token": stolen}, headers={"Referer": "https://localhost/"}
    )
    assert response.status_code == 400


def test_security_headers(client, make_user, login):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self' 'nonce-",
    ]:
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    page = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    login(make_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_no_hsts_in_development(shared_database, tmp_path):
    app = create_app({**app_config(shared_database, tmp_path), "LMS_ENV": "development"})
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


@pytest.mark.parametrize("key", ["", "dev", "change-me", "short-key"])
def test_refuses_to_start_in_production_with_a_default_secret_key(shared_database, tmp_path, key):
    config = {
        **app_config(shared_database, tmp_path),
        "TESTING": False,
        "LMS_ENV": "production",
        "SECRET_KEY": key,
    }
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_development_keeps_a_random_key_under_instance(shared_database, tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {
        key: value
        for key, value in app_config(shared_database, tmp_path).items()
        if key not in {"SECRET_KEY", "LMS_ENV", "TESTING"}
    }
    first = create_app(config).config["SECRET_KEY"]
    assert len(first) == 64 and create_app(config).config["SECRET_KEY"] == first
    assert (tmp_path / "instance" / "secret_key").read_text() == first


def test_a_server_error_shows_no_traceback_and_saves_nothing(shared_database, tmp_path):
    app = create_app(
        {**app_config(shared_database, tmp_path), "TESTING": False, "PROPAGATE_EXCEPTIONS": False}
    )

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and "secret internals" not in page


@pytest.mark.parametrize(
    ("status", "title"), [(403, "You do not have permission"), (404, "Page not found")]
)
def test_error_pages_use_the_service_layout(app, status, title):
    @app.get("/fail")
    def fail():
        abort(status)

    page = app.test_client().get("/fail").get_data(as_text=True)
    assert title in page and "govuk-generic-header" in page and "Accessibility statement" in page


def test_too_large_a_request_gets_413(client):
    response = client.post("/sign-in", data={"email": "x" * (6 * 1024 * 1024)})
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_per_address(app, client):
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    statuses = [
        post_form(
            client, "/sign-in", {"email": f"x{n}@example.org", "password": "wrong password"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_sign_ins_and_failures_are_logged_without_passwords(client, make_user, caplog):
    person = make_user()
    caplog.set_level("INFO", logger="lms.security")
    post_form(client, "/sign-in", {"email": person.email, "password": "wrong password"})
    post_form(client, "/sign-in", {"email": person.email, "password": person.password})
    text = caplog.text
    assert f"sign-in failed: user {person.id} from 127.0.0.1" in text
    assert f"sign-in succeeded: user {person.id} from 127.0.0.1" in text
    assert person.password not in text and "wrong password" not in text


def test_sqlite_runs_with_foreign_keys_wal_and_a_busy_timeout(app, database):
    if database.is_postgresql:
        pytest.skip("SQLite settings")
    with app.app_context():
        connection = db.session.connection()
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_password_reset_pages_are_never_stored_for_an_anonymous_visitor(app, client, make_user):
    from lms.mail.models import OutboxMessage

    person = make_user()
    assert "Cache-Control" not in client.get("/").headers
    forgotten = client.get("/password/forgotten")
    assert forgotten.headers["Cache-Control"] == "no-store"
    sent = post_form(client, "/password/forgotten", {"email": person.email})
    assert "Check your email" in sent.get_data(as_text=True)
    assert sent.headers["Cache-Control"] == "no-store"
    with app.app_context():
        account_jobs(now=utcnow())  # run-jobs sends the link asked for
        body = db.session.scalar(sa.select(OutboxMessage.body_text))
    link = re.search(r"/password/reset/\S+", body).group(0)
    reset = client.get(link)
    assert reset.status_code == 200 and "password" in reset.get_data(as_text=True).lower()
    assert reset.headers["Cache-Control"] == "no-store"
    assert client.get("/password/reset/made-up").headers["Cache-Control"] == "no-store"
