"""The monthly reset (domain.md §5): a dispatcher, and bulk runs of the facilities due, a group each.

The dispatcher takes every facility whose reset moment has passed (at a midnight, that moment's; after the workers
were down, every moment passed meanwhile) and splits the due ``MonthlyReset`` records, by period, into the fewest
runs of at most ``CALLS_RESET_GROUP_INMATES`` inmates in custody, as even as whole facilities allow
(``_reset_groups``); each run is one task (``calls.reset_group_run``), so several workers share one midnight.
(``calls.facility_reset_run``, a group of one, still runs messages queued before groups.)

Exactly-once: one ``MonthlyReset`` row per (facility, period) (a unique constraint) stays the unit: its allowance
(fixed at its first start), its counts, its audit event and its DONE (set when its group's run has finished);
per inmate the balance row's ``period`` (only inmates whose period is older are touched, under row locks) plus a
unique ledger constraint (period, inmate, kind). A run works in chunks of the inmate id range across all its
facilities, each chunk one transaction of set-based statements (one on PostgreSQL, a few on SQLite; no Python loop
per inmate) that sets each inmate to its own facility's allowance and counts by facility, so a worker killed
half-way leaves finished chunks finished and the next run does the rest. A record already DONE is left out of a
run; one running elsewhere is safe to run with.

A killed worker (domain.md §5, "kill the worker half-way"): the task acknowledges late and is requeued when
its pool process dies (``acks_late``, ``reject_on_worker_lost``); when the whole worker dies, its message
waits for the broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``). Neither bounds the
delay, so a run records its progress (``heartbeat_at`` on every record of its group: at its start and after
every chunk) and the dispatcher, run every ``CALLS_RESET_DISPATCH_SECONDS`` by beat, requeues (grouped again) the
started resets whose last sign of life (progress, or being queued again) is older than ``CALLS_RESET_STALE_SECONDS``.
A chunk takes about a second (bench/reset.py), so a live run is never mistaken for a dead one; and if it were, two
runs of one reset are safe (row locks and the per-period ledger constraint). With the defaults (60 s, 120 s) a
reset killed half-way is running again within about three minutes of a worker being back, finished within five.

Where the time goes (bench/reset.py, docs/performance.md): a facility's inmates are spread over the whole
roster (ids come from one sequence as inmates are booked into every facility, and transfers keep them), so a
run per facility touched pages all over the balance table, the roster and the ledger's indexes for a hundredth
of their rows, a hundred times over, where the hand-written floor sweeps each once. A run of many facilities
sweeps them once per run, its chunks contiguous ranges of pages, so the fewer the runs the fewer the sweeps. On PostgreSQL a chunk is one statement: the UPDATE
of the due balances (reached through the primary key, each row locked by the update itself, no separate locking
pass) returns their previous minutes straight to the ledger INSERT, and the ledger has only the indexes a page or
a constraint needs. The foreign-key checks of the new entries (inmate, facility, reset), run at commit, are
the largest share, in the floor as in the reset; both pay one per entry and key.

Full volume (1,000,000 inmates, 100 facilities in 7 zones, every moment passed at the dispatch;
docs/performance.md), each against the floor of the same run: one run per facility 1.40x the floor, two workers
0.71x of one; one run per reset moment (6 runs) 1.24x to 1.60x, two workers 0.51x to 0.60x; the moments together in
the fewest even runs (4 of 25 facilities) 1.25x to 1.28x, two workers 0.46x to 0.48x (the WAL written down from
2,747 to 2,244 MB, the floor's 1,183). The chunk statements now cost what the floor's INSERT and UPDATE cost (about
20 s); what is left is at the chunks' commits, the foreign-key checks of the entries (about 36 s against the
floor's 27 s).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, Value, When
from django.utils import timezone

from audit.services import audit_record
from core.metrics import RESET_RUNS, RESET_SECONDS
from core.tasks import enqueue_on_commit
from facilities.models import Facility, Inmate
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
# back (above), and the runs of a million inmates take about two minutes on a busy 2-core machine (bench/reset.py);
# an hour is far beyond all that.
FINISH_BOUND = dt.timedelta(hours=1)


def _presumed_dead(record: MonthlyReset, now: dt.datetime) -> bool:
    """An unfinished run to queue again: started but silent (no chunk done, not queued again) for
    ``stale_after()``, or queued and never started for ``REQUEUE_QUEUED_AFTER``."""
    if record.status == MonthlyReset.Status.RUNNING:
        alive = max(filter(None, (record.dispatched_at, record.heartbeat_at, record.started_at)), default=None)
        return alive is None or alive <= now - stale_after()
    return record.dispatched_at is None or record.dispatched_at <= now - REQUEUE_QUEUED_AFTER


def _after_chunk(reset_ids: tuple[int, ...], chunk_index: int) -> None:
    """A seam for tests that simulate a worker killed between two chunks (``reset_ids``: the group's records).

    ``CALLS_RESET_CHUNK_PAUSE_SECONDS`` (0 except when a worker test sets it through the environment)
    makes a run slow enough to be killed half-way.
    """
    if settings.CALLS_RESET_CHUNK_PAUSE_SECONDS:
        time.sleep(settings.CALLS_RESET_CHUNK_PAUSE_SECONDS)


def _reset_groups(records: Iterable[MonthlyReset]) -> list[list[int]]:
    """The runs of one dispatch: the records due, by period, in the fewest runs of at most
    ``CALLS_RESET_GROUP_INMATES`` inmates in custody, as even as whole facilities allow (a facility larger than
    the bound is a run of its own), so that several workers share them. Returns the groups' reset ids, the
    earliest reset moment's first. One query (the rosters).

    Facilities of different reset moments share a run only when both moments have passed at the dispatch (a
    dispatch after the workers were down, or the first one): each facility still gets its own allowance and
    record, and one sweep of the roster, the balances and the ledger's indexes serves them all, instead of one
    sweep per moment. At a midnight, only that moment's facilities are due."""
    records = sorted(records, key=lambda r: (r.period, r.reset_at, r.facility_id))
    if not records:
        return []
    sizes = dict(
        Inmate.objects.filter(facility_id__in=[r.facility_id for r in records], status=Inmate.Status.IN_CUSTODY)
        .order_by().values_list("facility_id").annotate(n=Count("id"))
    )
    bound = settings.CALLS_RESET_GROUP_INMATES
    groups: list[list[MonthlyReset]] = []
    for period in sorted({r.period for r in records}):
        mine = [r for r in records if r.period == period]
        total = sum(sizes.get(r.facility_id, 0) for r in mine)
        runs: list[list[MonthlyReset]] = [[] for _ in range(max(1, math.ceil(total / bound)))]
        loads = [0] * len(runs)
        # The largest facilities first, each into the lightest run (a new one when it would overflow them all).
        for record in sorted(mine, key=lambda r: (-sizes.get(r.facility_id, 0), r.reset_at, r.facility_id)):
            size = sizes.get(record.facility_id, 0)
            k = min(range(len(runs)), key=lambda i: (loads[i], i))
            if loads[k] and loads[k] + size > bound:
                runs.append([])
                loads.append(0)
                k = len(runs) - 1
            runs[k].append(record)
            loads[k] += size
        groups.extend(sorted(run, key=lambda r: r.pk) for run in runs if run)
    groups.sort(key=lambda run: (run[0].period, min(r.reset_at for r in run), run[0].pk))
    return [[r.pk for r in run] for run in groups]


def reset_dispatch(*, now: dt.datetime | None = None) -> list[int]:
    """Queue the runs of every facility whose reset moment has passed for its current period.

    Creates the (facility, period) row once; re-queues an unfinished run presumed dead (its worker died:
    ``_presumed_dead``). The records due are queued as groups (``_reset_groups``: one reset moment, a bounded
    roster), one ``calls.reset_group_run`` task each. Returns the ids queued. A query per facility list, not per
    inmate.
    """
    now = now or timezone.now()
    facilities = list(Facility.objects.filter(active=True).select_related("policy"))
    wanted = {f.pk: period_for_facility(f, at=now) for f in facilities}
    existing = {
        (r.facility_id, r.period): r
        for r in MonthlyReset.objects.filter(facility_id__in=list(wanted), period__in=set(wanted.values()))
    }
    due: list[MonthlyReset] = []
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
        due.append(record)
    # Each record is marked dispatched (committed) before its group is queued: a dispatcher dying in between
    # leaves records the next dispatch queues again after REQUEUE_QUEUED_AFTER, as a message never sent.
    queued: list[int] = []
    with transaction.atomic():
        for group in _reset_groups(due):
            enqueue_on_commit("calls.reset_group_run", reset_ids=group)
            queued.extend(group)
    return queued


# The statements of one chunk. %(name)s parameters; portable between PostgreSQL and SQLite. A chunk is a range of
# inmate ids across every facility of the group: {facilities} is the group's facility ids (an IN list), {range}
# the chunk's id range.
_TARGET = """
    FROM calls_minutebalance b
    JOIN facilities_inmate i ON i.id = b.inmate_id
    JOIN calls_monthlyreset r ON r.facility_id = i.facility_id AND r.period = %(period)s
    WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody'
      {range}
      AND (b.period IS NULL OR b.period < %(period)s)
"""
_ENSURE_BALANCES = """
    INSERT INTO calls_minutebalance (inmate_id, minutes, period, last_call_started_at, open_call_id, updated_at)
    SELECT i.id, 0, NULL, NULL, NULL, %(now)s FROM facilities_inmate i
    WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody' {range}
      AND NOT EXISTS (SELECT 1 FROM calls_minutebalance x WHERE x.inmate_id = i.id)
    ON CONFLICT DO NOTHING
"""
# The locking pass (SQLite's chunk; on PostgreSQL only for inmates the one statement below left): the chunk's
# inmates are read (and, on PostgreSQL, locked) once into a session temp table, each with its facility's reset
# (id, grant and bonus, from the reset row where they were fixed at the first start); the ledger insert and the
# balance update then read that small table instead of joining the roster again.
_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS calls_reset_group_target (inmate_id bigint PRIMARY KEY, facility_id bigint, "
    "minutes integer, reset_id bigint, grant_minutes integer, bonus_minutes integer)"
)
# PostgreSQL: TRUNCATE leaves no dead rows behind (a DELETE would, in a temp table no autovacuum visits,
# and every chunk of a long-lived worker connection would scan them again). SQLite: DELETE is a truncate.
_TEMP_CLEAR = {"postgresql": "TRUNCATE calls_reset_group_target", None: "DELETE FROM calls_reset_group_target"}
_FILL = (
    "INSERT INTO calls_reset_group_target (inmate_id, facility_id, minutes, reset_id, grant_minutes, bonus_minutes) "
    "SELECT b.inmate_id, i.facility_id, b.minutes, r.id, r.monthly_minutes, r.bonus_minutes " + _TARGET
)
# Only inmates the first fill did not take (an inmate given a balance row just now, or one whose row changed).
_FILL_REST = " AND NOT EXISTS (SELECT 1 FROM calls_reset_group_target t WHERE t.inmate_id = b.inmate_id)"
_COUNT = (
    "SELECT facility_id, count(*), coalesce(sum(CASE WHEN minutes > 0 THEN minutes ELSE 0 END), 0) "
    "FROM calls_reset_group_target GROUP BY facility_id"
)
_ROSTER = """
    SELECT count(*) FROM facilities_inmate i
    WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody' {range}
"""
_LEDGER_COLUMNS = (
    "(inmate_id, facility_id, kind, minutes, balance_after, period, reset_id, created_at, actor_label, reason, "
    "call_id, actor_id)"
)
_VOID_REASON = "Unused minutes voided at the start of a new period."
# One statement writes every entry of the chunk (void when there is something to void, grant, bonus when the
# facility's month has one), each with its facility's reset and allowance, in inmate order: the entries of one
# inmate land on the same index pages one after the other, and each inmate's entries get ids in the order void,
# grant, bonus. ``source``: (inmate_id, facility_id, minutes before the reset, reset_id, grant_minutes,
# bonus_minutes).
_INSERT_ENTRIES = (
    "INSERT INTO calls_ledgerentry " + _LEDGER_COLUMNS + " SELECT t.inmate_id, t.facility_id, k.kind, "
    "CASE k.n WHEN 0 THEN -t.minutes WHEN 1 THEN t.grant_minutes ELSE t.bonus_minutes END, "
    "CASE k.n WHEN 0 THEN 0 WHEN 1 THEN t.grant_minutes ELSE t.grant_minutes + t.bonus_minutes END, "
    "%(period)s, t.reset_id, %(now)s, %(actor)s, CASE k.n WHEN 0 THEN %(void_reason)s ELSE '' END, NULL, NULL "
    "FROM {source} t CROSS JOIN ({kinds}) k "
    "WHERE (k.n = 0 AND t.minutes <> 0) OR k.n = 1 OR (k.n = 2 AND t.bonus_minutes <> 0) ORDER BY t.inmate_id, k.n"
)
_KINDS = "SELECT 0 AS n, 'void' AS kind UNION ALL SELECT 1, 'monthly_grant'"
_KINDS_WITH_BONUS = _KINDS + " UNION ALL SELECT 2, 'monthly_bonus'"
_UPDATE_BALANCES = """
    UPDATE calls_minutebalance SET
        minutes = (SELECT t.grant_minutes + t.bonus_minutes FROM calls_reset_group_target t
                   WHERE t.inmate_id = calls_minutebalance.inmate_id),
        period = %(period)s, updated_at = %(now)s
    WHERE inmate_id IN (SELECT inmate_id FROM calls_reset_group_target)
"""
# PostgreSQL, for the chunk's transaction only: a chunk is a few thousand inmates of a roster of millions,
# whose balance rows are reached through the primary key; a hash join would read every balance row of
# every facility for each chunk. (The planner's default costs prefer that scan.)
_PLAN = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off")
# Then, for the rest of the chunk's transaction (its bookkeeping, and the foreign-key checks of its entries at the
# commit): index look-ups. Each entry's checks look up its inmate, facility and reset rows; PostgreSQL plans those
# checks once per connection, and for a table of a few pages (the facilities, the resets) it plans a sequential
# scan, which reads every page of the table for each of a chunk's tens of thousands of entries. The reset table
# grows by a row version per record and chunk (the totals and sign of life below), so its pages, and each check,
# grow with the run.
_PLAN_RESET = ("SET LOCAL enable_hashjoin TO DEFAULT", "SET LOCAL enable_mergejoin TO DEFAULT",
               "SET LOCAL enable_seqscan = off")
# A chunk's inmates: an id range, or the whole group's roster when one chunk holds it (then no condition on id).
_RANGE = "AND i.id > %(lo)s AND i.id <= %(hi)s"
_ROSTER_SIZE = "SELECT count(*) FROM facilities_inmate i WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody'"
_BOUNDARIES = """
    SELECT id FROM (
        SELECT i.id AS id, ROW_NUMBER() OVER (ORDER BY i.id) AS rn
        FROM facilities_inmate i WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody'
    ) s WHERE s.rn %% %(chunk)s = 0 ORDER BY id
"""
_MAX_ID = 2**62


def _facility_list(facility_ids: Sequence[int]) -> tuple[str, dict]:
    """The IN list of the group's facilities, as parameters (portable: SQLite has no arrays)."""
    names = [f"f{k}" for k in range(len(facility_ids))]
    return ", ".join(f"%({name})s" for name in names), dict(zip(names, facility_ids, strict=True))


def _chunks(facility_ids: Sequence[int]) -> list[tuple[int, int]]:
    """The group's roster (every facility's inmates in custody together) cut into id ranges of ``chunk_size()``."""
    in_list, params = _facility_list(facility_ids)
    with connection.cursor() as cursor:
        cursor.execute(_ROSTER_SIZE.replace("{facilities}", in_list), params)
        if cursor.fetchone()[0] <= chunk_size():
            return [(0, _MAX_ID)]
        cursor.execute(_BOUNDARIES.replace("{facilities}", in_list), {**params, "chunk": chunk_size()})
        bounds = [row[0] for row in cursor.fetchall()]
    edges = [0, *bounds, _MAX_ID]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1) if edges[k] < edges[k + 1]]


