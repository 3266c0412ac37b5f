import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from facilities.models import CallingPolicy
from facilities.services import policy_update
from tests.auth import signed_in


def test_defaults_are_the_seeds_values(home):
    policy = home.policy
    assert (policy.monthly_minutes, policy.per_call_minutes, policy.call_gap_minutes) == (300, 15, 60)
    assert (policy.reset_day, policy.list_size, policy.review_target_days) == (1, 30, 7)
    assert policy.list_mode == CallingPolicy.ListMode.SELF_MANAGED


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"per_call_minutes": 0}, "per_call_minutes", "at least 1 minute"),
        ({"reset_day": 31}, "reset_day", "between 1 and 28"),
        ({"reset_day": 0}, "reset_day", "between 1 and 28"),
        ({"calling_hours_start": dt.time(22), "calling_hours_end": dt.time(6)}, "calling_hours_end", "end after they start"),
        ({"calling_hours_start": dt.time(8), "calling_hours_end": dt.time(8)}, "calling_hours_end", "end after they start"),
        ({"list_size": 0}, "list_size", "at least 1 number"),
        ({"review_target_days": 0}, "review_target_days", "at least 1 day"),
        ({"bonus_nov": 20000}, "bonus_nov", "cannot exceed 10,000"),
        ({"list_mode": "anything"}, "list_mode", "not a valid choice"),
    ],
)
def test_invalid_values_are_refused_with_a_clear_message_and_change_nothing(home, warden, changes, field, message):
    before = CallingPolicy.objects.get(facility=home)
    with pytest.raises(ValidationError) as exc:
        policy_update(facility=home, actor=warden, reason="test", **changes)
    assert message in " ".join(exc.value.message_dict[field])
    after = CallingPolicy.objects.get(facility=home)
    assert [getattr(after, f.name) for f in CallingPolicy._meta.fields] == [
        getattr(before, f.name) for f in CallingPolicy._meta.fields
    ]
    assert not AuditEvent.objects.filter(action="policy_changed").exists()


def test_a_change_keeps_its_history_who_when_old_and_new(home, warden):
    policy_update(facility=home, actor=warden, reason="Holiday minutes", bonus_dec=100, per_call_minutes=20)
    event = AuditEvent.objects.get(action="policy_changed")
    assert event.actor == warden
    assert event.facility == home
    assert event.reason == "Holiday minutes"
    assert event.data == {"bonus_dec": {"old": 0, "new": 100}, "per_call_minutes": {"old": 15, "new": 20}}
    latest = home.policy.history.order_by("-history_date").first()
    assert latest.per_call_minutes == 20
    assert latest.history_change_reason == "Holiday minutes"


def test_no_change_records_nothing(home, warden):
    policy_update(facility=home, actor=warden, reason="nothing", per_call_minutes=15)
    assert not AuditEvent.objects.filter(action="policy_changed").exists()


def test_bonus_for_month(home):
    policy_update(facility=home, actor=None, bonus_nov=100)
    home.policy.refresh_from_db()
    assert home.policy.bonus_for_month(11) == 100
    assert home.policy.bonus_for_month(1) == 0


def test_database_refuses_a_reset_day_of_31(home):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        CallingPolicy.objects.filter(facility=home).update(reset_day=31)


def test_a_long_reason_is_kept_whole_in_the_audit_and_never_a_500(client, home, warden):
    from django.urls import reverse

    from facilities.forms import PolicyForm

    long = "The state's new visiting and telephone rules take effect on the first of next month. " * 40
    data = {k: v for k, v in PolicyForm(instance=home.policy).initial.items() if v is not None}
    data.update({"monthly_minutes": 400, "reason": long,
                 "calling_hours_start": "06:00", "calling_hours_end": "23:00"})
    signed_in(client, warden)
    response = client.post(reverse("facility-policy", args=[home.code]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    home.policy.refresh_from_db()
    assert home.policy.monthly_minutes == 400
    assert AuditEvent.objects.get(action="policy_changed").reason == long.strip()
    assert home.policy.history.first().history_change_reason == long.strip()
