"""The monthly reset (domain.md §5): a dispatcher and one bulk run per facility and period.

Exactly-once: one ``MonthlyReset`` row per (facility, period) (a unique constraint), and per inmate
the balance row's ``period`` (only inmates whose period is older are touched, under row locks) plus
a unique ledger constraint (period, inmate, kind). The run works in chunks of inmates, each chunk one
transaction of set-based statements (one on PostgreSQL, a few on SQLite; no Python loop per inmate), so a
worker killed half-way leaves finished chunks finished and the next run does the rest.

A killed worker (domain.md §5, "kill the worker half-way"): the task acknowledges late and is requeued when
its pool process dies (``acks_late``, ``reject_on_worker_lost``); when the whole worker dies, its message
waits for the broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``). Neither bounds the
delay, so a run records its progress (``heartbeat_at``: at its start and after every chunk) and the
dispatcher, run every ``CALLS_RESET_DISPATCH_SECONDS`` by beat, requeues a started reset whose last sign of
life (progress, or being queued again) is older than ``CALLS_RESET_STALE_SECONDS``. A chunk takes about a second
(bench/reset.py), so a live run is never mistaken for a dead one; and if it were, two runs of one reset are
safe (row locks and the per-period ledger constraint). With the defaults (60 s, 120 s) a reset killed
half-way is running again within about three minutes of a worker being back, finished within five.

Where the time goes (bench/reset.py, docs/performance.md): a facility's inmates are spread over the whole
roster (ids come from one sequence as inmates are booked into every facility, and transfers keep them), so
each chunk touches pages all over the balance table, the roster and the ledger's indexes, where the
hand-written floor sweeps each once. On PostgreSQL a chunk is therefore one statement: the UPDATE of the due
balances (reached through the primary key, each row locked by the update itself, no separate locking pass)
returns their previous minutes straight to the ledger INSERT, and the ledger has only the indexes a page or a
constraint needs. The foreign-key checks of the new entries (inmate, facility, reset), run at commit, are
the largest share, in the floor as in the reset; both pay one per entry and key.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from core.metrics import RESET_RUNS, RESET_SECONDS
from core.tasks import enqueue_on_commit
from facilities.models import Facility
from facilities.periods import period_for_facility, reset_moment

from .models import MonthlyReset

ACTOR_LABEL = "monthly reset"


def chunk_size() -> int:
    return settings.CALLS_RESET_CHUNK


def stale_after() -> dt.timedelta:
    """An unfinished reset with no sign of life for this long is presumed dead and queued again."""
    return dt.timedelta(seconds=settings.CALLS_RESET_STALE_SECONDS)


# A queued run that never started waits in the broker, perhaps behind many others (every facility of a time zone
# is queued at the same midnight): its message is not lost (the broker gives it to another worker after the
# visibility timeout if a worker took it and died), so it is queued again only after this long, in case the
# message was never sent.
REQUEUE_QUEUED_AFTER = dt.timedelta(minutes=14)

# A reset still unfinished this long after its reset moment is stuck (the health check, /health/, says so): a run
# queued behind others is queued again after REQUEUE_QUEUED_AFTER, a killed one within minutes of a worker being
# back (above), and a run takes about 140 s per million inmates on a busy 2-core machine (bench/reset.py); an
# hour is far beyond all that.
FINISH_BOUND = dt.timedelta(hours=1)


def _presumed_dead(record: MonthlyReset, now: dt.datetime) -> bool:
    """An unfinished run to queue again: started but silent (no chunk done, not queued again) for
    ``stale_after()``, or queued and never started for ``REQUEUE_QUEUED_AFTER``."""
    if record.status == MonthlyReset.Status.RUNNING:
        alive = max(filter(None, (record.dispatched_at, record.heartbeat_at, record.started_at)), default=None)
        return alive is None or alive <= now - stale_after()
    return record.dispatched_at is None or record.dispatched_at <= now - REQUEUE_QUEUED_AFTER


def _after_chunk(reset_id: int, chunk_index: int) -> None:
    """A seam for tests that simulate a worker killed between two chunks.

    ``CALLS_RESET_CHUNK_PAUSE_SECONDS`` (0 except when a worker test sets it through the environment)
    makes a run slow enough to be killed half-way.
    """
    if settings.CALLS_RESET_CHUNK_PAUSE_SECONDS:
        time.sleep(settings.CALLS_RESET_CHUNK_PAUSE_SECONDS)


def reset_dispatch(*, now: dt.datetime | None = None) -> list[int]:
    """Queue one run per facility whose reset moment has passed for its current period.

    Creates the (facility, period) row once; re-queues an unfinished run presumed dead (its worker died:
    ``_presumed_dead``). Returns the ids queued. A query per facility list, not per inmate.
    """
    now = now or timezone.now()
    facilities = list(Facility.objects.filter(active=True).select_related("policy"))
    wanted = {f.pk: period_for_facility(f, at=now) for f in facilities}
    existing = {
        (r.facility_id, r.period): r
        for r in MonthlyReset.objects.filter(facility_id__in=list(wanted), period__in=set(wanted.values()))
    }
    queued: list[int] = []
    for facility in facilities:
        period = wanted[facility.pk]
        record = existing.get((facility.pk, period))
        with transaction.atomic():
            if record is None:
                record, created = MonthlyReset.objects.get_or_create(
                    facility=facility, period=period,
                    defaults={"reset_at": reset_moment(period=period, tz=facility.timezone), "dispatched_at": now},
                )
                if not created:
                    continue
            elif record.status == MonthlyReset.Status.DONE or not _presumed_dead(record, now):
                continue
            else:
                updated = MonthlyReset.objects.filter(
                    pk=record.pk, dispatched_at=record.dispatched_at
                ).exclude(status=MonthlyReset.Status.DONE).update(dispatched_at=now)
                if not updated:
                    continue
            reset_id = record.pk
            enqueue_on_commit("calls.facility_reset_run", reset_id=reset_id)
            queued.append(reset_id)
    return queued


# The statements of one chunk. %(name)s parameters; portable between PostgreSQL and SQLite.
_TARGET = """
    FROM calls_minutebalance b
    JOIN facilities_inmate i ON i.id = b.inmate_id
    WHERE i.facility_id = %(facility)s AND i.status = 'in_custody'
      {range}
      AND (b.period IS NULL OR b.period < %(period)s)
