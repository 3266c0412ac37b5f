"""History keeps the whole reason for each change: simple-history's change reason is a text column
(``SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD``), no longer 100 characters that services cut reasons to.

The migrations that widen the column run on tables the append-only guards protect (audit/append_only.py): on
PostgreSQL the column changes type in place under its triggers; on SQLite each table is rebuilt, which drops its
triggers, and ``migrate`` puts them back when it ends. Both are run here, in a subprocess, on a fresh database:
migrated whole, taken back to the 100-character column, then forward again. The SQLite file is a copy of the
template migrated once per pytest process (tests/sqlite_stack.py); the PostgreSQL database is created and migrated
by its test.
"""

import contextlib
import os
import uuid

import pytest
from django.apps import apps
from django.db import connection

from audit import append_only
from tests.sqlite_stack import migrate, run_script, subprocess_env

SCRIPT = r'''
import django
django.setup()

from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from audit import append_only
from facilities.models import Facility

def existing(tables):
    """The tables the database has now: taken back to an app's earlier migration, the history tables of its later
    models (added since) are not there."""
    names = set(connection.introspection.table_names())
    return {table: settle for table, settle in tables.items() if table in names}

def reason_types():
    types = {}
    names = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if append_only.is_history_model(model) and model._meta.db_table in names:
                table = model._meta.db_table
                for column in connection.introspection.get_table_description(cursor, table):
                    if column.name == "history_change_reason":
                        types[table] = connection.introspection.get_field_type(column.type_code, column)
    return types

def refused(sql):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as exc:
        assert "append-only" in str(exc), exc
        return True
    return False

tables = append_only.protected_models(apps)
types = reason_types()
assert len(types) >= 14 and set(types.values()) == {"TextField"}, types
assert append_only.missing_guards(connection, tables) == []

# Back to the 100-character column (each app to the migration before its *_history_reason_text)...
loader = MigrationLoader(connection)
widened = {key: migration for key, migration in loader.disk_migrations.items() if key[1].endswith("_history_reason_text")}
assert {app for app, _ in widened} == {"api", "approvals", "calls", "emergencies", "facilities"}, widened
for (app, name), migration in sorted(widened.items()):
    before = [dep for dep in migration.dependencies if dep[0] == app]
    call_command("migrate", app, before[0][1], verbosity=0)
assert set(reason_types().values()) == {"CharField"}, reason_types()
assert append_only.missing_guards(connection, existing(tables)) == []
# A history row written under the old column (the facility alone: the policy's table, taken back too, lacks
# the columns added since, which the factory's policy would write).
home = Facility.objects.create(code="home", name="Home", kind=Facility.Kind.STATE, timezone="America/Chicago")
assert Facility.history.filter(code="home").count() == 1

# ... and forward again, with the guards on and a row in a history table.
call_command("migrate", verbosity=0)
assert set(reason_types().values()) == {"TextField"}, reason_types()
assert append_only.missing_guards(connection, tables) == []
assert Facility.history.filter(code="home").count() == 1
long = "A reason well past the old hundred characters, kept whole in the history row. " * 20
home.name = "Home again"
home._change_reason = long
home.save()
assert Facility.history.filter(code="home").latest("history_id").history_change_reason == long
table = Facility.history.model._meta.db_table
assert refused(f'UPDATE "{table}" SET history_change_reason = NULL')
assert refused(f'DELETE FROM "{table}"')
print("WIDENED")
'''


@pytest.mark.django_db
def test_every_history_change_reason_is_a_text_column():
    with connection.cursor() as cursor:
        types = {
            model._meta.db_table: connection.introspection.get_field_type(column.type_code, column)
            for model in apps.get_models() if append_only.is_history_model(model)
            for column in connection.introspection.get_table_description(cursor, model._meta.db_table)
            if column.name == "history_change_reason"
        }
    assert len(types) >= 14 and set(types.values()) == {"TextField"}, types


def test_widening_the_column_keeps_the_guards_on_sqlite(sqlite_env):
    run_script(sqlite_env, SCRIPT, "WIDENED")


def test_widening_the_column_keeps_the_guards_on_postgresql():
    import psycopg

    from tests.live.stacks import _server_url

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    dbname = f"portal_history_{uuid.uuid4().hex[:10]}"

    def admin(sql: str) -> None:
        with psycopg.connect(_server_url(server, "postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    admin(f'CREATE DATABASE "{dbname}"')
    try:
        env = subprocess_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=_server_url(server, dbname))
        migrate(env)
        run_script(env, SCRIPT, "WIDENED")
    finally:
        with contextlib.suppress(Exception):
            admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
