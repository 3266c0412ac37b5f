"""A reset whose worker died is queued again within a bound (issue 8 defect 16): progress per chunk, the
dispatcher's staleness rule, late acknowledgement of the task, the beat interval and the broker's timeout."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.db.models import Sum

from calls import reset
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from calls.tasks import facility_reset_run, reset_group_run
from config.celery import app

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START = dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 01:00 CDT on 1 June: the June reset is due


class WorkerKilled(Exception):
    pass


@pytest.fixture
def facility(db):
    facility = FacilityFactory(code="rec", timezone="America/Chicago", policy__reset_day=1)
    for _ in range(5):
        InmateFactory(facility=facility)
    return facility


def dispatch(time_machine, at, capture):
    time_machine.move_to(at, tick=False)
    with capture(execute=True):
        return reset.reset_dispatch()


def killed_after_first_chunk(monkeypatch, time_machine, capture, settings):
    """Dispatch at START; the worker dies after the first of three chunks (2 + 2 + 1 inmates)."""
    settings.CALLS_RESET_CHUNK = 2

    def die(reset_ids, index):
        raise WorkerKilled

    monkeypatch.setattr(reset, "_after_chunk", die)
    with pytest.raises(WorkerKilled):
        dispatch(time_machine, START, capture)
    monkeypatch.undo()
    record = MonthlyReset.objects.get()
    assert record.status == "running" and record.inmates_reset == 2 and record.heartbeat_at == START
    return record


def test_a_run_silent_for_the_stale_bound_is_queued_again_and_finishes_once(
    facility, monkeypatch, time_machine, django_capture_on_commit_callbacks, settings
):
    capture = django_capture_on_commit_callbacks
    settings.CALLS_RESET_STALE_SECONDS = 120
    record = killed_after_first_chunk(monkeypatch, time_machine, capture, settings)
    # Still within the bound: the run may be alive (busy with a chunk).
    assert dispatch(time_machine, START + dt.timedelta(seconds=119), capture) == []
    # Two minutes without progress: queued again (before the fix: only after 14 minutes).
    assert dispatch(time_machine, START + dt.timedelta(seconds=121), capture) == [record.pk]
    record.refresh_from_db()
    assert record.status == "done" and record.runs == 2 and record.inmates_reset == 5
    assert LedgerEntry.objects.filter(kind="monthly_grant", period=dt.date(2026, 6, 1)).count() == 5
    assert set(MinuteBalance.objects.values_list("minutes", "period")) == {(300, dt.date(2026, 6, 1))}
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    assert all(sums[i] == m for i, m in MinuteBalance.objects.values_list("inmate_id", "minutes"))


def test_a_run_making_progress_is_left_alone(facility, time_machine, django_capture_on_commit_callbacks, settings):
    settings.CALLS_RESET_STALE_SECONDS = 120
    record = MonthlyReset.objects.create(
        facility=facility, period=dt.date(2026, 6, 1), reset_at=dt.datetime(2026, 6, 1, 5, 0, tzinfo=UTC),
        status="running", runs=1, dispatched_at=START - dt.timedelta(minutes=30),
        started_at=START - dt.timedelta(minutes=29), heartbeat_at=START - dt.timedelta(seconds=30),
    )
    assert dispatch(time_machine, START, django_capture_on_commit_callbacks) == []
    record.refresh_from_db()
    assert record.status == "running" and record.runs == 1


def test_queued_again_once_per_stale_bound(facility, monkeypatch, time_machine, django_capture_on_commit_callbacks,
                                           settings):
    capture = django_capture_on_commit_callbacks
    settings.CALLS_RESET_STALE_SECONDS = 120
    record = killed_after_first_chunk(monkeypatch, time_machine, capture, settings)
    sent = []
    monkeypatch.setattr("calls.tasks.reset_group_run.apply_async", lambda kwargs: sent.append(kwargs["reset_ids"]))  # no worker picks it up
    assert dispatch(time_machine, START + dt.timedelta(seconds=130), capture) == [record.pk]
    assert dispatch(time_machine, START + dt.timedelta(seconds=190), capture) == []
    assert dispatch(time_machine, START + dt.timedelta(seconds=251), capture) == [record.pk]
    assert sent == [[record.pk], [record.pk]]


def test_each_chunk_records_progress(facility, monkeypatch, time_machine, settings):
    settings.CALLS_RESET_CHUNK = 2
    time_machine.move_to(START, tick=False)
    record = MonthlyReset.objects.create(facility=facility, period=dt.date(2026, 6, 1),
                                         reset_at=dt.datetime(2026, 6, 1, 5, 0, tzinfo=UTC))
    seen = []

    def tick(reset_ids, index):
        seen.append(MonthlyReset.objects.get(pk=reset_ids[0]).heartbeat_at)
        time_machine.shift(dt.timedelta(seconds=10))

    monkeypatch.setattr(reset, "_after_chunk", tick)
    done = reset.facility_reset_run(reset_id=record.pk)
    assert seen == [START, START + dt.timedelta(seconds=10), START + dt.timedelta(seconds=20)]
    assert done.status == "done" and done.inmates_reset == 5


def test_the_reset_task_is_acknowledged_late_and_requeued_when_its_worker_is_lost():
    for task in (reset_group_run, facility_reset_run):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True


def test_the_recovery_bound_is_under_five_minutes_and_the_broker_timeout_exceeds_the_longest_task():
    beat = app.conf.beat_schedule["calls-reset-dispatch"]
    assert beat["task"] == "calls.reset_dispatch"
    assert beat["schedule"] == django_settings.CALLS_RESET_DISPATCH_SECONDS
    assert beat["options"]["expires"] == django_settings.CALLS_RESET_DISPATCH_SECONDS
    # Silent for the stale bound, then picked up at the next dispatch: leaves over a minute to finish the run.
    assert django_settings.CALLS_RESET_STALE_SECONDS + django_settings.CALLS_RESET_DISPATCH_SECONDS <= 4 * 60
    # The broker's redelivery of an unacknowledged message: after the longest task (140 s for a million inmates).
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert 5 * 60 <= visibility <= 60 * 60
