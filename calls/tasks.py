"""Celery tasks of the calls app. Tasks are passed ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import reset, services


@shared_task(name="calls.reset_dispatch")
def reset_dispatch() -> list[int]:
    """Every 15 minutes: queue one reset per facility whose local reset moment has passed."""
    return reset.reset_dispatch()


# Acknowledged only when done, and delivered again when its worker process dies (the settings say so for every
# task; said here too because the reset relies on it). A worker killed outright: see calls/reset.py.
@shared_task(name="calls.facility_reset_run", acks_late=True, reject_on_worker_lost=True)
def facility_reset_run(reset_id: int) -> dict:
    record = reset.facility_reset_run(reset_id=reset_id)
    return {"reset": record.pk, "status": record.status, "inmates": record.inmates_reset}


@shared_task(name="calls.expire_authorizations")
def expire_authorizations() -> int:
    """Authorisations the platform never reported complete lapse."""
    return services.call_authorizations_expire()
