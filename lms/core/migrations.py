"""`flask db ...` without importing Flask-Migrate or Alembic until a migration command runs.

Most processes never migrate (the web workers, `flask report`, `flask run-jobs`), and importing
Flask-Migrate, which imports Alembic and Mako, was a fifth of the start-up time of every one of
them. The commands, their options and their output are Flask-Migrate's own; only the import
waits until `flask db <command>` runs (or a test calls `flask_migrate.upgrade()`)."""

from functools import cached_property

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy


class MigrateSettings:
    """What Flask-Migrate's functions and migrations/env.py read from `app.extensions["migrate"]`:
    the same attributes as Flask-Migrate's own record, with its `Migrate` made on first use."""

    def __init__(self, db: SQLAlchemy, directory: str, **configure_args):
        self.db = db
        self.directory = directory
        self.configure_args = {"compare_type": True, **configure_args}

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class MigrationCommands(click.Group):
    """The `db` command group: Flask-Migrate's group, imported when one of its commands runs
    (or is listed by `flask db --help`); `flask --help` lists the group without importing it."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations.")

    @staticmethod
    def _commands() -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The context's command is Flask-Migrate's group, so click invokes that one.
        return self._commands().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


def init_app(app: Flask, db: SQLAlchemy, directory: str) -> None:
    """As `Migrate(app, db, directory=directory, render_as_batch=True)` would, lazily."""
    app.extensions["migrate"] = MigrateSettings(db, directory, render_as_batch=True)
    app.cli.add_command(MigrationCommands())
