"""The figures Prometheus reads when it scrapes /metrics (operations/metrics.py): one query each, whatever the
number of facilities. Codes and numbers only: a facility's code, never a name or a telephone number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from approvals.models import PhoneListEntry
from calls.models import MonthlyReset
from calls.reset import FINISH_BOUND
from emergencies.models import EmergencyRequest
from facilities.models import Facility

from .models import Heartbeat
from .services import RESET_DISPATCH


@dataclass(frozen=True)
class QueueFigure:
    facility: str  # the facility's code
    size: int
    oldest_seconds: float  # age of the oldest entry waiting; 0 when none waits


def review_queue_figures(*, now: dt.datetime | None = None) -> list[QueueFigure]:
    """Per active facility (0 where nothing waits): phone-list entries waiting for review (the review queue) and the
    oldest one's age."""
    now = now or timezone.now()
    waiting = Q(phone_list_entries__status=PhoneListEntry.Status.PENDING)
    rows = (
        Facility.objects.filter(active=True).order_by("code")
        .annotate(size=Count("phone_list_entries", filter=waiting),
                  oldest=Min("phone_list_entries__created_at", filter=waiting))
        .values_list("code", "size", "oldest")
    )
    return [QueueFigure(facility=code, size=size,
                        oldest_seconds=0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0))
            for code, size, oldest in rows]


def open_emergency_figures() -> dict[str, int]:
    """Per active facility (0 where none): emergency requests waiting for a warden's decision."""
    rows = (
        Facility.objects.filter(active=True).order_by("code")
        .annotate(n=Count("emergency_requests", filter=Q(emergency_requests__status=EmergencyRequest.Status.OPEN)))
        .values_list("code", "n")
    )
    return dict(rows)


def last_dispatch_at() -> dt.datetime | None:
    """When beat's dispatcher of the monthly reset last ran (the worker records it: operations/receivers.py)."""
    return Heartbeat.objects.filter(name=RESET_DISPATCH).values_list("at", flat=True).first()


def reset_overdue(*, now: dt.datetime | None = None) -> bool:
    """Is any facility's monthly reset unfinished ``calls.reset.FINISH_BOUND`` after its reset moment? One query."""
    now = now or timezone.now()
    return MonthlyReset.objects.exclude(status=MonthlyReset.Status.DONE).filter(reset_at__lt=now - FINISH_BOUND).exists()
