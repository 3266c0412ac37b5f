"""Blocked numbers, at a facility or system-wide."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.services import actor_user, audit_record
from facilities.models import Facility
from facilities.scoping import WARDEN_ROLES, roles_at

from ..models import (
    BlockedNumber,
)
from .common import EntryError, _normalize, _require
from .rescreen import _queue_rescreen


@transaction.atomic
def block_create(
    *, facility: Facility, number: str, reason: str, note: str, actor, system_wide: bool = False,
    ends_at: dt.datetime | None = None,
) -> BlockedNumber:
    number = _normalize(number)
    if reason not in BlockedNumber.Reason.values:
        raise EntryError(code="invalid_input", message="Choose the reason for the block.", field="reason")
    note = _require(note, "note", "A block always needs a note.")
    if system_wide and not (roles_at(actor, facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may block a number system-wide.", status=403,
                         field="system_wide")
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise EntryError(code="invalid_input", message="The end of the block must be in the future.", field="ends_at")
    block = BlockedNumber.objects.create(
        facility=facility, number=number, system_wide=system_wide, reason=reason, note=note, starts_at=now,
        ends_at=ends_at, created_by=actor_user(actor),
    )
    audit_record(action="number_blocked", actor=actor, facility=facility, target=block, reason=note,
                 data={"number": number, "system_wide": system_wide, "reason": reason})
    _queue_rescreen("block", block.pk)
    return block



@transaction.atomic
def block_end(*, block: BlockedNumber, actor, note: str, paperwork: str = "") -> BlockedNumber:
    block = BlockedNumber.objects.select_for_update().select_related("facility").get(pk=block.pk)
    note = _require(note, "note", "Lifting a block needs a note.")
    if block.ended_at is not None:
        raise EntryError(code="block_ended", message="This block was already lifted.", status=409)
    if block.system_wide and not (roles_at(actor, block.facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may lift a system-wide block.", status=403)
    paperwork = (paperwork or "").strip()
    if block.reason == BlockedNumber.Reason.VICTIM_REQUEST and not paperwork:
        raise EntryError(code="paperwork_required",
                         message="A victim's block is lifted only on court or prosecutor paperwork: name it.",
                         field="paperwork")
    block.ended_at, block.ended_by, block.end_note, block.end_paperwork = timezone.now(), actor_user(actor), note, paperwork
    block._change_reason = note
    block.save()
    audit_record(action="number_unblocked", actor=actor, facility=block.facility, target=block, reason=note,
                 data={"number": block.number, "paperwork": paperwork})
    _queue_rescreen("block", block.pk)
    return block
