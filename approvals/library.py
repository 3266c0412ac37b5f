"""Reads of the facility number library (domain.md §9): the numbers every inmate of a facility, or of the
system, may call without a list entry. Writes are ``services.library``; the call decision reads a number's
terms through ``selectors.call_screening`` (folded into its one statement), screening through the engine."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Subquery
from django.db.models.functions import JSONObject

from facilities.scoping import facility_ids_for_user

from .models import LibraryNumber


@dataclass(frozen=True)
class LibraryTerms:
    """A library number's terms for one call."""

    pk: int
    monitored: bool
    charged: bool
    calling_hours_apply: bool
    gap_applies: bool

    @classmethod
    def of(cls, row: dict | None) -> LibraryTerms | None:
        if not row:
            return None
        return cls(pk=row["pk"], monitored=bool(row["monitored"]), charged=bool(row["charged"]),
                   calling_hours_apply=bool(row["calling_hours_apply"]), gap_applies=bool(row["gap_applies"]))


def library_row(number: str, facility_id: int) -> Subquery:
    """The library number inmates of ``facility_id`` may call at ``number``, as one JSON value for
    ``LibraryTerms.of`` (a subquery, to fold into another statement): the facility's own before a system-wide
    one."""
    return Subquery(
        LibraryNumber.objects.open().applying_to(facility_id).filter(number=number)
        .order_by("system_wide", "-id")
        .values(row=JSONObject(pk="pk", monitored="monitored", charged="charged",
                               calling_hours_apply="calling_hours_apply", gap_applies="gap_applies"))[:1]
    )


def library_for(*, user, facility) -> QuerySet[LibraryNumber]:
    """The facility's library: its own numbers and the system-wide ones (added and removed; filter with
    ``.open()``)."""
    ids = facility_ids_for_user(user)
    if ids is not None and facility.pk not in ids:
        return LibraryNumber.objects.none()
    return (LibraryNumber.objects.applying_to(facility.pk)
            .select_related("facility", "added_by", "removed_by").order_by("removed_at", "category", "name", "id"))
