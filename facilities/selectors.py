"""Reads of facilities and the roster, always scoped to the user's facilities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.text import capfirst

from .models import CallingPolicy, Facility, Inmate
from .scoping import scope_for_user


def inmate_list(*, user, facility: Facility) -> QuerySet[Inmate]:
    return scope_for_user(Inmate.objects.filter(facility=facility), user).order_by("last_name", "first_name", "id")


def facility_roster_counts(*, facility: Facility) -> dict[str, int]:
    return Inmate.objects.filter(facility=facility).aggregate(
        in_custody=Count("id", filter=Q(status=Inmate.Status.IN_CUSTODY)),
        released=Count("id", filter=Q(status=Inmate.Status.RELEASED)),
        transferred=Count("id", filter=Q(status=Inmate.Status.TRANSFERRED)),
        housing_units=Count("housing_unit", filter=Q(status=Inmate.Status.IN_CUSTODY), distinct=True),
    )


# --------------------------------------------------------------------------- the policy's history

# Kept by the policy's history but not set by a warden: the bookkeeping of the reset day and the row's own time.
POLICY_DIFF_EXCLUDED = ["updated_at", "reset_period_held", "reset_day_from", "facility"]


@dataclass(frozen=True)
class FieldChange:
    label: str  # the field's name in words ("Monthly minutes")
    old: str
    new: str


@dataclass(frozen=True)
class PolicyChange:
    """One saved version of a policy and what it changed from the version before (nothing for the first)."""

    record: Any  # the history record: history_date, history_user, history_change_reason
    changes: list[FieldChange]


def _shown(field, value) -> str:
    """A policy field's value as the policy page writes it."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def policy_history(*, policy: CallingPolicy, limit: int = 20) -> list[PolicyChange]:
    """The policy's latest ``limit`` versions, newest first, each with what it changed (old → new, field by field,
    django-simple-history's ``diff_against`` on the version before). One query: ``limit`` + 1 versions."""
    records = list(policy.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    found = []
    for k, record in enumerate(records[:limit]):
        older = records[k + 1] if k + 1 < len(records) else None
        changes = []
        if older is not None:
            for change in record.diff_against(older, excluded_fields=POLICY_DIFF_EXCLUDED).changes:
                field = CallingPolicy._meta.get_field(change.field)
                changes.append(FieldChange(label=capfirst(field.verbose_name), old=_shown(field, change.old),
                                           new=_shown(field, change.new)))
        found.append(PolicyChange(record=record, changes=changes))
    return found
