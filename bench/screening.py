"""Benchmark of phone-list screening (issue 3), on PostgreSQL. Not a test.

Volumes (at --scale 1): 200,000 inmates, 3,000,000 list entries, 500,000 case parties, 50,000
no-contact orders; 100,000 entries pending at one facility. Built with bulk SQL (generate_series)
into a separate database, portal_bench_screening. Prints:
- median and 99th-percentile time to screen one number, over 10,000 numbers (and its query count), against
  issue 13's goal (p99 <= 5 ms, <= 3 queries); with --only explain, the screening statement's plan;
- the time to re-screen after a no-contact order is added (order_create + the re-screen task);
- the time to block a number carried by 5,000 live entries (block_create + the re-screen task, which
  suspends them all) and to lift that block again (they return to the queue);
- the review queue page's time and query count with 100,000 entries pending.

    .venv/bin/python bench/screening.py            # full volumes
    .venv/bin/python bench/screening.py --scale 0.05
    .venv/bin/python bench/screening.py --reuse --only queue,bulk   # reuse the built database (migrated first)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_SCREENING_DB", "portal_bench_screening")  # another name: a second volume
BASE_URL = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


NUMBER_SPACE = 8_000_000


def num_sql(expr: str) -> str:
    """SQL for the E.164 number of index ``expr`` (0 ≤ expr < 8,000,000): +1 312 NXX XXXX."""
    return (f"('+1312' || (200 + (({expr}) / 10000) % 800)::text || "
            f"lpad((({expr}) % 10000)::text, 4, '0'))")


def num_py(i: int) -> str:
    i %= NUMBER_SPACE
    return f"+1312{200 + (i // 10000) % 800}{i % 10000:04d}"


def build(scale: float) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from facilities.models import Facility, Role
    from facilities.services import facility_create, role_assign

    n_inmates = max(2000, int(200_000 * scale))
    n_facilities = 20
    per_inmate = 15  # 3,000,000 entries at scale 1
    n_parties = max(5000, int(500_000 * scale))
    n_cases = n_parties // 5
    n_orders = max(500, int(50_000 * scale))
    n_blocks = max(100, int(5_000 * scale))

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    for i in range(n_facilities):
        facility_create(code=f"bench-{i:02d}", name=f"Bench facility {i}", kind="state", timezone="America/Chicago",
                        list_mode="staff_review", screen_codefendants=True, list_size=25)
    fac_ids = list(Facility.objects.order_by("code").values_list("pk", flat=True))
    fac_array = "ARRAY[" + ",".join(map(str, fac_ids)) + "]::bigint[]"
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench-staff", password="bench-password-123")
    role_assign(user=user, role=Role.STAFF, facility=Facility.objects.get(pk=fac_ids[0]))

    with connection.cursor() as cur:
        print(f"  inmates: {n_inmates:,}", flush=True)
        cur.execute(f"""
            INSERT INTO facilities_inmate (id, facility_id, register_number, first_name, last_name, date_of_birth,
                housing_unit, status, admitted_on, created_at, updated_at)
            SELECT g, ({fac_array})[1 + g % {n_facilities}], lpad(g::text, 8, '0'), 'First' || (g % 97),
                   'Last' || (g % 1013), DATE '1970-01-01' + (g % 12000), 'U-' || (g % 40), 'in_custody',
                   DATE '2023-01-01' + (g % 600), now(), now()
            FROM generate_series(1, {n_inmates}) g""")
        cur.execute("SELECT setval(pg_get_serial_sequence('facilities_inmate', 'id'), %s)", [n_inmates])

        n_entries = n_inmates * per_inmate
        print(f"  phone-list entries: {n_entries:,}", flush=True)
        pending = f"(i % {n_facilities} = 0 AND k < 10)"
        cur.execute(f"""
            INSERT INTO approvals_phonelistentry (inmate_id, facility_id, number, contact_name, relationship, legal,
                bar_number, bar_state, source, requested_by, status, has_block, has_review, created_at,
                status_changed_at, went_live_at, decision_reason, decision_note)
            SELECT i, ({fac_array})[1 + i % {n_facilities}], {num_sql(f"(i * 31 + k * 1000003) % {NUMBER_SPACE}")},
                   'Contact ' || g, 'friend', false, '', '', 'kiosk', 'bench',
                   CASE WHEN {pending} THEN 'pending' ELSE 'live' END,
                   false, {pending} AND g % 5 = 0,
                   now() - ((g % 30) || ' days')::interval - ((g % 1440) || ' minutes')::interval,
                   now() - ((g % 30) || ' days')::interval,
                   CASE WHEN {pending} THEN NULL ELSE now() - interval '400 days' END, '', ''
            FROM (SELECT g, 1 + (g - 1) % {n_inmates} AS i, (g - 1) / {n_inmates} AS k
                  FROM generate_series(1, {n_entries}) g) s""")
        cur.execute("""
            INSERT INTO approvals_entryfinding (entry_id, kind, severity, reference, message, found_at)
            SELECT id, 'co_defendant', 'review', 'case BENCH-' || (id % 1000), 'Belongs to a co-defendant.', now()
            FROM approvals_phonelistentry WHERE has_review""")

        print(f"  court cases: {n_cases:,}, parties: {n_parties:,}", flush=True)
        cur.execute(f"""
            INSERT INTO approvals_courtcase (id, facility_id, case_number, court, description, created_at)
            SELECT g, ({fac_array})[1 + g % {n_facilities}], 'CR-' || g, 'District Court', '', now()
            FROM generate_series(1, {n_cases}) g""")
        cur.execute("SELECT setval(pg_get_serial_sequence('approvals_courtcase', 'id'), %s)", [n_cases])
        cur.execute(f"""
            INSERT INTO approvals_caseparty (id, case_id, role, name, inmate_id, created_at, removed_reason)
            SELECT g, 1 + (g - 1) % {n_cases},
                   CASE WHEN (g - 1) / {n_cases} < 2 THEN 'defendant'
                        WHEN (g - 1) / {n_cases} = 2 THEN 'victim' ELSE 'witness' END,
                   'Party ' || g,
                   CASE WHEN (g - 1) / {n_cases} < 2 THEN 1 + (g * 7) % {n_inmates} END, now(), ''
            FROM generate_series(1, {n_parties}) g""")
        cur.execute("SELECT setval(pg_get_serial_sequence('approvals_caseparty', 'id'), %s)", [n_parties])
        cur.execute(f"""
            INSERT INTO approvals_partynumber (party_id, number)
            SELECT g, {num_sql(f"(g * 13 + 5000000) % {NUMBER_SPACE}")} FROM generate_series(1, {n_parties}) g""")

        print(f"  no-contact orders: {n_orders:,}; blocks: {n_blocks:,}", flush=True)
        cur.execute(f"""
            INSERT INTO approvals_nocontactorder (id, facility_id, inmate_id, protected_name, court, order_number,
                starts_on, ends_on, document_reference, created_at, end_reason)
            SELECT g, ({fac_array})[1 + (1 + (g * 17) % {n_inmates}) % {n_facilities}], 1 + (g * 17) % {n_inmates},
                   'Protected ' || g, 'Superior Court', 'NCO-' || g, CURRENT_DATE - 30,
                   CASE WHEN g % 4 = 0 THEN CURRENT_DATE - 1 END, 'Docket', now(), ''
            FROM generate_series(1, {n_orders}) g""")
        cur.execute("SELECT setval(pg_get_serial_sequence('approvals_nocontactorder', 'id'), %s)", [n_orders])
        cur.execute(f"""
            INSERT INTO approvals_protectednumber (order_id, number)
            SELECT g, {num_sql(f"(g * 29) % {NUMBER_SPACE}")} FROM generate_series(1, {n_orders}) g""")
        cur.execute(f"""
            INSERT INTO approvals_blockednumber (number, facility_id, system_wide, reason, note, starts_at,
                created_at, end_note, end_paperwork, end_called_party_asked, identity_check, inmate_told, source)
            SELECT {num_sql(f"(g * 37) % {NUMBER_SPACE}")}, ({fac_array})[1 + g % {n_facilities}], g % 50 = 0,
                   'investigation', 'Bench block', now() - interval '1 day', now(), '', '', false, '', false, ''
            FROM generate_series(1, {n_blocks}) g""")
    vacuum()
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    return {"n_inmates": n_inmates, "n_entries": n_inmates * per_inmate, "n_parties": n_parties,
            "n_orders": n_orders, "n_cases": n_cases, "fac_ids": fac_ids, "user": user,
            "n_facilities": n_facilities}


def vacuum() -> None:
    """What autovacuum would have done by now on a production server (the visibility map, statistics)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


