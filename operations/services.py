"""Writes of the operations app: the heartbeat of a periodic job (not a decision about anyone, so not audited)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import Heartbeat

RESET_DISPATCH = "calls.reset_dispatch"  # the beat job whose runs /health/ watches (calls/schedule.py)


@transaction.atomic
def heartbeat_record(*, name: str, at: dt.datetime | None = None) -> Heartbeat:
    """Record that the periodic job ``name`` has just run: one row per job, its time moved forward."""
    beat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": at or timezone.now()})
    return beat
