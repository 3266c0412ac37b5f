import io

import pytest
from django.db.models import Sum

from calls import demo
from calls.models import Call, LedgerEntry, MinuteBalance, MonthlyReset

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_safe_to_run_twice():
    facility = FacilityFactory(code="fed-dub", timezone="America/Los_Angeles")
    for _ in range(6):
        InmateFactory(facility=facility)
    demo.seed(stdout=io.StringIO())
    calls, entries = Call.objects.count(), LedgerEntry.objects.count()
    assert calls > 0 and MonthlyReset.objects.get().status == "done"
    demo.seed(stdout=io.StringIO())
    assert (Call.objects.count(), LedgerEntry.objects.count()) == (calls, entries)
    for balance in MinuteBalance.objects.all():
        assert LedgerEntry.objects.filter(inmate_id=balance.inmate_id).aggregate(s=Sum("minutes"))["s"] == balance.minutes
