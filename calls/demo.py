"""Demo data of the calls app (called by ``manage.py seed_demo``): this month's minutes and 30 days of calls.

The calls of the last 30 local days, allowed and denied for several reasons, are added to a facility that has
none yet and whose current period has not been reset yet (a fresh database): first the days before this period
(the previous period's allowance, its calls charged to the ledger), then the period's reset, then the days of
this period. A few inmates call every hour, so some run out of minutes (and are then denied for it). The calls
are planned from the date alone, so a given day always gives the same figures.

Safe to run twice: the reset is exactly-once per facility and period, and calls are only added to a facility
that has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from approvals.models import PhoneListEntry
from facilities.models import Facility, Inmate
from facilities.periods import period_for_facility, reset_moment
from facilities.times import local_day, local_midnight

from . import reset, services
from .models import Call, CallKind, LedgerEntry, MinuteBalance, MonthlyReset

CODES = ["fed-dub", "tx-huntsville", "cook-county"]
FALLBACK_NUMBERS = ["+13125550111", "+12135550122", "+17135550133"]
HISTORY_DAYS = 30
CALLERS = 15  # inmates with calls
# Denied attempts cycle through these reasons (no minutes left comes by itself, when a heavy caller runs out).
DENIALS = [["not_on_list"], ["outside_calling_hours"], ["too_soon"], ["not_on_list"], ["blocked_number"],
           ["phone_restricted"], ["call_in_progress"], ["not_on_list", "no_contact_order"]]
UNLISTED = "+13125550987"


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    inmate: Inmate
    number: str
    seconds: int = 0
    denied: tuple[str, ...] = ()


def seed(*, stdout) -> None:
    now = timezone.now()
    for facility in Facility.objects.filter(code__in=CODES).select_related("policy").order_by("code"):
        period = period_for_facility(facility, at=now)
        start = reset_moment(period=period, tz=facility.timezone)
        fresh = not (Call.objects.filter(facility=facility).exists()
                     or MonthlyReset.objects.filter(facility=facility, period=period).exists())
        plan = _plan(facility, now=now) if fresh else []
        before = [a for a in plan if a.at < start]
        added = _previous_period(facility, before, this_period_start=start) if before else 0
        record, _ = MonthlyReset.objects.get_or_create(
            facility=facility, period=period,
            defaults={"reset_at": start, "dispatched_at": now},
        )
        if record.status != MonthlyReset.Status.DONE:
            record = reset.facility_reset_run(reset_id=record.pk)
        added += _place(facility, [a for a in plan if a.at >= start])
        stdout.write(f"calls: {facility.code}: minutes for {period:%Y-%m-%d} ({record.inmates_reset} inmates), "
                     f"{added} calls of the last {HISTORY_DAYS} days added")


def _numbers_for(inmate: Inmate) -> list[str]:
    live = list(PhoneListEntry.objects.filter(inmate=inmate, status=PhoneListEntry.Status.LIVE, legal=False)
                .values_list("number", flat=True)[:3])
    return live or FALLBACK_NUMBERS


def _calls_a_day(n: int, day: dt.date) -> int:
    """How many calls caller ``n`` tries on ``day``: a few call every hour, most once or twice a day or not."""
    if n % 5 == 0:
        return 6
    if n % 5 == 1:
        return 3
    return (n + day.toordinal()) % 3


def _plan(facility: Facility, *, now: dt.datetime) -> list[Attempt]:
    """The attempts of the last ``HISTORY_DAYS`` local days up to ``now``, in time order."""
    policy = facility.policy
    opens = policy.calling_hours_start.hour + 2
    callers = list(Inmate.objects.filter(facility=facility, status=Inmate.Status.IN_CUSTODY).order_by("id")[:CALLERS])
    numbers = {inmate.pk: _numbers_for(inmate) for inmate in callers}
    today = local_day(facility, now)
    plan: list[Attempt] = []
    for back in range(HISTORY_DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        midnight = local_midnight(day, facility)
        for n, inmate in enumerate(callers):
            listed = numbers[inmate.pk]
            for k in range(_calls_a_day(n, day)):
                at = midnight + dt.timedelta(hours=opens + k * max(policy.call_gap_minutes, 60) / 60, minutes=7 * n)
                seconds = 60 * (2 + (n + k + day.day) % max(policy.per_call_minutes - 2, 1)) + (n * 7 + k * 13) % 60
                plan.append(Attempt(at=at, inmate=inmate, number=listed[k % len(listed)], seconds=seconds))
        for j in range((day.toordinal() * 7 + facility.pk) % 5):
            reasons = DENIALS[(day.toordinal() + j) % len(DENIALS)]
            hour = 23 if reasons == ["outside_calling_hours"] else 12
            inmate = callers[(day.toordinal() + j * 3) % len(callers)] if callers else None
            if inmate is not None:
                plan.append(Attempt(at=midnight + dt.timedelta(hours=hour, minutes=10 + 11 * j), inmate=inmate,
                                    number=UNLISTED if "not_on_list" in reasons else numbers[inmate.pk][0],
                                    denied=tuple(reasons)))
    # Only what is over by now (a call still going would have no completion yet).
    return sorted((a for a in plan if a.at + dt.timedelta(seconds=a.seconds) < now), key=lambda a: (a.at, a.inmate.pk))


@transaction.atomic
def _previous_period(facility: Facility, attempts: list[Attempt], *, this_period_start: dt.datetime) -> int:
    """The callers' allowance of the period before this one (granted at its reset moment), then its calls."""
    previous = period_for_facility(facility, at=this_period_start - dt.timedelta(seconds=1))
    granted_at = reset_moment(period=previous, tz=facility.timezone)
    for inmate_id in sorted({a.inmate.pk for a in attempts}):
        balance = services._balance_locked(inmate_id)
        if balance.period is None:
            services._grant_period(balance, facility=facility, period=previous, at=granted_at, actor="seed_demo")
            balance.save()
    return _place(facility, attempts)


