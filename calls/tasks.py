"""Celery tasks of the calls app. Tasks are passed ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import reset, services


@shared_task(name="calls.reset_dispatch")
def reset_dispatch() -> list[int]:
    """Every minute: queue the resets of the facilities whose local reset moment has passed, grouped by moment."""
    return reset.reset_dispatch()


# Acknowledged only when done, and delivered again when its worker process dies (the settings say so for every
# task; said here too because the reset relies on it). A worker killed outright: see calls/reset.py.
@shared_task(name="calls.reset_group_run", acks_late=True, reject_on_worker_lost=True)
def reset_group_run(reset_ids: list[int]) -> list[dict]:
    """The resets of one reset moment the dispatcher grouped, run together (calls/reset.py)."""
    return [
        {"reset": record.pk, "status": record.status, "inmates": record.inmates_reset}
        for record in reset.reset_group_run(reset_ids=reset_ids)
    ]


# One facility's reset, a group of one: the dispatcher queues groups, but messages queued before them still come.
@shared_task(name="calls.facility_reset_run", acks_late=True, reject_on_worker_lost=True)
def facility_reset_run(reset_id: int) -> dict:
    record = reset.facility_reset_run(reset_id=reset_id)
    return {"reset": record.pk, "status": record.status, "inmates": record.inmates_reset}


@shared_task(name="calls.expire_authorizations")
def expire_authorizations() -> int:
    """Authorisations the platform never reported complete lapse."""
    return services.call_authorizations_expire()