"""
_ENSURE_BALANCES = """
    INSERT INTO calls_minutebalance (inmate_id, minutes, period, last_call_started_at, open_call_id, updated_at)
    SELECT i.id, 0, NULL, NULL, NULL, %(now)s FROM facilities_inmate i
    WHERE i.facility_id = %(facility)s AND i.status = 'in_custody' {range}
      AND NOT EXISTS (SELECT 1 FROM calls_minutebalance x WHERE x.inmate_id = i.id)
    ON CONFLICT DO NOTHING
"""
# The locking pass (SQLite's chunk; on PostgreSQL only for inmates the one statement below left): the chunk's
# inmates are read (and, on PostgreSQL, locked) once into a session temp table; the ledger insert and the
# balance update then read that small table instead of joining the roster again.
_TEMP = "CREATE TEMP TABLE IF NOT EXISTS calls_reset_target (inmate_id bigint PRIMARY KEY, facility_id bigint, minutes integer)"
# PostgreSQL: TRUNCATE leaves no dead rows behind (a DELETE would, in a temp table no autovacuum visits,
# and every chunk of a long-lived worker connection would scan them again). SQLite: DELETE is a truncate.
_TEMP_CLEAR = {"postgresql": "TRUNCATE calls_reset_target", None: "DELETE FROM calls_reset_target"}
_FILL = (
    "INSERT INTO calls_reset_target (inmate_id, facility_id, minutes) SELECT b.inmate_id, i.facility_id, b.minutes "
    + _TARGET
)
# Only inmates the first fill did not take (an inmate given a balance row just now, or one whose row changed).
_FILL_REST = " AND NOT EXISTS (SELECT 1 FROM calls_reset_target t WHERE t.inmate_id = b.inmate_id)"
_COUNT = "SELECT count(*), coalesce(sum(CASE WHEN minutes > 0 THEN minutes ELSE 0 END), 0) FROM calls_reset_target"
_ROSTER = """
    SELECT count(*) FROM facilities_inmate i
    WHERE i.facility_id = %(facility)s AND i.status = 'in_custody' {range}
