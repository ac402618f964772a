"""PostgreSQL backups: `pg_dump --format=custom` of the schema the app uses, and its restore
onto an empty schema, the same one or another (the tables are moved into it)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from lms.core.backups import BackupError, refuse_unless_empty
from lms.extensions import db

# A table in `pg_restore --list`, e.g. "216; 1259 24134 TABLE public agencies postgres".
SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT - SCHEMA) ")
TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(?P<schema>\S+) (?P<table>\S+) ")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed here: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), the same major version as the server"
        )
    return found


def _libpq(url: URL) -> tuple[str, dict]:
    """The connection string for pg_dump and pg_restore, and their environment (the password
    travels in PGPASSWORD, never on a command line)."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), environment


def _run(arguments: list[str], environment: dict) -> str:
    done = subprocess.run(arguments, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{Path(arguments[0]).name} failed: " + " / ".join(lines[-3:]))
    return done.stdout


def _current_schema() -> str:
    with db.engine.connect() as connection:
        schema = connection.scalar(sa.text("SELECT current_schema()"))
    if schema is None:
        raise BackupError("The database's search_path names no schema that exists")
    return schema


def dump(url: URL, temporary: Path) -> None:
    """Dump the app's schema into `temporary` (custom format) and check it lists the tables."""
    dsn, environment = _libpq(url)
    schema = _current_schema()
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            f"--schema={_quoted(schema)}",
            f"--file={temporary}",
            f"--dbname={dsn}",
        ],
        environment,
    )
    if "alembic_version" not in _archive_tables(temporary, environment)[1]:
        raise BackupError(f"Schema {schema} holds no migrated database; nothing was kept")


def _archive_tables(path: Path, environment: dict) -> tuple[set[str], set[str], str]:
    """The schemas and tables in a pg_dump archive, and its table of contents."""
    listing = _run([_tool("pg_restore"), "--list", str(path)], environment)
    schemas, tables = set(), set()
    for line in listing.splitlines():
        entry = TABLE_ENTRY.match(line)
        if entry:
            schemas.add(entry["schema"])
            tables.add(entry["table"])
    return schemas, tables, listing


def restore(path: Path, url: URL) -> None:
    """Restore an archive onto the app's schema, which must be empty, in one transaction (and
    one more to move the tables when the archive's schema has another name)."""
    dsn, environment = _libpq(url)
    try:
        schemas, tables, listing = _archive_tables(path, environment)
    except BackupError as error:
        raise BackupError(
            f"{path} is not a readable pg_dump archive ({error}). Nothing was changed."
        ) from error
    if len(schemas) != 1 or "alembic_version" not in tables:
        raise BackupError(f"{path} is not a backup of this application. Nothing was changed.")
    (dumped,) = schemas
    target = _current_schema()
    refuse_unless_empty(sa.inspect(db.engine).get_table_names(schema=target))
    command = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={dsn}",
    ]
    if dumped == target:
        # The schema exists already: restore everything in it but the schema itself and its
        # comment (public's belongs to its owner, who may not be the service).
        kept = "\n".join(line for line in listing.splitlines() if not SCHEMA_ENTRY.match(line))
        with tempfile.NamedTemporaryFile("w", suffix=".list") as entries:
            entries.write(kept + "\n")
            entries.flush()
            _run([*command, f"--use-list={entries.name}", str(path)], environment)
        return
    with db.engine.connect() as connection:
        taken = connection.scalar(
            sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :name"), {"name": dumped}
        )
    if taken:
        raise BackupError(
            f"The backup holds schema {dumped}, which this database has already; restore into "
            f"a database without it, or with search_path set to {dumped}. Nothing was changed."
        )
    _run([*command, str(path)], environment)
    try:
        _move_schema(dumped, target)
    except sa.exc.SQLAlchemyError as error:
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {_quoted(dumped)} CASCADE"))
        raise BackupError(f"The restore failed and was undone: {error}") from error


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _move_schema(source: str, target: str) -> None:
    """Move every relation restored into `source` to `target` (tables take their indexes,
    constraints and owned sequences with them) and drop `source`, in one transaction."""
    relations = sa.text(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind IN "
        "('r', 'p', 'v', 'm', 'S', 'f') ORDER BY c.relkind <> 'r', c.relkind <> 'p'"
    )
    kinds = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW"}
    kinds |= {"m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    with db.engine.begin() as connection:
        while True:
            row = connection.execute(relations, {"schema": source}).first()
            if row is None:
                break
            name, kind = row
            connection.execute(
                sa.text(
                    f"ALTER {kinds[kind]} {_quoted(source)}.{_quoted(name)} "
                    f"SET SCHEMA {_quoted(target)}"
                )
            )
        connection.execute(sa.text(f"DROP SCHEMA {_quoted(source)}"))
