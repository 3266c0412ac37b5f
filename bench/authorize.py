"""Benchmark of POST /api/v1/calls/authorize served by gunicorn (``--scale`` multiplies the volume).

Volume (scale 1): 200,000 inmates in 20 facilities, 3,000,000 live phone-list entries (15 each),
5,000,000 past calls, built with generate_series into a separate database (portal_bench_authorize).
gunicorn (production settings, sync workers: one a CPU, ``--workers`` to change) listens on 127.0.0.1; a bounded
load generator on loopback (processes x threads, keep-alive connections, a fixed number of requests) measures
requests per second and median / 99th-percentile latency of the authorize endpoint and of a
trivial JSON endpoint (GET /api/v1/calls/ping, same authentication) on the same server, and the
queries per decision are counted with Django's query capture.

The load generator is Debian's ``wrk`` (bench/wrk_bodies.lua feeds the POST bodies) when it is installed
(``apt-get install wrk``): one thread of C takes far less CPU than the server, so the two endpoints are
compared on what the server can do. The two endpoints are measured in ``--rounds`` alternating rounds (ping, then
authorize, then ping again ...), so that a change in the shared machine's speed during the run falls on both; each
round's ratio is printed, and the ratio of the rounds together. So is the CPU each request cost the server
(gunicorn's workers), PostgreSQL (all its processes) and the generator, and the ratio of the two endpoints' CPU
(gunicorn and PostgreSQL), which the machine's other load disturbs less than requests per second.
``--split`` puts PostgreSQL on half the CPUs and gunicorn with the generator on the other half, as deployed (the
database on its own machine); without it the two share every CPU, as on a developer's machine.
``--generator python`` keeps the older Python generator (processes x threads, a fixed number of requests).

    .venv/bin/python bench/authorize.py
    .venv/bin/python bench/authorize.py --scale 0.05 --duration 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._db import database_url, prepare_database  # noqa: E402

DB = "portal_bench_authorize"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
AREAS = ["312", "213", "713", "212", "415", "617", "305", "404"]
ENTRIES_PER_INMATE = 15
WARM_BODIES = 10_000  # more than a 2-second warm-up sends


def number_for(n: int) -> str:
    """The n-th generated number (the same formula as the SQL below)."""
    return f"+1{AREAS[n % 8]}{200 + (n // 8) % 800}{(n // 6400) % 10000:04d}"


def _env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(DB),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
        "PORTAL_BASE_URL": "https://portal.example.org",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per endpoint")
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=8, help="connections per load generator process")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2),
                        help="gunicorn workers (default: one a CPU; the README's production command starts 2 x CPUs + "
                             "1, which here, with PostgreSQL on the same two CPUs, served the ping more slowly)")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it holds the volume")
    parser.add_argument("--generator", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint and round (wrk)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="wrk: rounds of ping then authorize, alternating, so that a change of the machine's "
                             "speed during the run falls on both endpoints")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (wrk)")
    parser.add_argument("--split", action="store_true",
                        help="PostgreSQL's processes on half the CPUs, gunicorn and the generator on the other half "
                             "(as deployed, the database on its own machine); the affinities are restored at the end. "
                             "Needs the right to set PostgreSQL's affinity (root, or the same user)")
    args = parser.parse_args()
    inmates = max(100, int(200_000 * args.scale))
    calls = int(5_000_000 * args.scale)
    facilities = 20

    os.environ.update(_env())
    prepare_database(DB, keep=args.keep)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM facilities_inmate")
        have = cur.fetchone()[0]
    if have != inmates:
        t0 = time.monotonic()
        print(f"building {inmates:,} inmates, {inmates * ENTRIES_PER_INMATE:,} live entries, {calls:,} past calls ...",
              flush=True)
        _build(connection, inmates=inmates, facilities=facilities, calls=calls)
        print(f"  built in {time.monotonic() - t0:.0f} s", flush=True)
    else:  # a new run: forget the calls of the previous run, keep the past ones
        _forget_decisions(connection, "UPDATE calls_minutebalance SET open_call_id = NULL, last_call_started_at = NULL, "
                                      "minutes = 300")
    token = _client(facilities)
    subprocess.run(["psql", database_url(DB), "-qc", "VACUUM ANALYZE"], check=True)

    queries = _queries_per_decision(token, inmates)
    split = _split_cpus() if args.split else None
    server = _gunicorn(args.workers)
    try:
        if args.generator == "wrk":
            targets = _targets(inmates, 200_000)
            rounds = []
            for number in range(args.rounds):
                # Each round's decisions start at their own place in the bodies: fresh inmates, as the platform's
                # calls are, not those the round before has just put on a call.
                start = number * len(targets) // args.rounds
                rounds.append((_wrk("GET", "/api/v1/calls/ping", [], token, args, server.pid),
                               _wrk("POST", "/api/v1/calls/authorize", targets, token, args, server.pid, start=start)))
            ping, auth = _together([r[0] for r in rounds]), _together([r[1] for r in rounds])
        else:
            targets = _targets(inmates, args.requests + 50)
            ping = _load("GET", "/api/v1/calls/ping", [None] * args.requests, [None] * 50, token, args)
            auth = _load("POST", "/api/v1/calls/authorize", targets[50:], targets[:50], token, args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if split is not None:
            split.restore()
    with connection.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM calls_call WHERE client_label <> 'bench' GROUP BY status")
        outcomes = dict(cur.fetchall())
    print(f"volume: {inmates:,} inmates in {facilities} facilities, {inmates * ENTRIES_PER_INMATE:,} live entries, "
          f"{calls:,} past calls")
    if args.generator == "wrk":
        load = (f"wrk, 1 thread, {args.connections} keep-alive connections, {args.rounds} rounds of {args.duration} s "
                "per endpoint, alternating")
    else:
        load = (f"Python, {args.procs} processes x {args.threads} keep-alive connections, {args.requests:,} requests "
                "per endpoint")
    cpus = f"{os.cpu_count()} CPUs shared" if split is None else split.describe()
    print(f"server: gunicorn, {args.workers} sync workers, 127.0.0.1; load: {load}; {cpus}")
    if args.generator == "wrk":
        for number, (p, a) in enumerate(rounds, 1):
            print(f"round {number}: ping {p['rps']:6.0f} req/s, authorize {a['rps']:6.0f} req/s, "
                  f"ratio {p['rps'] / a['rps']:.2f}x, CPU a request {_cpu_each(a) / _cpu_each(p):.2f}x")
    for label, result in (("trivial JSON (GET /calls/ping)", ping), ("authorize (POST /calls/authorize)", auth)):
        cpu = ""
        if "cpu_generator" in result:
            cpu = (f"   CPU ms a request: gunicorn {result['cpu_server'] * 1000 / result['requests']:.2f}, "
                   f"postgres {result['cpu_postgres'] * 1000 / result['requests']:.2f}, "
                   f"generator {result['cpu_generator'] * 1000 / result['requests']:.2f}")
        print(f"{label:36} {result['rps']:8.0f} req/s   median {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
              f"   errors {result['errors']}{cpu}")
    print(f"ratio trivial / authorize: {ping['rps'] / auth['rps']:.2f}x req/s, median latency "
          f"{auth['p50'] / ping['p50']:.1f}x")
    if args.generator == "wrk":
        ratios = sorted(p["rps"] / a["rps"] for p, a in rounds)
        cpu_ratios = sorted(_cpu_each(a) / _cpu_each(p) for p, a in rounds)
        print(f"ratio by round: {', '.join(f'{x:.2f}x' for x in ratios)} (median {statistics.median(ratios):.2f}x); "
              f"CPU a request (gunicorn and postgres): {_cpu_each(auth) / _cpu_each(ping):.2f}x, by round "
              f"{', '.join(f'{x:.2f}x' for x in cpu_ratios)} (median {statistics.median(cpu_ratios):.2f}x)")
    if args.generator == "wrk":
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('shared_buffers'), pg_size_pretty(pg_database_size(current_database()))")
            buffers, size = cur.fetchone()
        print(f"PostgreSQL: shared_buffers {buffers}, the database {size}; pages a request found in the buffers / read "
              f"from outside them (the OS's cache or the disk): ping {ping['pages_hit'] / ping['requests']:.1f} / "
              f"{ping['pages_read'] / ping['requests']:.2f}, authorize {auth['pages_hit'] / auth['requests']:.1f} / "
              f"{auth['pages_read'] / auth['requests']:.2f}")
    print(f"decisions recorded: {outcomes}")
    print(f"SQL statements per decision (allowed, regular call): {queries['allowed']} "
          f"(of which {queries['auth']} authenticate the token), denied: {queries['denied']}; plus BEGIN/COMMIT")


def _build(connection, *, inmates: int, facilities: int, calls: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute(
            "INSERT INTO facilities_facility (code, name, kind, timezone, active, created_at) "
            "SELECT 'bench-' || g, 'Bench facility ' || g, 'state', 'America/Chicago', true, now() "
            "FROM generate_series(1, %s) g", [facilities],
        )
        cur.execute(
            "INSERT INTO facilities_callingpolicy (facility_id, monthly_minutes, bonus_jan, bonus_feb, bonus_mar, "
            "bonus_apr, bonus_may, bonus_jun, bonus_jul, bonus_aug, bonus_sep, bonus_oct, bonus_nov, bonus_dec, "
            "per_call_minutes, call_gap_minutes, reset_day, calling_hours_start, calling_hours_end, list_mode, "
            "screen_codefendants, list_size, legal_counted_separately, list_change_interval_days, "
            "review_target_days, emergency_escalation_hours, staff_two_factor, updated_at) "
            "SELECT id, 300, 0,0,0,0,0,0,0,0,0,0,0,0, 15, 60, 1, '00:00', '23:59', 'self_managed', false, 30, "
            "true, 0, 7, 2, false, now() FROM facilities_facility"
        )
        cur.execute(
            "INSERT INTO facilities_inmate (id, facility_id, register_number, first_name, last_name, date_of_birth, "
            "housing_unit, status, admitted_on, released_on, created_at, updated_at) "
            "SELECT g, f.id, 'R' || g, 'First' || g, 'Last' || g, date '1980-01-01' + (g %% 9000), 'A-1', "
            "'in_custody', date '2024-01-01', NULL, now(), now() "
            "FROM generate_series(1, %s) g JOIN facilities_facility f ON f.code = 'bench-' || (1 + g %% %s)",
            [inmates, facilities],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('facilities_inmate', 'id'), %s)", [inmates])
        cur.execute(
            "INSERT INTO calls_minutebalance (inmate_id, minutes, period, updated_at) "
            "SELECT id, 300, date_trunc('month', now())::date, now() FROM facilities_inmate"
        )
        # 15 live entries per inmate; number n = inmate * 15 + k, the formula of number_for().
        cur.execute(
            "INSERT INTO approvals_phonelistentry (inmate_id, facility_id, number, contact_name, relationship, legal, "
            "bar_number, bar_state, source, requested_by, status, has_block, has_review, created_at, "
            "status_changed_at, went_live_at, decision_reason, decision_note) "
            "SELECT i.id, i.facility_id, "
            "'+1' || (%s::text[])[1 + (n %% 8)] || (200 + (n / 8) %% 800)::text || lpad(((n / 6400) %% 10000)::text, 4, '0'), "
            "'Contact ' || n, 'friend', false, '', '', 'staff', 'bench', 'live', false, false, now(), now(), now(), "
            "'', '' FROM facilities_inmate i, LATERAL (SELECT i.id::bigint * %s + k AS n "
            "FROM generate_series(0, %s) k) s",
            [AREAS, ENTRIES_PER_INMATE, ENTRIES_PER_INMATE - 1],
        )
        cur.execute(
            "INSERT INTO calls_call (facility_id, inmate_id, dialed_number, number, status, kind, monitored, charged, "
            "max_minutes, reasons, requested_at, expires_at, completed_at, duration_seconds, minutes_charged, "
            "client_label) "
            "SELECT i.facility_id, i.id, '+13125550123', '+13125550123', 'completed', 'regular', true, true, 15, "
            "'[]'::jsonb, now() - interval '3 hours' - (g %% 86400) * interval '1 minute', "
            "now() - interval '2 hours', now() - interval '2 hours', 300, 5, 'bench' "
            "FROM generate_series(1, %s) g JOIN facilities_inmate i ON i.id = 1 + g %% %s",
            [calls, inmates],
        )
    if not connection.get_autocommit():
        connection.commit()


def _forget_decisions(connection, balances_sql: str) -> None:
    """Reset the balances (``balances_sql``) and delete the decisions of earlier runs. A call row is the decision's
    audit record, guarded against DELETE (audit/append_only.py): the benchmark's own database, as the superuser
    that builds it, skips the guard for this one transaction (``session_replication_role``)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(balances_sql)
        cur.execute("DELETE FROM calls_call WHERE client_label <> 'bench'")