"""
_LEDGER_COLUMNS = (
    "(inmate_id, facility_id, kind, minutes, balance_after, period, reset_id, created_at, actor_label, reason, "
    "call_id, actor_id)"
)
_VOID_REASON = "Unused minutes voided at the start of a new period."
# One statement writes every entry of the chunk (void when there is something to void, grant, bonus when the
# month has one), in inmate order: the entries of one inmate land on the same index pages one after the
# other, and each inmate's entries get ids in the order void, grant, bonus.
_INSERT_ENTRIES = (
    "INSERT INTO calls_ledgerentry " + _LEDGER_COLUMNS + " SELECT t.inmate_id, t.facility_id, k.kind, "
    "CASE k.n WHEN 0 THEN -t.minutes WHEN 1 THEN %(grant)s ELSE %(bonus)s END, "
    "CASE k.n WHEN 0 THEN 0 WHEN 1 THEN %(grant)s ELSE %(total)s END, "
    "%(period)s, %(reset)s, %(now)s, %(actor)s, CASE k.n WHEN 0 THEN %(void_reason)s ELSE '' END, NULL, NULL "
    "FROM {source} t CROSS JOIN ({kinds}) k "
    "WHERE k.n <> 0 OR t.minutes <> 0 ORDER BY t.inmate_id, k.n"
)
_KINDS = "SELECT 0 AS n, 'void' AS kind UNION ALL SELECT 1, 'monthly_grant'"
_KINDS_WITH_BONUS = _KINDS + " UNION ALL SELECT 2, 'monthly_bonus'"
_UPDATE_BALANCES = """
    UPDATE calls_minutebalance SET minutes = %(total)s, period = %(period)s, updated_at = %(now)s
    WHERE inmate_id IN (SELECT inmate_id FROM calls_reset_target)
"""
# PostgreSQL, for the chunk's transaction only: a chunk is a few thousand inmates of a roster of millions,
# whose balance rows are reached through the primary key; a hash join would read every balance row of
# every facility for each chunk. (The planner's default costs prefer that scan.)
_PLAN = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off")
_PLAN_RESET = ("SET LOCAL enable_hashjoin TO DEFAULT", "SET LOCAL enable_mergejoin TO DEFAULT")
# A chunk's inmates: an id range, or the whole roster when one chunk holds it (then no condition on id, and
# the roster can be counted from the (facility, status) index alone).
_RANGE = "AND i.id > %(lo)s AND i.id <= %(hi)s"
_ROSTER_SIZE = "SELECT count(*) FROM facilities_inmate i WHERE i.facility_id = %(facility)s AND i.status = 'in_custody'"
_BOUNDARIES = """
    SELECT id FROM (
        SELECT i.id AS id, ROW_NUMBER() OVER (ORDER BY i.id) AS rn
        FROM facilities_inmate i WHERE i.facility_id = %(facility)s AND i.status = 'in_custody'
    ) s WHERE s.rn %% %(chunk)s = 0 ORDER BY id
