"""The append-only tables and the database triggers that keep them so: the one list, the one installer.

What is protected, on PostgreSQL and SQLite alike:

- ``APPEND_ONLY``: the records of who did what, when and why. No UPDATE, no DELETE, no TRUNCATE.
- every django-simple-history table (each ``Historical*`` model, many-to-many history included, found by
  its ``HistoricalChanges`` base, so that a model given ``HistoricalRecords()`` later is covered without
  being listed): the same.
- ``SETTLE_ONCE``: a record that one column may settle once (an entry finding's ``cleared_at``, set when a
  later screening no longer finds it): that column may go from NULL to a value, nothing else may change,
  nothing may be deleted or truncated.

- ``DECIDED_ONCE``: a record of a decision whose outcome then moves (a ``calls.Call``: the call decision's
  audit record). Every column but the outcome's is written once; the outcome's move only while the record is
  open, and the status only along the state machine; no DELETE, no TRUNCATE. PostgreSQL: one BEFORE UPDATE
  row trigger whose WHEN compares the row as JSON less the moving columns (so a column added later is
  covered), a BEFORE DELETE row trigger and the TRUNCATE trigger, calling ``portal_decided_once()``; SQLite:
  the same conditions over the columns the table has when the guard is put on. The INSERT of a decision is
  never slowed: no trigger fires on INSERT.

``UPDATED_BY_DESIGN`` names the logs the code updates on purpose (and why), so that a test can check that
every model shown read-only in the admin is either protected here or knowingly left out.

PostgreSQL: a row trigger (BEFORE UPDATE OR DELETE ... FOR EACH ROW) and a statement trigger (BEFORE
TRUNCATE ... FOR EACH STATEMENT) on each table, both calling ``portal_append_only()``; on a settle-once
table the row trigger is BEFORE UPDATE OF every other column OR DELETE, and a third trigger refuses an
UPDATE OF the settled column WHEN it was already set or would become NULL. Nothing in a row or
a setting lets a statement through: only a session whose ``session_replication_role`` is ``replica``
skips triggers, and setting it needs a superuser or ``GRANT SET ON PARAMETER session_replication_role``
(PostgreSQL 15), which the application role never has (README, "Database roles"). ``manage.py flush``
(``audit/management/commands/flush.py``: pytest-django's teardown of ``transaction=True`` tests uses it)
is the one command that empties these tables, and only for such a role.

SQLite (the demo): BEFORE UPDATE and BEFORE DELETE triggers (SQLite has no TRUNCATE); ``flush`` drops and
re-creates them around the purge in one transaction.

A data migration that must rewrite one of these tables is a deliberate act of the migration role: it
runs ``SET LOCAL session_replication_role = replica`` in its own transaction, and says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

APPEND_ONLY: dict[str, str] = {
    "audit.AuditEvent": "the audit trail of decisions and security events",
    "calls.LedgerEntry": "every change to an inmate's minutes (the balance always equals their sum)",
    "approvals.EntryTransition": "every change of a phone-list entry's status: who, when, why",
    "emergencies.EmergencyRequestEvent": "an emergency request's transition log",
    "facilities.CustodyEvent": "bookings, transfers and releases: who, when, why",
    "investigations.Review": "each review of a restriction, a block or a watch entry: who, when, the decision, why",
}

SETTLE_ONCE: dict[str, str] = {
    "approvals.EntryFinding": "cleared_at",
}

UPDATED_BY_DESIGN: dict[str, str] = {
    "calls.MinuteBalance": "the running balance and the call decision's lock row, updated with each ledger entry",
    "calls.MonthlyReset": "a reset's status and totals move from dispatched to running to done",
    "investigations.WatchAlert": "an alert's e-mail and read times are filled in after it is written (the alert task, "
                                 "its investigator)",
}



@dataclass(frozen=True)
class DecidedOnce:
    """A record of a decision (its columns written once, at INSERT) whose outcome then moves along a state
    machine: only the ``moving`` columns change, only while ``status`` is ``open_status``, and ``status`` only to
    one of ``next_statuses``. No DELETE, no TRUNCATE."""

    why: str
    moving: tuple[str, ...]
    open_status: str
    next_statuses: tuple[str, ...]
    status: str = "status"


DECIDED_ONCE: dict[str, DecidedOnce] = {
    # The call decision's audit record (who: the client, what, why: the reasons, when): its decision never
    # changes; an authorised call is completed or expires (calls.models.Call.TRANSITIONS).
    "calls.Call": DecidedOnce(
        why="a call decision: allowed or denied, with every reason; an allowed call is then completed or expires",
        moving=("status", "completed_at", "duration_seconds", "minutes_charged"),
        open_status="authorized", next_statuses=("completed", "expired"),
    ),
}

FUNCTION = "portal_append_only"
DECIDED_FUNCTION = "portal_decided_once"
DECIDED_UPDATE_TRIGGER = "portal_decided_once_update"
DECIDED_DELETE_TRIGGER = "portal_decided_once_delete"
ROW_TRIGGER = "portal_append_only_row"
TRUNCATE_TRIGGER = "portal_append_only_truncate"
SETTLE_TRIGGER = "portal_append_only_settle"
SQLITE_PREFIX = "portal_append_only_"
GUARDS_MIGRATION = "0003_append_only_everywhere"  # the migration that puts the guards on
DECIDED_MIGRATION = "0008_call_decision_guard"  # the calls migration that puts the decided-once guard on
PURGING = "_portal_purge_allowed"  # set on a connection while purge_allowed() is open

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'Rows are only ever added. See audit/append_only.py.';
END;
$$;
"""


