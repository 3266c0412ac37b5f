"""Reads of the investigations app: what is watched (for the call decision), an investigator's watch entries and
alerts, and the link report (numbers on several inmates' lists)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Q, QuerySet

from approvals.models import CaseParty, PhoneListEntry
from facilities.models import Facility
from facilities.scoping import INVESTIGATOR_ROLES, facility_ids_for_user, scope_for_user

from .models import WatchAlert, WatchEntry


def watch_since(today: dt.date) -> dt.date:
    """The earliest day an open watch entry may end on and still match a call on ``today`` (a UTC day): one day
    of margin, since no facility's local day is more than a day behind. The task
    (``services.watch_alerts_record``) checks each entry's end against its facility's own day."""
    return today - dt.timedelta(days=1)


def watched_exists(*, number, facility_ref, inmate_ref, since) -> Exists:
    """For the call decision's one gather statement: is the number, or the inmate (``inmate_ref``: an
    ``OuterRef``), on an open watch entry at the facility (``facility_ref``) ending on ``since`` or later
    (``watch_since``)? ``number`` and ``since`` are values or parameter expressions."""
    return Exists(
        WatchEntry.objects.open().filter(facility_id=facility_ref, ends_on__gte=since)
        .filter(Q(kind=WatchEntry.Kind.NUMBER, number=number) | Q(kind=WatchEntry.Kind.INMATE, inmate_id=inmate_ref))
    )


def matching_watches(*, facility_id: int, inmate_id: int, number: str) -> QuerySet[WatchEntry]:
    """The open entries a call at the facility by the inmate to the number matches."""
    return (
        WatchEntry.objects.open().filter(facility_id=facility_id)
        .filter(Q(kind=WatchEntry.Kind.NUMBER, number=number) | Q(kind=WatchEntry.Kind.INMATE, inmate_id=inmate_id))
        .select_related("owner", "facility", "inmate")
    )


def investigator_facilities(*, user) -> QuerySet[Facility]:
    """The facilities where the user holds the investigator role (every one for a superuser)."""
    return scope_for_user(Facility.objects.all(), user, path="self", roles=INVESTIGATOR_ROLES)


def watches_for(*, user, include_ended: bool = False) -> QuerySet[WatchEntry]:
    """The user's own watch entries at the facilities where they are an investigator."""
    entries = scope_for_user(WatchEntry.objects.filter(owner=user), user, roles=INVESTIGATOR_ROLES)
    if not include_ended:
        entries = entries.open()
    return entries.select_related("facility", "inmate").annotate(
        unread=Count("alerts", filter=Q(alerts__seen_at__isnull=True)), alert_count=Count("alerts"))


def alerts_for(*, user) -> QuerySet[WatchAlert]:
    """The alerts of the user's own entries (at facilities where they are still an investigator), newest first."""
    return scope_for_user(WatchAlert.objects.filter(watch__owner=user), user, roles=INVESTIGATOR_ROLES) \
        .select_related("watch", "facility", "inmate")


def unread_alert_count(*, user, facility) -> int:
    return alerts_for(user=user).filter(facility=facility, seen_at__isnull=True).count()


# --------------------------------------------------------------------------- the link report


@dataclass
class LinkedInmate:
    inmate_id: int
    name: str
    register_number: str
    facility_code: str
    status: str  # the entry's status label
    contact_name: str
    cases: list[str] = field(default_factory=list)  # cases shared with another inmate of the row; co-defendants first


@dataclass
class LinkRow:
    number: str
    inmate_count: int  # every inmate listing it, at every facility
    named: list[LinkedInmate]  # those at facilities where the reader holds a role
    unnamed: int  # the others: counted, not named


