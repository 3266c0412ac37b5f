"""Every writing service of emergencies, called as production calls it: with no transaction around it
(see tests/facilities/test_services_transactional.py), from intake to the completed call."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from calls import services as calls_services
from emergencies import services
from emergencies.models import EmergencyRequest, EmergencyRequestEvent
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

Status = EmergencyRequest.Status
Kind = EmergencyRequestEvent.Kind
NOON = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 09:00 in Chicago, inside the calling hours

EXERCISED = {
    "emergencies.services": {
        "emergency_request_log", "emergency_request_approve", "emergency_request_message_only",
        "emergency_request_deny", "emergency_grant_use", "emergency_call_completed", "emergency_requests_escalate",
        "emergency_windows_expire",
    },
}
# Services that only run inside another service's transaction, and the call that exercises them here.
VIA = {"emergency_grant_use": "call_authorize", "emergency_call_completed": "call_complete"}


def _log(home, inmate, staff, number="(312) 555-0142", **extra):
    return services.emergency_request_log(
        facility=home, inmate=inmate, caller_name="Mary Lovelace", caller_number=number, relationship="Mother",
        category=EmergencyRequest.Category.DEATH, description="The inmate's father died this morning.",
        channel=EmergencyRequest.Channel.PHONE, actor=staff, **extra,
    )


def _kinds(request) -> list[str]:
    return list(EmergencyRequestEvent.objects.filter(request=request).order_by("pk").values_list("kind", flat=True))


def test_from_intake_to_the_completed_call_each_step_in_its_own_transaction(time_machine, home, inmate, staff,
                                                                             warden, platform):
    time_machine.move_to(NOON, tick=False)
    request = _log(home, inmate, staff)
    assert EmergencyRequest.objects.get(pk=request.pk).caller_number == "+13125550142"
    services.emergency_request_approve(request=request.pk, actor=warden, window_hours=4, call_minutes=10,
                                       note="verified with the hospital")
    assert EmergencyRequest.objects.get(pk=request.pk).status == Status.APPROVED

    client = platform.platform_client
    call = calls_services.call_authorize(facility=home, register_number=inmate.register_number,
                                         number="+13125550142", client=client)  # spends the grant
    assert call.status == "authorized" and call.kind == "emergency" and call.max_minutes == 10
    assert list(EmergencyRequest.objects.get(pk=request.pk).calls.all()) == [call]  # the one link: Call.emergency_request
    calls_services.call_complete(call_id=call.pk, duration_seconds=300, facility_ids={home.pk}, client=client)
    stored = EmergencyRequest.objects.get(pk=request.pk)
    assert stored.status == Status.COMPLETED and stored.closed_at is not None
    assert _kinds(request) == [Kind.LOGGED, Kind.APPROVED, Kind.CALL_ALLOWED, Kind.COMPLETED]
    assert {"emergency_request_logged", "emergency_call_approved", "emergency_call_completed"} <= set(
        AuditEvent.objects.filter(target_id=str(request.pk)).values_list("action", flat=True))


def test_message_only_and_denial_each_in_their_own_transaction(home, inmate, staff, warden):
    passed_on = _log(home, inmate, staff)
    services.emergency_request_message_only(request=passed_on, actor=warden, delivered_by="Chaplain Ruiz")
    stored = EmergencyRequest.objects.get(pk=passed_on.pk)
    assert (stored.status, stored.message_delivered_by, stored.decided_by) == (Status.MESSAGE_ONLY, "Chaplain Ruiz",
                                                                             warden)
    denied = _log(home, inmate, staff, number="(312) 555-0143")
    services.emergency_request_deny(request=denied, actor=warden, reason="Could not be verified")
    stored = EmergencyRequest.objects.get(pk=denied.pk)
    assert (stored.status, stored.decision_note) == (Status.DENIED, "Could not be verified")
    assert _kinds(denied) == [Kind.LOGGED, Kind.DENIED]
    assert AuditEvent.objects.filter(action="emergency_request_denied", target_id=str(denied.pk)).exists()


def test_escalation_and_expiry_each_in_their_own_transaction(home, inmate, staff, warden):
    now = dt.datetime.now(dt.UTC)
    late = _log(home, inmate, staff, received_at=now - dt.timedelta(hours=30))
    assert services.emergency_requests_escalate(now=now) == [late.pk]
    assert EmergencyRequest.objects.get(pk=late.pk).escalated_at is not None
    assert _kinds(late) == [Kind.LOGGED, Kind.ESCALATED]

    unused = _log(home, inmate, staff, number="(312) 555-0144")
    services.emergency_request_approve(request=unused, actor=warden, window_hours=1)
    assert services.emergency_windows_expire(now=now + dt.timedelta(hours=2)) == [unused.pk]
    assert EmergencyRequest.objects.get(pk=unused.pk).status == Status.EXPIRED
    assert AuditEvent.objects.filter(action="emergency_approval_expired", target_id=str(unused.pk)).exists()