# PostgreSQL: the whole chunk in one statement. ``p`` is the group's facilities, each with its reset and the
# allowance fixed on it at the first start (arrays). ``s`` is the chunk's roster (its count tells whether anyone
# in custody was left: the roster is read once), with the balance of those due. The UPDATE takes each due balance row (its row lock is the update's own, no separate SELECT ... FOR UPDATE
# pass writing a lock to every row first) and sets it to its facility's grant and bonus; RETURNING hands each
# inmate's previous minutes and facility to the ledger INSERT in the same statement, and the outer SELECT counts
# by facility. The previous minutes come from ``s``, the statement's snapshot of the row; the update itself applies
# only while the row still holds those minutes (``b.minutes = s.minutes``). A balance changed by a call between
# that snapshot and the row lock is re-checked against its newest version (READ COMMITTED's re-check of an
# UPDATE's WHERE) and left alone, so a void never disagrees with the balance it empties; the locking pass takes it.
_AT_ONCE = """
    WITH p AS (
        SELECT * FROM unnest(%(p_facility)s::bigint[], %(p_reset)s::bigint[], %(p_grant)s::integer[],
                             %(p_bonus)s::integer[]) AS p(facility_id, reset_id, grant_minutes, bonus_minutes)
    ), s AS MATERIALIZED (
        SELECT i.id AS inmate_id, x.minutes, i.facility_id, p.reset_id, p.grant_minutes, p.bonus_minutes
        FROM facilities_inmate i
        JOIN p ON p.facility_id = i.facility_id
        LEFT JOIN calls_minutebalance x ON x.inmate_id = i.id AND (x.period IS NULL OR x.period < %(period)s)
        WHERE i.facility_id IN ({facilities}) AND i.status = 'in_custody' {range}
    ), done AS (
        UPDATE calls_minutebalance b
        SET minutes = s.grant_minutes + s.bonus_minutes, period = %(period)s, updated_at = %(now)s
        FROM s
        WHERE b.inmate_id = s.inmate_id AND b.minutes = s.minutes AND (b.period IS NULL OR b.period < %(period)s)
        RETURNING b.inmate_id, s.facility_id, s.minutes, s.reset_id, s.grant_minutes, s.bonus_minutes
    ), entries AS (
        {insert}
    )
    SELECT d.facility_id, d.n, d.voided, r.roster
    FROM (SELECT count(*) AS roster FROM s) r
    LEFT JOIN (
        SELECT facility_id, count(*) AS n, coalesce(sum(CASE WHEN minutes > 0 THEN minutes ELSE 0 END), 0) AS voided
        FROM done GROUP BY facility_id
    ) d ON true
"""
# PostgreSQL, for the chunk's transaction only: a chunk is re-runnable (every inmate it did not finish is still
# due), so its commit need not wait for the WAL flush. Nothing can outrun it: the run's DONE state is committed
# by a later, ordinary transaction, whose flush writes the WAL of every chunk before it, as does the commit of
# any transaction that saw a chunk's balances. A server crash loses at most the last chunks' work, done again
# by the run the dispatcher queues once the reset falls silent.
_ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"

