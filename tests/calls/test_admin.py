"""The admin: auditors see only their facilities' calls records, read-only."""

import pytest
from django.urls import reverse

from calls.models import Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction

pytestmark = pytest.mark.django_db

MODELS = [Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_auditor_reads_but_cannot_add(login, auditor, model):
    client = login(auditor)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403


def test_auditor_sees_only_own_facility_calls(login, auditor, live, authorize, other_inmate):
    from calls import services

    services.minutes_grant_on_booking(inmate=other_inmate)
    authorize()
    client = login(auditor)
    html = client.get(reverse("admin:calls_ledgerentry_changelist")).content.decode()
    assert live.inmate.register_number in html and other_inmate.register_number not in html
    csv = b"".join(client.get(reverse("admin:calls_call_changelist") + "?_export=csv").streaming_content).decode()
    assert len(csv.strip().splitlines()) == 2
