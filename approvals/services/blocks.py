"""Blocked numbers, at a facility or system-wide; called-party blocks ("do not call me", domain.md §9), recorded
by staff or filed by the platform when the called party presses the opt-out key."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.services import actor_label_for, actor_user, audit_record
from facilities.models import Facility, Inmate
from facilities.scoping import WARDEN_ROLES, roles_at

from ..models import (
    BlockedNumber,
)
from .common import EntryError, _normalize, _require
from .rescreen import _queue_rescreen

Reason = BlockedNumber.Reason
Source = BlockedNumber.Source
# Sources staff record (the keypad is the platform's: ``called_party_block_keypad``).
STAFF_SOURCES = (Source.PHONE, Source.IN_PERSON, Source.LETTER)


def _called_party_fields(*, facility: Facility, reason: str, inmate: Inmate | None, source: str,
                         identity_check: str, system_wide: bool) -> tuple[str, str]:
    """The called party's part of a block, checked: (source, identity check). A called party's request says
    where it came from and how the requester's identity was checked; a block naming one inmate is that
    inmate's (held here), never system-wide."""
    source, identity_check = (source or "").strip(), (identity_check or "").strip()
    if source and source not in STAFF_SOURCES:
        raise EntryError(code="invalid_input", message="Choose where the request came from: telephone, in person "
                                                       "or letter.", field="source")
    if reason == Reason.CALLED_PARTY_REQUEST and not source:
        raise EntryError(code="invalid_input", message="Say where the called party's request came from.",
                         field="source")
    if source and not identity_check:
        raise EntryError(code="invalid_input", message="Say how the requester's identity was checked.",
                         field="identity_check")
    if inmate is not None:
        if inmate.facility_id != facility.pk:
            raise EntryError(code="unknown_inmate", message="No such inmate at this facility.", status=404,
                             field="inmate")
        if system_wide:
            raise EntryError(code="invalid_input", message="A block against one inmate cannot also be "
                                                           "system-wide.", field="system_wide")
        if reason not in BlockedNumber.CALLED_PARTY_REASONS:
            raise EntryError(code="invalid_input", message="Only a called party's or a victim's request blocks a "
                                                           "number for one inmate.", field="reason")
    return source, identity_check


@transaction.atomic
def block_create(
    *, facility: Facility, number: str, reason: str, note: str, actor, system_wide: bool = False,
    ends_at: dt.datetime | None = None, inmate: Inmate | None = None, source: str = "", identity_check: str = "",
    inmate_told: bool = False,
) -> BlockedNumber:
    """Block ``number`` at ``facility`` (or system-wide, wardens only). A called party's request
    (``reason="called_party_request"``, or a victim's with a ``source``) records where it came from
    (``source``), how the requester's identity was checked, and whether the inmate is told; ``inmate``
    limits it to one inmate of the facility (that inmate only, wherever later held)."""
    number = _normalize(number)
    if reason not in Reason.values:
        raise EntryError(code="invalid_input", message="Choose the reason for the block.", field="reason")
    note = _require(note, "note", "A block always needs a note.")
    source, identity_check = _called_party_fields(facility=facility, reason=reason, inmate=inmate, source=source,
                                                  identity_check=identity_check, system_wide=system_wide)
    if system_wide and not (roles_at(actor, facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may block a number system-wide.", status=403,
                         field="system_wide")
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise EntryError(code="invalid_input", message="The end of the block must be in the future.", field="ends_at")
    block = BlockedNumber.objects.create(
        facility=facility, number=number, system_wide=system_wide, reason=reason, note=note, starts_at=now,
        ends_at=ends_at, created_by=actor_user(actor), inmate=inmate, source=source, identity_check=identity_check,
        inmate_told=bool(inmate_told),
    )
    audit_record(action="number_blocked", actor=actor, facility=facility, target=block, reason=note,
                 data={"number": number, "system_wide": system_wide, "reason": reason, "source": source,
                       "inmate": inmate.register_number if inmate else None, "inmate_told": bool(inmate_told)})
    _queue_rescreen("block", block.pk)
    return block


@transaction.atomic
def called_party_block_keypad(*, facility: Facility, number: str, client) -> tuple[BlockedNumber, bool]:
    """The called party pressed the platform's opt-out key: ``number`` is blocked for every inmate of
    ``facility`` (reason "called_party_request", source "keypad"). A repeat press, or a press on a number
    already blocked for every inmate here by a called party's request, changes nothing and returns that block.
    Returns (the block, whether it was created)."""
    number = _normalize(number)
    Facility.objects.select_for_update().filter(pk=facility.pk).first()  # one press at a time per facility
    existing = (BlockedNumber.objects.active().applying_to(facility.pk).filter(
        number=number, reason__in=BlockedNumber.CALLED_PARTY_REASONS).order_by("-created_at", "-id").first())
    if existing is not None:
        return existing, False
    block = BlockedNumber.objects.create(
        facility=facility, number=number, system_wide=False, reason=Reason.CALLED_PARTY_REQUEST,
        note=f"The called party pressed the opt-out key during a call (reported by {actor_label_for(client)}).",
        source=Source.KEYPAD, identity_check="The key was pressed on the called line itself.",
        starts_at=timezone.now(), created_by=actor_user(client),
    )
    audit_record(action="number_blocked", actor=client, facility=facility, target=block, reason=block.note,
                 data={"number": number, "system_wide": False, "reason": block.reason, "source": block.source})
    _queue_rescreen("block", block.pk)
    return block, True


@transaction.atomic
def block_end(*, block: BlockedNumber, actor, note: str, paperwork: str = "",
              called_party_asked: bool = False) -> BlockedNumber:
    """Lift a block, with a note. A victim's block is lifted only on court or prosecutor paperwork (named in
    ``paperwork``); a called party's block only at the called party's own request (``called_party_asked``)."""
    block = BlockedNumber.objects.select_for_update().select_related("facility").get(pk=block.pk)
    note = _require(note, "note", "Lifting a block needs a note.")
    if block.ended_at is not None:
        raise EntryError(code="block_ended", message="This block was already lifted.", status=409)
    if block.system_wide and not (roles_at(actor, block.facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may lift a system-wide block.", status=403)
    paperwork = (paperwork or "").strip()
    if block.reason == Reason.VICTIM_REQUEST and not paperwork:
        raise EntryError(code="paperwork_required",
                         message="A victim's block is lifted only on court or prosecutor paperwork: name it.",
                         field="paperwork")
    if block.reason == Reason.CALLED_PARTY_REQUEST and not called_party_asked:
        raise EntryError(code="called_party_request_required",
                         message="A called party's block is lifted only when the called party asks for it: "
                                 "confirm they did, and say how in the note.",
                         field="called_party_asked")
    block.ended_at, block.ended_by, block.end_note, block.end_paperwork = timezone.now(), actor_user(actor), note, paperwork
    block.end_called_party_asked = block.reason == Reason.CALLED_PARTY_REQUEST and bool(called_party_asked)
    block._change_reason = note
    block.save()
    audit_record(action="number_unblocked", actor=actor, facility=block.facility, target=block, reason=note,
                 data={"number": block.number, "paperwork": paperwork,
                       "called_party_asked": block.end_called_party_asked})
    _queue_rescreen("block", block.pk)
    return block
