"""The health check load balancers call: public, constant, and never touching the database."""

from tests.conftest import counting_statements


def test_healthz_answers_ok_without_signing_in_or_using_the_database(app, client):
    with counting_statements(app) as statements:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []
