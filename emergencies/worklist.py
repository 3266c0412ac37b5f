"""Selectors of the worklist's emergency queues (``facilities.worklist``): one per queue, each returning how many
requests wait and the first ``limit`` of them in the warden's order (most urgent category, then oldest), in two
queries whatever the volume, scoped by the one helper."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from facilities.scoping import scope_for_user
from facilities.worklist import QueueSlice

from .models import EmergencyRequest
from .selectors import urgency_order

Status = EmergencyRequest.Status
# Findings of the caller's number that the worklist marks with a badge, in words.
BADGES = {"no_contact_order": "No-contact order found", "blocked_number": "Blocked number found"}


def escalated_q(*, facilities, now: dt.datetime | None = None) -> Q:
    """Open requests past their facility's escalation time, or marked escalated by the escalation task. The
    facilities carry their policy: one condition per facility, no query."""
    now = now or timezone.now()
    late = Q(escalated_at__isnull=False)
    for f in facilities:
        late |= Q(facility_id=f.pk, received_at__lte=now - dt.timedelta(hours=f.policy.emergency_escalation_hours))
    return late


def _open_at(*, user, facilities) -> QuerySet[EmergencyRequest]:
    qs = EmergencyRequest.objects.filter(facility_id__in=[f.pk for f in facilities], status=Status.OPEN)
    return scope_for_user(qs, user)


def _queue_slice(qs: QuerySet[EmergencyRequest], *, limit: int) -> QueueSlice:
    count = qs.count()
    items = []
    if limit:
        items = list(qs.select_related("inmate", "facility").annotate(urgency_rank=urgency_order())
                     .order_by("urgency_rank", "received_at", "id")[:limit])
    return QueueSlice(count=count, items=items)


def escalated_requests(*, user, facilities, limit: int, now: dt.datetime | None = None) -> QueueSlice:
    """Open requests undecided past the escalation time: the most urgent work there is."""
    return _queue_slice(_open_at(user=user, facilities=facilities).filter(escalated_q(facilities=facilities, now=now)),
                        limit=limit)


def requests_to_decide(*, user, facilities, limit: int, now: dt.datetime | None = None) -> QueueSlice:
    """Open requests not escalated yet, waiting for a warden's decision."""
    return _queue_slice(_open_at(user=user, facilities=facilities).exclude(escalated_q(facilities=facilities, now=now)),
                        limit=limit)


def requests_waiting(*, user, facilities, limit: int) -> QueueSlice:
    """Every open request (for staff who log them: what waits for a warden)."""
    return _queue_slice(_open_at(user=user, facilities=facilities), limit=limit)


def badges(request: EmergencyRequest) -> list[str]:
    """The warnings screening found on the caller's number, in words."""
    codes = {f.get("code") for f in request.findings or [] if isinstance(f, dict)}
    return [words for code, words in BADGES.items() if code in codes]
