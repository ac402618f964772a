"""The health check load balancers call: public, constant, and never touching the database."""

import sqlalchemy as sa

from lms.extensions import db


def test_healthz_answers_ok_without_signing_in_or_using_the_database(app, client):
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/healthz")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []
