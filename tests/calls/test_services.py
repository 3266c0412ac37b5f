"""The minute ledger and phone restrictions (services)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from calls import services
from calls.models import LedgerEntry, MinuteBalance, PhoneRestriction
from calls.selectors import ledger_sum
from core.errors import IllegalTransition

pytestmark = pytest.mark.django_db


def test_extra_grant_requires_a_reason_and_a_sane_amount(funded, warden):
    for minutes, reason in [(10, ""), (0, "x"), (-5, "x"), (10_001, "x")]:
        with pytest.raises(ValidationError):
            services.minutes_grant_extra(inmate=funded, minutes=minutes, reason=reason, actor=warden)
    assert not LedgerEntry.objects.filter(kind="extra_grant").exists()
    entry = services.minutes_grant_extra(inmate=funded, minutes=100, reason="November extra", actor=warden)
    assert entry.balance_after == 400 and entry.actor == warden
    assert AuditEvent.objects.filter(action="minutes_granted", reason="November extra").exists()
    assert MinuteBalance.objects.get(inmate=funded).minutes == ledger_sum(inmate=funded) == 400


def test_ledger_is_append_only(funded):
    entry = LedgerEntry.objects.filter(inmate=funded).first()
    entry.minutes = 9999
    with pytest.raises(IllegalTransition):
        entry.save()
    with pytest.raises(IllegalTransition):
        entry.delete()


def test_restriction_impose_and_lift(funded, warden, clock):
    now = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError):
        services.restriction_impose(inmate=funded, starts_at=now, ends_at=now - dt.timedelta(days=1), reason="x", actor=warden)
    with pytest.raises(ValidationError):
        services.restriction_impose(inmate=funded, starts_at=now, ends_at=None, reason="  ", actor=warden)
    r = services.restriction_impose(inmate=funded, starts_at=now, ends_at=None, reason="Hearing 5", actor=warden)
    assert r.is_active() and AuditEvent.objects.filter(action="phone_restriction_imposed").exists()
    with pytest.raises(IllegalTransition):
        services.restriction_lift(restriction=r, reason="", actor=warden)
    services.restriction_lift(restriction=r, reason="Appeal granted", actor=warden)
    r.refresh_from_db()
    assert not r.is_active() and r.lifted_by == warden
    assert r.history.count() == 2
    with pytest.raises(IllegalTransition):
        services.restriction_lift(restriction=r, reason="again", actor=warden)


def test_an_ended_restriction_cannot_be_lifted(funded, warden, clock):
    now = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
    r = services.restriction_impose(inmate=funded, starts_at=now - dt.timedelta(days=10), ends_at=now - dt.timedelta(days=1),
                                    reason="Old", actor=warden)
    with pytest.raises(IllegalTransition):
        services.restriction_lift(restriction=r, reason="x", actor=warden)
    assert PhoneRestriction.objects.get(pk=r.pk).lifted_at is None
