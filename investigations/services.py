"""Writes of the investigations app: watch entries (add, end, review) and the alerts a watched call raises.

Every service owns its transaction, locks the row it changes and records who, when and why in the audit trail.
Only an investigator of the entry's facility keeps watch entries; an entry is the owner's own.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from approvals.models import BlockedNumber
from approvals.services import block_end
from audit.services import audit_record
from core.errors import DomainError
from core.numbers import normalize_number
from facilities.models import Facility, Inmate
from facilities.scoping import INVESTIGATOR_ROLES, STAFF_ROLES, roles_at
from facilities.times import local_day

from . import selectors
from .models import Review, WatchAlert, WatchEntry
from .reviews import ReviewError, default_review_by, latest_review_dates, review_due, review_next, review_record

MAX_WATCH_DAYS = 366 * 2  # an entry lasts at most two years; review it and add a new one to go on


class WatchError(DomainError):
    default_code = "invalid_input"


def _require_investigator(actor, facility: Facility) -> None:
    if not (roles_at(actor, facility) & INVESTIGATOR_ROLES):
        raise WatchError(code="investigator_required", status=403,
                         message="Only an investigator of this facility keeps watch entries here.")


def _require_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise WatchError(message="Give the reason.", field=field)
    return text


@transaction.atomic
def watch_add(
    *, actor, facility: Facility, kind: str, reason: str, ends_on: dt.date, number: str = "",
    inmate: Inmate | None = None, review_by: dt.date | None = None,
) -> WatchEntry:
    """Watch a number or an inmate at ``facility`` until ``ends_on`` (the last day, local), for ``actor``."""
    _require_investigator(actor, facility)
    reason = _require_reason(reason)
    today = local_day(facility)
    if kind == WatchEntry.Kind.NUMBER:
        try:
            number = normalize_number(number)
        except DomainError as exc:
            raise WatchError(code=exc.code, message=exc.message, field="number") from None
        inmate = None
    elif kind == WatchEntry.Kind.INMATE:
        if inmate is None or inmate.facility_id != facility.pk:
            raise WatchError(message="Choose an inmate of this facility.", field="inmate")
        number = ""
    else:
        raise WatchError(message="Choose what to watch: a number or an inmate.", field="kind")
    if ends_on is None or ends_on < today:
        raise WatchError(message="The end date cannot be in the past.", field="ends_on")
    if ends_on > today + dt.timedelta(days=MAX_WATCH_DAYS):
        raise WatchError(message="A watch entry lasts at most two years.", field="ends_on")
    if review_by is not None and review_by < today:
        raise WatchError(message="The review date cannot be in the past.", field="review_by")
    entry = WatchEntry.objects.create(
        facility=facility, owner=actor, kind=kind, number=number, inmate=inmate, reason=reason, ends_on=ends_on,
        review_by=review_by or min(default_review_by("watch", facility=facility, today=today), ends_on),
    )
    audit_record(action="watch_added", actor=actor, facility=facility, target=entry, reason=reason,
                 data={"kind": kind, "number": number, "inmate": inmate.register_number if inmate else None,
                       "ends_on": ends_on.isoformat(), "review_by": entry.review_by.isoformat()})
    return entry


def _locked_own(watch: WatchEntry, actor) -> WatchEntry:
    entry = WatchEntry.objects.select_for_update().select_related("facility").get(pk=watch.pk)
    _require_investigator(actor, entry.facility)
    if entry.owner_id != actor.pk:
        raise WatchError(code="not_yours", status=403, message="Only the investigator who keeps it may change it.")
    return entry


@transaction.atomic
def watch_end(*, watch: WatchEntry, actor, reason: str) -> WatchEntry:
    """End an open watch entry early (its alerts stay)."""
    entry = _locked_own(watch, actor)
    reason = _require_reason(reason)
    if entry.ended_at is not None:
        raise WatchError(code="illegal_transition", status=409, message="This watch entry has already ended.")
    entry.ended_at = timezone.now()
    entry.ended_by = actor
    entry.end_reason = reason
    entry.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(action="watch_ended", actor=actor, facility=entry.facility, target=entry, reason=reason)
    return entry


@transaction.atomic
def watch_review(*, watch: WatchEntry, actor, outcome: str, reason: str, review_by: dt.date | None = None) -> Review:
    """Record a review of the entry: keep (next review after the policy's default, or ``review_by``), change (a
    new review date, required) or end (``watch_end``)."""
    entry = _locked_own(watch, actor)
    reason = _require_reason(reason)
    if entry.ended_at is not None:
        raise WatchError(code="illegal_transition", status=409, message="This watch entry has already ended.")
    before = entry.review_by
    after = review_next(kind=Review.Kind.WATCH, facility=entry.facility, outcome=outcome, review_by=review_by)
    if outcome == Review.Outcome.END:
        watch_end(watch=entry, actor=actor, reason=reason)
    else:
        entry.review_by = after
        entry.save(update_fields=["review_by"])
    return review_record(kind=Review.Kind.WATCH, target=entry, facility=entry.facility, outcome=outcome,
                         before=before, after=after, reason=reason, actor=actor)


@transaction.atomic
def block_review(
    *, block: BlockedNumber, actor, outcome: str, reason: str, review_by: dt.date | None = None,
    paperwork: str = "", called_party_asked: bool = False,
) -> Review:
    """Record a review of a block still in force (staff and wardens of its facility): keep, change the next review
    date, or end it through ``approvals.services.block_end`` (whose rules hold: a victim's block needs paperwork,
    a called party's block their own request, a system-wide block a warden)."""
    block = BlockedNumber.objects.select_for_update().select_related("facility").get(pk=block.pk)
    if not (roles_at(actor, block.facility) & STAFF_ROLES):
        raise ReviewError(code="staff_required", status=403,
                         message="Only staff and wardens of the facility that entered the block review it.")
    if block.ended_at is not None:
        raise ReviewError(code="illegal_transition", status=409, message="This block was already lifted.")
    reason = _require_reason(reason)
    before = review_due(Review.Kind.BLOCK, since=local_day(block.facility, block.starts_at),
                        last_review_by=latest_review_dates(Review.Kind.BLOCK, [block.pk]).get(block.pk))
    after = review_next(kind=Review.Kind.BLOCK, facility=block.facility, outcome=outcome, review_by=review_by)
    if outcome == Review.Outcome.END:
        block_end(block=block, actor=actor, note=reason, paperwork=paperwork, called_party_asked=called_party_asked)
    return review_record(kind=Review.Kind.BLOCK, target=block, facility=block.facility, outcome=outcome,
                         before=before, after=after, reason=reason, actor=actor)


@transaction.atomic
def watch_alerts_record(
    *, call_id: int, facility_id: int, inmate_id: int, number: str, allowed: bool, occurred_at: dt.datetime,
) -> list[WatchAlert]:
    """The alerts of one call attempt: one per open entry it matches whose owner is still an investigator of the
    facility (once per entry and call: running it twice adds nothing). Returns the alerts not yet e-mailed."""
    facility = Facility.objects.get(pk=facility_id)
    day = local_day(facility, occurred_at)
    watches = [w for w in selectors.matching_watches(facility_id=facility_id, inmate_id=inmate_id, number=number)
               if w.ends_on >= day and w.owner.is_active and roles_at(w.owner, facility) & INVESTIGATOR_ROLES]
    WatchAlert.objects.bulk_create(
        [WatchAlert(watch=w, call_id=call_id, facility_id=facility_id, inmate_id=inmate_id, number=number,
                    allowed=allowed, occurred_at=occurred_at) for w in watches],
        ignore_conflicts=True,
    )
    alerts = list(WatchAlert.objects.select_for_update(of=("self",)).filter(
        call_id=call_id, watch__in=watches, emailed_at__isnull=True).select_related("watch__owner", "inmate",
                                                                                     "facility"))
    for alert in alerts:
        audit_record(action="watch_alert", actor="system", facility=facility, target=alert.watch,
                     data={"call": call_id, "number": number, "inmate": alert.inmate.register_number,
                           "allowed": allowed})
    return alerts


@transaction.atomic
def watch_alerts_mark_emailed(*, alert_ids: list[int]) -> int:
    return WatchAlert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).update(emailed_at=timezone.now())


@transaction.atomic
def watch_alerts_mark_seen(*, actor, alert_ids: list[int] | None = None) -> int:
    """Mark the actor's unread alerts (all, or those of ``alert_ids``) read."""
    alerts = selectors.alerts_for(user=actor).filter(seen_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=alert_ids)
    count = WatchAlert.objects.filter(pk__in=list(alerts.values_list("pk", flat=True))).update(seen_at=timezone.now())
    if count:
        audit_record(action="watch_alerts_read", actor=actor, data={"count": count})
    return count
