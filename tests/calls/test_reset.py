"""The monthly reset: local midnight in many time zones and across DST, exactly-once, bulk statements."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from calls import reset, services
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from facilities.models import Inmate
from facilities.periods import current_period, reset_moment

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def assert_balances_equal_ledger():
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    for inmate_id, minutes in MinuteBalance.objects.values_list("inmate_id", "minutes"):
        assert sums.get(inmate_id, 0) == minutes, inmate_id


@pytest.mark.parametrize(
    ("tz", "period", "expected_utc"),
    [
        # New York, reset on the day clocks go forward (02:00 -> 03:00): midnight is still EST.
        ("America/New_York", dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
        ("America/New_York", dt.date(2026, 4, 8), dt.datetime(2026, 4, 8, 4, 0, tzinfo=UTC)),
        # Los Angeles before and after the change.
        ("America/Los_Angeles", dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("America/Los_Angeles", dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 7, 0, tzinfo=UTC)),
        # London: GMT then BST (midnight local is 23:00 UTC the day before).
        ("Europe/London", dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("Europe/London", dt.date(2026, 4, 1), dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC)),
        # Sydney, on the day daylight saving ends (03:00 -> 02:00): midnight is still AEDT (+11).
        ("Australia/Sydney", dt.date(2026, 4, 5), dt.datetime(2026, 4, 4, 13, 0, tzinfo=UTC)),
        # Santiago jumps from 00:00 to 01:00: the day starts at the jump.
        ("America/Santiago", dt.date(2026, 9, 6), dt.datetime(2026, 9, 6, 4, 0, tzinfo=UTC)),
        # Honolulu: no daylight saving at all.
        ("Pacific/Honolulu", dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
    ],
)
def test_reset_moment_is_local_midnight(tz, period, expected_utc):
    assert reset_moment(period=period, tz=tz) == expected_utc
    before = expected_utc - dt.timedelta(seconds=1)
    assert current_period(reset_day=period.day, tz=tz, at=expected_utc) == period
    assert current_period(reset_day=period.day, tz=tz, at=before) < period
    assert current_period(reset_day=period.day, tz=tz, at=expected_utc + dt.timedelta(days=20)) == period


def test_current_period_across_the_new_year():
    at = dt.datetime(2027, 1, 1, 3, 0, tzinfo=UTC)  # still 31 December in Chicago
    assert current_period(reset_day=1, tz="America/Chicago", at=at) == dt.date(2026, 12, 1)
    assert current_period(reset_day=1, tz="America/Chicago", at=at + dt.timedelta(hours=3)) == dt.date(2027, 1, 1)


def _facility(code, tz, day=1, **policy):
    return FacilityFactory(code=code, timezone=tz, policy__reset_day=day, **{f"policy__{k}": v for k, v in policy.items()})


def _inmates(facility, n, minutes=None):
    inmates = [InmateFactory(facility=facility) for _ in range(n)]
    if minutes is not None:
        MinuteBalance.objects.bulk_create([MinuteBalance(inmate=i, minutes=0) for i in inmates])
        for i in inmates:
            services.minutes_grant_extra(inmate=i, minutes=minutes, reason="opening balance", actor=None)
    return inmates


def _dispatch(time_machine, at, django_capture_on_commit_callbacks):
    time_machine.move_to(at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return reset.reset_dispatch()


def test_dispatcher_resets_each_facility_at_its_own_local_midnight_across_dst(
    time_machine, django_capture_on_commit_callbacks
):
    ny = _facility("ny", "America/New_York", day=8, monthly_minutes=300)
    la = _facility("la", "America/Los_Angeles", day=8, monthly_minutes=400)
    london = _facility("lon", "Europe/London", day=29 - 1, monthly_minutes=500)
    for f in (ny, la, london):
        _inmates(f, 3)
    # Before anything: each facility's February period is run once (first dispatch ever).
    _dispatch(time_machine, dt.datetime(2026, 3, 8, 4, 59, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert set(MonthlyReset.objects.values_list("facility__code", "period")) == {
        ("ny", dt.date(2026, 2, 8)), ("la", dt.date(2026, 2, 8)), ("lon", dt.date(2026, 2, 28)),
    }
    assert MinuteBalance.objects.filter(period__isnull=True).count() == 0
    # 05:00 UTC = midnight in New York (EST, the DST change happens at 02:00 local): only New York.
    queued = _dispatch(time_machine, dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["ny"]
    # 07:59 UTC = 23:59 in Los Angeles (PST): not yet; 08:00 UTC = its midnight.
    assert _dispatch(time_machine, dt.datetime(2026, 3, 8, 7, 59, tzinfo=UTC), django_capture_on_commit_callbacks) == []
    queued = _dispatch(time_machine, dt.datetime(2026, 3, 8, 8, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["la"]
    # London's 28 March midnight is GMT (BST starts the 29th): 00:00 UTC.
    assert _dispatch(time_machine, dt.datetime(2026, 3, 27, 23, 59, tzinfo=UTC), django_capture_on_commit_callbacks) == []
    queued = _dispatch(time_machine, dt.datetime(2026, 3, 28, 0, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["lon"]
    # A month later all three are on summer time: an hour earlier in UTC.
    queued = _dispatch(time_machine, dt.datetime(2026, 4, 8, 4, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["ny"]
    queued = _dispatch(time_machine, dt.datetime(2026, 4, 8, 7, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["la"]
    queued = _dispatch(time_machine, dt.datetime(2026, 4, 27, 23, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert [MonthlyReset.objects.get(pk=q).facility.code for q in queued] == ["lon"]
    done = MonthlyReset.objects.get(facility=ny, period=dt.date(2026, 4, 8))
    assert done.status == "done" and done.reset_at == dt.datetime(2026, 4, 8, 4, 0, tzinfo=UTC)
    assert done.inmates_reset == 3 and done.minutes_granted == 900 and done.minutes_voided == 900
    assert set(MinuteBalance.objects.filter(inmate__facility=la).values_list("minutes", "period")) == {
        (400, dt.date(2026, 4, 8))
    }
    assert LedgerEntry.objects.filter(kind="monthly_grant").count() == 9 * 3
    assert_balances_equal_ledger()
    # Nothing more to do until next month, however often the dispatcher runs.
    assert _dispatch(time_machine, dt.datetime(2026, 4, 28, 12, 0, tzinfo=UTC), django_capture_on_commit_callbacks) == []


def test_reset_voids_grants_bonus_and_skips_the_released(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC), tick=False)
    fac = _facility("bonus", "America/Chicago", day=1, monthly_minutes=300, bonus_nov=100)
    keep = _inmates(fac, 3, minutes=120)
    gone = InmateFactory(facility=fac, status=Inmate.Status.RELEASED, released_on=dt.date(2026, 10, 1))
    services.minutes_grant_extra(inmate=gone, minutes=50, reason="opening balance", actor=None)
    record = MonthlyReset.objects.create(facility=fac, period=dt.date(2026, 11, 1),
                                         reset_at=reset_moment(period=dt.date(2026, 11, 1), tz="America/Chicago"))
    with CaptureQueriesContext(connection) as queries:
        done = reset.facility_reset_run(reset_id=record.pk)
    assert done.status == "done" and done.inmates_reset == 3
    assert done.minutes_voided == 360 and done.minutes_granted == 1200
    assert done.monthly_minutes == 300 and done.bonus_minutes == 100 and done.duration_ms is not None
    for inmate in keep:
        kinds = list(LedgerEntry.objects.filter(inmate=inmate, reset=done).order_by("id").values_list("kind", "minutes", "balance_after"))
        assert kinds == [("void", -120, 0), ("monthly_grant", 300, 300), ("monthly_bonus", 100, 400)]
    assert MinuteBalance.objects.get(inmate=gone).minutes == 50
    assert AuditEvent.objects.filter(action="minutes_reset", target_id=str(done.pk)).exists()
    assert_balances_equal_ledger()
    # Bulk statements: the count does not depend on the number of inmates.
    assert len(queries) < 30


def test_reset_run_twice_resets_each_inmate_once(time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False)
    fac = _facility("twice", "America/Chicago")
    _inmates(fac, 4, minutes=10)
    record = MonthlyReset.objects.create(facility=fac, period=dt.date(2026, 5, 1), reset_at=dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC))
    reset.facility_reset_run(reset_id=record.pk)
    # Even a second run forced past the "done" guard touches nobody.
    MonthlyReset.objects.filter(pk=record.pk).update(status="running")
    again = reset.facility_reset_run(reset_id=record.pk)
    assert again.inmates_reset == 4 and again.runs == 2
    assert LedgerEntry.objects.filter(kind="monthly_grant").count() == 4
    assert set(MinuteBalance.objects.values_list("minutes", flat=True)) == {300}
    assert_balances_equal_ledger()


class WorkerKilled(Exception):
    pass


def test_worker_killed_half_way_then_run_again(time_machine, settings, monkeypatch):
    time_machine.move_to(dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False)
    settings.CALLS_RESET_CHUNK = 2
    fac = _facility("killed", "America/Chicago")
    _inmates(fac, 5, minutes=7)
    record = MonthlyReset.objects.create(facility=fac, period=dt.date(2026, 5, 1), reset_at=dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC))

    def die(reset_ids, index):
        if index == 0:
            raise WorkerKilled

    monkeypatch.setattr(reset, "_after_chunk", die)
    with pytest.raises(WorkerKilled):
        reset.facility_reset_run(reset_id=record.pk)
    record.refresh_from_db()
    assert record.status == "running" and record.inmates_reset == 2
    assert MinuteBalance.objects.filter(period=dt.date(2026, 5, 1)).count() == 2
    assert_balances_equal_ledger()
    monkeypatch.undo()
    done = reset.facility_reset_run(reset_id=record.pk)
    assert done.status == "done" and done.inmates_reset == 5 and done.runs == 2
    assert done.minutes_voided == 35 and done.minutes_granted == 1500
    assert LedgerEntry.objects.filter(kind="monthly_grant").count() == 5
    assert LedgerEntry.objects.filter(kind="void").count() == 5
    assert_balances_equal_ledger()


@pytest.mark.parametrize("chunk", [2, 20_000])
def test_reset_mixes_inmates_with_and_without_a_balance(time_machine, settings, chunk):
    """Inmates without a balance row, already granted this period, released, or due: each chunk takes
    the due ones at once, and the rest only after giving the missing their balance row."""
    time_machine.move_to(dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False)
    settings.CALLS_RESET_CHUNK = chunk
    fac = _facility("mixed", "America/Chicago")
    due = _inmates(fac, 3, minutes=40)
    bare = [InmateFactory(facility=fac) for _ in range(2)]  # in custody, no balance row at all
    booked = InmateFactory(facility=fac)
    services.minutes_grant_on_booking(inmate=booked)  # already has the May allowance
    gone = InmateFactory(facility=fac, status=Inmate.Status.RELEASED, released_on=dt.date(2026, 4, 20))
    record = MonthlyReset.objects.create(facility=fac, period=dt.date(2026, 5, 1), reset_at=dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC))
    done = reset.facility_reset_run(reset_id=record.pk)
    assert done.inmates_reset == 5 and done.minutes_voided == 120 and done.minutes_granted == 1500
    for inmate in [*due, *bare, booked]:
        balance = MinuteBalance.objects.get(inmate=inmate)
        assert (balance.minutes, balance.period) == (300, dt.date(2026, 5, 1))
        assert LedgerEntry.objects.filter(inmate=inmate, kind="monthly_grant", period=dt.date(2026, 5, 1)).count() == 1
    assert not MinuteBalance.objects.filter(inmate=gone).exists()
    assert LedgerEntry.objects.filter(kind="void").count() == 3  # nothing to void for the bare ones
    assert_balances_equal_ledger()


def test_ledger_keeps_its_constraints_and_only_the_indexes_it_needs():
    """Migration 0003 dropped the foreign keys' plain indexes, not the constraints on the same columns."""
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalogue")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'calls_ledgerentry'")
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'calls_ledgerentry'::regclass AND contype = 'f'"
        )
        foreign_keys = {name.split("_", 3)[2] for (name,) in cursor.fetchall()}
    assert "UNIQUE" in indexes["ledger_once_per_period"] and "(period, inmate_id, kind)" in indexes["ledger_once_per_period"]
    assert "UNIQUE" in indexes["ledger_one_charge_per_call"]
    assert set(indexes) == {
        "calls_ledgerentry_pkey", "ledger_once_per_period", "ledger_one_charge_per_call", "ledger_call", "ledger_actor",
        "ledger_extra_grants", next(name for name in indexes if name.startswith("calls_ledge_inmate_")),
    }
    # The facility's minute grants page reads a partial index of the grants alone: the reset's entries never enter it.
    assert "WHERE" in indexes["ledger_extra_grants"] and "extra_grant" in indexes["ledger_extra_grants"]
    assert foreign_keys == {"actor", "call", "facility", "inmate", "reset"}