GOAL_P99_MS, GOAL_QUERIES = 5.0, 3  # issue 13: screening one number at full volume


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench_screening(info: dict, samples: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.screening import screen_number
    from core.numbers import NumberNotCallable, normalize_number
    from facilities.models import Inmate

    rng = random.Random(3)
    n = info["n_inmates"]
    inmate_ids = [rng.randint(1, n) for _ in range(samples)]
    inmates = Inmate.objects.in_bulk(inmate_ids)
    numbers = []
    for i in range(samples):
        pick = i % 4
        if pick == 0:  # a number on other inmates' lists
            j = rng.randint(1, n)
            numbers.append(num_py(j * 31 + rng.randint(0, 14) * 1000003))
        elif pick == 1:  # a case party's number
            numbers.append(num_py(rng.randint(1, info["n_parties"]) * 13 + 5000000))
        elif pick == 2:  # a protected number
            numbers.append(num_py(rng.randint(1, info["n_orders"]) * 29))
        else:
            numbers.append(num_py(rng.randrange(NUMBER_SPACE)))
    times, hits, skipped = [], 0, 0
    queries = None
    for inmate_id, number in zip(inmate_ids, numbers, strict=True):
        try:
            normalize_number(number)
        except NumberNotCallable:
            skipped += 1
            continue
        inmate = inmates[inmate_id]
        if queries is None:
            with CaptureQueriesContext(connection) as ctx:
                screen_number(inmate=inmate, number=number)
            queries = len(ctx.captured_queries)
        t = time.perf_counter()
        findings = screen_number(inmate=inmate, number=number)
        times.append(time.perf_counter() - t)
        hits += bool(findings)
    p99 = pct(times, 99) * 1000
    print(f"screen_number over {len(times):,} numbers ({hits:,} with findings, {skipped} invalid skipped): "
          f"median {statistics.median(times) * 1000:.2f} ms, p99 {p99:.2f} ms, "
          f"max {max(times) * 1000:.1f} ms; {queries} queries per screening")
    met = p99 <= GOAL_P99_MS and queries <= GOAL_QUERIES
    print(f"goal (issue 13): p99 <= {GOAL_P99_MS:g} ms and <= {GOAL_QUERIES} queries per screening: "
          f"p99 {p99:.2f} ms, {queries} queries: {'met' if met else 'NOT MET'}")


def bench_explain(info: dict) -> None:
    """EXPLAIN ANALYZE of the screening statement on one list request with findings, and any sequential scan
    in it: every branch should be index look-ups whatever the volume."""
    from django.db import connection
    from django.utils import timezone

    from approvals.models import ProtectedNumber
    from approvals.screening.engine import Subject, parameters, statement
    from facilities.models import Inmate
    from facilities.times import local_day

    protected = ProtectedNumber.objects.select_related("order").order_by("pk")[7]
    inmate = Inmate.objects.select_related("facility").get(pk=protected.order.inmate_id)
    subject = Subject(key=0, inmate_id=inmate.pk, facility_id=inmate.facility_id, number=protected.number,
                      purpose="list")
    now = timezone.now()
    sql, _fixed = statement(connection)
    params = parameters([subject], days={inmate.facility_id: local_day(inmate.facility, now)}, now=now)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cur.fetchall()]
    print("\n".join(plan))
    seq = [line.strip() for line in plan if "Seq Scan" in line]
    print(f"sequential scans in the screening statement: {seq or 'none'}")


