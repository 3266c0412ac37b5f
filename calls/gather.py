"""The call decision's statements, compiled once per process and database, run with parameters.

The rules the gather reads keep their one home in the app that owns them, as ORM expressions: the screening
facts in approvals (``call_screening_annotations``), the emergency grant in emergencies (``emergency_grant_row``),
the watch in investigations (``watched_exists``), the restrictions here (``PhoneRestriction.objects.active``).
``GATHER`` composes them into ONE queryset whose inputs are ``Param`` expressions; Django compiles it once (per
database alias), and each decision runs the same SQL string with its own parameters: no queryset is built or
compiled per request (that cost about 2 ms a call). Django's converters of the compiled columns turn each row
into Python values as the ORM would (SQLite's text dates, JSON values), so the same code serves PostgreSQL and
SQLite (the demo).

The writes (``CALL_INSERT``, ``BALANCE_UPDATE``) are written once from the models' metadata, their values
prepared by the fields themselves (``get_db_prep_save``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    Expression,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import JSONObject

from approvals.selectors import call_screening_annotations
from core.db import prepared_cursor
from emergencies.selectors import emergency_grant_row
from investigations.selectors import watched_exists

from .models import Call, MinuteBalance, PhoneRestriction


class Param(Expression):
    """A named input of a compiled statement: compiles to one placeholder whose value is given at execution,
    prepared by ``output_field`` for the database (``get_db_prep_value``)."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", (self,)

    def get_group_by_cols(self):
        return []


class Compiled:
    """A queryset compiled once: its SQL, where each ``Param`` goes among the parameters, and the converters
    Django applies to its columns."""

    def __init__(self, queryset, using: str):
        compiler = queryset.query.get_compiler(using)
        self.sql, params = compiler.as_sql()
        self.using = using
        self.slots: list[tuple[str | None, Any]] = [
            (p.name, p.output_field) if isinstance(p, Param) else (None, p) for p in params
        ]
        # Each named input once (the gather names six inputs in 22 of its 42 placeholders), prepared by its field.
        self.inputs: dict[str, Any] = {name: field for name, field in self.slots if name is not None}
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])

    def params(self, values: dict[str, Any]) -> list:
        connection = connections[self.using]
        prepared = {name: field.get_db_prep_value(values[name], connection) for name, field in self.inputs.items()}
        return [value if name is None else prepared[name] for name, value in self.slots]

    def row(self, cursor, values: dict[str, Any]) -> tuple | None:
        cursor.execute(self.sql, self.params(values))
        row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        return tuple(row)


class _JSONSpans(Aggregate):
    """Every (starts_at, ends_at) of the group as a JSON array of pairs (``spans_of`` reads it)."""

    function = "JSONB_AGG"  # jsonb: Django reads it as text and decodes it, as the other JSON columns
    template = "%(function)s(JSONB_BUILD_ARRAY(%(expressions)s))"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY",
                           template="%(function)s(JSON_ARRAY(%(expressions)s))", **extra)


def _moment(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)  # SQLite keeps UTC, naive


def open_call_of(value) -> tuple[int, str, dt.datetime | None] | None:
    """(pk, status, expires_at) of the ``open_call_row`` column."""
    if not value:
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return value["pk"], value["status"], _moment(value["expires_at"])


