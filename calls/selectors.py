"""Reads of the calls app. Views pass their querysets through facilities.scoping first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from facilities.models import Facility, Inmate
from facilities.periods import next_reset_period, period_for_facility, reset_moment
from facilities.times import recent_local_days

from .models import REASONS, Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction


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


# --------------------------------------------------------------------------- the inmate list's columns


def with_minutes_left(queryset: QuerySet[Inmate]) -> QuerySet[Inmate]:
    """Inmates annotated with ``minutes_left`` (their balance this period; None before any grant): a join."""
    return queryset.annotate(minutes_left=F("minute_balance__minutes"))


def with_restriction_in_force(queryset: QuerySet[Inmate], *, now: dt.datetime | None = None) -> QuerySet[Inmate]:
    """Inmates annotated with ``restricted``: a phone restriction in force now (``PhoneRestriction.objects.active``),
    as one EXISTS in the list's own query."""
    return queryset.annotate(
        restricted=Exists(PhoneRestriction.objects.active(now).filter(inmate=OuterRef("pk")))
    )


# --------------------------------------------------------------------------- the facility's restrictions and grants

RESTRICTION_STATES = [  # the restrictions list's filter: (key, in words)
    ("in_force", "In force now"),
    ("scheduled", "Starting later"),
    ("over", "Ended or lifted"),
    ("all", "All"),
]


def _restriction_state_q(state: str, now: dt.datetime) -> Q:
    """The one condition of each state (the set-based twin of ``PhoneRestriction.state``)."""
    open_ = Q(lifted_at__isnull=True)
    not_ended = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    if state == "in_force":
        return open_ & Q(starts_at__lte=now) & not_ended
    if state == "scheduled":
        return open_ & Q(starts_at__gt=now)
    if state == "over":
        return Q(lifted_at__isnull=False) | Q(ends_at__lte=now)
    return Q()


def restriction_list(*, queryset: QuerySet[PhoneRestriction], state: str = "in_force",
                     now: dt.datetime | None = None) -> QuerySet[PhoneRestriction]:
    """A facility's restrictions in ``state`` (a key of ``RESTRICTION_STATES``), latest start first."""
    now = now or timezone.now()
    return (queryset.filter(_restriction_state_q(state, now))
            .select_related("inmate", "imposed_by", "lifted_by").order_by("-starts_at", "-id"))


def restriction_counts(*, queryset: QuerySet[PhoneRestriction], now: dt.datetime | None = None) -> dict[str, int]:
    """How many restrictions are in each state (one aggregate)."""
    now = now or timezone.now()
    return queryset.aggregate(**{key: Count("id", filter=_restriction_state_q(key, now)) for key, _ in RESTRICTION_STATES})


