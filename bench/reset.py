"""Benchmark of the monthly reset: 1,000,000 inmates in 100 facilities (``--scale`` multiplies).

Builds the volume with generate_series into a separate PostgreSQL database (portal_bench_reset),
runs the real reset (``calls.reset.facility_reset_run`` for every facility, as the Celery tasks
would, one after the other in this process), then one hand-written UPDATE touching the same balance
rows, and prints both wall times and their ratio.

    .venv/bin/python bench/reset.py            # full volume
    .venv/bin/python bench/reset.py --scale 0.01

Figures on the 2-CPU build machine (full volume, fresh database each time):
before calls/migrations/0003 and the reworked chunk: reset 152 s, UPDATE 6.3 s (24x);
after: reset 71 s, UPDATE 4.0 s (18x; the UPDATE got faster too: no index on the balance's period,
and room on each page for heap-only updates). About half of what remains is the foreign-key checks
of the 1.8 million new ledger entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._db import database_url, prepare_database  # noqa: E402

DB = "portal_bench_reset"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the 1,000,000 inmates")
    parser.add_argument("--facilities", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it already holds the volume")
    args = parser.parse_args()
    inmates = max(args.facilities, int(1_000_000 * args.scale))

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    prepare_database(DB, keep=args.keep)
    from django.db import connection

    from calls import reset as reset_mod
    from calls.models import MonthlyReset

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM facilities_inmate")
        have = cur.fetchone()[0]
    t0 = time.monotonic()
    if have != inmates:
        print(f"building {inmates:,} inmates in {args.facilities} facilities ...", flush=True)
        _build(connection, inmates=inmates, facilities=args.facilities)
        print(f"  built in {time.monotonic() - t0:.1f} s", flush=True)
    subprocess.run(["psql", database_url(DB), "-qc", "VACUUM ANALYZE"], check=True)

    # The period being reset: 2026-04-01 for every facility (they were last reset on 2026-03-01).
    period = dt.date(2026, 4, 1)
    with connection.cursor() as cur:  # a rerun (--keep): forget the previous run's reset
        cur.execute("DELETE FROM calls_ledgerentry WHERE reset_id IS NOT NULL")
    from facilities.models import Facility
    from facilities.periods import reset_moment

    facilities = list(Facility.objects.order_by("id"))
    # The reset rows are kept between reruns and set back to "queued" (nothing searches the ledger by reset,
    # so deleting them would scan the ledger once per row for the foreign key).
    records = [
        MonthlyReset.objects.get_or_create(
            facility=f, period=period, defaults={"reset_at": reset_moment(period=period, tz=f.timezone)}
        )[0]
        for f in facilities
    ]
    MonthlyReset.objects.filter(pk__in=[r.pk for r in records]).update(
        status=MonthlyReset.Status.PENDING, runs=0, inmates_reset=0, minutes_voided=0, minutes_granted=0,
        started_at=None, finished_at=None, duration_ms=None,
    )
    with connection.cursor() as cur:
        cur.execute("UPDATE calls_minutebalance SET period = '2026-03-01'")
    subprocess.run(["psql", database_url(DB), "-qc", "VACUUM ANALYZE calls_minutebalance"], check=True)

    def wal_lsn():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            high, low = cur.fetchone()[0].split("/")
            return (int(high, 16) << 32) + int(low, 16)

    wal0 = wal_lsn()
    start = time.monotonic()
    total = 0
    for record in records:
        total += reset_mod.facility_reset_run(reset_id=record.pk).inmates_reset
    reset_s = time.monotonic() - start
    reset_wal = wal_lsn() - wal0

    # The floor: one hand-written UPDATE of the same rows (every in-custody inmate's balance).
    with connection.cursor() as cur:
        start = time.monotonic()
        cur.execute(
            "UPDATE calls_minutebalance b SET minutes = 300, period = '2026-05-01' FROM facilities_inmate i "
            "WHERE i.id = b.inmate_id AND i.status = 'in_custody'"
        )
        touched = cur.rowcount
        connection.commit() if not connection.get_autocommit() else None
        update_s = time.monotonic() - start
    update_wal = wal_lsn() - wal0 - reset_wal
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM calls_ledgerentry WHERE period = %s", [period])
        entries = cur.fetchone()[0]
    print(f"inmates: {inmates:,} in {len(facilities)} facilities; in custody and reset: {total:,}")
    print(f"ledger entries written by the reset: {entries:,} (void + grant + bonus)")
    print(f"reset (100 facility tasks, chunked bulk SQL): {reset_s:8.2f} s")
    print(f"one hand-written UPDATE of the same {touched:,} rows: {update_s:8.2f} s")
    print(f"ratio reset / UPDATE: {reset_s / update_s:.1f}x")
    print(f"WAL written: reset {reset_wal / 2**20:,.0f} MB, UPDATE {update_wal / 2**20:,.0f} MB")


def _build(connection, *, inmates: int, facilities: int) -> None:
    zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
             "Pacific/Honolulu", "America/Anchorage"]
    with connection.cursor() as cur:
        cur.execute("TRUNCATE calls_ledgerentry, calls_monthlyreset, calls_call, calls_minutebalance, "
                    "facilities_custodyevent, facilities_inmate, facilities_callingpolicy, facilities_facility CASCADE")
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
            "review_target_days, emergency_escalation_hours, updated_at) "
            "SELECT id, 300, 0,0,0,0,0,0,0,0,0,0,100,100, 15, 60, 1, '00:00', '23:59', 'self_managed', false, 30, "
            "true, 0, 7, 2, now() FROM facilities_facility"
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
