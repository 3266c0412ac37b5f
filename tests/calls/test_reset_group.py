"""The monthly reset in runs of facilities: the dispatcher splits the facilities due (one reset moment at its
midnight; several when it runs after more than one has passed) into even runs, a run resets its group in chunks of
the id range across all of them, and every facility keeps its own allowance, totals and DONE."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from calls import reset, services
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
PERIOD = dt.date(2026, 11, 1)
CHICAGO_MIDNIGHT = dt.datetime(2026, 11, 1, 5, 0, tzinfo=UTC)


class WorkerKilled(Exception):
    pass


def assert_balances_equal_ledger():
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    for inmate_id, minutes in MinuteBalance.objects.values_list("inmate_id", "minutes"):
        assert sums.get(inmate_id, 0) == minutes, inmate_id


def _facility(code, tz="America/Chicago", **policy):
    return FacilityFactory(code=code, timezone=tz, policy__reset_day=1,
                           **{f"policy__{k}": v for k, v in policy.items()})


def _interleaved(facilities, per_facility, minutes=None):
    """Inmates booked in turn into each facility (ids interleaved, as one booking sequence gives them)."""
    inmates = {f.pk: [] for f in facilities}
    for _ in range(per_facility):
        for facility in facilities:
            inmate = InmateFactory(facility=facility)
            if minutes is not None:
                MinuteBalance.objects.create(inmate=inmate, minutes=0)
                services.minutes_grant_extra(inmate=inmate, minutes=minutes, reason="opening balance", actor=None)
            inmates[facility.pk].append(inmate)
    return inmates


def _records(facilities, period=PERIOD, at=CHICAGO_MIDNIGHT):
    return [MonthlyReset.objects.create(facility=f, period=period, reset_at=at) for f in facilities]


def test_facilities_of_one_group_each_get_their_own_allowance(time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC), tick=False)
    settings.CALLS_RESET_CHUNK = 3  # chunks of the id range cross both facilities
    small = _facility("small", monthly_minutes=200)
    large = _facility("large", monthly_minutes=500, bonus_nov=40)
    inmates = _interleaved([small, large], 4, minutes=25)
    records = _records([small, large])
    with CaptureQueriesContext(connection) as queries:
        done = reset.reset_group_run(reset_ids=[r.pk for r in records])
    assert [r.facility.code for r in done] == ["small", "large"]
    by_code = {r.facility.code: r for r in done}
    assert {code: (r.status, r.inmates_reset, r.minutes_voided, r.minutes_granted, r.monthly_minutes, r.bonus_minutes)
            for code, r in by_code.items()} == {
        "small": ("done", 4, 100, 800, 200, 0),
        "large": ("done", 4, 100, 4 * 540, 500, 40),
    }
    for inmate in inmates[small.pk]:
        assert list(LedgerEntry.objects.filter(inmate=inmate, period=PERIOD).order_by("id").values_list(
            "kind", "minutes", "balance_after", "reset_id")) == [
            ("void", -25, 0, by_code["small"].pk), ("monthly_grant", 200, 200, by_code["small"].pk)]
    for inmate in inmates[large.pk]:
        assert list(LedgerEntry.objects.filter(inmate=inmate, period=PERIOD).order_by("id").values_list(
            "kind", "minutes", "balance_after", "reset_id")) == [
            ("void", -25, 0, by_code["large"].pk), ("monthly_grant", 500, 500, by_code["large"].pk),
            ("monthly_bonus", 40, 540, by_code["large"].pk)]
    assert set(MinuteBalance.objects.filter(inmate__facility=small).values_list("minutes", "period")) == {(200, PERIOD)}
    assert set(MinuteBalance.objects.filter(inmate__facility=large).values_list("minutes", "period")) == {(540, PERIOD)}
    assert AuditEvent.objects.filter(action="minutes_reset").count() == 2
    assert_balances_equal_ledger()
    # Bulk statements: three chunks (of three inmates of both facilities) of about 15 statements each, whatever
    # the number of inmates.
    assert len(queries) <= 60
    # Each chunk's transaction plans its commit's foreign-key checks as index look-ups (``reset._PLAN_RESET``): not a
    # sequential scan of the reset table, which every chunk's totals grow, for each of its entries.
    sql = [q["sql"] for q in queries.captured_queries]
    chunks = [i for i, statement in enumerate(sql) if statement.lstrip().startswith("WITH p AS")]
    assert len(chunks) == 3
    for start, end in zip(chunks, [*chunks[1:], len(sql)], strict=True):
        assert "SET LOCAL enable_seqscan = off" in sql[start:end]


def _queued(monkeypatch):
    sent = []
    monkeypatch.setattr("calls.tasks.reset_group_run.apply_async", lambda kwargs: sent.append(kwargs["reset_ids"]))
    return sent


def test_at_a_midnight_the_dispatcher_queues_that_moments_facilities_in_even_runs_within_the_bound(
        time_machine, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CALLS_RESET_GROUP_INMATES = 5
    chicago = [_facility(f"chi-{k}") for k in range(3)]
    denver = _facility("den", tz="America/Denver")
    for facility, n in zip([*chicago, denver], [3, 3, 2, 6], strict=True):
        for _ in range(n):
            InmateFactory(facility=facility)
    october = MonthlyReset.objects.create(facility=denver, period=dt.date(2026, 10, 1), status=MonthlyReset.Status.DONE,
                                          reset_at=dt.datetime(2026, 10, 1, 6, 0, tzinfo=UTC))  # Denver's month now
    sent = _queued(monkeypatch)
    time_machine.move_to(dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC), tick=False)  # Chicago's midnight, not Denver's
    with django_capture_on_commit_callbacks(execute=True):
        queued = reset.reset_dispatch()
    ids = {r.facility.code: r.pk for r in MonthlyReset.objects.select_related("facility").exclude(pk=october.pk)}
    # Chicago's three (3 + 3 + 2 = 8 inmates): the fewest runs of at most 5 are two, as even as whole facilities
    # allow (3 + 2 and 3); Denver's midnight has not come.
    assert sent == [[ids["chi-0"], ids["chi-2"]], [ids["chi-1"]]]
    assert sorted(queued) == sorted([ids["chi-0"], ids["chi-1"], ids["chi-2"]])
    assert "den" not in ids
    # Chicago's runs done; an hour later, Denver's (6, over the bound) alone, whole.
    MonthlyReset.objects.filter(pk__in=queued).update(status=MonthlyReset.Status.DONE)
    sent.clear()
    time_machine.move_to(dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        reset.reset_dispatch()
    den = MonthlyReset.objects.get(facility=denver, period=PERIOD)
    assert sent == [[den.pk]] and den.reset_at == dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_moments_passed_together_share_runs(time_machine, settings, monkeypatch, django_capture_on_commit_callbacks):
    """A dispatch after both midnights (the workers were down, or the first dispatch): the facilities of both
    moments are split together into the fewest even runs, each facility still with its own record and moment."""
    settings.CALLS_RESET_GROUP_INMATES = 5
    chicago = [_facility(f"chi-{k}") for k in range(3)]
    denver = [_facility("den", tz="America/Denver"), _facility("den-small", tz="America/Denver")]
    for facility, n in zip([*chicago, *denver], [3, 3, 2, 6, 1], strict=True):
        for _ in range(n):
            InmateFactory(facility=facility)
    sent = _queued(monkeypatch)
    time_machine.move_to(dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC), tick=False)  # past both midnights
    with django_capture_on_commit_callbacks(execute=True):
        queued = reset.reset_dispatch()
    ids = {r.facility.code: r.pk for r in MonthlyReset.objects.select_related("facility")}
    # 15 inmates: three runs of at most 5 at the least; Denver's 6 alone (over the bound), then Chicago's 3, 3 and
    # 2 and Denver's 1 into the lightest run each (3 + 2 and 3 + 1). The runs holding a Chicago facility (the
    # earlier moment) come first.
    chicago_runs = sorted([sorted([ids["chi-0"], ids["chi-2"]]), sorted([ids["chi-1"], ids["den-small"]])])
    assert sent == [*chicago_runs, [ids["den"]]]
    assert sorted(queued) == sorted(ids.values())
    assert {r.facility.code: r.reset_at for r in MonthlyReset.objects.select_related("facility")} == {
        **{f"chi-{k}": CHICAGO_MIDNIGHT for k in range(3)},
        "den": dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC), "den-small": dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC)}


def test_a_group_killed_half_way_is_queued_again_and_finishes_every_facility_once(
    time_machine, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CALLS_RESET_CHUNK = 2
    settings.CALLS_RESET_STALE_SECONDS = 120
    facilities = [_facility("k-a", monthly_minutes=300), _facility("k-b", monthly_minutes=120, bonus_nov=10)]
    _interleaved(facilities, 3, minutes=9)
    start = dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC)

    def die(reset_ids, index):
        assert len(reset_ids) == 2  # one run for both
        raise WorkerKilled

    monkeypatch.setattr(reset, "_after_chunk", die)
    time_machine.move_to(start, tick=False)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        reset.reset_dispatch()
    monkeypatch.undo()
    records = list(MonthlyReset.objects.order_by("facility__code"))
    assert [r.status for r in records] == ["running", "running"]
    assert sum(r.inmates_reset for r in records) == 2 and {r.heartbeat_at for r in records} == {start}
    # Silent for the stale bound: both queued again, as one group, and finished.
    time_machine.move_to(start + dt.timedelta(seconds=121), tick=False)
    sent = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = reset.reset_dispatch()
    sent = sorted(queued)
    assert sent == sorted(r.pk for r in records) and len(callbacks) == 1
    callbacks[0]()
    records = list(MonthlyReset.objects.order_by("facility__code"))
    assert [(r.status, r.runs, r.inmates_reset, r.minutes_voided, r.minutes_granted) for r in records] == [
        ("done", 2, 3, 27, 900), ("done", 2, 3, 27, 390)]
    assert LedgerEntry.objects.filter(period=PERIOD, kind="monthly_grant").count() == 6
    assert LedgerEntry.objects.filter(period=PERIOD, kind="void").count() == 6
    assert LedgerEntry.objects.filter(period=PERIOD, kind="monthly_bonus").count() == 3
    assert AuditEvent.objects.filter(action="minutes_reset").count() == 2
    assert_balances_equal_ledger()


def test_a_record_of_the_group_already_done_elsewhere_is_left_alone(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC), tick=False)
    first, second = _facility("d-a", monthly_minutes=300), _facility("d-b", monthly_minutes=250)
    _interleaved([first, second], 3, minutes=5)
    records = _records([first, second])
    alone = reset.facility_reset_run(reset_id=records[0].pk)  # another run finished the first facility
    assert alone.status == "done" and alone.inmates_reset == 3
    done = reset.reset_group_run(reset_ids=[r.pk for r in records])
    assert [(r.status, r.runs, r.inmates_reset, r.minutes_granted) for r in done] == [
        ("done", 1, 3, 900), ("done", 1, 3, 750)]
    assert done[0].finished_at == alone.finished_at
    assert AuditEvent.objects.filter(action="minutes_reset", target_id=str(records[0].pk)).count() == 1
    assert LedgerEntry.objects.filter(period=PERIOD, kind="monthly_grant").count() == 6
    # Forced past the DONE guard, a second group run of both touches nobody.
    MonthlyReset.objects.update(status="running")
    again = reset.reset_group_run(reset_ids=[r.pk for r in records])
    assert [(r.runs, r.inmates_reset) for r in again] == [(2, 3), (2, 3)]
    assert LedgerEntry.objects.filter(period=PERIOD).count() == 12
    assert_balances_equal_ledger()
