"""`flask keys ...`: the signing keys, their private files and what is published."""

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.certificates import keys
from lms.certificates.models import SigningKey
from lms.extensions import db
from tests.certificates import signing


def rows(app) -> dict[str, SigningKey]:
    with app.app_context():
        found = db.session.scalars(sa.select(SigningKey)).all()
        db.session.expunge_all()
        return {row.kid: row for row in found}


def published(client) -> set[str]:
    document = client.get("/ob/jwks.json").get_json(force=True)
    return {key["kid"].rsplit("/", 1)[-1] for key in document["keys"]}


def test_generate_keeps_the_private_key_in_a_private_file_and_publishes_the_public_one(
    app, runner, client
):
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0, result.output
    [(kid, row)] = rows(app).items()
    assert f"Signing key {kid} made" in result.output
    directory = Path(app.config["SIGNING_KEYS_DIR"])
    path = directory / f"{kid}.pem"
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.name for p in directory.iterdir()] == [f"{kid}.pem"]  # no temporary file left
    assert row.public_jwk.keys() == {"kty", "kid", "use", "alg", "n", "e"}
    assert row.public_jwk | {"n": "", "e": ""} == {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": "",
        "e": "",
    }
    assert published(client) == {kid}


def test_no_column_of_any_table_holds_a_private_key(app, runner):
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    with app.app_context():
        for kid in rows(app):
            private = _private_d(kid)
            for table in db.metadata.sorted_tables:
                for record in db.session.execute(sa.select(table)).all():
                    text = repr(tuple(record))
                    assert "PRIVATE KEY" not in text
                    assert private not in text


def _private_d(kid: str) -> str:
    from joserfc.jwk import RSAKey

    return RSAKey.import_key(keys.private_path(kid).read_bytes()).as_dict(private=True)["d"]


def test_generate_refuses_a_second_key_and_if_missing_leaves_the_first(app, runner):
    runner.invoke(args=["keys", "generate"])
    [first] = rows(app)
    again = runner.invoke(args=["keys", "generate"])
    assert again.exit_code == 1
    assert "A signing key exists already" in again.output and "keys rotate" in again.output
    quiet = runner.invoke(args=["keys", "generate", "--if-missing"])
    assert quiet.exit_code == 0
    assert f"A signing key exists already: {first}. Nothing was changed." in quiet.output
    assert list(rows(app)) == [first]


def test_if_missing_makes_a_key_when_the_only_one_has_no_private_file_here(app, runner):
    runner.invoke(args=["keys", "generate"])
    [first] = rows(app)
    with app.app_context():
        keys.private_path(first).unlink()
    result = runner.invoke(args=["keys", "generate", "--if-missing"])
    assert result.exit_code == 0
    assert f"Note: key {first} has no private file" in result.output
    [second] = set(rows(app)) - {first}
    with app.app_context():
        assert keys.current().kid == second


def test_rotate_makes_a_new_current_key_and_keeps_the_old_one_published(app, runner, client):
    runner.invoke(args=["keys", "generate"])
    [old] = rows(app)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0
    [new] = set(rows(app)) - {old}
    assert f"Signing key {new} made" in result.output and f"published): {old}." in result.output
    assert rows(app)[old].retired_at is not None
    with app.app_context():
        assert keys.current().kid == new
    assert published(client) == {old, new}
    assert client.get(f"/ob/keys/{old}").status_code == 200


def test_list_shows_each_key_its_status_and_whether_its_private_file_is_here(app, runner):
    assert "no signing keys yet" in runner.invoke(args=["keys", "list"]).output
    runner.invoke(args=["keys", "generate"])
    [old] = rows(app)
    runner.invoke(args=["keys", "rotate"])
    [new] = set(rows(app)) - {old}
    with app.app_context():
        keys.private_path(old).unlink()
    lines = runner.invoke(args=["keys", "list"]).output.splitlines()
    assert lines[0].startswith(new) and "active (signs new credentials)" in lines[0]
    assert "private file present" in lines[0]
    assert lines[1].startswith(old) and "retired" in lines[1]
    assert "private file absent" in lines[1]


