"""E-mails to a facility's wardens about emergency requests: who gets them and what they say.

Sent by the tasks in ``emergencies.tasks`` (queued after the commit by the services); each reads fresh rows and
sends nothing for a request that is gone or no longer open, so running one twice is harmless.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse

from core.numbers import display_number
from facilities.models import Role
from facilities.times import local_time_label

from .models import EmergencyRequest


def warden_emails(facility_id: int) -> list[str]:
    """The addresses of the active wardens of the facility."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role_assignments__role=Role.WARDEN, role_assignments__facility_id=facility_id))
        .exclude(email="")
        .distinct()
    )
    return sorted({u.email for u in users})


def email_body(request: EmergencyRequest, intro: str) -> str:
    """The e-mail's text: the request, its time of arrival in the facility's local time, the link to decide it."""
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
    recipients = warden_emails(request.facility_id)
    if not recipients:
        return 0
    message = (subject, email_body(request, intro), settings.DEFAULT_FROM_EMAIL, recipients)
    return send_mass_mail([message], fail_silently=False)


def notify_new(*, request_id: int) -> int:
    """Tell the wardens a request was logged. Returns the number of e-mails sent."""
    request = EmergencyRequest.objects.select_related("facility", "inmate").filter(pk=request_id).first()
    if request is None or not request.is_open:
        return 0
    subject = f"[{request.facility.code}] Emergency request: {request.get_category_display().lower()} — {request.inmate.register_number}"
    return _send(request, subject, "A family member asked to speak with an inmate. A warden must decide.")


def notify_escalated(*, request_id: int) -> int:
    """Tell the wardens a request is still undecided past the policy's escalation hours."""
    request = EmergencyRequest.objects.select_related("facility__policy", "inmate").filter(pk=request_id).first()
    if request is None or not request.is_open:
        return 0
    hours = request.facility.policy.emergency_escalation_hours
    subject = f"[{request.facility.code}] ESCALATED emergency request — {request.inmate.register_number} undecided"
    return _send(request, subject, f"This emergency request is still undecided {hours} hour(s) after it came in.")
