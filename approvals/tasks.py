"""Celery tasks of the approvals app. Queued by name with ``core.tasks.enqueue_on_commit`` and passed ids."""

from __future__ import annotations

from celery import shared_task

from . import selectors, services


# The name it always had (messages already queued keep finding it).
@shared_task(name="approvals.tasks.rescreen_source", acks_late=True)
def rescreen_source(source: str, source_id: int, extra_numbers: list[str] | None = None) -> int:
    """Re-screen the open entries touched by an order, a block or a case party (added, changed or ended):
    ``approvals.selectors.rescreen_scope`` says which. Returns how many."""
    scope = selectors.rescreen_scope(source=source, source_id=source_id, extra_numbers=extra_numbers)
    if scope is None:
        return 0
    return services.rescreen_entries_for(numbers=scope.numbers, inmate_ids=scope.inmate_ids,
                                         facility_id=scope.facility_id)
