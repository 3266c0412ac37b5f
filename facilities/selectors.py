"""Reads of facilities and the roster, always scoped to the user's facilities."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Facility, Inmate
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
