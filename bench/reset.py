"""Benchmark of the monthly reset: 1,000,000 inmates in 100 facilities (``--scale`` multiplies).

Builds the volume with generate_series into a separate PostgreSQL database (portal_bench_reset),
and measures, each for its own period from the same starting balances:

1. the floor: the reset's writes as hand-written SQL in one transaction (the void and grant entries by one
   INSERT ... SELECT, the balances by one UPDATE, the ledger's foreign keys checked);
2. the real reset as the workers would run it: the dispatcher's groups (``calls.reset._reset_groups``: the
   facilities of one reset moment, at most ``CALLS_RESET_GROUP_INMATES`` inmates each), every group's
   ``reset_group_run`` one after the other in this process;
3. the same groups shared by ``--workers`` processes (two workers on one machine taking the next group as
   they finish one, as from the broker's queue);

and prints the wall times, the ratios reset / floor and two workers / one, the WAL each wrote, and the time
of the floor's statements and of the one-worker reset's statements (its commits, where the deferred
foreign-key checks run, are the remainder). Figures and their reading: docs/performance.md.

    .venv/bin/python bench/reset.py            # full volume
    BENCH_RESET_DB=portal_bench_reset_dev .venv/bin/python bench/reset.py --scale 0.05   # develop beside it

Earlier figures on the 2-CPU build machine (full volume, fresh database each time), against a floor of one
UPDATE of the balances only:
before calls/migrations/0003 and the reworked chunk: reset 152 s, UPDATE 6.3 s (24x);
after: reset 71 s, UPDATE 4.0 s (18x; the UPDATE got faster too: no index on the balance's period,
and room on each page for heap-only updates). About half of what remains is the foreign-key checks
of the 1.8 million new ledger entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._db import database_url, prepare_database  # noqa: E402

DB = os.environ.get("BENCH_RESET_DB", "portal_bench_reset")  # another name to develop beside the full volume


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the 1,000,000 inmates")
    parser.add_argument("--facilities", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it already holds the volume")
    parser.add_argument("--workers", type=int, default=2, help="processes sharing the facilities in the last run")
    args = parser.parse_args()
    inmates = max(args.facilities, int(1_000_000 * args.scale))

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    prepare_database(DB, keep=args.keep)
    from django.db import connection


    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM facilities_inmate")
        have = cur.fetchone()[0]
        cur.execute("SELECT EXISTS (SELECT 1 FROM calls_ledgerentry WHERE period >= '2026-04-01')")
        measured = cur.fetchone()[0]
    t0 = time.monotonic()
    if have != inmates or measured:  # the ledger is append-only: a measured volume is built again, never emptied
        if have:
            connection.close()
            prepare_database(DB, keep=False)
        print(f"building {inmates:,} inmates in {args.facilities} facilities ...", flush=True)
        _build(connection, inmates=inmates, facilities=args.facilities)
        print(f"  built in {time.monotonic() - t0:.1f} s", flush=True)
    subprocess.run(["psql", database_url(DB), "-qc", "VACUUM ANALYZE"], check=True)

    from facilities.models import Facility

    facilities = list(Facility.objects.order_by("id"))

    def wal_lsn():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            high, low = cur.fetchone()[0].split("/")
            return (int(high, 16) << 32) + int(low, 16)

    # Three periods, one per measurement, each from the same starting balances (set untimed before it): the
    # floor first, so that the reset runs after it face a ledger (and its indexes) larger, never smaller.
    floor_period, one_period, two_period = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)
    indexed_period = dt.date(2026, 2, 1)  # the build's entries are March's

    # Each measurement runs in a process of its own with a new connection, as a worker's task would (the floor
    # too): a backend that has just run another measurement's million-row transaction is not a fresh one.
    # The floor twice: first with its commit's foreign-key checks planned as the reset's chunks plan theirs (index
    # look-ups, ``calls.reset._PLAN_RESET``), then as PostgreSQL plans them by itself (the floor).
    _restore_balances(connection, before=indexed_period)
    indexed_s, (_, indexed_parts) = _in_a_new_process(_floor_alone, (indexed_period, True))
    _restore_balances(connection, before=floor_period)
    wal0 = wal_lsn()
    floor_s, (floor_entries, floor_parts) = _in_a_new_process(_floor_alone, (floor_period, False))
    floor_wal = wal_lsn() - wal0

    _restore_balances(connection, before=one_period)
    groups = _reset_groups(facilities, one_period)
    wal0 = wal_lsn()
    reset_s, (total, spent) = _in_a_new_process(_one_worker, groups)
    reset_wal = wal_lsn() - wal0
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM calls_ledgerentry WHERE period = %s", [one_period])
        entries = cur.fetchone()[0]

    _restore_balances(connection, before=two_period)
    two_groups = _reset_groups(facilities, two_period)
    connection.close()  # each worker process opens its own
    start = time.monotonic()
    with mp.get_context("fork").Pool(args.workers) as pool:
        totals = list(pool.imap_unordered(_run_group, two_groups, chunksize=1))
    two_s = time.monotonic() - start

    print(f"inmates: {inmates:,} in {len(facilities)} facilities; in custody and reset: {total:,}")
    print(f"ledger entries written: reset {entries:,}, floor {floor_entries:,} (void + grant + bonus)")
    print(f"floor: the same writes as hand-written SQL in one transaction "
          f"(INSERT ... SELECT of the entries, one UPDATE of the balances, foreign keys checked): {floor_s:8.2f} s")
    sizes = "/".join(str(len(group)) for group in groups)
    print(f"reset, one worker ({len(groups)} group runs of {sizes} facilities, chunked bulk SQL):{reset_s:10.2f} s")
    print(f"reset, {args.workers} workers sharing the groups:{two_s:26.2f} s ({sum(totals):,} inmates)")
    print(f"floor with the reset's plan for the foreign-key checks (index look-ups): {indexed_s:8.2f} s")
    print(f"ratio reset / floor: {reset_s / floor_s:.2f}x (to the floor with index look-ups: {reset_s / indexed_s:.2f}x);  "
          f"{args.workers} workers / one: {two_s / reset_s:.2f}x")
    print(f"WAL written: reset {reset_wal / 2**20:,.0f} MB, floor {floor_wal / 2**20:,.0f} MB")
    print("floor, by statement: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in floor_parts.items()))
    print("floor with index look-ups, by statement: "
          + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in indexed_parts.items()))
    rest = reset_s - sum(spent.values())
    parts = [*sorted(spent.items(), key=lambda item: -item[1])[:6], ("commits (deferred foreign-key checks) and Python", rest)]
    print("reset, by statement: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts))


class _StatementClock:
    """An execute wrapper adding up the time of each kind of statement (its first words) of the one-worker run."""

    def __init__(self, spent: dict[str, float]):
        self.spent = spent

    def __call__(self, execute, sql, params, many, context):
        name = " ".join(sql.split()[:3])[:40]
        start = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + time.monotonic() - start


def _in_a_new_process(function, argument):
    """(wall seconds, result) of ``function(argument)`` run in a forked process with its own connection."""
    from django.db import connection

    connection.close()
    with mp.get_context("fork").Pool(1) as pool:
        return pool.apply(_timed, (function, argument))


def _timed(function, argument):
    start = time.monotonic()
    result = function(argument)
    return time.monotonic() - start, result


def _floor_alone(argument: tuple[dt.date, bool]):
    from django.db import connection

    from facilities.models import Facility

    period, index_checks = argument
    return _floor(connection, facilities=list(Facility.objects.order_by("id")), period=period,
                  index_checks=index_checks)


def _one_worker(groups: list[list[int]]) -> tuple[int, dict[str, float]]:
    """Every group's run one after the other, as one worker takes them; the time of each kind of statement."""
    from django.db import connection

    spent: dict[str, float] = {}
    with connection.execute_wrapper(_StatementClock(spent)):
        return sum(_run_group(group) for group in groups), spent