def spans_of(value) -> tuple[tuple[dt.datetime, dt.datetime | None], ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple((_moment(start), _moment(end)) for start, end in value)


def restrictions_not_over(now):
    """Every restriction not over at ``now``: in force, or to come (``retry_after`` must wait for it)."""
    return PhoneRestriction.objects.filter(lifted_at__isnull=True).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


# The gather's columns, in order: the balance row (locked), the inmate, its policy, its open call.
COLUMNS = (
    "pk", "inmate_id", "minutes", "last_call_started_at", "open_call_id", "inmate__status",
    "inmate__facility__policy__calling_hours_start", "inmate__facility__policy__calling_hours_end",
    "inmate__facility__policy__call_gap_minutes", "inmate__facility__policy__per_call_minutes",
)
ANNOTATIONS = ("open_call_row", "restricted", "restriction_spans", "watched", "screen_entry", "screen_ordered", "screen_blocked",
               "screen_library", "grant")


def gather_queryset(*, lock: bool = True):
    """ONE statement: the inmate's balance row, locked (FOR UPDATE OF the balance row only) unless ``lock`` is
    false, with the inmate, its policy, its open call, a restriction in force now, the spans of every restriction
    not over, the watch flag, the screening facts and the emergency grant. Inputs: the parameters of
    ``gather_values``."""
    now = Param("now", DateTimeField())
    number = Param("number", CharField())
    facility_id = Param("facility_id", IntegerField())
    inmate = OuterRef("inmate_id")
    spans = (restrictions_not_over(now).filter(inmate_id=inmate).order_by().values("inmate_id")
             .annotate(spans=_JSONSpans("starts_at", "ends_at")).values("spans"))
    balances = MinuteBalance.objects.select_for_update(of=("self",)) if lock else MinuteBalance.objects.all()
    return (
        balances
        .filter(inmate__facility_id=facility_id, inmate__register_number=Param("register_number", CharField()))
        .annotate(
            # The open call as a sub-select, not a join: when the lock waited for another decision, the re-read
            # balance row may point at a call this statement cannot see; the caller then reads it again.
            open_call_row=Subquery(Call.objects.filter(pk=OuterRef("open_call_id")).order_by().values(
                row=JSONObject(pk="pk", status="status", expires_at="expires_at")), output_field=JSONField()),
            restricted=Exists(PhoneRestriction.objects.active(now).filter(inmate_id=inmate)),
            restriction_spans=Subquery(spans, output_field=JSONField()),
            watched=watched_exists(number=number, facility_ref=facility_id, inmate_ref=inmate,
                                   since=Param("watch_since", DateField())),
            **call_screening_annotations(inmate_ref=inmate, facility_id=facility_id, number=number, now=now,
                                         day=Param("day", DateField())),
            grant=emergency_grant_row(inmate_ref=inmate, number=number, at=now),
        )
        .order_by()
        .values_list(*COLUMNS, *ANNOTATIONS)
    )


def _insert_sql(using: str) -> tuple[str, list]:
    connection = connections[using]
    q = connection.ops.quote_name
    fields = [f for f in Call._meta.concrete_fields if not f.primary_key]
    sql = (f"INSERT INTO {q(Call._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q(Call._meta.pk.column)}")
    return sql, fields


def _update_sql(using: str) -> str:
    q = connections[using].ops.quote_name
    field = MinuteBalance._meta.get_field
    return (f"UPDATE {q(MinuteBalance._meta.db_table)} SET {q(field('open_call').column)} = %s, "
            f"{q(field('last_call_started_at').column)} = %s, {q(field('updated_at').column)} = %s "
            f"WHERE {q(MinuteBalance._meta.pk.column)} = %s")


def _insert_open_sql(using: str) -> str:
    q = connections[using].ops.quote_name
    field = MinuteBalance._meta.get_field
    insert, _ = _insert_sql(using)
    return (f"WITH c AS ({insert}) UPDATE {q(MinuteBalance._meta.db_table)} SET "
            f"{q(field('open_call').column)} = (SELECT {q(Call._meta.pk.column)} FROM c), "
            f"{q(field('last_call_started_at').column)} = %s, {q(field('updated_at').column)} = %s "
            f"WHERE {q(MinuteBalance._meta.pk.column)} = %s RETURNING (SELECT {q(Call._meta.pk.column)} FROM c)")


def _insert_open_if_unchanged_sql(using: str) -> str:
    """The allowed call's INSERT and the balance row's UPDATE in one statement that does both only if the balance
    row still holds what the decision read (minutes, open call, gap start): the UPDATE's condition is checked on
    the row's latest version (a concurrent decision's write is waited for, then re-read), and the call takes its id
    from the sequence in the same statement. No row, no call: the caller decides again, locked. PostgreSQL."""
    q = connections[using].ops.quote_name
    field = MinuteBalance._meta.get_field
    balance, pk = q(MinuteBalance._meta.db_table), q(MinuteBalance._meta.pk.column)
    open_call, started = q(field("open_call").column), q(field("last_call_started_at").column)
    fields = [f for f in Call._meta.concrete_fields if not f.primary_key]
    return (
        f"WITH n AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('{Call._meta.db_table}', "
        f"'{Call._meta.pk.column}')) AS id), "
        f"b AS (UPDATE {balance} SET {open_call} = (SELECT id FROM n), {started} = %s, "
        f"{q(field('updated_at').column)} = %s "
        f"WHERE {pk} = %s AND {q(field('minutes').column)} = %s AND {open_call} IS NOT DISTINCT FROM %s "
        f"AND {started} IS NOT DISTINCT FROM %s RETURNING {open_call}) "
        f"INSERT INTO {q(Call._meta.db_table)} ({q(Call._meta.pk.column)}, {', '.join(q(f.column) for f in fields)}) "
        f"SELECT {open_call}, {', '.join(['%s'] * len(fields))} FROM b RETURNING {q(Call._meta.pk.column)}"
    )


class Statements:
    """The decision's statements for one database alias, compiled on first use."""

    def __init__(self, using: str):
        self.using = using
        postgresql = connections[using].vendor == "postgresql"
        # PostgreSQL decides a plain call unlocked first (``call_authorize``); SQLite (one writer at a time) locked.
        self.gather_unlocked = Compiled(gather_queryset(lock=False), using) if postgresql else None
        self.insert_sql, self.insert_fields = _insert_sql(using)
        self.update_sql = _update_sql(using)
        self.insert_open_sql = _insert_open_sql(using) if postgresql else None
        self.insert_open_if_unchanged_sql = _insert_open_if_unchanged_sql(using) if postgresql else None
        self.prep_moment: Callable = DateTimeField().get_db_prep_save

    @functools.cached_property
    def gather(self) -> Compiled:
        """The locked gather, compiled at its first use (in the transaction that locks: Django compiles a
        ``select_for_update`` only there)."""
        return Compiled(gather_queryset(), self.using)

    def insert_call(self, cursor, call: Call) -> int:
        connection = connections[self.using]
        cursor.execute(self.insert_sql, [f.get_db_prep_save(getattr(call, f.attname), connection)
                                         for f in self.insert_fields])
        return cursor.fetchone()[0]

    def update_balance(self, cursor, *, balance_id: int, open_call_id: int | None,
                       last_call_started_at: dt.datetime | None, now: dt.datetime) -> None:
        connection = connections[self.using]
        cursor.execute(self.update_sql, [open_call_id, self.prep_moment(last_call_started_at, connection),
                                         self.prep_moment(now, connection), balance_id])

    def insert_call_and_open_it(self, cursor, call: Call, *, balance_id: int,
                                last_call_started_at: dt.datetime | None, now: dt.datetime) -> int:
        """The allowed call's INSERT and the balance row's UPDATE (the call in progress, the gap's start). On
        PostgreSQL one statement (the INSERT in a WITH, the balance's foreign key checked at the commit as
        always); elsewhere the two statements."""
        if self.insert_open_sql is None:
            pk = self.insert_call(cursor, call)
            self.update_balance(cursor, balance_id=balance_id, open_call_id=pk,
                                last_call_started_at=last_call_started_at, now=now)
            return pk
        connection = connections[self.using]
        cursor.execute(self.insert_open_sql, [
            *(f.get_db_prep_save(getattr(call, f.attname), connection) for f in self.insert_fields),
            self.prep_moment(last_call_started_at, connection), self.prep_moment(now, connection), balance_id])
        return cursor.fetchone()[0]

    def insert_call_and_open_it_if_unchanged(
        self, cursor, call: Call, *, balance_id: int, read: tuple[int, int | None, dt.datetime | None],
        last_call_started_at: dt.datetime | None, now: dt.datetime,
    ) -> int | None:
        """``insert_call_and_open_it`` on the condition that the balance row still holds ``read`` (minutes, open
        call id, gap start, as the unlocked gather read them): the new call's id, or None (nothing written)."""
        connection = connections[self.using]
        minutes, open_call_id, started = read
        cursor.execute(self.insert_open_if_unchanged_sql, [
            self.prep_moment(last_call_started_at, connection), self.prep_moment(now, connection), balance_id,
            minutes, open_call_id, self.prep_moment(started, connection),
            *(f.get_db_prep_save(getattr(call, f.attname), connection) for f in self.insert_fields)])
        found = cursor.fetchone()
        return None if found is None else found[0]


def cursor(using: str = "default"):
    """A cursor for the decision's statements: prepared on the connection on PostgreSQL (the gather's plan, about
    0.9 ms of planning for 0.2 ms of execution, is made once per connection), Django's own elsewhere
    (``core.db.prepared_cursor``)."""
    return prepared_cursor(using)


_compiled: dict[str, Statements] = {}


def statements(using: str = "default") -> Statements:
    found = _compiled.get(using)
    if found is None:
        found = _compiled[using] = Statements(using)
    return found


__all__ = ["ANNOTATIONS", "COLUMNS", "Param", "cursor", "restrictions_not_over", "spans_of", "statements"]
