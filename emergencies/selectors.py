"""Reads of emergency requests. Views pass querysets through facilities.scoping first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from core.numbers import NumberNotCallable, normalize_number
from facilities.models import Facility, Inmate

from .models import EmergencyRequest

Status = EmergencyRequest.Status


@dataclass(frozen=True)
class EmergencyGrant:
    """What the calls API needs to allow one emergency call."""

    request_id: int
    max_minutes: int
    charged: bool


def emergency_grants(*, inmate_ref, number, at) -> QuerySet[EmergencyRequest]:
    """The one rule of an emergency grant: the approved, unused requests of the inmate (``inmate_ref``: an id or an
    ``OuterRef``) for ``number`` (E.164) whose window contains ``at`` (values or parameter expressions), the one
    to use first first."""
    return EmergencyRequest.objects.filter(
        inmate_id=inmate_ref, caller_number=number, status=Status.APPROVED, used_at__isnull=True,
        window_start__lte=at, window_end__gt=at,
    ).order_by("window_end", "id")


def emergency_grant_row(*, inmate_ref, number, at) -> Subquery:
    """``emergency_grants``' first row as one JSON value, to fold into another statement (the call decision's
    gather, ``calls.gather``); ``emergency_grant_of`` reads it."""
    return Subquery(
        emergency_grants(inmate_ref=inmate_ref, number=number, at=at)
        .values(row=JSONObject(id="id", call_minutes="call_minutes", charged="charged"))[:1],
        output_field=JSONField(),
    )


def emergency_grant_of(row: dict | None) -> EmergencyGrant | None:
    if not row:
        return None
    return EmergencyGrant(request_id=row["id"], max_minutes=row["call_minutes"], charged=bool(row["charged"]))


def emergency_grant_for(*, inmate: Inmate, number: str, at: dt.datetime) -> EmergencyGrant | None:
    """The approved, unused request of ``inmate`` for ``number`` (E.164) whose window contains ``at``.

    Locks the request row (``select_for_update``): call it inside the transaction that creates the
    call, then ``services.emergency_grant_use`` so a second attempt finds nothing. One query. (The call
    decision reads the grant in its gather statement, ``emergency_grant_row``, under the lock of the inmate's
    balance row; ``emergency_grant_use`` spends it only if it is still approved and unused.)
    """
    if not number.startswith("+"):
        try:
            number = normalize_number(number)
        except NumberNotCallable:
            return None
    row = (
        emergency_grants(inmate_ref=inmate.pk, number=number, at=at).select_for_update()
        .values("id", "call_minutes", "charged")
        .first()
    )
    return emergency_grant_of(row)


STATUS_LABELS = dict(EmergencyRequest.Status.choices)


def urgency_order() -> Case:
    return Case(
        *[When(category=cat, then=Value(rank)) for cat, rank in EmergencyRequest.URGENCY.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


def emergency_queue(*, queryset: QuerySet[EmergencyRequest], facility_ids=None) -> QuerySet[EmergencyRequest]:
    """Most urgent category first, then oldest; each row with the caller's earlier requests (same number,
    at ``facility_ids``; None: everywhere): how many, and the latest one's outcome. One query."""
    earlier = EmergencyRequest.objects.filter(
        caller_number=OuterRef("caller_number"), received_at__lt=OuterRef("received_at")
    )
    if facility_ids is not None:
        earlier = earlier.filter(facility_id__in=facility_ids)
    return (
        queryset.select_related("inmate", "facility__policy", "logged_by", "decided_by")
        .annotate(
            urgency_rank=urgency_order(),
            earlier_count=Coalesce(
                Subquery(earlier.order_by().values("caller_number").annotate(n=Count("id")).values("n")[:1]),
                Value(0),
            ),
            earlier_status=Subquery(earlier.order_by("-received_at", "-id").values("status")[:1]),
        )
        .order_by("urgency_rank", "received_at", "id")
    )


def escalation_cutoff(*, facility: Facility, now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return now - dt.timedelta(hours=facility.policy.emergency_escalation_hours)


def overdue_q(*, facilities: list[Facility], now: dt.datetime | None = None) -> Q:
    """Open requests past their facility's escalation time (one OR term per facility, no query)."""
    q = Q(pk__in=[])
    for facility in facilities:
        q |= Q(facility=facility, received_at__lte=escalation_cutoff(facility=facility, now=now))
    return Q(status=Status.OPEN) & q


def emergency_counts(*, facility: Facility, now: dt.datetime | None = None) -> dict[str, int]:
    """Open and escalated (open past the escalation time) requests at one facility: one query."""
    cutoff = escalation_cutoff(facility=facility, now=now)
    return EmergencyRequest.objects.filter(facility=facility, status=Status.OPEN).aggregate(
        open=Count("id"),
        escalated=Count("id", filter=Q(received_at__lte=cutoff) | Q(escalated_at__isnull=False)),
    )


def emergency_requests_by_number(
    *, facility_ids, number: str, exclude_id: int | None = None, limit: int = 20
) -> list[EmergencyRequest]:
    """The caller's earlier requests (same number) with their outcomes, newest first."""
    qs = EmergencyRequest.objects.filter(caller_number=number).select_related("inmate", "facility", "decided_by")
    if facility_ids is not None:
        qs = qs.filter(facility_id__in=facility_ids)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-received_at", "-id")[:limit])


def emergency_requests_for_inmate(*, inmate: Inmate, limit: int = 20) -> list[EmergencyRequest]:
    return list(
        EmergencyRequest.objects.filter(inmate=inmate)
        .select_related("decided_by", "facility")
        .order_by("-received_at", "-id")[:limit]
    )
