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
