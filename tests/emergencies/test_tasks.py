"""Periodic tasks: escalation of undecided requests, expiry of unused approved windows."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from emergencies import services, tasks
from emergencies.models import EmergencyRequest
from emergencies.selectors import emergency_counts, emergency_grant_for
from facilities.services import policy_update

from .conftest import NUMBER
from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db

Status = EmergencyRequest.Status


@pytest.fixture(autouse=True)
def _warden_email(warden):
    warden.email = "warden@example.org"
    warden.save()


def test_beat_schedules_both_tasks():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"emergencies.escalate_overdue", "emergencies.expire_windows"} <= tasks_scheduled


def test_escalation_after_the_policy_hours(inmate, home, warden, django_capture_on_commit_callbacks):
    now = timezone.now()
    late = EmergencyRequestFactory(inmate=inmate, received_at=now - dt.timedelta(hours=2, minutes=1))
    fresh = EmergencyRequestFactory(inmate=inmate, received_at=now - dt.timedelta(hours=1, minutes=59))
    decided = EmergencyRequestFactory(inmate=inmate, received_at=now - dt.timedelta(hours=5), status=Status.DENIED)
    assert emergency_counts(facility=home) == {"open": 2, "escalated": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.emergency_escalate_overdue.delay().get() == 1
    late.refresh_from_db(), fresh.refresh_from_db(), decided.refresh_from_db()
    assert late.escalated_at is not None and fresh.escalated_at is None and decided.escalated_at is None
    assert late.events.get(kind="escalated").actor_label == "system"
    assert AuditEvent.objects.filter(action="emergency_request_escalated", target_id=str(late.pk)).count() == 1
    assert len(mail.outbox) == 1 and "ESCALATED" in mail.outbox[0].subject and mail.outbox[0].to == [warden.email]
    # Run again: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.emergency_escalate_overdue.delay().get() == 0
    assert len(mail.outbox) == 1


def test_escalation_follows_each_facility_policy(inmate, home, warden):
    policy_update(facility=home, actor=warden, reason="Faster escalation", emergency_escalation_hours=1)
    request = EmergencyRequestFactory(inmate=inmate, received_at=timezone.now() - dt.timedelta(minutes=61))
    assert services.emergency_requests_escalate() == [request.pk]
    assert emergency_counts(facility=home)["escalated"] == 1


def test_expiry_of_unused_windows(inmate, home):
    now = timezone.now()
    past = EmergencyRequestFactory(inmate=inmate, approved=True, window_start=now - dt.timedelta(hours=25),
                                   window_end=now - dt.timedelta(hours=1))
    current = EmergencyRequestFactory(inmate=inmate, approved=True)
    used = EmergencyRequestFactory(inmate=inmate, approved=True, window_start=now - dt.timedelta(hours=25),
                                   window_end=now - dt.timedelta(hours=1), used_at=now - dt.timedelta(hours=2))
    assert tasks.emergency_expire_windows.delay().get() == 1
    past.refresh_from_db(), current.refresh_from_db(), used.refresh_from_db()
    assert past.status == Status.EXPIRED and past.closed_at is not None
    assert current.status == Status.APPROVED and used.status == Status.APPROVED
    assert AuditEvent.objects.filter(action="emergency_approval_expired", target_id=str(past.pk)).exists()
    assert past.events.get(kind="expired").from_status == "approved"
    assert tasks.emergency_expire_windows.delay().get() == 0
    # An expired approval allows no call.
    with transaction.atomic():
        assert emergency_grant_for(inmate=inmate, number=past.caller_number, at=now - dt.timedelta(hours=2)) is None


def test_a_late_completion_still_closes_an_expired_request(inmate):
    now = timezone.now()
    request = EmergencyRequestFactory(inmate=inmate, caller_number=NUMBER, status=Status.EXPIRED,
                                      used_at=now - dt.timedelta(hours=3))
    services.emergency_call_completed(call=SimpleNamespace(pk=9, emergency_request_id=request.pk))
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_notification_of_a_decided_request_is_skipped(inmate):
    request = EmergencyRequestFactory(inmate=inmate, status=Status.DENIED)
    assert tasks.emergency_notify_new(request.pk) == 0
    assert tasks.emergency_notify_escalated(request.pk) == 0
    assert tasks.emergency_notify_new(999999) == 0
    assert mail.outbox == []
