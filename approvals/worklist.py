"""Selectors of the worklist's phone-list queues (``facilities.worklist``): one per queue, each returning how many
entries wait and the oldest ``limit`` of them, in two queries whatever the volume, scoped by the one helper."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from facilities.scoping import scope_for_user
from facilities.worklist import QueueSlice

from .models import PhoneListEntry
from .selectors import review_overdue_before


def _queue_slice(qs: QuerySet[PhoneListEntry], *, limit: int) -> QueueSlice:
    """A queue of entries: its count and its ``limit`` oldest entries (two queries)."""
    count = qs.count()
    items = list(qs.select_related("inmate", "facility").order_by("created_at", "id")[:limit]) if limit else []
    return QueueSlice(count=count, items=items)


def _pending_at(*, user, facilities) -> QuerySet[PhoneListEntry]:
    qs = PhoneListEntry.objects.filter(facility_id__in=[f.pk for f in facilities], status=PhoneListEntry.Status.PENDING)
    return scope_for_user(qs, user)


def flagged_waiting(*, user, facilities, limit: int) -> QueueSlice:
    """Numbers screening flagged for review (and nothing blocks), waiting for a warden to decide; oldest first."""
    return _queue_slice(_pending_at(user=user, facilities=facilities).filter(has_review=True, has_block=False),
                        limit=limit)


def reviews_overdue(*, user, facilities, limit: int, now: dt.datetime | None = None) -> QueueSlice:
    """Numbers waiting for review past their facility's review target (``review_overdue_before``); oldest first.
    ``facilities`` carry their policy (``select_related("policy")``): one condition per facility, no query."""
    late = Q(pk__in=[])
    for f in facilities:
        late |= Q(facility_id=f.pk,
                  created_at__lt=review_overdue_before(review_target_days=f.policy.review_target_days, now=now))
    return _queue_slice(_pending_at(user=user, facilities=facilities).filter(late), limit=limit)


def attorney_numbers_to_verify(*, user, facilities, limit: int) -> QueueSlice:
    """Attorneys' numbers waiting for review whose bar number nobody has verified yet; oldest first."""
    return _queue_slice(_pending_at(user=user, facilities=facilities).filter(legal=True, legal_verified_at__isnull=True),
                        limit=limit)


def reviews_waiting(*, user, facilities, limit: int) -> QueueSlice:
    """Every number waiting for review (the review queue at each facility); oldest first."""
    return _queue_slice(_pending_at(user=user, facilities=facilities), limit=limit)
