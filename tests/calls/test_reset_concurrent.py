"""The reset's one statement per chunk (PostgreSQL) against a balance changed while it runs.

The statement reads each due balance's minutes from its snapshot and updates the row only while it still holds
them; a warden's grant committed between that snapshot and the row lock makes the row fail that re-check, and the
locking pass of the same chunk takes it with its newest minutes. The void entry always empties what the balance
held, so the balance equals the ledger's sum.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from calls import reset, services
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db(transaction=True)
UTC = dt.UTC
PERIOD = dt.date(2026, 5, 1)


def _waiting_on_a_lock(timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_a_grant_committed_while_the_chunk_waits_for_its_row_is_voided_in_full():
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement chunk is PostgreSQL's; SQLite runs one writer at a time")
    facility = FacilityFactory(code="conc", timezone="America/Chicago", policy__monthly_minutes=300)
    inmates = [InmateFactory(facility=facility) for _ in range(3)]
    for inmate in inmates:
        services.minutes_grant_extra(inmate=inmate, minutes=40, reason="opening balance", actor=None)
    changed = inmates[1]
    record = MonthlyReset.objects.create(facility=facility, period=PERIOD, reset_at=dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC))

    granted, release, outcome = threading.Event(), threading.Event(), {}

    def warden():  # holds the balance row of one inmate, granted 25 more, until told to commit
        try:
            with transaction.atomic():
                services.minutes_grant_extra(inmate=changed, minutes=25, reason="lawyer's calls", actor=None)
                granted.set()
                release.wait(30)
        finally:
            connections.close_all()

    def worker():
        try:
            outcome["reset"] = reset.facility_reset_run(reset_id=record.pk)
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error
        finally:
            connections.close_all()

    holder = threading.Thread(target=warden)
    holder.start()
    assert granted.wait(20)
    runner = threading.Thread(target=worker)
    runner.start()
    try:
        assert _waiting_on_a_lock(), "the reset did not wait for the held balance row"
    finally:
        release.set()
        holder.join(30)
        runner.join(60)
    assert "error" not in outcome, outcome.get("error")
    done = outcome["reset"]
    assert done.status == "done" and done.inmates_reset == 3
    assert done.minutes_voided == 40 + 40 + 65 and done.minutes_granted == 900
    void = LedgerEntry.objects.get(inmate=changed, kind="void", period=PERIOD)
    assert void.minutes == -65 and void.balance_after == 0
    assert set(MinuteBalance.objects.values_list("minutes", "period")) == {(300, PERIOD)}
    assert LedgerEntry.objects.filter(kind="monthly_grant", period=PERIOD).count() == 3
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    assert all(sums[i] == m for i, m in MinuteBalance.objects.values_list("inmate_id", "minutes"))