def _restore_balances(connection, *, before: dt.date) -> None:
    """Every balance back to its built state (a varied number of unused minutes, last reset a month before
    ``before``), untimed, then vacuumed so each measurement starts from tidy pages. The roster is frozen too:
    each measurement's foreign-key checks lock every inmate in custody (``FOR KEY SHARE``), and without this the
    measurement after another would find each inmate row still marked with the earlier one's lock, and pay for
    looking that locker up and writing its own over it, where the first found none."""
    previous = (before - dt.timedelta(days=1)).replace(day=1)
    with connection.cursor() as cur:
        cur.execute("UPDATE calls_minutebalance SET minutes = mod(inmate_id, 300), period = %s", [previous])
    if not connection.get_autocommit():
        connection.commit()
    subprocess.run(["psql", database_url(DB), "-qc", "VACUUM (FREEZE, ANALYZE) calls_minutebalance",
                    "-c", "VACUUM (FREEZE, ANALYZE) facilities_inmate"], check=True)


def _reset_records(facilities, period: dt.date) -> list[int]:
    from calls.models import MonthlyReset
    from facilities.periods import reset_moment

    return [
        MonthlyReset.objects.get_or_create(
            facility=f, period=period, defaults={"reset_at": reset_moment(period=period, tz=f.timezone)}
        )[0].pk
        for f in facilities
    ]


