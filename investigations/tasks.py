"""Celery tasks of the investigations app. Queued by name with ``core.tasks.enqueue_on_commit``, passed ids and
plain values; safe to run twice (one alert per entry and call; an alert is e-mailed once)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import notifications, services


@shared_task(name="investigations.watch_alerts")
def watch_alerts(call_id: int, facility_id: int, inmate_id: int, number: str, allowed: bool, occurred_at: str) -> int:
    """Record the alerts of one watched call attempt and e-mail their investigators. Returns e-mails sent."""
    alerts = services.watch_alerts_record(
        call_id=call_id, facility_id=facility_id, inmate_id=inmate_id, number=number, allowed=allowed,
        occurred_at=dt.datetime.fromisoformat(occurred_at),
    )
    sent = notifications.send_alerts(alerts)
    services.watch_alerts_mark_emailed(alert_ids=[a.pk for a in alerts])
    return sent
