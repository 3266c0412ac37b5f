"""The selector of the worklist's calls queue (``facilities.worklist``): authorisations stuck open, in two queries
whatever the volume, scoped by the one helper."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core.numbers import display_number
from facilities.scoping import WARDEN_ROLES, scope_for_user
from facilities.worklist import QueueSlice, WorkItem, WorkQueue, build_queue

from .models import Call
from .services import completion_grace


def stuck_authorizations(*, user, facilities, limit: int, now: dt.datetime | None = None) -> QueueSlice:
    """Calls the platform was allowed whose last allowed minute has passed with no completion report yet (the
    authorisation still holds the inmate's next call back until it expires); longest waiting first.

    An authorisation expires ``completion_grace`` after its last allowed minute, so "past its last minute" is
    ``expires_at <= now + grace`` (the open-authorisation index)."""
    now = now or timezone.now()
    qs: QuerySet[Call] = scope_for_user(
        Call.objects.filter(facility_id__in=[f.pk for f in facilities], status=Call.Status.AUTHORIZED,
                            expires_at__lte=now + completion_grace()),
        user,
    )
    count = qs.count()
    items = list(qs.select_related("inmate", "facility").order_by("expires_at", "id")[:limit]) if limit else []
    return QueueSlice(count=count, items=items)


def _call_item(call: Call) -> WorkItem:
    inmate = call.inmate
    return WorkItem(
        label=f"{call.get_kind_display()} call to {display_number(call.number)} by {inmate.last_name}, "
              f"{inmate.first_name} ({inmate.register_number}): allowed for {call.max_minutes} minutes, "
              "no completion report",
        url=reverse("calls-list", args=[call.facility.code]) + "?" + urlencode(
            {"outcome": Call.Status.AUTHORIZED, "inmate": inmate.register_number}),
        facility=call.facility, since=call.requested_at,
    )


def _calls_link(facility) -> tuple[str, str]:
    return f"Calls in progress at {facility.name}", reverse("calls-list", args=[facility.code]) + "?outcome=authorized"


def worklist(*, user, facilities, only: str | None = None) -> list[WorkQueue]:
    """The calls app's queue on the worklist (hook of ``pages.pages``): wardens act, auditors read the count."""
    if only not in (None, "stuck"):
        return []
    queue = build_queue(
        key="stuck", title="Authorisations stuck open",
        meaning="Calls the platform was allowed whose time is up but whose end it has not reported: the inmate "
                "cannot place the next call until the report comes or the authorisation expires. Ask the "
                "platform's support if it lasts. Longest waiting first.",
        roles=WARDEN_ROLES, user=user, facilities=facilities, select=stuck_authorizations, item=_call_item,
        links=_calls_link,
    )
    return [queue] if queue is not None else []
