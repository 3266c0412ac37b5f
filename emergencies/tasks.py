"""Celery tasks of the emergencies app: e-mails to wardens, escalation and expiry (periodic).

Tasks are passed ids and call the services (``emergencies.notifications`` for the e-mails); they are safe to run
twice.
"""

from __future__ import annotations

from celery import shared_task

from . import notifications, services


@shared_task(name="emergencies.notify_new")
def emergency_notify_new(request_id: int) -> int:
    return notifications.notify_new(request_id=request_id)


@shared_task(name="emergencies.notify_escalated")
def emergency_notify_escalated(request_id: int) -> int:
    return notifications.notify_escalated(request_id=request_id)


@shared_task(name="emergencies.escalate_overdue")
def emergency_escalate_overdue() -> int:
    return len(services.emergency_requests_escalate())


@shared_task(name="emergencies.expire_windows")
def emergency_expire_windows() -> int:
    return len(services.emergency_windows_expire())
