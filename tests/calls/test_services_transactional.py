"""Every writing service of calls (the ledger, restrictions, the call decision, the reset), called as
production calls it: with no transaction around it (see tests/facilities/test_services_transactional.py)."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from calls import reset, services
from calls.models import Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction
from tests.approvals.factories import PhoneListEntryFactory
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from ..factories import InmateFactory
from .conftest import NOON
from .factories import NUMBER

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {
    "calls.services": {
        "minutes_grant_on_booking", "minutes_grant_extra", "restriction_impose", "restriction_lift", "call_authorize",
        "call_complete", "call_authorizations_expire",
    },
    "calls.reset": {"reset_dispatch", "facility_reset_run", "reset_group_run"},
}


def test_minutes_and_restrictions_each_in_their_own_transaction(clock, inmate, warden):
    balance = services.minutes_grant_on_booking(inmate=inmate, actor="jms")
    assert MinuteBalance.objects.get(inmate=inmate).minutes == balance.minutes == 300
    entry = services.minutes_grant_extra(inmate=inmate, minutes=45, reason="legal research", actor=warden)
    assert (entry.balance_after, MinuteBalance.objects.get(inmate=inmate).minutes) == (345, 345)
    assert LedgerEntry.objects.get(pk=entry.pk).actor == warden

    restriction = services.restriction_impose(inmate=inmate, starts_at=NOON, ends_at=NOON + dt.timedelta(days=7),
                                              reason="Hearing 2026-114", actor=warden)
    services.restriction_lift(restriction=restriction, reason="Appeal granted", actor=warden)
    assert PhoneRestriction.objects.get(pk=restriction.pk).lifted_by == warden
    assert {"minutes_granted_on_booking", "minutes_granted", "phone_restriction_imposed",
            "phone_restriction_lifted"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_a_call_is_authorized_completed_and_another_expires_each_in_its_own_transaction(clock, home, inmate,
                                                                                        platform):
    services.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    client = platform.platform_client
    call = services.call_authorize(facility=home, register_number="12345-001", number=NUMBER, client=client)
    assert Call.objects.get(pk=call.pk).status == Call.Status.AUTHORIZED
    denied = services.call_authorize(facility=home, register_number="12345-001", number=NUMBER, client=client)
    assert Call.objects.get(pk=denied.pk).reasons == ["call_in_progress", "too_soon"]
    done = services.call_complete(call_id=call.pk, duration_seconds=125, facility_ids={home.pk}, client=client)
    assert (done.minutes_charged, done.minutes_remaining) == (3, 297)
    assert MinuteBalance.objects.get(inmate=inmate).minutes == 297

    clock.move_to(NOON + dt.timedelta(hours=2))
    second = services.call_authorize(facility=home, register_number="12345-001", number=NUMBER, client=client)
    assert second.status == Call.Status.AUTHORIZED
    assert services.call_authorizations_expire(now=NOON + dt.timedelta(days=1)) == 1
    assert Call.objects.get(pk=second.pk).status == Call.Status.EXPIRED
    assert MinuteBalance.objects.get(inmate=inmate).open_call_id is None
    # The decisions' audit records are the call rows themselves; completion and expiry are audit events.
    assert ["call_completed", "call_authorizations_expired"] == list(
        AuditEvent.objects.filter(action__startswith="call_").order_by("pk").values_list("action", flat=True))
    assert [(c.status, c.client_id) for c in Call.objects.order_by("pk")] == [
        (Call.Status.COMPLETED, client.pk), (Call.Status.DENIED, client.pk), (Call.Status.EXPIRED, client.pk)]


def test_the_monthly_reset_dispatches_and_runs_with_no_transaction_around_it(clock, home):
    inmate = InmateFactory(facility=home)
    queued = reset.reset_dispatch(now=NOON)  # the run is queued at commit (eager here: it runs at once)
    record = MonthlyReset.objects.get(facility=home)
    assert record.pk in queued
    assert record.status == MonthlyReset.Status.DONE and record.inmates_reset == 1
    assert MinuteBalance.objects.get(inmate=inmate).minutes == home.policy.monthly_minutes
    again = reset.facility_reset_run(reset_id=record.pk)  # a second run changes nothing
    assert again.status == MonthlyReset.Status.DONE and again.runs == 1
    assert LedgerEntry.objects.filter(inmate=inmate, kind=LedgerEntry.Kind.MONTHLY_GRANT).count() == 1
    assert AuditEvent.objects.filter(action="minutes_reset", facility=home).count() == 1


def test_a_reset_group_runs_two_facilities_with_no_transaction_around_it(clock, home):
    from ..factories import FacilityFactory

    other = FacilityFactory(code="group-other", timezone="America/Chicago", policy__monthly_minutes=450)
    here, there = InmateFactory(facility=home), InmateFactory(facility=other)
    period, at = dt.date(2026, 5, 1), dt.datetime(2026, 5, 1, 5, 0, tzinfo=dt.UTC)
    records = [MonthlyReset.objects.create(facility=f, period=period, reset_at=at) for f in (home, other)]
    done = reset.reset_group_run(reset_ids=[r.pk for r in records])
    assert [(r.status, r.inmates_reset, r.minutes_granted) for r in done] == [
        (MonthlyReset.Status.DONE, 1, home.policy.monthly_minutes), (MonthlyReset.Status.DONE, 1, 450)]
    assert MinuteBalance.objects.get(inmate=here).minutes == home.policy.monthly_minutes
    assert MinuteBalance.objects.get(inmate=there).minutes == 450
    assert AuditEvent.objects.filter(action="minutes_reset").count() == 2
