"""The contract with the calls app: emergency_grant_for / emergency_grant_use / emergency_call_completed."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from emergencies.models import EmergencyRequest, EmergencyRequestEvent
from emergencies.selectors import EmergencyGrant, emergency_grant_for
from emergencies.services import EmergencyError, emergency_call_completed, emergency_grant_use

from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db

NUMBER = "+13125550142"


@pytest.fixture
def approved(inmate):
    return EmergencyRequestFactory(inmate=inmate, caller_number=NUMBER, approved=True, call_minutes=20, charged=True)


def test_grant_for_an_approved_request_inside_its_window(approved, inmate, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(1):
        grant = emergency_grant_for(inmate=inmate, number=NUMBER, at=timezone.now())
    assert grant == EmergencyGrant(request_id=approved.pk, max_minutes=20, charged=True)


def test_grant_accepts_a_number_not_yet_in_e164(approved, inmate):
    with transaction.atomic():
        assert emergency_grant_for(inmate=inmate, number="(312) 555-0142", at=timezone.now()) is not None
        assert emergency_grant_for(inmate=inmate, number="not a number", at=timezone.now()) is None


@pytest.mark.parametrize(
    "change",
    [
        {"status": EmergencyRequest.Status.OPEN},
        {"status": EmergencyRequest.Status.DENIED},
        {"status": EmergencyRequest.Status.EXPIRED},
        {"used_at": timezone.now()},
    ],
)
def test_no_grant_unless_approved_and_unused(approved, inmate, change):
    EmergencyRequest.objects.filter(pk=approved.pk).update(**change)
    with transaction.atomic():
        assert emergency_grant_for(inmate=inmate, number=NUMBER, at=timezone.now()) is None


def test_no_grant_outside_the_window_or_for_another_number_or_inmate(approved, inmate, other_inmate):
    now = timezone.now()
    with transaction.atomic():
        assert emergency_grant_for(inmate=inmate, number=NUMBER, at=now - dt.timedelta(hours=1)) is None
        assert emergency_grant_for(inmate=inmate, number=NUMBER, at=now + dt.timedelta(hours=25)) is None
        assert emergency_grant_for(inmate=inmate, number="+13125550199", at=now) is None
        assert emergency_grant_for(inmate=other_inmate, number=NUMBER, at=now) is None


def test_use_spends_the_grant_once(approved, inmate):
    call = SimpleNamespace(pk=4242)
    with transaction.atomic():
        grant = emergency_grant_for(inmate=inmate, number=NUMBER, at=timezone.now())
        emergency_grant_use(grant=grant, call=call)
    approved.refresh_from_db()
    assert approved.used_at is not None
    assert approved.events.get(kind=EmergencyRequestEvent.Kind.CALL_ALLOWED).data == {"call_id": 4242}
    assert approved.status == EmergencyRequest.Status.APPROVED
    with transaction.atomic():
        assert emergency_grant_for(inmate=inmate, number=NUMBER, at=timezone.now()) is None
    with pytest.raises(EmergencyError) as exc:
        emergency_grant_use(grant=grant, call=SimpleNamespace(pk=4243))
    assert exc.value.code == "grant_unavailable"
    assert approved.events.filter(kind=EmergencyRequestEvent.Kind.CALL_ALLOWED).count() == 1


def test_completion_closes_the_request_once(approved, inmate):
    call = SimpleNamespace(pk=77, emergency_request_id=approved.pk)
    with transaction.atomic():
        emergency_grant_use(grant=emergency_grant_for(inmate=inmate, number=NUMBER, at=timezone.now()), call=call)
    emergency_call_completed(call=call)
    emergency_call_completed(call=call)
    approved.refresh_from_db()
    assert approved.status == EmergencyRequest.Status.COMPLETED and approved.closed_at is not None
    assert AuditEvent.objects.filter(action="emergency_call_completed", target_id=str(approved.pk)).count() == 1


def test_completion_of_an_unrelated_call_does_nothing(approved):
    emergency_call_completed(call=SimpleNamespace(pk=999, emergency_request_id=None))
    emergency_call_completed(call=SimpleNamespace(pk=998, emergency_request_id=approved.pk))  # its grant unused
    approved.refresh_from_db()
    assert approved.status == EmergencyRequest.Status.APPROVED