"""
_MAX_ID = 2**62


def _chunks(facility_id: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_ROSTER_SIZE, {"facility": facility_id})
        if cursor.fetchone()[0] <= chunk_size():
            return [(0, _MAX_ID)]
        cursor.execute(_BOUNDARIES, {"facility": facility_id, "chunk": chunk_size()})
        bounds = [row[0] for row in cursor.fetchall()]
    edges = [0, *bounds, _MAX_ID]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1) if edges[k] < edges[k + 1]]


# PostgreSQL: the whole chunk in one statement. The UPDATE takes each due balance row (its row lock is the
# update's own, no separate SELECT ... FOR UPDATE pass writing a lock to every row first) and sets it; RETURNING
# hands each inmate's previous minutes to the ledger INSERT in the same statement, and the outer SELECT counts.
# The previous minutes come from ``s``, the statement's snapshot of the row; the update itself applies only while
# the row still holds those minutes (``b.minutes = s.minutes``). A balance changed by a call between that snapshot
# and the row lock is re-checked against its newest version (READ COMMITTED's re-check of an UPDATE's WHERE) and
# left alone, so a void never disagrees with the balance it empties; the locking pass below takes it.
_AT_ONCE = """
    WITH done AS (
        UPDATE calls_minutebalance b SET minutes = %(total)s, period = %(period)s, updated_at = %(now)s
        FROM (
            SELECT x.inmate_id, x.minutes, i.facility_id
            FROM facilities_inmate i JOIN calls_minutebalance x ON x.inmate_id = i.id
            WHERE i.facility_id = %(facility)s AND i.status = 'in_custody' {range}
              AND (x.period IS NULL OR x.period < %(period)s)
        ) s
        WHERE b.inmate_id = s.inmate_id AND b.minutes = s.minutes AND (b.period IS NULL OR b.period < %(period)s)
        RETURNING b.inmate_id, s.facility_id, s.minutes
    ), entries AS (
        {insert}
    )
    SELECT count(*), coalesce(sum(CASE WHEN minutes > 0 THEN minutes ELSE 0 END), 0) FROM done
"""
# PostgreSQL, for the chunk's transaction only: a chunk is re-runnable (every inmate it did not finish is still
# due), so its commit need not wait for the WAL flush. Nothing can outrun it: the run's DONE state is committed
# by a later, ordinary transaction, whose flush writes the WAL of every chunk before it, as does the commit of
# any transaction that saw a chunk's balances. A server crash loses at most the last chunks' work, done again
# by the run the dispatcher queues once the reset falls silent.
_ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"


def _entries_insert(params: dict, *, source: str) -> str:
    """The INSERT of a chunk's ledger entries from ``source`` (inmate_id, facility_id, minutes before the reset)."""
    kinds = _KINDS_WITH_BONUS if params["bonus"] else _KINDS
    return _INSERT_ENTRIES.replace("{kinds}", kinds).replace("{source}", source)


def _take_locked(cursor, *, sql, params: dict, lock: str, rest: bool) -> tuple[int, int]:
    """The chunk's due inmates read (on PostgreSQL, locked) into the temp table; ``rest``: only those it does not
    hold yet. Returns the table's (inmates, minutes to void)."""
    cursor.execute(sql(_FILL) + (_FILL_REST if rest else "") + lock, params)
    cursor.execute(_COUNT)
    count, voided = cursor.fetchone()
    return int(count), int(voided or 0)


def _enter_locked(cursor, *, params: dict, count: int) -> None:
    """The ledger entries and the balances of the inmates in the temp table (``count`` of them, locked)."""
    if not count:
        return
    cursor.execute(_entries_insert(params, source="calls_reset_target"), params)
    cursor.execute(_UPDATE_BALANCES, params)
    if cursor.rowcount != count:  # the rows were locked: this cannot differ unless something is badly wrong
        raise RuntimeError(f"Reset chunk touched {cursor.rowcount} balances but locked {count}.")


