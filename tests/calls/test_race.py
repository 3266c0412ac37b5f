"""Two authorisations for one inmate at the same moment: at most one is allowed (PostgreSQL row lock)."""

import threading

import pytest
from django.db import connection

from calls import services
from calls.models import Call, MinuteBalance
from facilities.models import Facility
from tests.approvals.factories import PhoneListEntryFactory

from ..factories import InmateFactory
from .factories import NUMBER


def clock_now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("legal", [False, True], ids=["regular", "legal-no-gap-rule"])
def test_two_simultaneous_authorisations_allow_at_most_one(clock, legal):
    home = Facility.objects.create(code="race", name="Race", kind="state", timezone="America/Chicago")
    from facilities.models import CallingPolicy

    CallingPolicy.objects.create(facility=home)
    inmate = InmateFactory(facility=home, register_number="55555-001")
    services.minutes_grant_on_booking(inmate=inmate)
    extra = {"legal": True, "relationship": "attorney", "legal_verified_at": clock_now()} if legal else {}
    PhoneListEntryFactory(inmate=inmate, number=NUMBER, **extra)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def attempt():
        try:
            facility = Facility.objects.select_related("policy").get(pk=home.pk)
            barrier.wait()
            results.append(services.call_authorize(facility=facility, register_number="55555-001", number=NUMBER))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = sorted(c.status for c in results)
    assert statuses == ["authorized", "denied"]
    denied = next(c for c in results if c.status == "denied")
    assert denied.reasons == (["call_in_progress"] if legal else ["call_in_progress", "too_soon"])
    assert Call.objects.filter(status="authorized").count() == 1
    assert MinuteBalance.objects.get(inmate=inmate).open_call_id == next(c.pk for c in results if c.allowed)


def _funded(register_number: str):
    home = Facility.objects.create(code="moment", name="Moment", kind="state", timezone="America/Chicago")
    from facilities.models import CallingPolicy

    CallingPolicy.objects.create(facility=home)
    inmate = InmateFactory(facility=home, register_number=register_number)
    services.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    return Facility.objects.select_related("policy").get(pk=home.pk), inmate


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["minutes", "open_call"])
def test_a_balance_changed_between_the_gather_and_the_write_is_decided_again_locked(clock, monkeypatch, change):
    """The unlocked decision writes only if the balance row is still as its gather read it; here a reset (the
    minutes) or another decision (an open call) changes the row between the two: nothing of the first attempt is
    written, and the decision is made again with the row locked, on what the row now holds."""
    from django.test.utils import CaptureQueriesContext

    facility, inmate = _funded("55555-002")
    other = None
    if change == "open_call":
        other = services.call_authorize(facility=facility, register_number="55555-002", number=NUMBER)
        services.call_complete(call_id=other.pk, duration_seconds=0, facility_ids={facility.pk})
    decided = []

    def decide_while_the_row_changes(facts, now):
        decision = real_decide(facts, now)
        if not decided:  # the first (unlocked) attempt: the row changes after its gather
            if change == "minutes":
                MinuteBalance.objects.filter(inmate=inmate).update(minutes=0)
            else:
                MinuteBalance.objects.filter(inmate=inmate).update(open_call_id=other.pk)
        decided.append(decision)
        return decision

    real_decide = services.decide
    monkeypatch.setattr(services, "decide", decide_while_the_row_changes)
    calls_before = Call.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        call = services.call_authorize(facility=facility, register_number="55555-002", number=NUMBER)
    assert [d.allowed for d in decided] == [True, change == "open_call"]
    assert Call.objects.count() == calls_before + 1  # the first attempt wrote nothing
    assert sum("FOR UPDATE OF" in q["sql"] for q in ctx.captured_queries) == 1
    balance = MinuteBalance.objects.get(inmate=inmate)
    if change == "minutes":
        assert (call.status, call.reasons) == ("denied", ["no_minutes_left"])
        assert balance.open_call_id is None
    else:  # the row points at a call no longer in progress (completed): the second decision allows, on the new row
        assert call.status == "authorized"
        assert balance.open_call_id == call.pk
