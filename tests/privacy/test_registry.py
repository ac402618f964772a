"""The map of personal data covers every table: a table added later that refers to a person
(a user id, an email address, or a row about a person) fails here until it is mapped."""

import pytest

from lms.accounts.models import User
from lms.extensions import db
from lms.privacy.registry import AUDIT_OBJECT, NOT_PERSONAL, PERSONAL


def _users_columns(table):
    return {
        c.name for c in table.columns if any(f.column.table.name == "users" for f in c.foreign_keys)
    }


def _about_a_person(name):
    entry = PERSONAL.get(name)
    return entry is not None and bool(entry.subject or entry.via)


def test_every_table_is_mapped_once(app):
    tables = set(db.metadata.tables)
    assert set(PERSONAL) & set(NOT_PERSONAL) == set()
    assert tables - set(PERSONAL) - set(NOT_PERSONAL) == set(), (
        "map these tables in lms/privacy/registry.py"
    )
    assert set(PERSONAL) | set(NOT_PERSONAL) == tables


@pytest.mark.parametrize("name", sorted(PERSONAL))
def test_every_named_column_exists(app, name):
    entry = PERSONAL[name]
    columns = set(db.metadata.tables[name].columns.keys())
    named = set(entry.subject + entry.actor + entry.email + entry.via + entry.others)
    assert named | set(entry.withheld) <= columns


def test_every_reference_to_a_person_is_mapped(app):
    missing = []
    for name, table in db.metadata.tables.items():
        entry = PERSONAL.get(name)
        mapped = (
            set() if entry is None else set(entry.subject + entry.actor + entry.via + entry.others)
        )
        emails = set() if entry is None else set(entry.email) | set(entry.withheld)
        for column in _users_columns(table) - mapped:
            missing.append(f"{name}.{column} (a user id)")
        for column in table.columns:
            if (
                "email" in column.name
                and column.name not in emails
                and column.name != "email_confirmed_at"
            ):
                missing.append(f"{name}.{column.name} (an email address)")
            for key in column.foreign_keys:
                parent = key.column.table.name
                if parent != "users" and _about_a_person(parent) and column.name not in mapped:
                    missing.append(f"{name}.{column.name} (a row about a person, in {parent})")
    assert missing == []


def test_the_audit_trail_names_people_acted_on_by_type_and_id(app):
    table, type_column, kind, id_column = AUDIT_OBJECT
    assert {type_column, id_column} <= set(db.metadata.tables[table].columns.keys())
    assert kind == User.__name__  # what lms.audit.services records as the object type