@transaction.atomic
def _place(facility: Facility, attempts: list[Attempt]) -> int:
    """Record the attempts: a denied one as it was denied; an allowed one charged to the ledger, or denied for
    want of minutes when the inmate has none left (who then tries no more that day). Returns the calls added."""
    cap_policy = facility.policy.per_call_minutes
    balances: dict[int, MinuteBalance] = {}
    denied: list[Call] = []
    allowed = 0
    gave_up: set[tuple[int, dt.date]] = set()  # an inmate told they have no minutes left tries no more that day
    for attempt in attempts:
        inmate = attempt.inmate
        day = local_day(facility, attempt.at)
        if (inmate.pk, day) in gave_up:
            continue
        common = dict(facility=facility, inmate=inmate, dialed_number=attempt.number, number=attempt.number,
                      requested_at=attempt.at, client_label="seed_demo")
        if attempt.denied:
            denied.append(Call(status=Call.Status.DENIED, reasons=list(attempt.denied), **common))
            continue
        balance = balances.get(inmate.pk) or balances.setdefault(inmate.pk, services._balance_locked(inmate.pk))
        cap = min(cap_policy, max(balance.minutes, 0))
        if cap < 1:
            denied.append(Call(status=Call.Status.DENIED, reasons=["no_minutes_left"], **common))
            gave_up.add((inmate.pk, day))
            continue
        minutes = services.charge_for(duration_seconds=attempt.seconds, max_minutes=cap)
        call = Call.objects.create(
            status=Call.Status.COMPLETED, kind=CallKind.REGULAR, monitored=True, charged=True, max_minutes=cap,
            expires_at=attempt.at + dt.timedelta(minutes=cap) + services.completion_grace(),
            completed_at=attempt.at + dt.timedelta(seconds=attempt.seconds), duration_seconds=attempt.seconds,
            minutes_charged=minutes, previous_call_started_at=balance.last_call_started_at, **common,
        )
        services._post(balance, kind=LedgerEntry.Kind.CALL_CHARGE, minutes=-minutes, facility_id=facility.pk,
                       at=call.completed_at, call=call, actor="seed_demo", reason=f"{attempt.seconds} seconds")
        balance.last_call_started_at = attempt.at
        allowed += 1
    Call.objects.bulk_create(denied)
    for balance in balances.values():
        balance.save()
    return allowed + len(denied)
