"""Demo data of the calls app (called by ``manage.py seed_demo``): this month's minutes and some past calls.

Safe to run twice: the reset is exactly-once per facility and period, and past calls are only added
to a facility that has none.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from approvals.models import PhoneListEntry
from facilities.models import Facility, Inmate
from facilities.periods import period_for_facility, reset_moment

from . import reset, services
from .models import Call, CallKind, LedgerEntry, MonthlyReset

CODES = ["fed-dub", "tx-huntsville", "cook-county"]
FALLBACK_NUMBERS = ["+13125550111", "+12135550122", "+17135550133"]


def seed(*, stdout) -> None:
    now = timezone.now()
    for facility in Facility.objects.filter(code__in=CODES).select_related("policy").order_by("code"):
        period = period_for_facility(facility, at=now)
        record, _ = MonthlyReset.objects.get_or_create(
            facility=facility, period=period,
            defaults={"reset_at": reset_moment(period=period, tz=facility.timezone), "dispatched_at": now},
        )
        if record.status != MonthlyReset.Status.DONE:
            record = reset.facility_reset_run(reset_id=record.pk)
        added = 0 if Call.objects.filter(facility=facility).exists() else _past_calls(facility, now=now)
        stdout.write(f"calls: {facility.code}: minutes for {period:%Y-%m-%d} ({record.inmates_reset} inmates), "
                     f"{added} past calls added")


def _numbers_for(inmate: Inmate) -> list[str]:
    live = list(PhoneListEntry.objects.filter(inmate=inmate, status=PhoneListEntry.Status.LIVE, legal=False)
                .values_list("number", flat=True)[:3])
    return live or FALLBACK_NUMBERS


@transaction.atomic
def _past_calls(facility: Facility, *, now: dt.datetime) -> int:
    start = reset_moment(period=period_for_facility(facility, at=now), tz=facility.timezone)
    span = now - start
    inmates = list(Inmate.objects.filter(facility=facility, status=Inmate.Status.IN_CUSTODY).order_by("id")[:15])
    added = 0
    for n, inmate in enumerate(inmates):
        balance = services._balance_locked(inmate.pk)
        numbers = _numbers_for(inmate)
        for k in range(3):
            at = start + span * ((n * 3 + k + 1) / (len(inmates) * 3 + 2))
            seconds = 60 * (3 + (n + k) % 11) + (n * 7 + k * 13) % 60
            cap = min(facility.policy.per_call_minutes, max(balance.minutes, 0))
            if cap < 1:
                break
            minutes = services.charge_for(duration_seconds=seconds, max_minutes=cap)
            call = Call.objects.create(
                facility=facility, inmate=inmate, dialed_number=numbers[k % len(numbers)],
                number=numbers[k % len(numbers)], status=Call.Status.COMPLETED, kind=CallKind.REGULAR,
                monitored=True, charged=True, max_minutes=cap, requested_at=at,
                expires_at=at + dt.timedelta(minutes=cap) + services.completion_grace(),
                completed_at=at + dt.timedelta(seconds=seconds), duration_seconds=seconds, minutes_charged=minutes,
                previous_call_started_at=balance.last_call_started_at, client_label="seed_demo",
            )
            services._post(balance, kind=LedgerEntry.Kind.CALL_CHARGE, minutes=-minutes, facility_id=facility.pk,
                           at=call.completed_at, call=call, actor="seed_demo", reason=f"{seconds} seconds")
            balance.last_call_started_at = at
            added += 1
        if n % 5 == 0:  # a denied attempt: a number not on the list
            Call.objects.create(
                facility=facility, inmate=inmate, dialed_number="+13125550987", number="+13125550987",
                status=Call.Status.DENIED, reasons=["not_on_list"], requested_at=start + span / 2,
                client_label="seed_demo",
            )
            added += 1
        balance.save()
    return added
