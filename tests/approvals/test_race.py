"""Two reviewers deciding the same entry at once, on PostgreSQL: the second sees who decided it."""

import threading
import time

import pytest
from django.db import connection, transaction

from approvals import services
from approvals.models import EntryTransition, PhoneListEntry

from .factories import PhoneListEntryFactory


@pytest.mark.django_db(transaction=True)
def test_second_reviewer_sees_the_first_decision(inmate, staff, warden):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING)
    locked = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                services.entry_deny(entry=entry, actor=staff, reason="security_concern")
                locked.set()
                time.sleep(0.5)  # keep the row locked while the second reviewer tries
        finally:
            locked.set()
            connection.close()

    def second():
        locked.wait(5)
        try:
            services.entry_approve(entry=entry, actor=warden, note="ok")
            outcome["second"] = "approved"
        except services.AlreadyDecided as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    exc = outcome["second"]
    assert isinstance(exc, services.AlreadyDecided)
    assert "denied" in exc.message and staff.get_full_name() in exc.message
    entry.refresh_from_db()
    assert entry.status == PhoneListEntry.Status.DENIED and entry.decided_by == staff
    assert EntryTransition.objects.filter(entry=entry).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one_entry(inmate, staff):
    barrier = threading.Barrier(2)
    results = []

    def request():
        try:
            barrier.wait(5)
            results.append(services.entry_add(inmate=inmate, number="312-555-0147", contact_name="Jo",
                                              relationship="friend", source="kiosk", actor=staff).status)
        except services.EntryError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results, key=str).count("already_on_list") == 1
    assert PhoneListEntry.objects.filter(inmate=inmate).count() == 1
