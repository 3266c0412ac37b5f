"""A real Celery worker on Redis runs the dispatched reset end to end (dispatcher -> runs -> every facility's
record done: the three facilities are in three time zones whose moments have all passed, so they share a run)."""

import os

import pytest
import redis
from django.utils import timezone

from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from config.celery import app
from facilities.models import Facility, Inmate
from facilities.periods import period_for_facility

from ..factories import FacilityFactory, InmateFactory, facility_today
from ..worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# This file's own Redis database: its default queue is ours alone, and this test empties the database (not
# test_reset_kill.py's, 5: the two files may run at once on two xdist workers).
BROKER = os.environ.get("CALLS_WORKER_TEST_BROKER", "redis://127.0.0.1:6379/4")


def test_worker_runs_the_dispatched_reset_for_every_facility():
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    facilities = [
        FacilityFactory(code="w-ny", timezone="America/New_York", policy__monthly_minutes=300),
        FacilityFactory(code="w-la", timezone="America/Los_Angeles", policy__monthly_minutes=420),
        FacilityFactory(code="w-syd", timezone="Australia/Sydney", policy__monthly_minutes=240),
    ]
    for facility in facilities:
        for _ in range(4):
            InmateFactory(facility=facility)
    released = InmateFactory(facility=facilities[0], status=Inmate.Status.RELEASED, released_on=facility_today(facilities[0]))

    with celery_worker(queue="celery", extra_env={"CELERY_BROKER_URL": BROKER}):
        with app.connection_for_write(BROKER) as conn:
            app.send_task("calls.reset_dispatch", queue="celery", connection=conn)
        done = wait_for(lambda: MonthlyReset.objects.filter(status="done").count() == 3, timeout=180)
    assert done, "the worker did not finish the three resets"
    for facility in Facility.objects.filter(code__startswith="w-").select_related("policy"):
        record = MonthlyReset.objects.get(facility=facility)
        assert record.period == period_for_facility(facility, at=timezone.now())
        assert record.inmates_reset == 4 and record.runs == 1
        expected = facility.policy.monthly_minutes + facility.policy.bonus_for_month(record.period.month)
        assert set(MinuteBalance.objects.filter(inmate__facility=facility).values_list("minutes", flat=True)) == {expected}
    assert not MinuteBalance.objects.filter(inmate=released).exists()
    assert LedgerEntry.objects.filter(kind="monthly_grant").count() == 12
    client.flushdb()
