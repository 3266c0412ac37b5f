"""The facility number library (domain.md §9): numbers every inmate of a facility, or of the system, may call
without a list entry. Wardens add and remove them, with a reason; each change is audited and kept in the
record's history, and the entries carrying the number are screened again (a library number is never a
shared number)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import actor_user, audit_record
from core.numbers import display_number
from facilities.models import Facility
from facilities.scoping import WARDEN_ROLES, roles_at

from ..models import LibraryNumber
from .common import EntryError, _normalize, _require
from .rescreen import _queue_rescreen


def _warden_only(actor, facility_id: int, doing: str) -> None:
    if not (roles_at(actor, facility_id) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message=f"Only a warden may {doing} the facility number library.",
                         status=403)


@transaction.atomic
def library_add(
    *, facility: Facility, number: str, name: str, category: str, reason: str, actor, system_wide: bool = False,
    monitored: bool = True, charged: bool = False, calling_hours_apply: bool = True, gap_applies: bool = False,
) -> LibraryNumber:
    """Add ``number`` to ``facility``'s library (or the system's: every facility), with its terms: monitored
    or not (privileged lines are not), charged or not, bound by the calling hours and by the gap or not."""
    _warden_only(actor, facility.pk, "change")
    number = _normalize(number)
    name = _require(name, "name", "Say who answers this number.")
    if category not in LibraryNumber.Category.values:
        raise EntryError(code="invalid_input", message="Choose what kind of line this is.", field="category")
    reason = _require(reason, "reason", "Say why this number is added.")
    Facility.objects.select_for_update().filter(pk=facility.pk).first()  # one addition at a time per facility
    if LibraryNumber.objects.open().applying_to(facility.pk).filter(number=number).exists():
        raise EntryError(code="already_in_library", status=409, field="number",
                         message=f"{display_number(number)} is already in this facility's library.")
    try:
        with transaction.atomic():
            row = LibraryNumber.objects.create(
                facility=facility, number=number, name=name, category=category, system_wide=bool(system_wide),
                monitored=bool(monitored), charged=bool(charged), calling_hours_apply=bool(calling_hours_apply),
                gap_applies=bool(gap_applies), added_at=timezone.now(), added_by=actor_user(actor),
                add_reason=reason,
            )
    except IntegrityError:
        raise EntryError(code="already_in_library", status=409, field="number",
                         message=f"{display_number(number)} is already in this facility's library.") from None
    audit_record(action="library_number_added", actor=actor, facility=facility, target=row, reason=reason,
                 data={"number": number, "name": name, "category": category, "system_wide": row.system_wide,
                       "monitored": row.monitored, "charged": row.charged,
                       "calling_hours_apply": row.calling_hours_apply, "gap_applies": row.gap_applies})
    _queue_rescreen("library", row.pk)
    return row


@transaction.atomic
def library_remove(*, library_number: LibraryNumber, reason: str, actor) -> LibraryNumber:
    """Take a number out of the library, with a reason (by a warden of the facility that added it)."""
    row = LibraryNumber.objects.select_for_update().select_related("facility").get(pk=library_number.pk)
    _warden_only(actor, row.facility_id, "change")
    reason = _require(reason, "reason", "Say why this number is removed.")
    if row.removed_at is not None:
        raise EntryError(code="library_number_removed", message="This number was already removed from the library.",
                         status=409)
    row.removed_at, row.removed_by, row.remove_reason = timezone.now(), actor_user(actor), reason
    row._change_reason = reason
    row.save()
    audit_record(action="library_number_removed", actor=actor, facility=row.facility, target=row, reason=reason,
                 data={"number": row.number, "name": row.name})
    _queue_rescreen("library", row.pk)
    return row