def test_withdraw_asks_for_confirmation_then_stops_publishing_the_key(app, runner, client):
    runner.invoke(args=["keys", "generate"])
    [kid] = rows(app)
    unconfirmed = runner.invoke(args=["keys", "withdraw", "--", kid])
    assert unconfirmed.exit_code == 1
    assert "add --confirm" in unconfirmed.output and "Nothing was changed" in unconfirmed.output
    assert rows(app)[kid].withdrawn_at is None

    done = runner.invoke(args=["keys", "withdraw", "--confirm", "--", kid])
    assert done.exit_code == 0
    assert f"Key {kid} withdrawn" in done.output and "run `flask keys generate`" in done.output
    assert published(client) == set()
    assert client.get(f"/ob/keys/{kid}").status_code == 404
    with app.app_context():
        assert keys.current() is None
    assert "withdrawn" in runner.invoke(args=["keys", "list"]).output

    twice = runner.invoke(args=["keys", "withdraw", "--confirm", "--", kid])
    assert twice.exit_code == 1 and "was withdrawn already" in twice.output


@pytest.mark.parametrize("kid", ["no-such-key", "../../etc/passwd", "x" * 300])
def test_withdraw_an_unknown_key_says_so(runner, kid):
    result = runner.invoke(args=["keys", "withdraw", "--confirm", "--", kid])
    assert result.exit_code == 1
    assert "There is no key" in result.output and "keys list" in result.output
    assert "Traceback" not in result.output


def test_the_current_key_skips_retired_withdrawn_and_fileless_keys(app):
    kid = signing.install(app)
    with app.app_context():
        assert keys.current().kid == kid
        db.session.add(SigningKey(kid="newer-without-file", public_jwk={}))
        db.session.commit()
        assert keys.current().kid == kid
        keys.withdraw(kid, now=keys.by_kid(kid).created_at)
        assert keys.current() is None


def test_public_documents_are_readable_by_browser_based_verifiers(app, client):
    kid = signing.install(app)
    for path, media_type in (
        ("/ob/issuer", "application/ld+json"),
        ("/ob/jwks.json", "application/jwk-set+json"),
        (f"/ob/keys/{kid}", "application/jwk+json"),
        ("/ob/status/1", "text/plain"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == media_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=300"
    jwk = client.get(f"/ob/keys/{kid}").get_json(force=True)
    assert jwk["kid"] == f"https://localhost/ob/keys/{kid}"
    assert "d" not in jwk and "p" not in jwk


def test_issuer_profile_names_the_partnership(client):
    profile = client.get("/ob/issuer").get_json(force=True)
    assert profile["id"] == "https://localhost/ob/issuer"
    assert profile["type"] == "Profile"
    assert profile["name"] == "Riverside Safeguarding Children Partnership"
    assert profile["url"] == "https://localhost/"


def test_unknown_key_is_not_found(app, client):
    signing.install(app)
    assert client.get("/ob/keys/unknown").status_code == 404
    assert client.get("/ob/keys/a%2F..%2Fb").status_code == 404


def test_status_list_without_a_key_tells_the_admin_what_to_run(client):
    response = client.get("/ob/status/1")
    assert response.status_code == 503
    assert "flask --app wsgi keys generate" in response.get_data(as_text=True)


@pytest.mark.parametrize("command", ["generate", "rotate"])
def test_a_keys_directory_that_cannot_be_written_is_a_clear_error(app, runner, tmp_path, command):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app.config["SIGNING_KEYS_DIR"] = str(blocker / "keys")
    result = runner.invoke(args=["keys", command])
    assert result.exit_code == 1
    assert "The private key cannot be written in" in result.output
    assert "Nothing was changed" in result.output and "Traceback" not in result.output
    assert rows(app) == {}
