"""The e-mail an investigator receives when something they watch calls or is called (sent by the task
``investigations.watch_alerts`` after the call decision committed)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse

from core.numbers import display_number
from facilities.times import local_time_label

from .models import WatchAlert


def alert_message(alert: WatchAlert) -> tuple[str, str, str, list[str]]:
    watch = alert.watch
    outcome = "allowed" if alert.allowed else "denied"
    subject = f"[{alert.facility.code}] Watch alert: {watch.target_label} — a call was {outcome}"
    body = (
        f"Something on your watch list was part of a call attempt.\n\n"
        f"Watched: {watch.get_kind_display().lower()}, {watch.target_label}\n"
        f"Inmate: {alert.inmate.last_name}, {alert.inmate.first_name} ({alert.inmate.register_number})\n"
        f"Number dialled: {display_number(alert.number)}\n"
        f"Decision: the call was {outcome}\n"
        f"When: {local_time_label(alert.occurred_at, alert.facility)} ({alert.facility.timezone})\n\n"
        f"Your watch list: {settings.PORTAL_BASE_URL}{reverse('investigations-watches')}\n"
    )
    return subject, body, settings.DEFAULT_FROM_EMAIL, [watch.owner.email]


def send_alerts(alerts: list[WatchAlert]) -> int:
    """One e-mail per alert to its entry's owner (none for an owner without an address)."""
    messages = [alert_message(a) for a in alerts if a.watch.owner.email]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