def _reset_groups(facilities, period: dt.date) -> list[list[int]]:
    """The period's reset rows, grouped as the dispatcher groups them (one run each)."""
    from calls import reset as reset_mod
    from calls.models import MonthlyReset

    ids = _reset_records(facilities, period)
    return reset_mod._reset_groups(MonthlyReset.objects.filter(pk__in=ids))


def _run_group(reset_ids: list[int]) -> int:
    """One group's run (in a worker process of its own, as a Celery worker would be, or in this one)."""
    from calls import reset as reset_mod

    return sum(record.inmates_reset for record in reset_mod.reset_group_run(reset_ids=reset_ids))


def _floor(connection, *, facilities, period: dt.date, index_checks: bool = False) -> tuple[int, dict[str, float]]:
    """The reset's writes for ``period`` as hand-written SQL in one transaction: a reset row per facility, every
    in-custody inmate's void (when minutes remain) and grant entries by INSERT ... SELECT (foreign keys to inmate,
    facility and reset checked at commit as for the reset), the balances set by one UPDATE. ``index_checks``: the
    commit's checks planned as the reset plans its chunks' (``enable_seqscan`` off)."""
    from calls import reset as reset_mod

    start = time.monotonic()
    _reset_records(facilities, period)
    parts = {"the reset rows": time.monotonic() - start}
    with connection.cursor() as cur:
        cur.execute("BEGIN")
        start = time.monotonic()
        cur.execute(
            "INSERT INTO calls_ledgerentry (inmate_id, facility_id, kind, minutes, balance_after, period, reset_id, "
            "created_at, actor_label, reason, call_id, actor_id) "
            "SELECT b.inmate_id, i.facility_id, k.kind, CASE k.n WHEN 0 THEN -b.minutes ELSE 300 END, "
            "CASE k.n WHEN 0 THEN 0 ELSE 300 END, %(period)s, r.id, now(), 'floor', "
            "CASE k.n WHEN 0 THEN %(reason)s ELSE '' END, NULL, NULL "
            "FROM calls_minutebalance b JOIN facilities_inmate i ON i.id = b.inmate_id "
            "JOIN calls_monthlyreset r ON r.facility_id = i.facility_id AND r.period = %(period)s "
            "CROSS JOIN (SELECT 0 AS n, 'void' AS kind UNION ALL SELECT 1, 'monthly_grant') k "
            "WHERE i.status = 'in_custody' AND b.period < %(period)s AND (k.n <> 0 OR b.minutes <> 0) "
            "ORDER BY b.inmate_id, k.n",
            {"period": period, "reason": reset_mod._VOID_REASON},
        )
        written = cur.rowcount
        parts["INSERT ... SELECT of the entries"], start = time.monotonic() - start, time.monotonic()
        cur.execute(
            "UPDATE calls_minutebalance b SET minutes = 300, period = %(period)s, updated_at = now() "
            "FROM facilities_inmate i WHERE i.id = b.inmate_id AND i.status = 'in_custody' AND b.period < %(period)s",
            {"period": period},
        )
        parts["UPDATE of the balances"], start = time.monotonic() - start, time.monotonic()
        if index_checks:
            cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("COMMIT")
        parts["COMMIT (deferred foreign-key checks)"] = time.monotonic() - start
    return written, parts


