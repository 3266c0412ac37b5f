import io

import pytest

from approvals import demo
from approvals.models import BlockedNumber, CourtCase, LibraryNumber, ListLeave, NoContactOrder, PhoneListEntry
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
    # Per facility: a called party's block phoned in, one against one inmate by letter, one from the opt-out key.
    assert counts[1:] == (3, 3, 9) and counts[0] > 100
    assert set(BlockedNumber.objects.values_list("source", flat=True)) == {"phone", "letter", "keypad"}
    assert BlockedNumber.objects.filter(inmate__isnull=False, inmate_told=True).count() == 3
    hotline = LibraryNumber.objects.get(category="prea_hotline")  # one, system-wide
    assert (hotline.system_wide, hotline.monitored, hotline.charged) == (True, False, False)
    assert LibraryNumber.objects.filter(category="public_defender").count() == 3
    assert ListLeave.objects.filter(list_size__isnull=False).count() == 3
    statuses = set(PhoneListEntry.objects.values_list("status", flat=True))
    assert {"live", "pending", "denied"} <= statuses
    demo.seed(stdout=io.StringIO())
    assert (PhoneListEntry.objects.count(), CourtCase.objects.count(), NoContactOrder.objects.count(),
            BlockedNumber.objects.count()) == counts
    assert (LibraryNumber.objects.count(), ListLeave.objects.count()) == (4, 3)