def _client(facilities: int) -> str:
    from api.models import PlatformClient
    from facilities.models import Facility

    PlatformClient.objects.filter(name="bench").delete()
    client = PlatformClient(name="bench")
    token = client.set_new_token()
    client.save()
    client.facilities.set(Facility.objects.all())
    return token


def _targets(inmates: int, count: int) -> list[dict]:
    rng = random.Random(42)
    out = []
    for _ in range(count):
        inmate = rng.randrange(1, inmates + 1)
        k = rng.randrange(ENTRIES_PER_INMATE)
        out.append({"facility": f"bench-{1 + inmate % 20}", "register_number": f"R{inmate}",
                    "dialed_number": number_for(inmate * ENTRIES_PER_INMATE + k)})
    return out


def _queries_per_decision(token: str, inmates: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    api = APIClient(SERVER_NAME="127.0.0.1")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = {"facility": "bench-1", "register_number": "R20", "dialed_number": number_for(20 * ENTRIES_PER_INMATE)}
    api.post("/api/v1/calls/ping", {}, format="json")  # warm-up: last_used_at
    with CaptureQueriesContext(connection) as ping:
        api.get("/api/v1/calls/ping")
    with CaptureQueriesContext(connection) as allowed:
        response = api.post("/api/v1/calls/authorize", body, format="json")
    assert response.json()["decision"] == "allow", response.json()
    with CaptureQueriesContext(connection) as denied:
        assert api.post("/api/v1/calls/authorize", body, format="json").json()["decision"] == "deny"

    _forget_decisions(connection, "UPDATE calls_minutebalance SET open_call_id = NULL, last_call_started_at = NULL "
                                  "WHERE inmate_id = 20")
    def statements(ctx):  # BEGIN / COMMIT are not queries
        return sum(1 for q in ctx.captured_queries if (q["sql"] or "?").split()[0].upper() not in ("BEGIN", "COMMIT"))

    return {"allowed": statements(allowed), "denied": statements(denied), "auth": statements(ping)}


def _gunicorn(workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "-b", f"127.0.0.1:{PORT}", "-w", str(workers), "--worker-class", "sync",
         "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=_env(), start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/api/v1/calls/ping")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


class _Split:
    """PostgreSQL's processes pinned on some CPUs, this process (and so gunicorn and the generator it starts) on
    the others; ``restore`` gives every process back the CPUs it had."""

    def __init__(self, database: list[int], server: list[int], before: dict[int, set[int]]):
        self.database, self.server, self.before = database, server, before

    def describe(self) -> str:
        return (f"CPUs split: PostgreSQL on {','.join(map(str, self.database))}, gunicorn and the generator on "
                f"{','.join(map(str, self.server))}")

    def restore(self) -> None:
        for pid, cpus in self.before.items():
            try:
                os.sched_setaffinity(pid, cpus)
            except OSError:  # ended since
                pass


def _split_cpus() -> _Split:
    """Pin every running PostgreSQL process (the postmaster too: the backends it starts inherit its CPUs) on the
    upper half of this process's CPUs, and this process on the lower half."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--split needs at least 2 CPUs")
    server, database = cpus[: len(cpus) // 2], cpus[len(cpus) // 2:]
    pids = [pid for pid, _ in _postgres_processes()]
    if not pids:
        raise SystemExit("--split: no PostgreSQL process on this machine (a remote database is already apart)")
    before = {0: set(cpus)}
    try:
        for pid in pids:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, database)
    except PermissionError:
        _Split(database, server, before).restore()
        raise SystemExit("--split: not allowed to set PostgreSQL's CPUs (run as root or as its user)") from None
    os.sched_setaffinity(0, server)
    return _Split(database, server, before)


def _postgres_processes() -> list[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the name) of every PostgreSQL process on this machine."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1].startswith("postgres"):
            found.append((int(stat.parent.name), rest.split()))
    return found


def _server_cpu(master: int) -> float:
    """CPU seconds (user + system) of gunicorn's master and its workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _postgres_cpu() -> float:
    """CPU seconds (user + system) of every PostgreSQL process on this machine so far (the backends serving the
    requests, and the WAL writer and checkpointer they keep busy), with those that have ended since the server
    started (the postmaster's reaped children); the benchmark runs alone on a quiet machine."""
    tick = os.sysconf("SC_CLK_TCK")
    processes = dict(_postgres_processes())
    total = 0
    for fields in processes.values():
        total += int(fields[11]) + int(fields[12])
        if int(fields[1]) not in processes:  # the postmaster: its children that have ended
            total += int(fields[13]) + int(fields[14])
    return total / tick


def _cpu_each(result: dict) -> float:
    """CPU seconds a request of gunicorn and PostgreSQL together."""
    return (result["cpu_server"] + result["cpu_postgres"]) / result["requests"]


def _together(results: list[dict]) -> dict:
    """The rounds of one endpoint as one run: requests over time; the latencies of the middle round."""
    requests = sum(r["requests"] for r in results)
    middle = sorted(results, key=lambda r: r["p50"])[len(results) // 2]
    return {
        "rps": requests / sum(r["seconds"] for r in results), "p50": middle["p50"],
        "p99": max(r["p99"] for r in results), "errors": sum(r["errors"] for r in results), "requests": requests,
        **{k: sum(r[k] for r in results) for k in ("cpu_generator", "cpu_server", "cpu_postgres", "pages_hit",
                                                   "pages_read")},
    }


def _wrk(method: str, path: str, bodies: list, token: str, args, master: int, start: int = 0) -> dict:
    """One wrk run against ``path``: a warm-up of 2 s, then ``--duration`` seconds measured; the bodies from
    ``start`` on."""
    script = Path(__file__).with_name("wrk_bodies.lua")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(b) + "\n" for b in bodies[start:] + bodies[:start])
    try:
        def run(seconds: int, skip: int) -> str:
            command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "30s",
                       "-s", str(script), "-H", f"Authorization: Token {token}",
                       "-H", "Content-Type: application/json", f"http://127.0.0.1:{PORT}{path}", "--", f.name, method,
                       str(skip)]
            return subprocess.run(command, check=True, capture_output=True, text=True).stdout

        run(2, 0)  # the warm-up's bodies are not sent again in the measured run: it starts WARM_BODIES further on
        cpu0, server0, pg0 = resource.getrusage(resource.RUSAGE_CHILDREN), _server_cpu(master), _postgres_cpu()
        pages0 = _pages()
        out = run(args.duration, WARM_BODIES)
        cpu1, server1, pg1 = resource.getrusage(resource.RUSAGE_CHILDREN), _server_cpu(master), _postgres_cpu()
        time.sleep(1.1)  # each backend reports its statistics at most once a second
        pages1 = _pages()
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    r = json.loads(line[4:])
    return {
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "requests": r["requests"],
        "seconds": r["duration_us"] / 1e6,
        "p50": r["p50_us"] / 1000,
        "p99": r["p99_us"] / 1000,
        "errors": r["errors"] + r["status_errors"],
        "cpu_generator": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "cpu_server": server1 - server0,
        "cpu_postgres": pg1 - pg0,
        "pages_hit": pages1[0] - pages0[0],
        "pages_read": pages1[1] - pages0[1],
    }


def _pages() -> tuple[int, int]:
    """The benchmark database's pages found in PostgreSQL's shared buffers, and those read from outside them (the
    operating system's cache or the disk), so far."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")
        return cur.fetchone()


def _worker(method: str, path: str, bodies: list, token: str, threads: int, out: mp.Queue) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    shares = [bodies[t::threads] for t in range(threads)]

    def run(share):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        mine, bad = [], 0
        for body in share:
            data = None if body is None else json.dumps(body)
            start = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=run, args=(s,)) for s in shares]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, errors[0]))


def _load(method: str, path: str, bodies: list, warm_bodies: list, token: str, args) -> dict:
    # Warm-up (a few requests per connection), then the measured run.
    warm = mp.Queue()
    _worker(method, path, warm_bodies, token, 4, warm)
    warm.get()
    out: mp.Queue = mp.Queue()
    parts = [bodies[p::args.procs] for p in range(args.procs)]
    procs = [mp.Process(target=_worker, args=(method, path, part, token, args.threads, out)) for part in parts]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


if __name__ == "__main__":
    main()
