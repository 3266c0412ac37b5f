"""Celery tasks of the approvals app. Queued with ``transaction.on_commit`` and passed ids."""

from __future__ import annotations

from celery import shared_task

from .models import BlockedNumber, CaseParty, NoContactOrder, PartyNumber


@shared_task(acks_late=True)
def rescreen_source(source: str, source_id: int, extra_numbers: list[str] | None = None) -> int:
    """Re-screen the open entries touched by an order, a block or a case party (added, changed or ended).

    ``extra_numbers``: numbers the source no longer carries (their entries are screened again too).
    """
    from .services import rescreen_entries_for

    extra = list(extra_numbers or [])
    if source == "order":
        order = NoContactOrder.objects.filter(pk=source_id).first()
        if order is None:
            return 0
        numbers = list(order.numbers.values_list("number", flat=True)) + extra
        return rescreen_entries_for(numbers=numbers, inmate_ids=[order.inmate_id])
    if source == "block":
        block = BlockedNumber.objects.filter(pk=source_id).first()
        if block is None:
            return 0
        return rescreen_entries_for(
            numbers=[block.number, *extra], facility_id=None if block.system_wide else block.facility_id
        )
    if source == "party":
        party = CaseParty.objects.filter(pk=source_id).first()
        if party is None:
            return 0
        numbers = list(PartyNumber.objects.filter(party__case_id=party.case_id).values_list("number", flat=True))
        inmate_ids = set(
            CaseParty.objects.filter(case_id=party.case_id, inmate__isnull=False).values_list("inmate_id", flat=True)
        )
        return rescreen_entries_for(numbers=numbers + extra, inmate_ids=inmate_ids)
    raise ValueError(f"unknown source {source!r}")