PG_DECIDED_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {DECIDED_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% holds decisions: a decision is never changed or removed (% refused)', TG_TABLE_NAME, TG_OP
        USING HINT = 'Only the outcome of an open record moves, as its state machine allows. See audit/append_only.py.';
END;
$$;
"""


def decided_models(apps) -> dict[str, DecidedOnce]:
    """``{db_table: spec}`` for the ``DECIDED_ONCE`` models known to ``apps`` (with database column names)."""
    tables = {}
    for label, spec in DECIDED_ONCE.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        def column(name: str, model=model) -> str:
            return model._meta.get_field(name).column

        tables[model._meta.db_table] = DecidedOnce(
            why=spec.why, moving=tuple(column(c) for c in spec.moving), open_status=spec.open_status,
            next_statuses=spec.next_statuses, status=column(spec.status))
    return tables


def _decided_refused_when(connection, table: str, spec: DecidedOnce) -> str:
    """The condition (on OLD and NEW) under which an UPDATE of a decided-once row is refused."""
    q = connection.ops.quote_name
    status = q(spec.status)
    allowed = ", ".join(f"'{s}'" for s in (spec.open_status, *spec.next_statuses))
    if connection.vendor == "postgresql":
        # Every column but the moving ones, whatever columns the table gains later.
        moving = "ARRAY[" + ", ".join(f"'{c}'" for c in spec.moving) + "]"
        frozen_changed = f"(to_jsonb(OLD) - {moving}) IS DISTINCT FROM (to_jsonb(NEW) - {moving})"
        moving_changed = " OR ".join(f"OLD.{q(c)} IS DISTINCT FROM NEW.{q(c)}" for c in spec.moving)
    else:
        frozen = [c for c in _columns(connection, table) if c not in spec.moving]
        frozen_changed = "NOT (" + " AND ".join(f"OLD.{q(c)} IS NEW.{q(c)}" for c in frozen) + ")"
        moving_changed = " OR ".join(f"OLD.{q(c)} IS NOT NEW.{q(c)}" for c in spec.moving)
    return (f"({frozen_changed}) OR (OLD.{status} <> '{spec.open_status}' AND ({moving_changed})) "
            f"OR (NEW.{status} NOT IN ({allowed}))")


def install_decided(schema_editor, tables: dict[str, DecidedOnce]) -> None:
    """Put the decided-once guards on ``tables`` (idempotent)."""
    connection = schema_editor.connection
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_DECIDED_FUNCTION, params=None)
        for table, spec in sorted(tables.items()):
            for name in (DECIDED_UPDATE_TRIGGER, DECIDED_DELETE_TRIGGER, TRUNCATE_TRIGGER):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {q(table)}")
            schema_editor.execute(
                f"CREATE TRIGGER {DECIDED_UPDATE_TRIGGER} BEFORE UPDATE ON {q(table)} FOR EACH ROW "
                f"WHEN ({_decided_refused_when(connection, table, spec)}) EXECUTE FUNCTION {DECIDED_FUNCTION}()")
            schema_editor.execute(f"CREATE TRIGGER {DECIDED_DELETE_TRIGGER} BEFORE DELETE ON {q(table)} "
                                  f"FOR EACH ROW EXECUTE FUNCTION {DECIDED_FUNCTION}()")
            schema_editor.execute(f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {q(table)} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION {DECIDED_FUNCTION}()")
    elif connection.vendor == "sqlite":
        for table, spec in sorted(tables.items()):
            message = f"{table} holds decisions: a decision is never changed or removed"
            for kind in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {q(SQLITE_PREFIX + table + '_' + kind)}")
            schema_editor.execute(
                f"CREATE TRIGGER {q(SQLITE_PREFIX + table + '_update')} BEFORE UPDATE ON {q(table)} "
                f"WHEN {_decided_refused_when(connection, table, spec)} "
                f"BEGIN SELECT RAISE(ABORT, '{message} (UPDATE refused)'); END")
            schema_editor.execute(
                f"CREATE TRIGGER {q(SQLITE_PREFIX + table + '_delete')} BEFORE DELETE ON {q(table)} "
                f"BEGIN SELECT RAISE(ABORT, '{message} (DELETE refused)'); END")


def uninstall_decided(schema_editor, tables: dict[str, DecidedOnce]) -> None:
    connection = schema_editor.connection
    q = connection.ops.quote_name
    for table in sorted(tables):
        if connection.vendor == "postgresql":
            for name in (DECIDED_UPDATE_TRIGGER, DECIDED_DELETE_TRIGGER, TRUNCATE_TRIGGER):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {q(table)}")
        elif connection.vendor == "sqlite":
            for kind in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {q(SQLITE_PREFIX + table + '_' + kind)}")


def missing_decided_guards(connection, tables: dict[str, DecidedOnce]) -> list[str]:
    """The decided-once tables that lack an enabled guard in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = %s AND t.tgenabled = 'O'", [DECIDED_FUNCTION])
            present = set(cursor.fetchall())
            names = (DECIDED_UPDATE_TRIGGER, DECIDED_DELETE_TRIGGER, TRUNCATE_TRIGGER)
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            present = set(cursor.fetchall())
            names = None
        else:
            return []
    wanted = set()
    for table in tables:
        for name in names or (f"{SQLITE_PREFIX}{table}_update", f"{SQLITE_PREFIX}{table}_delete"):
            wanted.add((table, name))
    return sorted({table for table, name in wanted - present})


def is_history_model(model) -> bool:
    """A django-simple-history table, its many-to-many history included (a live model, or a migration's
    model, which keeps the ``HistoricalChanges`` base)."""
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges)


