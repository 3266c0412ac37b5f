import io

import pytest

from approvals import demo
from approvals.models import BlockedNumber, CourtCase, NoContactOrder, PhoneListEntry
from facilities.management.commands.seed_demo import Command

pytestmark = pytest.mark.django_db


def test_demo_seed_is_safe_to_run_twice():
    command = Command(stdout=io.StringIO())
    command._facilities()
    command._inmates()
    command._users()
    demo.seed(stdout=io.StringIO())
    counts = (PhoneListEntry.objects.count(), CourtCase.objects.count(), NoContactOrder.objects.count(),
              BlockedNumber.objects.count())
    assert counts[1:] == (3, 3, 3) and counts[0] > 100
    statuses = set(PhoneListEntry.objects.values_list("status", flat=True))
    assert {"live", "pending", "denied"} <= statuses
    demo.seed(stdout=io.StringIO())
    assert (PhoneListEntry.objects.count(), CourtCase.objects.count(), NoContactOrder.objects.count(),
            BlockedNumber.objects.count()) == counts
