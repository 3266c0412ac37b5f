"""Intake and the warden's decisions, as services."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import IllegalTransition
from core.numbers import NumberNotCallable
from emergencies import services
from emergencies.models import EmergencyRequest, EmergencyRequestEvent
from facilities.models import Role
from tests.approvals.factories import BlockedNumberFactory, NoContactOrderFactory
from tests.factories import InmateFactory, user_with_role

from .conftest import NUMBER

pytestmark = pytest.mark.django_db

Status = EmergencyRequest.Status


@pytest.fixture(autouse=True)
def _warden_email(warden):
    warden.email = "warden@example.org"
    warden.save()


def test_intake_normalises_screens_records_and_notifies_wardens(
    log_request, staff, home, other_warden, django_capture_on_commit_callbacks
):
    other_warden.email = "outsider@example.org"
    other_warden.save()
    second = user_with_role(Role.WARDEN, home, username="warden2", email="w2@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        request = log_request()
    assert request.caller_number == NUMBER
    assert request.status == Status.OPEN and request.logged_by == staff
    assert request.findings == []
    assert request.events.get().kind == EmergencyRequestEvent.Kind.LOGGED
    assert AuditEvent.objects.filter(action="emergency_request_logged", target_id=str(request.pk), actor=staff).exists()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(["warden@example.org", second.email])
    assert "12345-001" in mail.outbox[0].subject and "Mary Lovelace" in mail.outbox[0].body


def test_no_email_before_commit(log_request, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log_request()
    assert len(callbacks) == 1 and mail.outbox == []


def test_intake_stores_findings(log_request, inmate, home):
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], order_number="NCO-7")
    request = log_request()
    assert [f["code"] for f in request.findings] == ["no_contact_order"]
    assert request.findings[0]["severity"] == "block" and "NCO-7" in request.findings[0]["message"]


@pytest.mark.parametrize("number,code", [("12", "invalid_number"), ("1-800-555-0199", "toll_free"), ("", "invalid_number")])
def test_intake_refuses_uncallable_numbers_and_writes_nothing(log_request, number, code):
    with pytest.raises(NumberNotCallable) as exc:
        log_request(caller_number=number)
    assert exc.value.code == code
    assert not EmergencyRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="emergency").exists()


def test_intake_refuses_other_facility_inmates_released_and_future(log_request, other_inmate, home):
    with pytest.raises(services.EmergencyError):
        log_request(inmate=other_inmate)
    released = InmateFactory(facility=home, status="released", released_on=dt.date(2024, 6, 1))
    with pytest.raises(services.EmergencyError) as exc:
        log_request(inmate=released)
    assert exc.value.code == "not_in_custody"
    with pytest.raises(services.EmergencyError) as exc:
        log_request(received_at=timezone.now() + dt.timedelta(hours=2))
    assert exc.value.code == "received_in_future"
    assert not EmergencyRequest.objects.exists()


def test_approve_with_defaults(open_request, warden):
    before = timezone.now()
    request = services.emergency_request_approve(request=open_request, actor=warden)
    assert request.status == Status.APPROVED and request.decided_by == warden
    assert request.window_start >= before and request.window_end - request.window_start == dt.timedelta(hours=24)
    assert (request.call_minutes, request.charged) == (15, False)
    event = AuditEvent.objects.get(action="emergency_call_approved")
    assert event.actor == warden and event.data["call_minutes"] == 15
    assert request.events.filter(kind="approved", actor=warden, from_status="open", to_status="approved").exists()
    assert request.history.first().history_change_reason == "approved"


def test_approve_with_choices(open_request, warden):
    start = timezone.now() + dt.timedelta(hours=2)
    request = services.emergency_request_approve(
        request=open_request.pk, actor=warden, window_start=start, window_hours=6, call_minutes=30, charged=True,
        note="Hospital confirmed.",
    )
    assert (request.window_start, request.window_end) == (start, start + dt.timedelta(hours=6))
    assert (request.call_minutes, request.charged, request.decision_note) == (30, True, "Hospital confirmed.")


@pytest.mark.parametrize("kwargs,code", [({"window_hours": 0}, "invalid_window"), ({"window_hours": 73}, "invalid_window"),
                                         ({"call_minutes": 0}, "invalid_length"), ({"call_minutes": 61}, "invalid_length")])
def test_approve_refuses_bad_values(open_request, warden, kwargs, code):
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_approve(request=open_request, actor=warden, **kwargs)
    assert exc.value.code == code
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN


def test_message_only(open_request, warden):
    at = timezone.now() - dt.timedelta(minutes=1)
    request = services.emergency_request_message_only(
        request=open_request, actor=warden, delivered_by="Chaplain Ortiz", delivered_at=at, note="Told in person."
    )
    assert request.status == Status.MESSAGE_ONLY
    assert (request.message_delivered_by, request.message_delivered_at) == ("Chaplain Ortiz", at)
    assert AuditEvent.objects.filter(action="emergency_message_only", actor=warden).exists()


@pytest.mark.parametrize(
    "kwargs,code",
    [({"delivered_by": "  "}, "delivered_by_required"),
     ({"delivered_at": timezone.now() + dt.timedelta(days=1)}, "delivered_in_future"),
     ({"delivered_at": timezone.now() - dt.timedelta(days=1)}, "delivered_before_request")],
)
def test_message_only_refuses_bad_values(open_request, warden, kwargs, code):
    values = {"delivered_by": "Chaplain", **kwargs}
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_message_only(request=open_request, actor=warden, **values)
    assert exc.value.code == code
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN


def test_deny_needs_a_reason(open_request, warden):
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_deny(request=open_request, actor=warden, reason="   ")
    assert exc.value.code == "reason_required"
    request = services.emergency_request_deny(request=open_request, actor=warden, reason="Could not verify the death.")
    assert request.status == Status.DENIED and request.decision_note == "Could not verify the death."
    assert AuditEvent.objects.get(action="emergency_request_denied").reason == "Could not verify the death."


def test_no_contact_order_rules_out_approval_and_message(open_request, warden, inmate):
    # The order arrives after intake: the decision screens again.
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER])
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_approve(request=open_request, actor=warden)
    assert exc.value.code == "approval_ruled_out" and "no-contact order" in exc.value.message
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_message_only(request=open_request, actor=warden, delivered_by="Chaplain")
    assert exc.value.code == "message_ruled_out"
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN and open_request.findings[0]["code"] == "no_contact_order"
    assert AuditEvent.objects.filter(action="emergency_decision_refused", actor=warden).count() == 2
    assert open_request.events.filter(kind="decision_refused").count() == 2
    # Denial stays possible.
    assert services.emergency_request_deny(request=open_request, actor=warden, reason="Court order.").status == Status.DENIED


def test_blocked_number_rules_out_approval_only(open_request, warden, home):
    BlockedNumberFactory(number=NUMBER, facility=home)
    with pytest.raises(services.EmergencyError) as exc:
        services.emergency_request_approve(request=open_request, actor=warden)
    assert exc.value.code == "approval_ruled_out"
    request = services.emergency_request_message_only(request=open_request, actor=warden, delivered_by="Chaplain")
    assert request.status == Status.MESSAGE_ONLY


def test_only_a_warden_of_the_facility_decides(open_request, staff, other_warden, auditor):
    for actor in (staff, other_warden, auditor):
        with pytest.raises(PermissionDenied):
            services.emergency_request_deny(request=open_request, actor=actor, reason="No.")
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN


def test_a_decided_request_cannot_be_decided_again(open_request, warden):
    services.emergency_request_deny(request=open_request, actor=warden, reason="No.")
    with pytest.raises(services.AlreadyDecided) as exc:
        services.emergency_request_approve(request=open_request, actor=warden)
    assert "already decided" in exc.value.message and exc.value.record.status == Status.DENIED


@pytest.mark.parametrize(
    "current,wanted",
    [(Status.OPEN, Status.COMPLETED), (Status.OPEN, Status.EXPIRED), (Status.DENIED, Status.APPROVED),
     (Status.MESSAGE_ONLY, Status.OPEN), (Status.APPROVED, Status.DENIED), (Status.COMPLETED, Status.EXPIRED)],
)
def test_illegal_transitions_are_refused(current, wanted):
    request = EmergencyRequest(status=current)
    with pytest.raises(IllegalTransition) as exc:
        request.transition_to(wanted, actor=None)
    assert "cannot become" in str(exc.value)
    assert request.status == current
