"""Demo data of investigations (called by ``manage.py seed_demo`` after the calls demo): for the demo investigator
at Cook County, a number two inmates list (a link report row), a watch on it with an alert (the watched number
dialled), and reviews coming due (a restriction due in five days, an investigation block overdue).

It dials through the call decision, so it lives in the calls app (the top layer). Safe to run twice: it does
nothing once the investigator keeps a watch entry."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from approvals.models import BlockedNumber, PhoneListEntry, Relationship
from approvals.services import block_create, entry_add
from facilities.models import Facility, Inmate
from facilities.times import local_day
from investigations import services as investigations
from investigations.models import WatchEntry
from investigations.reviews import review_default_days

from . import services

CODE = "cook-county"
SHARED = "+17735550142"  # listed by two inmates, watched, dialled
BLOCKED = "+17735550166"  # an investigation block placed long enough ago to be overdue for review


def seed(*, stdout) -> None:
    investigator = get_user_model().objects.filter(username="investigator").first()
    facility = Facility.objects.filter(code=CODE).first()
    if investigator is None or facility is None or WatchEntry.objects.filter(owner=investigator).exists():
        return
    warden = get_user_model().objects.get(username="warden")
    first, second = Inmate.objects.filter(facility=facility, status=Inmate.Status.IN_CUSTODY).order_by("pk")[:2]
    for inmate, name in ((first, "Dana Reyes"), (second, "D. Reyes")):
        if not PhoneListEntry.objects.filter(inmate=inmate, number=SHARED).exists():
            entry_add(inmate=inmate, number=SHARED, contact_name=name, relationship=Relationship.FRIEND,
                      source=PhoneListEntry.Source.STAFF, actor=warden)
    today = local_day(facility)
    investigations.watch_add(
        actor=investigator, facility=facility, kind=WatchEntry.Kind.NUMBER, number=SHARED,
        ends_on=today + dt.timedelta(days=120),
        reason="Number on two inmates' lists; suspected relay of messages between co-defendants.",
    )
    call = services.call_authorize(facility=facility, register_number=first.register_number, number=SHARED,
                                   client="seed_demo")
    # The decision queued the alert (and its e-mail) for after its commit; record the alert now too (once per entry
    # and call, whoever comes first), so the dashboard shows it even before the worker runs.
    investigations.watch_alerts_record(call_id=call.pk, facility_id=facility.pk, inmate_id=first.pk, number=SHARED,
                                       allowed=call.status != call.Status.DENIED, occurred_at=call.requested_at)
    now = timezone.now()
    days = review_default_days("restriction")
    services.restriction_impose(inmate=second, starts_at=now - dt.timedelta(days=days - 5), ends_at=None,
                                reason="Disciplinary hearing: phone used to threaten a witness.", actor=warden)
    block = block_create(facility=facility, number=BLOCKED, reason=BlockedNumber.Reason.INVESTIGATION, actor=warden,
                         note="Investigation: number used to arrange contraband drops.")
    BlockedNumber.objects.filter(pk=block.pk).update(starts_at=now - dt.timedelta(days=review_default_days("block") + 3))
    stdout.write(f"Investigations demo: a watch on {SHARED} with an alert, a link report row, reviews due at {CODE}.")