def bench_rescreen(info: dict) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from approvals import services
    from approvals.models import PhoneListEntry
    from facilities.models import Inmate

    for attempt, inmate_id in enumerate((12345 % info["n_inmates"] + 1, 777 % info["n_inmates"] + 1)):
        inmate = Inmate.objects.select_related("facility").get(pk=inmate_id)
        listed = list(PhoneListEntry.objects.filter(inmate=inmate, status="live").values_list("number", flat=True)[:2])
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            with transaction.atomic():
                services.order_create(
                    facility=inmate.facility, inmate=inmate, protected_name="Bench person", numbers=listed,
                    court="Bench Court", order_number=f"BENCH-{attempt}", starts_on=timezone.localdate(),
                    document_reference="Bench", actor="bench",
                )
            # CELERY_TASK_ALWAYS_EAGER: the re-screen task ran on commit, inside this timing.
        elapsed = time.perf_counter() - t
        suspended = PhoneListEntry.objects.filter(inmate=inmate, number__in=listed, status="suspended").count()
        print(f"order added + re-screen of its entries: {elapsed * 1000:.1f} ms, {len(ctx.captured_queries)} "
              f"queries ({suspended} of {len(listed)} live entries suspended)")

    # A system-wide block on a number many inmates share.
    from django.db.models import Count

    row = (PhoneListEntry.objects.filter(status="live", facility_id=info["fac_ids"][0]).values("number").annotate(c=Count("id"))
           .order_by("-c").first())
    from facilities.models import Facility

    facility = Facility.objects.get(pk=info["fac_ids"][0])
    t = time.perf_counter()
    with transaction.atomic():
        block = services.block_create(facility=facility, number=row["number"], reason="investigation",
                                      note="Bench block", actor="bench")
    elapsed = time.perf_counter() - t
    suspended = PhoneListEntry.objects.filter(number=row["number"], facility=facility, status="suspended").count()
    print(f"facility block added + re-screen ({row['c']} entries carry the number, {suspended} at the facility "
          f"suspended): {elapsed * 1000:.1f} ms")
    del block