Counts = dict[int, tuple[int, int]]  # facility id -> (inmates reset, minutes voided)


def _add(a: Counts, b: Counts) -> Counts:
    return {k: tuple(x + y for x, y in zip(a.get(k, (0, 0)), b.get(k, (0, 0)), strict=True)) for k in {*a, *b}}


def _entries_insert(params: dict, *, source: str) -> str:
    """The INSERT of a chunk's ledger entries from ``source`` (see ``_INSERT_ENTRIES``)."""
    kinds = _KINDS_WITH_BONUS if params["any_bonus"] else _KINDS
    return _INSERT_ENTRIES.replace("{kinds}", kinds).replace("{source}", source)


def _take_locked(cursor, *, sql, params: dict, lock: str, rest: bool) -> tuple[Counts, int]:
    """The chunk's due inmates read (on PostgreSQL, locked) into the temp table; ``rest``: only those it does not
    hold yet. Returns the table's counts by facility and its number of inmates."""
    cursor.execute(sql(_FILL) + (_FILL_REST if rest else "") + lock, params)
    cursor.execute(_COUNT)
    counts = {int(f): (int(n), int(v or 0)) for f, n, v in cursor.fetchall()}
    return counts, sum(n for n, _ in counts.values())


def _enter_locked(cursor, *, params: dict, count: int) -> None:
    """The ledger entries and the balances of the inmates in the temp table (``count`` of them, locked)."""
    if not count:
        return
    cursor.execute(_entries_insert(params, source="calls_reset_group_target"), params)
    cursor.execute(_UPDATE_BALANCES, params)
    if cursor.rowcount != count:  # the rows were locked: this cannot differ unless something is badly wrong
        raise RuntimeError(f"Reset chunk touched {cursor.rowcount} balances but locked {count}.")