def grant_list(*, queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """Extra minutes wardens granted (ledger entries of kind ``extra_grant``), newest first."""
    return (queryset.filter(kind=LedgerEntry.Kind.EXTRA_GRANT).select_related("inmate", "actor")
            .order_by("-created_at", "-id"))


def grant_totals(*, queryset: QuerySet[LedgerEntry]) -> dict[str, int]:
    """How many grants ``queryset`` holds and their minutes (one aggregate)."""
    totals = queryset.aggregate(grants=Count("id"), minutes=Sum("minutes"))
    return {"grants": totals["grants"], "minutes": totals["minutes"] or 0}


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


# --------------------------------------------------------------------------- the dashboard's charts

CHART_DAYS = 30  # the per-day charts cover the facility's last 30 local days, today included


@dataclass(frozen=True)
class DayCalls:
    day: dt.date  # a local day of the facility
    allowed: int  # calls the decision let through (in progress, completed or expired)
    denied: int


def calls_per_day(*, facility: Facility, days: int = CHART_DAYS, now: dt.datetime | None = None) -> list[DayCalls]:
    """Calls asked on each of the facility's last ``days`` local days, allowed and denied; every day listed, the
    quiet ones with 0. One GROUP BY query (local day of ``requested_at``, in the facility's zone)."""
    listed, start, end = recent_local_days(facility, days=days, at=now)
    rows = (
        Call.objects.filter(facility=facility, requested_at__gte=start, requested_at__lt=end)
        .annotate(day=TruncDate("requested_at", tzinfo=facility.tz))
        .values("day")
        .annotate(denied=Count("id", filter=Q(status=Call.Status.DENIED)), asked=Count("id"))
        .order_by()
    )
    found = {row["day"]: row for row in rows}
    return [DayCalls(day=day, allowed=found[day]["asked"] - found[day]["denied"] if day in found else 0,
                     denied=found[day]["denied"] if day in found else 0) for day in listed]


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str  # the reason in words (calls.decision.REASONS)
    count: int


def denials_by_reason(*, facility: Facility, days: int = CHART_DAYS,
                      now: dt.datetime | None = None) -> list[ReasonCount]:
    """How many denied calls of the last ``days`` local days gave each reason (a call denied for two reasons
    counts under both), most frequent first, reasons never given left out. One aggregate query: a count per
    reason code, matched the way the calls list's reason filter matches it."""
    _listed, start, end = recent_local_days(facility, days=days, at=now)
    counts = Call.objects.filter(
        facility=facility, status=Call.Status.DENIED, requested_at__gte=start, requested_at__lt=end,
    ).aggregate(**{code: Count("id", filter=Q(reasons__icontains=f'"{code}"')) for code in REASONS})
    found = [ReasonCount(code=code, label=REASONS[code], count=counts[code] or 0) for code in REASONS]
    return sorted((r for r in found if r.count), key=lambda r: -r.count)


@dataclass(frozen=True)
class MinutesLeft:
    """The facility's minutes this period: how many inmates in custody have how much of the allowance left."""

    period: dt.date  # the local day the period began
    allowance: int  # this period's grant to each inmate (monthly minutes and the month's bonus)
    buckets: list[tuple[str, int]]  # (how much is left, in words; inmates), from "none left" up
    minutes_used: int  # minutes charged for calls since the period began
    minutes_left: int  # minutes on the balances of the inmates in custody
    inmates: int


MINUTES_LEFT_BUCKETS = ["none left", "under a quarter left", "a quarter to a half left",
                        "a half to three quarters left", "three quarters or more left"]


def minutes_left_distribution(*, facility: Facility, now: dt.datetime | None = None) -> MinutesLeft:
    """Inmates in custody by the share of this period's allowance still on their balance, and the period's
    minutes used and left. Three queries whatever the roster: the period's reset (whose allowance is fixed when
    it runs; the policy's until then), one aggregate over the balances, one sum over the period's calls."""
    now = now or timezone.now()
    period = period_for_facility(facility, at=now)
    reset = MonthlyReset.objects.filter(facility=facility, period=period, runs__gt=0).first()
    if reset is not None:
        allowance = reset.monthly_minutes + reset.bonus_minutes
    else:
        policy = facility.policy
        allowance = policy.monthly_minutes + policy.bonus_for_month(period.month)
    quarter, half, three_quarters = allowance / 4, allowance / 2, allowance * 3 / 4
    left = Q(minutes__gt=0)
    figures = MinuteBalance.objects.filter(
        inmate__facility=facility, inmate__status=Inmate.Status.IN_CUSTODY,
    ).aggregate(
        b0=Count("pk", filter=Q(minutes__lte=0)),
        b1=Count("pk", filter=left & Q(minutes__lt=quarter)),
        b2=Count("pk", filter=left & Q(minutes__gte=quarter, minutes__lt=half)),
        b3=Count("pk", filter=left & Q(minutes__gte=half, minutes__lt=three_quarters)),
        b4=Count("pk", filter=left & Q(minutes__gte=three_quarters)),
        left=Sum("minutes"), inmates=Count("pk"),
    )
    used = Call.objects.filter(
        facility=facility, charged=True, requested_at__gte=reset_moment(period=period, tz=facility.timezone),
    ).aggregate(used=Sum("minutes_charged"))["used"]
    return MinutesLeft(
        period=period, allowance=allowance,
        buckets=[(label, figures[f"b{k}"]) for k, label in enumerate(MINUTES_LEFT_BUCKETS)],
        minutes_used=used or 0, minutes_left=figures["left"] or 0, inmates=figures["inmates"],
    )
