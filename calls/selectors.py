"""Reads of the calls app. Views pass their querysets through facilities.scoping first."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from facilities.models import Facility, Inmate
from facilities.periods import next_reset_period, reset_moment

from .models import Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction


def balance_for(*, inmate: Inmate) -> MinuteBalance | None:
    return MinuteBalance.objects.filter(inmate=inmate).select_related("open_call").first()


def ledger_sum(*, inmate: Inmate) -> int:
    return LedgerEntry.objects.filter(inmate=inmate).aggregate(total=Sum("minutes"))["total"] or 0


def ledger_for(*, inmate: Inmate) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(inmate=inmate).select_related("call", "actor").order_by("-created_at", "-id")


def calls_for(*, inmate: Inmate) -> QuerySet[Call]:
    return Call.objects.filter(inmate=inmate).order_by("-requested_at")


def restrictions_for(*, inmate: Inmate) -> QuerySet[PhoneRestriction]:
    return PhoneRestriction.objects.filter(inmate=inmate).select_related("imposed_by", "lifted_by")


def call_list(*, queryset: QuerySet[Call]) -> QuerySet[Call]:
    return queryset.select_related("inmate", "facility").order_by("-requested_at", "-id")


def reset_list(*, queryset: QuerySet[MonthlyReset]) -> QuerySet[MonthlyReset]:
    return queryset.select_related("facility").order_by("-period", "facility__code")


def next_reset_for(*, facility: Facility, now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return reset_moment(period=next_reset_period(facility, at=now), tz=facility.timezone)


def call_counts_today(*, facility: Facility, now: dt.datetime | None = None) -> dict[str, int]:
    """Calls asked today (facility-local day), denied, in progress, active restrictions: two queries."""
    now = now or timezone.now()
    local = now.astimezone(facility.tz)
    start = dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=facility.tz)
    counts = Call.objects.filter(facility=facility, requested_at__gte=start).aggregate(
        asked=Count("id"),
        denied=Count("id", filter=Q(status=Call.Status.DENIED)),
        in_progress=Count("id", filter=Q(status=Call.Status.AUTHORIZED)),
    )
    counts["restricted"] = PhoneRestriction.objects.active(now).filter(facility=facility).count()
    return counts