def _run_chunk(params: dict, *, facilities: str, arrays: dict) -> Counts:
    """One chunk of a group in one transaction: (inmates reset, minutes voided) by facility. ``arrays``: the
    group's facilities, resets and allowances, for PostgreSQL's one statement (SQLite has no arrays)."""
    postgres = connection.vendor == "postgresql"
    lock = " FOR UPDATE OF b" if postgres else ""
    clear = _TEMP_CLEAR["postgresql" if postgres else None]
    params = {**params, "void_reason": _VOID_REASON}
    span = "" if (params["lo"], params["hi"]) == (0, _MAX_ID) else _RANGE

    def sql(statement: str) -> str:
        return statement.replace("{range}", span).replace("{facilities}", facilities)

    with connection.cursor() as cursor:
        if postgres:
            for statement in (*_PLAN, _ASYNC_COMMIT):
                cursor.execute(statement)
            cursor.execute(sql(_AT_ONCE).replace("{insert}", _entries_insert(params, source="done")),
                           {**params, **arrays})
            rows = cursor.fetchall()
            counts = {int(f): (int(n), int(v)) for f, n, v, _ in rows if f is not None}
            roster = rows[0][3]
            if sum(n for n, _ in counts.values()) < roster:
                # Some inmates in custody were not taken: already reset for this period (a second run), without a
                # balance row yet, or with a balance changed under the statement. Give the missing a balance row,
                # then take whoever is still due under row locks. (Usually every inmate was taken at once, and the
                # roster is not probed for missing balances.)
                cursor.execute(sql(_ENSURE_BALANCES), params)
                cursor.execute(_TEMP)
                cursor.execute(clear)
                more, count = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=False)
                _enter_locked(cursor, params=params, count=count)
                cursor.execute(clear)
                counts = _add(counts, more)
            for statement in _PLAN_RESET:
                cursor.execute(statement)
            return counts
        # SQLite (the demo): the chunk's inmates read once into a temp table, then entered and updated.
        cursor.execute(_TEMP)
        cursor.execute(clear)
        counts, count = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=False)
        cursor.execute(sql(_ROSTER), params)
        (roster,) = cursor.fetchone()
        if count < roster:
            cursor.execute(sql(_ENSURE_BALANCES), params)
            counts, count = _take_locked(cursor, sql=sql, params=params, lock=lock, rest=True)
        _enter_locked(cursor, params=params, count=count)
        cursor.execute(clear)
    return counts


