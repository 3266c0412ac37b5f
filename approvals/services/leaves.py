"""List limits with a warden's leave (domain.md §9): a warden raises one inmate's list size, or waives the
change interval once, with a reason and a last day. ``limits.effective_list_limits`` is the one place that
applies a leave; these services grant, end and use one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.services import actor_user, audit_record
from facilities.models import CallingPolicy, Inmate
from facilities.scoping import WARDEN_ROLES, roles_at
from facilities.times import local_day

from ..limits import APPLIES, LEAVE_MAX_DAYS, LEAVE_MAX_LIST_SIZE, OPEN
from ..models import ListLeave, PhoneListEntry
from .common import EntryError, _require


def _checked_size(list_size, policy: CallingPolicy) -> int | None:
    if list_size in (None, ""):
        return None
    if isinstance(list_size, bool) or not isinstance(list_size, int):
        raise EntryError(code="invalid_input", message="Give the list size as a whole number.", field="list_size")
    if list_size <= policy.list_size or list_size > LEAVE_MAX_LIST_SIZE:
        raise EntryError(code="invalid_input", field="list_size",
                         message=f"A raised list size is more than the facility's {policy.list_size} and at most "
                                 f"{LEAVE_MAX_LIST_SIZE}.")
    return list_size


@transaction.atomic
def leave_grant(*, inmate: Inmate, reason: str, ends_on: dt.date, actor, list_size: int | None = None,
                waive_interval: bool = False) -> ListLeave:
    """A warden's leave for ``inmate``'s list until ``ends_on`` (the facility's local day, included): a list
    size above the policy's, and/or one list change inside the change interval. A new leave ends the open one
    (there is one at a time)."""
    inmate = Inmate.objects.select_for_update().select_related("facility").get(pk=inmate.pk)
    if not (roles_at(actor, inmate.facility_id) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may grant a list leave.", status=403)
    if not inmate.in_custody:
        raise EntryError(code="not_in_custody", message=f"{inmate.register_number} is not in custody.", status=409)
    policy = CallingPolicy.objects.get(facility_id=inmate.facility_id)
    list_size = _checked_size(list_size, policy)
    waive_interval = bool(waive_interval)
    if list_size is None and not waive_interval:
        raise EntryError(code="invalid_input", field="list_size",
                         message="Raise the list size, waive the change interval once, or both.")
    if waive_interval and not policy.list_change_interval_days:
        raise EntryError(code="invalid_input", field="waive_interval",
                         message="This facility has no list-change interval to waive.")
    reason = _require(reason, "reason", "Say why the leave is granted.")
    today = local_day(inmate.facility)
    if not isinstance(ends_on, dt.date) or ends_on < today or ends_on > today + dt.timedelta(days=LEAVE_MAX_DAYS):
        raise EntryError(code="invalid_input", field="ends_on",
                         message=f"The last day is today or later, and at most {LEAVE_MAX_DAYS} days ahead.")
    now = timezone.now()
    replaced = list(ListLeave.objects.select_for_update().filter(OPEN, inmate=inmate))
    for old in replaced:
        old.ended_at, old.ended_by, old.end_reason = now, actor_user(actor), "Replaced by a new leave."
        old._change_reason = old.end_reason
        old.save()
    leave = ListLeave.objects.create(
        inmate=inmate, facility_id=inmate.facility_id, list_size=list_size, waive_interval=waive_interval,
        reason=reason, ends_on=ends_on, granted_at=now, granted_by=actor_user(actor),
    )
    audit_record(action="list_leave_granted", actor=actor, facility=inmate.facility, target=inmate, reason=reason,
                 data={"leave": leave.pk, "list_size": list_size, "policy_list_size": policy.list_size,
                       "waive_interval": waive_interval, "ends_on": ends_on.isoformat(),
                       "replaces": [old.pk for old in replaced]})
    return leave


@transaction.atomic
def leave_end(*, leave: ListLeave, reason: str, actor) -> ListLeave:
    """A warden ends a leave before its last day, with a reason."""
    leave = ListLeave.objects.select_for_update().select_related("inmate__facility").get(pk=leave.pk)
    if not (roles_at(actor, leave.inmate.facility_id) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may end a list leave.", status=403)
    reason = _require(reason, "reason", "Say why the leave ends.")
    if leave.ended_at is not None:
        raise EntryError(code="leave_ended", message="This leave was already ended.", status=409)
    leave.ended_at, leave.ended_by, leave.end_reason = timezone.now(), actor_user(actor), reason
    leave._change_reason = reason
    leave.save()
    audit_record(action="list_leave_ended", actor=actor, facility=leave.inmate.facility, target=leave.inmate,
                 reason=reason, data={"leave": leave.pk})
    return leave


def _use_interval_waiver(*, inmate: Inmate, entry: PhoneListEntry, policy: CallingPolicy) -> ListLeave | None:
    """Inside ``entries.entry_add``'s transaction (the inmate row locked): a list change made while a leave's
    waiver is unused uses it up (the next change waits for the interval again). Only a change the interval
    governs: a number that is not an attorney's, not a changed number, not denied, where the policy has an
    interval."""
    if (not policy.list_change_interval_days or entry.legal or entry.replaces_id is not None
            or entry.status == PhoneListEntry.Status.DENIED):
        return None
    leave = (ListLeave.objects.select_for_update(of=("self",)).filter(APPLIES, inmate_id=inmate.pk, waive_interval=True,
                                                          waiver_used_at__isnull=True,
                                                          ends_on__gte=local_day(inmate.facility))
             .order_by("-granted_at", "-id").first())
    if leave is None:
        return None
    leave.waiver_used_at, leave.waiver_used_by = timezone.now(), entry
    leave._change_reason = f"waiver used by entry {entry.pk}"
    leave.save(update_fields=["waiver_used_at", "waiver_used_by"])
    audit_record(action="list_leave_waiver_used", actor="screening", facility=inmate.facility, target=inmate,
                 data={"leave": leave.pk, "entry": entry.pk, "number": entry.number})
    return leave
