"""Demo emergency requests for local use (called by ``manage.py seed_demo``). Safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.errors import DomainError
from facilities.models import Facility, Inmate

from . import services
from .models import EmergencyRequest

Category = EmergencyRequest.Category
Channel = EmergencyRequest.Channel

# facility code, inmate index, caller, number, relationship, category, what happened, channel, hours ago, outcome
DEMO = [
    ("fed-dub", 1, "Rosa Martinez", "(415) 555-0131", "Mother", Category.DEATH,
     "The inmate's father died last night at home.", Channel.PHONE, 1, "open"),
    ("fed-dub", 2, "Kevin Brown", "(415) 555-0177", "Brother", Category.ILLNESS,
     "Their sister was admitted to intensive care after a car crash.", Channel.PHONE, 5, "open"),
    ("fed-dub", 3, "Linda Lee", "(510) 555-0102", "Wife", Category.HOME_LOST,
     "The family home burnt down; the children are staying with neighbours.", Channel.EMAIL, 20, "approved"),
    ("tx-huntsville", 1, "Marcus Jackson", "(936) 555-0144", "Son", Category.DEATH,
     "The inmate's mother passed away this morning.", Channel.IN_PERSON, 3, "open"),
    ("tx-huntsville", 4, "Grace Wilson", "(936) 555-0190", "Aunt", Category.OTHER,
     "Wants to tell him about a family wedding.", Channel.PHONE, 30, "denied"),
    ("cook-county", 2, "Tanya Moore", "(312) 555-0166", "Partner", Category.ILLNESS,
     "Their newborn is in surgery tonight.", Channel.PHONE, 0.5, "open"),
    ("cook-county", 5, "Daniel Davis", "(773) 555-0108", "Father", Category.DEATH,
     "The inmate's grandmother died.", Channel.PHONE, 26, "message_only"),
]


def seed(*, stdout) -> None:
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    warden = User.objects.filter(username="warden").first()
    now = timezone.now()
    created = 0
    for code, index, caller, number, relationship, category, what, channel, hours_ago, outcome in DEMO:
        facility = Facility.objects.filter(code=code).first()
        if facility is None:
            continue
        inmate = (
            Inmate.objects.filter(facility=facility, status=Inmate.Status.IN_CUSTODY)
            .order_by("register_number")[index : index + 1]
            .first()
        )
        if inmate is None or EmergencyRequest.objects.filter(facility=facility, caller_name=caller).exists():
            continue
        request = services.emergency_request_log(
            facility=facility, inmate=inmate, caller_name=caller, caller_number=number, relationship=relationship,
            category=category, description=what, channel=channel,
            received_at=now - dt.timedelta(hours=hours_ago), actor=staff or "seed_demo",
        )
        created += 1
        if warden is None or outcome == "open":
            continue
        try:
            if outcome == "approved":
                services.emergency_request_approve(request=request.pk, actor=warden, note="Verified with the hospital.")
            elif outcome == "denied":
                services.emergency_request_deny(request=request.pk, actor=warden, reason="Not an emergency.")
            elif outcome == "message_only":
                services.emergency_request_message_only(
                    request=request.pk, actor=warden, delivered_by="Chaplain R. Ortiz",
                    delivered_at=now - dt.timedelta(hours=hours_ago - 1), note="The chaplain told him in person.",
                )
        except DomainError as exc:
            stdout.write(f"  emergency demo: request #{request.pk} left open ({exc.message})")
    services.emergency_requests_escalate()
    stdout.write(f"Emergency requests: {created} demo request(s) added.")