def test_dispatcher_requeues_a_run_that_died_but_not_a_fresh_one(time_machine, django_capture_on_commit_callbacks, monkeypatch):
    fac = _facility("stale", "America/Chicago")
    _inmates(fac, 2)
    monkeypatch.setattr("calls.tasks.reset_group_run.apply_async", lambda **kw: None)  # the worker dies at once
    first = _dispatch(time_machine, dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert len(first) == 1
    assert _dispatch(time_machine, dt.datetime(2026, 6, 1, 6, 10, tzinfo=UTC), django_capture_on_commit_callbacks) == []
    monkeypatch.undo()
    again = _dispatch(time_machine, dt.datetime(2026, 6, 1, 6, 15, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert again == first
    assert MonthlyReset.objects.get(pk=first[0]).status == "done"
    assert MonthlyReset.objects.count() == 1


def test_inmate_booked_mid_month_gets_the_allowance_once(time_machine, home):
    from facilities.services import inmate_book, inmate_release

    time_machine.move_to(dt.datetime(2026, 5, 17, 15, 0, tzinfo=UTC), tick=False)
    inmate = inmate_book(facility=home, register_number="40000-001", first_name="New", last_name="Arrival",
                         date_of_birth=dt.date(1990, 1, 1), admitted_on=dt.date(2026, 5, 17))
    balance = MinuteBalance.objects.get(inmate=inmate)
    assert balance.minutes == 300 and balance.period == dt.date(2026, 5, 1)
    # The facility's reset for this period does not grant it again.
    record = MonthlyReset.objects.create(facility=home, period=dt.date(2026, 5, 1), reset_at=dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC))
    assert reset.facility_reset_run(reset_id=record.pk).inmates_reset == 0
    # Released and booked again the same month: no second allowance.
    time_machine.move_to(dt.datetime(2026, 5, 20, 15, 0, tzinfo=UTC), tick=False)
    inmate_release(inmate=inmate, released_on=dt.date(2026, 5, 18))
    inmate_book(facility=home, register_number="40000-001", first_name="New", last_name="Arrival",
                date_of_birth=dt.date(1990, 1, 1), admitted_on=dt.date(2026, 5, 20))
    assert LedgerEntry.objects.filter(inmate=inmate, kind="monthly_grant").count() == 1
    assert_balances_equal_ledger()
