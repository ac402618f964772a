"""`flask keys ...`: the partnership's signing keys for Open Badges credentials.

flask --app wsgi keys generate [--if-missing]
flask --app wsgi keys rotate
flask --app wsgi keys list
flask --app wsgi keys withdraw KID --confirm
"""

import click
from flask import Flask

from lms.certificates import keys
from lms.core.models import utcnow
from lms.core.timefmt import uk_datetime
from lms.extensions import db


def _missing_files_warning() -> None:
    for row in keys.active_keys():
        if not keys.has_private_file(row.kid):
            click.echo(
                f"Note: key {row.kid} has no private file in {keys.keys_dir()}: it is published "
                "but cannot sign here."
            )


def _done(message: str) -> None:
    db.session.commit()
    click.echo(message)


def _making(make):
    """Run a command that writes a private key file: a directory it cannot write to is a clear
    error, with nothing changed in the database."""
    try:
        return make()
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(
            f"The private key cannot be written in {keys.keys_dir()} ({error.strerror or error}): "
            "check SIGNING_KEYS_DIR names a directory the service may write to. Nothing was "
            "changed."
        ) from None


def register(app: Flask) -> None:
    @app.cli.group("keys")
    def keys_group():
        """The keys Open Badges credentials are signed with."""

    @keys_group.command("generate")
    @click.option(
        "--if-missing", is_flag=True, help="Do nothing when a key that can sign exists already."
    )
    def generate_command(if_missing):
        """Make the first signing key (private file in SIGNING_KEYS_DIR, public key published)."""
        signer = keys.current()
        if signer is not None:
            if if_missing:
                click.echo(f"A signing key exists already: {signer.kid}. Nothing was changed.")
                return
            raise click.ClickException(
                f"A signing key exists already ({signer.kid}). To replace it, run "
                "`flask keys rotate`: the old key stays published, so what it signed still "
                "verifies. Nothing was changed."
            )
        _missing_files_warning()
        row = _making(lambda: keys.generate(now=utcnow()))
        _done(f"Signing key {row.kid} made; its private key is in {keys.private_path(row.kid)}.")

    @keys_group.command("rotate")
    def rotate_command():
        """Make a new signing key; the old one is retired but stays published."""
        new, retired = _making(lambda: keys.rotate(now=utcnow()))
        names = ", ".join(row.kid for row in retired) or "none"
        _done(
            f"Signing key {new.kid} made and now signs new credentials. Retired (still "
            f"published): {names}."
        )

    @keys_group.command("list")
    def list_command():
        """Every key: its id, when it was made, its status, and whether its private file is here."""
        rows = keys.all_keys()
        if not rows:
            click.echo("There are no signing keys yet: run `flask keys generate`.")
            return
        current = keys.current()
        for row in rows:
            mark = " (signs new credentials)" if current and current.kid == row.kid else ""
            private = "present" if keys.has_private_file(row.kid) else "absent"
            click.echo(
                f"{row.kid}  made {uk_datetime(row.created_at)}  {keys.status_of(row)}{mark}  "
                f"private file {private}"
            )

    @keys_group.command("withdraw")
    @click.argument("kid")
    @click.option(
        "--confirm",
        is_flag=True,
        help="Withdraw it, knowing every credential it signed stops verifying.",
    )
    def withdraw_command(kid, confirm):
        """Stop publishing a compromised key: every credential it signed stops verifying."""
        row = keys.by_kid(kid)
        if row is None:
            raise click.ClickException(
                f"There is no key “{kid[:80]}”: `flask keys list` shows the keys. Nothing was "
                "changed."
            )
        if not confirm:
            raise click.ClickException(
                f"Withdrawing key {row.kid} stops every credential it signed from verifying, "
                "anywhere. Do it only when its private key was exposed; add --confirm to go "
                "ahead. Nothing was changed."
            )
        try:
            keys.withdraw(kid, now=utcnow())
        except keys.SigningKeyError as error:
            db.session.rollback()
            raise click.ClickException(f"{error}. Nothing was changed.") from None
        advice = (
            "" if keys.current() is not None else " No key can sign now: run `flask keys generate`."
        )
        _done(f"Key {row.kid} withdrawn: it is no longer published.{advice}")