def facility_reset_run(*, reset_id: int) -> MonthlyReset:
    """Run (or finish) one facility's reset for one period: a group of one (the task ``calls.facility_reset_run``,
    messages queued before groups). Safe to run twice or concurrently."""
    records = reset_group_run(reset_ids=[reset_id])
    if not records:
        raise MonthlyReset.DoesNotExist(f"No monthly reset {reset_id}.")
    return records[0]


def reset_group_run(*, reset_ids: Sequence[int]) -> list[MonthlyReset]:
    """Run (or finish) the resets ``reset_ids`` (one reset moment: ``_reset_groups``) together, in chunks of the
    inmate id range across all their facilities. Each record keeps its own allowance, totals, audit event and
    DONE; a record already done is left alone, one running elsewhere is safe to run with (row locks, the balance's
    period, the ledger's unique constraint). Returns the records, in the order of ``reset_ids``."""
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        records = list(
            MonthlyReset.objects.select_for_update(of=("self",)).select_related("facility__policy")
            .filter(pk__in=list(reset_ids)).order_by("pk")
        )
        running = []
        for record in records:
            if record.status == MonthlyReset.Status.DONE:
                RESET_RUNS.labels(facility=record.facility.code, outcome="already_done").inc()
                continue
            policy = record.facility.policy
            if record.runs == 0:  # the allowance is fixed when the period's reset first starts
                record.monthly_minutes = policy.monthly_minutes
                record.bonus_minutes = policy.bonus_for_month(record.period.month)
            record.status = MonthlyReset.Status.RUNNING
            record.runs += 1
            record.started_at = record.heartbeat_at = now
            record.save(update_fields=["monthly_minutes", "bonus_minutes", "status", "runs", "started_at",
                                       "heartbeat_at"])
            running.append(record)
    for period in sorted({r.period for r in running}):  # one period per group from the dispatcher
        _run_period([r for r in running if r.period == period], period=period, now=now)
    if running:
        _finish([r.pk for r in running], started=started)
    final = {r.pk: r for r in MonthlyReset.objects.select_related("facility").filter(pk__in=list(reset_ids))}
    return [final[pk] for pk in reset_ids if pk in final]


