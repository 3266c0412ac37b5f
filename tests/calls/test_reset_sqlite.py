"""The monthly reset on make run's database, SQLite: the dispatcher's runs and a run's chunks (the temp-table
path, and the chunk's totals and heartbeat in one statement) give each facility its own allowance, keep every
balance equal to its ledger, and a second run changes nothing. Runs in a subprocess on a copy of the migrated
template (tests/sqlite_stack.py); the test settings are PostgreSQL's."""

from tests.sqlite_stack import run_script

SCRIPT = r'''
import django
django.setup()

import datetime as dt
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from calls import reset, services
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from tests.factories import FacilityFactory, InmateFactory

assert connection.vendor == "sqlite"
settings.CALLS_RESET_CHUNK = 3  # chunks of the id range cross both facilities
period = dt.date(2026, 11, 1)
small = FacilityFactory(code="small", timezone="America/Chicago", policy__reset_day=1, policy__monthly_minutes=200)
large = FacilityFactory(code="large", timezone="America/Denver", policy__reset_day=1, policy__monthly_minutes=500,
                        policy__bonus_nov=40)
inmates = {small.pk: [], large.pk: []}
for _ in range(4):
    for facility in (small, large):
        inmate = InmateFactory(facility=facility)
        MinuteBalance.objects.create(inmate=inmate, minutes=0)
        services.minutes_grant_extra(inmate=inmate, minutes=25, reason="opening balance", actor=None)
        inmates[facility.pk].append(inmate)
records = [MonthlyReset.objects.create(facility=f, period=period, reset_at=dt.datetime(2026, 11, 1, 7, tzinfo=dt.UTC))
           for f in (small, large)]
# Both moments passed: one run of both facilities (8 inmates, within the bound).
groups = reset._reset_groups(MonthlyReset.objects.filter(pk__in=[r.pk for r in records]))
assert groups == [sorted(r.pk for r in records)], groups

done = {r.facility.code: r for r in reset.reset_group_run(reset_ids=groups[0])}
got = {code: (r.status, r.inmates_reset, r.minutes_voided, r.minutes_granted) for code, r in done.items()}
assert got == {"small": ("done", 4, 100, 800), "large": ("done", 4, 100, 4 * 540)}, got
assert all(r.heartbeat_at is not None for r in done.values())
assert set(MinuteBalance.objects.filter(inmate__facility=small).values_list("minutes", "period")) == {(200, period)}
assert set(MinuteBalance.objects.filter(inmate__facility=large).values_list("minutes", "period")) == {(540, period)}
for inmate in inmates[large.pk]:
    kinds = list(LedgerEntry.objects.filter(inmate=inmate, period=period).order_by("id").values_list("kind", "minutes"))
    assert kinds == [("void", -25), ("monthly_grant", 500), ("monthly_bonus", 40)], kinds

def balances_equal_ledger():
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    return all(sums.get(i, 0) == m for i, m in MinuteBalance.objects.values_list("inmate_id", "minutes"))

assert balances_equal_ledger()
entries = LedgerEntry.objects.count()
again = reset.reset_group_run(reset_ids=groups[0])  # both DONE: left alone
assert LedgerEntry.objects.count() == entries and [r.inmates_reset for r in again] == [4, 4]
print("RESET")
'''


def test_the_reset_runs_on_sqlite(sqlite_env):
    run_script(sqlite_env, SCRIPT, "RESET")
