"""Celery tasks of the emergencies app: e-mails to wardens, escalation and expiry (periodic).

Tasks are passed ids and read fresh rows; they are safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse

from approvals.numbers import display_number
from facilities.models import Role
from facilities.times import local_time_label

from . import services
from .models import EmergencyRequest


def _warden_emails(facility_id: int) -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role_assignments__role=Role.WARDEN, role_assignments__facility_id=facility_id))
        .exclude(email="")
        .distinct()
    )
    return sorted({u.email for u in users})


def _body(request: EmergencyRequest, intro: str) -> str:
    path = reverse("emergency-detail", kwargs={"code": request.facility.code, "pk": request.pk})
    base = settings.PORTAL_BASE_URL
    return (
        f"{intro}\n\n"
        f"Inmate: {request.inmate.last_name}, {request.inmate.first_name} ({request.inmate.register_number})\n"
        f"Category: {request.get_category_display()}\n"
        f"Caller: {request.caller_name} ({request.relationship}), {display_number(request.caller_number)}\n"
        f"Came in: {request.get_channel_display().lower()} at {local_time_label(request.received_at, request.facility)} ({request.facility.timezone})\n\n"
        f"What happened:\n{request.description}\n\n"
        f"Decide it here: {base}{path}\n"
    )


def _send(request: EmergencyRequest, subject: str, intro: str) -> int:
    recipients = _warden_emails(request.facility_id)
    if not recipients:
        return 0
    message = (subject, _body(request, intro), settings.DEFAULT_FROM_EMAIL, recipients)
    return send_mass_mail([message], fail_silently=False)


@shared_task(name="emergencies.notify_new")
def emergency_notify_new(request_id: int) -> int:
    request = EmergencyRequest.objects.select_related("facility", "inmate").filter(pk=request_id).first()
    if request is None or not request.is_open:
        return 0
    subject = f"[{request.facility.code}] Emergency request: {request.get_category_display().lower()} — {request.inmate.register_number}"
    return _send(request, subject, "A family member asked to speak with an inmate. A warden must decide.")


@shared_task(name="emergencies.notify_escalated")
def emergency_notify_escalated(request_id: int) -> int:
    request = EmergencyRequest.objects.select_related("facility__policy", "inmate").filter(pk=request_id).first()
    if request is None or not request.is_open:
        return 0
    hours = request.facility.policy.emergency_escalation_hours
    subject = f"[{request.facility.code}] ESCALATED emergency request — {request.inmate.register_number} undecided"
    return _send(request, subject, f"This emergency request is still undecided {hours} hour(s) after it came in.")


@shared_task(name="emergencies.escalate_overdue")
def emergency_escalate_overdue() -> int:
    return len(services.emergency_requests_escalate())


@shared_task(name="emergencies.expire_windows")
def emergency_expire_windows() -> int:
    return len(services.emergency_windows_expire())
