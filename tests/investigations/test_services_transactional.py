"""Every writing service of investigations, called as production calls it: with no transaction around it."""

import pytest

from investigations import services
from investigations.models import Review, WatchAlert, WatchEntry
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from .conftest import END, NOON

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {
    "investigations.services": {
        "watch_add", "watch_end", "watch_review", "watch_alerts_record", "watch_alerts_mark_emailed",
        "watch_alerts_mark_seen", "block_review",
    },
}


def test_watch_entries_and_alerts_each_in_their_own_transaction(clock, investigator, home, inmate):
    entry = services.watch_add(actor=investigator, facility=home, kind="inmate", inmate=inmate, reason="Intel",
                               ends_on=END)
    review = services.watch_review(watch=entry, actor=investigator, outcome="keep", reason="Still needed")
    assert Review.objects.get() == review
    alerts = services.watch_alerts_record(call_id=7, facility_id=home.pk, inmate_id=inmate.pk,
                                          number="+13125550123", allowed=False, occurred_at=NOON)
    assert [a.watch_id for a in alerts] == [entry.pk]
    assert services.watch_alerts_mark_emailed(alert_ids=[a.pk for a in alerts]) == 1
    assert services.watch_alerts_mark_seen(actor=investigator) == 1
    assert WatchAlert.objects.get().seen_at is not None
    services.watch_end(watch=entry, actor=investigator, reason="Closed")
    assert WatchEntry.objects.get().ended_at is not None


def test_a_block_review_owns_its_transaction(clock, staff, home):
    from approvals.models import BlockedNumber
    from tests.approvals.factories import BlockedNumberFactory

    block = BlockedNumberFactory(facility=home, starts_at=NOON)
    services.block_review(block=block, actor=staff, outcome="end", reason="Investigation closed")
    assert BlockedNumber.objects.get().ended_at is not None and Review.objects.get().outcome == "end"