class QueryCounter:
    """Counts SQL statements (no cap, unlike CaptureQueriesContext's 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def bench_bulk(info: dict, carried_by: int = 5000) -> None:
    """A facility block on a number carried by ``carried_by`` live entries, then lifting it."""
    from django.db import connection, transaction

    from approvals import services
    from approvals.models import BlockedNumber, EntryTransition, PhoneListEntry
    from audit.models import AuditEvent
    from facilities.models import Facility

    facility = Facility.objects.get(pk=info["fac_ids"][1])
    n_fac = len(info["fac_ids"])
    carried_by = min(carried_by, info["n_inmates"] // n_fac)
    # A number outside the built number space (+1 773 …), new on every run so that --reuse can repeat it.
    run = BlockedNumber.objects.filter(number__startswith="+1773").count()
    number = f"+1773{200 + run // 10000 % 800}{run % 10000:04d}"
    with connection.cursor() as cur:  # live entries of `carried_by` inmates of that facility
        cur.execute("""
            INSERT INTO approvals_phonelistentry (inmate_id, facility_id, number, contact_name, relationship, legal,
                bar_number, bar_state, source, requested_by, status, has_block, has_review, created_at,
                status_changed_at, went_live_at, decision_reason, decision_note)
            SELECT i.id, i.facility_id, %s, 'Shared contact', 'friend', false, '', '', 'kiosk', 'bench', 'live',
                   false, false, now() - interval '100 days', now() - interval '100 days',
                   now() - interval '100 days', '', ''
            FROM facilities_inmate i WHERE i.facility_id = %s ORDER BY i.id LIMIT %s""",
                    [number, facility.pk, carried_by])
        cur.execute("ANALYZE approvals_phonelistentry")
    entries = PhoneListEntry.objects.filter(number=number)
    transitions_before = EntryTransition.objects.count()
    audits_before = AuditEvent.objects.count()
    t = time.perf_counter()
    with connection.execute_wrapper(ctx := QueryCounter()):
        with transaction.atomic():
            block = services.block_create(facility=facility, number=number, reason="investigation",
                                          note="Bench block on a shared number", actor="bench")
    elapsed = time.perf_counter() - t
    suspended = entries.filter(status="suspended").count()
    print(f"block on a number carried by {carried_by:,} live entries + re-screen: {elapsed * 1000:,.0f} ms, "
          f"{ctx.count:,} queries ({suspended:,} suspended; "
          f"{EntryTransition.objects.count() - transitions_before:,} transitions, "
          f"{AuditEvent.objects.count() - audits_before:,} audit records)", flush=True)
    t = time.perf_counter()
    with connection.execute_wrapper(ctx := QueryCounter()):
        with transaction.atomic():
            services.block_end(block=block, actor="bench", note="Bench: lifted")
    elapsed = time.perf_counter() - t
    pending = entries.filter(status="pending").count()
    print(f"that block lifted + re-screen: {elapsed * 1000:,.0f} ms, {ctx.count:,} queries "
          f"({pending:,} back in the queue)", flush=True)


def bench_queue(info: dict) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from approvals.models import PhoneListEntry
    from facilities.models import Facility

    facility = Facility.objects.get(pk=info["fac_ids"][0])
    pending = PhoneListEntry.objects.filter(facility=facility, status="pending").count()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(info["user"])
    base = f"/f/{facility.code}/phone-lists/queue/"
    for label, url in [("first page", base), ("page 1000", base + "?page=1000"),
                       ("co-defendant filter", base + "?finding=co_defendant"),
                       ("overdue filter", base + "?age=overdue")]:
        client.get(url)  # warm
        runs = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                runs.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        print(f"queue page ({label}) with {pending:,} pending: median {statistics.median(runs) * 1000:.0f} ms, "
              f"{len(ctx.captured_queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the volumes (e.g. 0.05 for a quick run)")
    parser.add_argument("--samples", type=int, default=10_000, help="numbers to screen")
    parser.add_argument("--reuse", action="store_true",
                        help="skip the build and reuse the existing database (migrated and vacuumed first)")
    parser.add_argument("--only", default="screening,rescreen,bulk,queue",
                        help="comma-separated parts to run: screening, rescreen, bulk, queue, explain (the "
                             "screening statement's plan)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if not args.reuse:
        _recreate_database()
    _setup_django()
    print(f"Building volumes at scale {args.scale} in {DB_NAME} …", flush=True)
    if args.reuse:
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        vacuum()

        from approvals.models import CaseParty, NoContactOrder, PhoneListEntry
        from facilities.models import Facility, Inmate

        info = {"n_inmates": Inmate.objects.count(), "n_parties": CaseParty.objects.count(),
                "n_orders": NoContactOrder.objects.count(), "n_entries": PhoneListEntry.objects.count(),
                "fac_ids": list(Facility.objects.order_by("code").values_list("pk", flat=True)),
                "user": get_user_model().objects.get(username="bench-staff")}
    else:
        info = build(args.scale)
    print(f"Volumes: {info['n_inmates']:,} inmates, {info['n_entries']:,} entries, {info['n_parties']:,} case "
          f"parties, {info['n_orders']:,} orders", flush=True)
    if "screening" in parts:
        bench_screening(info, args.samples)
    if "explain" in parts:
        bench_explain(info)
    if "rescreen" in parts:
        bench_rescreen(info)
    if "bulk" in parts:
        bench_bulk(info)
    if "queue" in parts:
        bench_queue(info)


if __name__ == "__main__":
    main()