def _build(connection, *, inmates: int, facilities: int) -> None:
    """The volume, in a database just created and migrated (so empty)."""
    zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
             "Pacific/Honolulu", "America/Anchorage"]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO facilities_facility (code, name, kind, timezone, active, created_at) "
            "SELECT 'bench-' || g, 'Bench facility ' || g, 'state', (%s::text[])[1 + g %% %s], true, now() "
            "FROM generate_series(1, %s) g",
            [zones, len(zones), facilities],
        )
        cur.execute(
            "INSERT INTO facilities_callingpolicy (facility_id, monthly_minutes, bonus_jan, bonus_feb, bonus_mar, "
            "bonus_apr, bonus_may, bonus_jun, bonus_jul, bonus_aug, bonus_sep, bonus_oct, bonus_nov, bonus_dec, "
            "per_call_minutes, call_gap_minutes, reset_day, calling_hours_start, calling_hours_end, list_mode, "
            "screen_codefendants, list_size, legal_counted_separately, list_change_interval_days, "
            "review_target_days, emergency_escalation_hours, staff_two_factor, updated_at) "
            "SELECT id, 300, 0,0,0,0,0,0,0,0,0,0,100,100, 15, 60, 1, '00:00', '23:59', 'self_managed', false, 30, "
            "true, 0, 7, 2, false, now() FROM facilities_facility"
        )
        # Inmates spread over the facilities; one in twelve released (not reset).
        cur.execute(
            "INSERT INTO facilities_inmate (facility_id, register_number, first_name, last_name, date_of_birth, "
            "housing_unit, status, admitted_on, released_on, created_at, updated_at) "
            "SELECT f.id, lpad(g::text, 8, '0') || '-B', 'First' || g, 'Last' || g, date '1980-01-01' + (g %% 9000), "
            "'A-' || (g %% 20), CASE WHEN g %% 12 = 0 THEN 'released' ELSE 'in_custody' END, date '2024-01-01', "
            "CASE WHEN g %% 12 = 0 THEN date '2025-01-01' ELSE NULL END, now(), now() "
            "FROM generate_series(1, %s) g JOIN facilities_facility f ON f.code = 'bench-' || (1 + g %% %s)",
            [inmates, facilities],
        )
        cur.execute(
            "INSERT INTO calls_minutebalance (inmate_id, minutes, period, last_call_started_at, open_call_id, updated_at) "
            "SELECT id, mod(id, 300), date '2026-03-01', NULL, NULL, now() FROM facilities_inmate"
        )
        # A ledger that matches: last month's grant and the calls since, as one charge entry.
        cur.execute(
            "INSERT INTO calls_ledgerentry (inmate_id, facility_id, kind, minutes, balance_after, period, created_at, "
            "actor_label, reason) SELECT b.inmate_id, i.facility_id, 'monthly_grant', 300, 300, date '2026-03-01', "
            "now(), 'bench', '' FROM calls_minutebalance b JOIN facilities_inmate i ON i.id = b.inmate_id"
        )
    connection.commit() if not connection.get_autocommit() else None


if __name__ == "__main__":
    main()
