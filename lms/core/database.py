"""Database connection settings: SQLite gets foreign keys, WAL and a busy timeout, and a
savepoint that is always inside the request's transaction."""

from flask import Flask
from sqlalchemy import event


def configure_sqlite(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from lms.extensions import db

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection, _name):
        # Python's sqlite3 begins a transaction only before INSERT, UPDATE or DELETE, never
        # before SAVEPOINT: a savepoint that is the first write of a request would begin a
        # transaction of its own, and releasing it would commit at once, so a failure later in
        # the request could no longer undo it. Begin the request's transaction first.
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")