def _run_chunk(params: dict) -> tuple[int, int]:
    """One chunk in one transaction: (inmates reset, minutes voided)."""
    postgres = connection.vendor == "postgresql"
    lock = " FOR UPDATE OF b" if postgres else ""
    clear = _TEMP_CLEAR["postgresql" if postgres else None]
    params = {**params, "void_reason": _VOID_REASON}
    span = "" if (params["lo"], params["hi"]) == (0, _MAX_ID) else _RANGE

    def sql(statement: str) -> str:
        return statement.replace("{range}", span)

    with connection.cursor() as cursor:
        if postgres:
            for statement in (*_PLAN, _ASYNC_COMMIT):
                cursor.execute(statement)
            cursor.execute(sql(_AT_ONCE).replace("{insert}", _entries_insert(params, source="done")), params)
            count, voided = (int(v) for v in cursor.fetchone())
            cursor.execute(sql(_ROSTER), params)
            (roster,) = cursor.fetchone()
            if count < roster:
                # Some inmates in custody were not taken: already reset for this period (a second run), without a
                # balance row yet, or with a balance changed under the statement. Give the missing a balance row,
                # then take whoever is still due under row locks. (Usually every inmate was taken at once, and the
                # roster is not probed for missing balances.)
                cursor.execute(sql(_ENSURE_BALANCES), params)
                cursor.execute(_TEMP)
                cursor.execute(clear)
                more, more_voided = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=False)
                _enter_locked(cursor, params=params, count=more)
                cursor.execute(clear)
                count, voided = count + more, voided + more_voided
            for statement in _PLAN_RESET:
                cursor.execute(statement)
            return count, voided
        # SQLite (the demo): the chunk's inmates read once into a temp table, then entered and updated.
        cursor.execute(_TEMP)
        cursor.execute(clear)
        count, voided = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=False)
        cursor.execute(sql(_ROSTER), params)
        (roster,) = cursor.fetchone()
        if count < roster:
            cursor.execute(sql(_ENSURE_BALANCES), params)
            count, voided = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=True)
        _enter_locked(cursor, params=params, count=count)
        cursor.execute(clear)
    return count, voided


def facility_reset_run(*, reset_id: int) -> MonthlyReset:
    """Run (or finish) one facility's reset for one period. Safe to run twice or concurrently."""
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        reset = MonthlyReset.objects.select_for_update(of=("self",)).select_related("facility__policy").get(pk=reset_id)
        if reset.status == MonthlyReset.Status.DONE:
            RESET_RUNS.labels(facility=reset.facility.code, outcome="already_done").inc()
            return reset
        policy = reset.facility.policy
        if reset.runs == 0:  # the allowance is fixed when the period's reset first starts
            reset.monthly_minutes = policy.monthly_minutes
            reset.bonus_minutes = policy.bonus_for_month(reset.period.month)
        reset.status = MonthlyReset.Status.RUNNING
        reset.runs += 1
        reset.started_at = reset.heartbeat_at = now
        reset.save(update_fields=["monthly_minutes", "bonus_minutes", "status", "runs", "started_at", "heartbeat_at"])
    total = reset.monthly_minutes + reset.bonus_minutes
    base = {
        "facility": reset.facility_id, "period": reset.period, "reset": reset.pk, "now": now, "actor": ACTOR_LABEL,
        "grant": reset.monthly_minutes, "bonus": reset.bonus_minutes, "total": total,
    }
    for index, (lo, hi) in enumerate(_chunks(reset.facility_id)):
        with transaction.atomic():
            count, voided = _run_chunk({**base, "lo": lo, "hi": hi})
            # The chunk's totals and the run's sign of life (the dispatcher requeues a run silent for too long).
            MonthlyReset.objects.filter(pk=reset.pk).update(
                inmates_reset=F("inmates_reset") + count,
                minutes_voided=F("minutes_voided") + voided,
                minutes_granted=F("minutes_granted") + count * total,
                heartbeat_at=timezone.now(),
            )
        _after_chunk(reset.pk, index)
    with transaction.atomic():
        reset = MonthlyReset.objects.select_for_update(of=("self",)).select_related("facility").get(pk=reset_id)
        if reset.status == MonthlyReset.Status.DONE:
            RESET_RUNS.labels(facility=reset.facility.code, outcome="already_done").inc()
            return reset
        reset.status = MonthlyReset.Status.DONE
        reset.finished_at = timezone.now()
        reset.duration_ms = int((time.monotonic() - started) * 1000)
        reset.save(update_fields=["status", "finished_at", "duration_ms"])
        audit_record(
            action="minutes_reset", actor=ACTOR_LABEL, facility=reset.facility, target=reset,
            data={"period": reset.period.isoformat(), "inmates": reset.inmates_reset,
                  "minutes_voided": reset.minutes_voided, "minutes_granted": reset.minutes_granted,
                  "runs": reset.runs, "duration_ms": reset.duration_ms},
        )
    RESET_RUNS.labels(facility=reset.facility.code, outcome="done").inc()
    RESET_SECONDS.labels(facility=reset.facility.code).observe(reset.duration_ms / 1000)
    return reset