def protected_models(apps) -> dict[str, str | None]:
    """``{db_table: settle-once column or None}`` for every protected table known to ``apps`` (the live
    registry, or a migration's state, where a model not migrated yet is skipped)."""
    tables: dict[str, str | None] = {}
    for label in [*APPEND_ONLY, *SETTLE_ONCE]:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        column = SETTLE_ONCE.get(label)
        tables[model._meta.db_table] = model._meta.get_field(column).column if column else None
    for model in apps.get_models():
        if is_history_model(model):
            tables[model._meta.db_table] = None
    return tables


def _columns(connection, table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [col.name for col in connection.introspection.get_table_description(cursor, table)]


def _sqlite_triggers(connection, table: str, settle: str | None) -> list[str]:
    q = connection.ops.quote_name
    message = f"{table} is append-only"
    update_when = ""
    if settle:
        same = " AND ".join(f"NEW.{q(c)} IS OLD.{q(c)}" for c in _columns(connection, table) if c != settle)
        update_when = f" WHEN NOT (OLD.{q(settle)} IS NULL AND NEW.{q(settle)} IS NOT NULL AND {same})"
    return [
        (f"CREATE TRIGGER {q(SQLITE_PREFIX + table + '_update')} BEFORE UPDATE ON {q(table)}{update_when} "
         f"BEGIN SELECT RAISE(ABORT, '{message}: UPDATE refused'); END"),
        (f"CREATE TRIGGER {q(SQLITE_PREFIX + table + '_delete')} BEFORE DELETE ON {q(table)} "
         f"BEGIN SELECT RAISE(ABORT, '{message}: DELETE refused'); END"),
    ]


def install(schema_editor, tables: dict[str, str | None]) -> None:
    """Put the guards on ``tables`` (idempotent: each trigger is dropped and created again)."""
    connection = schema_editor.connection
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # no placeholders: the % are plpgsql's
        for table, settle in sorted(tables.items()):
            for name in (ROW_TRIGGER, TRUNCATE_TRIGGER, SETTLE_TRIGGER):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {q(table)}")
            update = "UPDATE"
            if settle:
                # The settled column alone may be set, once: an UPDATE naming any other column is refused,
                # and one setting it again (or back to NULL) too. Both conditions are checked by PostgreSQL
                # itself (UPDATE OF, WHEN), so the code's ``.update(cleared_at=now)`` costs no function call.
                others = ", ".join(q(c) for c in _columns(connection, table) if c != settle)
                update = f"UPDATE OF {others}"
                schema_editor.execute(
                    f"CREATE TRIGGER {SETTLE_TRIGGER} BEFORE UPDATE OF {q(settle)} ON {q(table)} FOR EACH ROW "
                    f"WHEN (OLD.{q(settle)} IS NOT NULL OR NEW.{q(settle)} IS NULL) EXECUTE FUNCTION {FUNCTION}()"
                )
            schema_editor.execute(
                f"CREATE TRIGGER {ROW_TRIGGER} BEFORE {update} OR DELETE ON {q(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {q(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif connection.vendor == "sqlite":
        for table, settle in sorted(tables.items()):
            for kind in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {q(SQLITE_PREFIX + table + '_' + kind)}")
            for sql in _sqlite_triggers(connection, table, settle):
                schema_editor.execute(sql)


def uninstall(schema_editor, tables: dict[str, str | None]) -> None:
    connection = schema_editor.connection
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        for table in sorted(tables):
            for name in (ROW_TRIGGER, TRUNCATE_TRIGGER, SETTLE_TRIGGER):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {q(table)}")
    elif connection.vendor == "sqlite":
        for table in sorted(tables):
            for kind in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {q(SQLITE_PREFIX + table + '_' + kind)}")


def missing_guards(connection, tables: dict[str, str | None]) -> list[str]:
    """The protected tables that lack an enabled guard in the database ``connection`` points at."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname, coalesce(array_length(t.tgattr::int2[], 1), 0) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE p.proname = %s AND t.tgenabled = 'O'",
                [FUNCTION],
            )
            rows = cursor.fetchall()
            # A settle-once table's row trigger names every other column (UPDATE OF): a column added since
            # is not covered, so the guard counts as missing and is put on again.
            present = {
                (table, name) for table, name, columns in rows
                if not (name == ROW_TRIGGER and tables.get(table) and columns != len(_columns(connection, table)) - 1)
            }
            wanted = {(table, name) for table in tables for name in (ROW_TRIGGER, TRUNCATE_TRIGGER)}
            wanted |= {(table, SETTLE_TRIGGER) for table, settle in tables.items() if settle}
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            present = set(cursor.fetchall())
            wanted = {(table, f"{SQLITE_PREFIX}{table}_{kind}") for table in tables for kind in ("update", "delete")}
        else:
            return []
    return sorted({table for table, name in wanted - present})


def ensure_guards(*, using: str = "default", apps=None) -> list[str]:
    """Put the guard back on any protected table of database ``using`` that lacks it; returns those tables.

    Run after every ``migrate`` (a ``post_migrate`` receiver, audit/apps.py): SQLite rebuilds a table to alter
    it, which drops its triggers, and a model given ``HistoricalRecords()`` later gets its guard without
    anyone having to remember it."""
    from django.apps import apps as live_apps
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite") or getattr(connection, PURGING, False):
        return []  # flush's own post_migrate: purge_allowed() puts the guards back itself
    if not MigrationRecorder(connection).migration_qs.filter(app="audit", name=GUARDS_MIGRATION).exists():
        return []  # not migrated that far, or migrated back before the guards
    existing = set(connection.introspection.table_names())
    tables = {t: c for t, c in protected_models(apps or live_apps).items() if t in existing}
    missing = missing_guards(connection, tables)
    if missing:
        install(_Executor(connection), {table: tables[table] for table in missing})
    decided = {t: spec for t, spec in decided_models(apps or live_apps).items() if t in existing}
    if decided and MigrationRecorder(connection).migration_qs.filter(app="calls", name=DECIDED_MIGRATION).exists():
        missing_decided = missing_decided_guards(connection, decided)
        if missing_decided:
            install_decided(_Executor(connection), {table: decided[table] for table in missing_decided})
        missing += missing_decided
    return missing


class _Executor:
    """What ``install`` needs of a schema editor, on a plain connection (SQLite's schema editor cannot open
    inside a transaction, and these statements need none of its machinery)."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql: str, params=()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


@contextmanager
def purge_allowed(connection) -> Iterator[None]:
    """Let this connection empty the protected tables (``manage.py flush`` only; see the module docstring).

    PostgreSQL: ``session_replication_role = replica`` for the duration, which the application role may not
    set (it fails with "permission denied to set parameter"). SQLite: the guards are dropped, and created
    again afterwards, inside the caller's transaction."""
    setattr(connection, PURGING, True)
    try:
        with _purge(connection):
            yield
    finally:
        setattr(connection, PURGING, False)


@contextmanager
def _purge(connection) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [SQLITE_PREFIX + "%"],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
    else:
        yield