def _run_period(records: list[MonthlyReset], *, period: dt.date, now: dt.datetime) -> None:
    """The chunks of a group's records of one period; after each, the records' totals and sign of life."""
    records = sorted(records, key=lambda r: r.facility_id)
    facility_ids = [r.facility_id for r in records]
    facilities, in_params = _facility_list(facility_ids)
    base = {
        **in_params, "period": period, "now": now, "actor": ACTOR_LABEL,
        "any_bonus": any(r.bonus_minutes for r in records),
    }
    arrays = {
        "p_facility": facility_ids, "p_reset": [r.pk for r in records],
        "p_grant": [r.monthly_minutes for r in records], "p_bonus": [r.bonus_minutes for r in records],
    }
    ids = tuple(r.pk for r in records)
    for index, (lo, hi) in enumerate(_chunks(facility_ids)):
        with transaction.atomic():
            counts = _run_chunk({**base, "lo": lo, "hi": hi}, facilities=facilities, arrays=arrays)
            _chunk_done(records, counts)
        _after_chunk(ids, index)


def _chunk_done(records: list[MonthlyReset], counts: Counts) -> None:
    """In the chunk's transaction: its totals, each facility's on its own record, and every record's sign of life
    (the dispatcher requeues a run silent for too long), in ONE statement, so that each record gains one row
    version a chunk. Every ledger entry's foreign-key check at commit reads its reset's row, walking the versions
    the chunks before left on the page; one each instead of two keeps that walk short."""

    def by_record(values: dict[int, int]):
        whens = [When(pk=r.pk, then=Value(values[r.pk])) for r in records if values.get(r.pk)]
        return Case(*whens, default=Value(0)) if whens else Value(0)

    inmates = {r.pk: counts.get(r.facility_id, (0, 0))[0] for r in records}
    voided = {r.pk: counts.get(r.facility_id, (0, 0))[1] for r in records}
    granted = {r.pk: inmates[r.pk] * (r.monthly_minutes + r.bonus_minutes) for r in records}
    MonthlyReset.objects.filter(pk__in=[r.pk for r in records]).update(
        inmates_reset=F("inmates_reset") + by_record(inmates),
        minutes_voided=F("minutes_voided") + by_record(voided),
        minutes_granted=F("minutes_granted") + by_record(granted),
        heartbeat_at=timezone.now(),
    )


def _finish(reset_ids: list[int], *, started: float) -> None:
    """Every record of the finished group DONE, with its audit event (a record finished meanwhile by another run
    is left as it is)."""
    with transaction.atomic():
        records = list(
            MonthlyReset.objects.select_for_update(of=("self",)).select_related("facility")
            .filter(pk__in=reset_ids).order_by("pk")
        )
        finished = []
        for reset in records:
            if reset.status == MonthlyReset.Status.DONE:
                RESET_RUNS.labels(facility=reset.facility.code, outcome="already_done").inc()
                continue
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
            finished.append(reset)
    for reset in finished:
        RESET_RUNS.labels(facility=reset.facility.code, outcome="done").inc()
        RESET_SECONDS.labels(facility=reset.facility.code).observe(reset.duration_ms / 1000)
