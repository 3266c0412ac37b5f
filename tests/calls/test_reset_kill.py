"""kill -9 a real Celery worker half-way through a facility's reset; a new worker finishes it, once, within the
recovery bound (issue 8 defect 16).

The production bound: a run reports progress after every chunk; beat runs the dispatcher every
CALLS_RESET_DISPATCH_SECONDS (60) and it queues again a run silent for CALLS_RESET_STALE_SECONDS (120), so a reset
killed half-way finishes within about 3 minutes + its remaining run time of a worker coming back (under 5). Here
the same settings are scaled down through the environment: dispatch every second, stale after 4 seconds, chunks of
2 inmates with a pause of 1.5 s after each (CALLS_RESET_CHUNK_PAUSE_SECONDS, read by the test settings only).
The broker's own redelivery (visibility timeout, 15 minutes) cannot be what finishes it in time.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db.models import Sum
from django.utils import timezone

from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from facilities.periods import period_for_facility

from ..factories import FacilityFactory, InmateFactory
from ..worker import ROOT, database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# This file's own Redis database: the dispatcher queues on the default queue, and this test empties the database.
# Not test_reset_worker.py's (4): the two files may run at once on two xdist workers, and each one's FLUSHDB (or
# worker) would take the other's messages.
BROKER = os.environ.get("CALLS_KILL_TEST_BROKER", "redis://127.0.0.1:6379/5")
INMATES, CHUNK, PAUSE, STALE, DISPATCH = 8, 2, 1.5, 4, 1
# Stale bound + a dispatch + a worker's start-up on a loaded 2-CPU machine + the chunks left (at most 3 x PAUSE).
BOUND_SECONDS = STALE + DISPATCH + 30 + 3 * PAUSE


def start_worker(tmp_path: Path, name: str) -> subprocess.Popen:
    """A worker with embedded beat, in its own process group (so that kill -9 takes beat's process too)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": BROKER,
        "CALLS_RESET_CHUNK": str(CHUNK),
        "CALLS_RESET_CHUNK_PAUSE_SECONDS": str(PAUSE),
        "CALLS_RESET_STALE_SECONDS": str(STALE),
        "CALLS_RESET_DISPATCH_SECONDS": str(DISPATCH),
    }
    celery = str(Path(sys.executable).with_name("celery"))
    cmd = [celery, "-A", "config", "worker", "-Q", "celery", "--pool", "solo", "--without-mingle", "--without-gossip",
           "--without-heartbeat", "--beat", "--schedule", str(tmp_path / f"beat-{name}"), "--loglevel", "INFO"]
    log = open(tmp_path / f"worker-{name}.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log = log
    return proc


def kill_9(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=15)
    proc.log.close()


def test_a_worker_killed_mid_reset_is_finished_once_by_the_next_worker(tmp_path):
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    facility = FacilityFactory(code="kill-9", timezone="America/Chicago", policy__monthly_minutes=300)
    for _ in range(INMATES):
        InmateFactory(facility=facility)
    period = period_for_facility(facility, at=timezone.now())
    workers = []
    try:
        first = start_worker(tmp_path, "first")
        workers.append(first)

        def half_way():
            record = MonthlyReset.objects.filter(facility=facility).first()
            return record is not None and record.status == "running" and 0 < record.inmates_reset < INMATES

        assert wait_for(half_way, timeout=90, interval=0.1), "the first worker did not start the reset"
        kill_9(first)
        record = MonthlyReset.objects.get(facility=facility)
        assert record.status == "running" and record.runs == 1 and 0 < record.inmates_reset < INMATES
        killed_at = time.monotonic()

        second = start_worker(tmp_path, "second")
        workers.append(second)
        started = time.monotonic()
        finished = wait_for(lambda: MonthlyReset.objects.get(pk=record.pk).status == "done", timeout=BOUND_SECONDS,
                            interval=0.2)
        took = time.monotonic() - started
        assert finished, f"the killed reset was not finished within {BOUND_SECONDS} s of a worker coming back"
        print(f"killed reset finished {took:.1f} s after the second worker started ({time.monotonic() - killed_at:.1f} "
              "s after the kill)")
    finally:
        for proc in workers:
            if proc.poll() is None:
                kill_9(proc)
        client.flushdb()

    record.refresh_from_db()
    assert record.runs == 2 and record.period == period
    assert record.inmates_reset == INMATES and record.minutes_granted == INMATES * 300
    grants = LedgerEntry.objects.filter(facility=facility, kind="monthly_grant", period=period)
    assert grants.count() == INMATES and grants.values("inmate").distinct().count() == INMATES
    assert set(MinuteBalance.objects.filter(inmate__facility=facility).values_list("minutes", "period")) == {
        (300, period)
    }
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    assert all(sums[i] == m for i, m in MinuteBalance.objects.values_list("inmate_id", "minutes"))