def shared_numbers(*, user) -> QuerySet:
    """Numbers live or waiting on the lists of two or more inmates (any facility), at least one of them at a
    facility where the user is an investigator, ranked by how many inmates list them: ``number``, ``inmates``."""
    ids = facility_ids_for_user(user, roles=INVESTIGATOR_ROLES)
    if ids is not None and not ids:
        return PhoneListEntry.objects.none().values("number")
    mine = Q() if ids is None else Q(facility_id__in=ids)
    return (
        PhoneListEntry.objects.filter(status__in=PhoneListEntry.LISTED_STATUSES)
        .values("number")
        .annotate(inmates=Count("inmate", distinct=True), mine=Count("id", filter=mine))
        .filter(inmates__gte=2, mine__gte=1)
        .order_by("-inmates", "number")
    )


def link_rows(*, user, numbers: list[dict]) -> list[LinkRow]:
    """The rows of one page of ``shared_numbers``: who lists each number (named only at facilities where the user
    holds a role) and the court cases they have in common. Two queries, whatever the number of rows."""
    readable = facility_ids_for_user(user)
    wanted = [n["number"] for n in numbers]
    entries = list(
        PhoneListEntry.objects.filter(status__in=PhoneListEntry.LISTED_STATUSES, number__in=wanted)
        .select_related("inmate", "facility").order_by("number", "inmate__last_name", "inmate__first_name", "id")
    )
    parties = CaseParty.objects.filter(removed_at__isnull=True, inmate_id__in={e.inmate_id for e in entries}) \
        .values_list("inmate_id", "case_id", "role", "case__case_number", "case__court")
    cases_of: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)  # inmate -> case -> (role, label)
    for inmate_id, case_id, role, case_number, court in parties:
        cases_of[inmate_id][case_id] = (role, f"{case_number} ({court})")
    by_number: dict[str, dict[int, PhoneListEntry]] = defaultdict(dict)
    for entry in entries:
        by_number[entry.number].setdefault(entry.inmate_id, entry)
    rows = []
    for n in numbers:
        listers = by_number.get(n["number"], {})
        named, unnamed = [], 0
        for inmate_id, entry in listers.items():
            if readable is not None and entry.facility_id not in readable:
                unnamed += 1
                continue
            named.append(LinkedInmate(
                inmate_id=inmate_id, name=f"{entry.inmate.last_name}, {entry.inmate.first_name}",
                register_number=entry.inmate.register_number, facility_code=entry.facility.code,
                status=entry.get_status_display(), contact_name=entry.contact_name,
                cases=_cases_in_common(inmate_id, listers, cases_of),
            ))
        rows.append(LinkRow(number=n["number"], inmate_count=len(listers), named=named, unnamed=unnamed))
    return rows


def _cases_in_common(inmate_id: int, listers: dict, cases_of: dict) -> list[str]:
    """The inmate's cases that another inmate listing the number is also a party to; cases where both are
    defendants (co-defendants) first."""
    mine = cases_of.get(inmate_id, {})
    codefendant, other = [], []
    for case_id, (role, label) in sorted(mine.items(), key=lambda kv: kv[1][1]):
        partners = [cases_of[o][case_id][0] for o in listers if o != inmate_id and case_id in cases_of.get(o, {})]
        if not partners:
            continue
        if role == CaseParty.Role.DEFENDANT and CaseParty.Role.DEFENDANT in partners:
            codefendant.append(f"{label}: co-defendants")
        else:
            theirs = ", ".join(sorted({CaseParty.Role(p).label.lower() for p in partners}))
            other.append(f"{label}: {CaseParty.Role(role).label.lower()}, the other {theirs}")
    return codefendant + other


def number_listers(*, user, number: str) -> tuple[list[PhoneListEntry], int]:
    """Every phone-list entry of the number (any status) at facilities where the user holds a role, and how many
    other inmates list it elsewhere (counted, not named). Two queries."""
    readable = facility_ids_for_user(user)
    entries = PhoneListEntry.objects.filter(number=number).select_related("inmate", "facility") \
        .order_by("inmate__last_name", "inmate__first_name", "-id")
    if readable is None:
        return list(entries), 0
    elsewhere = PhoneListEntry.objects.filter(number=number, status__in=PhoneListEntry.LISTED_STATUSES) \
        .exclude(facility_id__in=readable).values("inmate_id").distinct().count()
    return list(entries.filter(facility_id__in=readable)), elsewhere
