"""The screening engine (domain.md §3): every finding for many (inmate, number) subjects at once. Reads only.

A fixed number of set-based queries whatever the number of subjects: the policies (with their facility,
unless given), orders in force, active blocks (with the facility number library's numbers in the same
statement), case parties, other inmates' lists and, when a subject is a list request, the list sizes, last
changes and warden's leaves. Every subject is screened against the same snapshot: what the
data says before any of them changes. Screening one number is this engine on one subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, CharField, Count, F, Max, OuterRef, Q, Value, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from core.numbers import NumberNotCallable, display_number, normalize_number
from facilities.models import CallingPolicy
from facilities.times import local_day

from ..limits import LeaveFacts, effective_list_limits, leave_row
from ..models import (
    BlockedNumber,
    CaseParty,
    LibraryNumber,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
    block_applies,
    in_force_q,
)
from ..selectors import list_counted_q
from .findings import (
    ScreenFinding,
    block_finding,
    by_severity,
    change_too_soon_finding,
    list_full_finding,
    not_callable_finding,
    order_finding,
    party_finding,
    shared_finding,
)

PURPOSES = ("list", "emergency", "rescreen")
# The entries of other inmates that make a number "shared": live ones and those waiting for review.
SHARED_STATUSES = PhoneListEntry.LISTED_STATUSES
SHARED_SHOWN = 6  # other inmates named in a shared-number finding (5, "and others" past that)


@dataclass(frozen=True)
class Subject:
    """One number to screen for one inmate.

    ``purpose``: "list" (a new list entry: size and change-interval limits apply), "emergency" (an emergency
    caller) or "rescreen" (an existing entry): no list limits for those two. ``exclude_entry_id``: an entry
    left out of the list's size and last change. ``number_changed``: the number replaces that entry because
    the contact's number changed (domain.md §2): exempt from the change interval. ``readers_facility_id``:
    the facility whose staff read the findings when it is not the inmate's: other inmates are named only
    when held there.
    """

    key: Hashable
    inmate_id: int
    facility_id: int  # the inmate's facility: its policy and its local day apply
    number: str
    legal: bool = False
    purpose: str = "rescreen"
    exclude_entry_id: int | None = None
    number_changed: bool = False
    readers_facility_id: int | None = None

    def __post_init__(self):
        if self.purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}")


@dataclass
class Snapshot:
    """What the queries read, keyed for the subjects."""

    now: dt.datetime
    policies: dict[int, CallingPolicy]
    days: dict[int, dt.date] = field(default_factory=dict)
    orders: dict[tuple[int, str], list[tuple]] = field(default_factory=dict)
    blocks: dict[str, list[tuple]] = field(default_factory=dict)
    library: dict[str, list[tuple]] = field(default_factory=dict)  # number: [(facility id, system-wide)]
    parties: dict[tuple[int, str], list[tuple]] = field(default_factory=dict)
    shared: dict[str, list[tuple]] = field(default_factory=dict)
    lists: dict[int, dict] = field(default_factory=dict)


def _not_callable_message(number: str) -> str | None:
    """Why ``number`` cannot be screened (not E.164, or not callable), or None when it can."""
    try:
        if normalize_number(number) == number:
            return None
    except NumberNotCallable as exc:
        return exc.message
    return f"“{number}” is not in E.164 form."


def _read_policies(facility_ids: list[int], given: Iterable[CallingPolicy]) -> dict[int, CallingPolicy]:
    policies = {p.facility_id: p for p in given if p.facility_id in facility_ids}
    missing = [fid for fid in facility_ids if fid not in policies]
    if missing:
        policies.update({p.facility_id: p for p in
                         CallingPolicy.objects.select_related("facility").filter(facility_id__in=missing)})
    return policies


def _read_orders(snap: Snapshot, subjects: list[Subject], numbers: list[str]) -> None:
    """Orders in force (on each inmate's facility's local day) against these inmates, protecting these numbers."""
    in_force = Q(pk__in=[])
    for fid, day in snap.days.items():
        inmate_ids = sorted({s.inmate_id for s in subjects if s.facility_id == fid})
        in_force |= Q(order__inmate_id__in=inmate_ids) & in_force_q(day, prefix="order__")
    rows = (ProtectedNumber.objects.filter(number__in=numbers).filter(in_force)
            .values_list("number", "order__inmate_id", "order__order_number", "order__court",
                         "order__protected_name"))
    for number, inmate_id, *order in rows:
        found = snap.orders.setdefault((inmate_id, number), [])
        if tuple(order) not in found:
            found.append(tuple(order))


_BLOCK, _LIBRARY = "block", "library"


def _read_blocks(snap: Snapshot, numbers: list[str], inmate_ids: list[int]) -> None:
    """Active blocks on these numbers (at the subjects' facilities, system-wide, or naming one of the
    subjects' inmates), newest first; and, in the same statement, the open library numbers among them
    (a library number is never a shared number)."""
    columns = ("src", "pk", "number", "facility_id", "system_wide", "reason", "inmate_id")
    blocks = (BlockedNumber.objects.active(snap.now).applying_to(*snap.policies, inmate_ids=inmate_ids)
              .filter(number__in=numbers).order_by().annotate(src=Value(_BLOCK, output_field=CharField()))
              .values_list(*columns))
    library = (LibraryNumber.objects.open().applying_to(*snap.policies).filter(number__in=numbers).order_by()
               .annotate(src=Value(_LIBRARY, output_field=CharField()), reason=F("category"),
                         inmate_id=Value(None, output_field=BigIntegerField()))
               .values_list(*columns))
    rows = sorted(blocks.union(library, all=True), key=lambda row: -row[1])
    for src, pk, number, facility_id, system_wide, reason, inmate_id in rows:
        if src == _LIBRARY:
            snap.library.setdefault(number, []).append((facility_id, system_wide))
        else:
            snap.blocks.setdefault(number, []).append((pk, facility_id, system_wide, reason, inmate_id))


def _read_parties(snap: Snapshot, inmate_ids: list[int], numbers: list[str]) -> None:
    """Parties holding these numbers on cases where one of these inmates is a defendant (not themselves)."""
    rows = (
        PartyNumber.objects.filter(number__in=numbers, party__removed_at__isnull=True)
        .filter(party__case__parties__inmate_id__in=inmate_ids, party__case__parties__role=CaseParty.Role.DEFENDANT,
                party__case__parties__removed_at__isnull=True)
        .values_list("number", "party__case__parties__inmate_id", "party__inmate_id", "party__role", "party__name",
                     "party__case__case_number", "party__inmate__register_number")
        .distinct()
    )
    for number, defendant_id, party_inmate_id, *party in rows:
        if party_inmate_id != defendant_id:
            found = snap.parties.setdefault((defendant_id, number), [])
            if tuple(party) not in found:
                found.append(tuple(party))


def _read_shared(snap: Snapshot, numbers: list[str]) -> None:
    """The first live or pending entries of each number, oldest first (one more than shown: a subject's own
    inmate is skipped, and holds at most one such entry of a number)."""
    rows = (
        PhoneListEntry.objects.filter(number__in=numbers, status__in=SHARED_STATUSES)
        .annotate(rank=Window(RowNumber(), partition_by=[F("number")],
                              order_by=[F("created_at").asc(), F("id").asc()]))
        .filter(rank__lte=SHARED_SHOWN + 1)
        .order_by("number", "rank")
        .values_list("number", "inmate_id", "inmate__register_number", "inmate__facility__code",
                     "inmate__facility_id")
    )
    for number, *row in rows:
        snap.shared.setdefault(number, []).append(tuple(row))


def _read_lists(snap: Snapshot, subjects: list[Subject]) -> None:
    """For list requests: each inmate's list size (attorneys counted and apart), its last change and its open
    leave (an inmate with no entry has no limit to reach), leaving out the entries the subjects replace. A number-changed replacement is no change for the interval's clock."""
    asking = [s for s in subjects if s.purpose == "list"]
    if not asking:
        return
    own = PhoneListEntry.objects.filter(inmate_id__in={s.inmate_id for s in asking}).exclude(
        pk__in=[s.exclude_entry_id for s in asking if s.exclude_entry_id])
    rows = own.values("inmate_id").order_by("inmate_id").annotate(
        size_all=Count("id", filter=list_counted_q(legal_apart=False)),
        size_apart=Count("id", filter=list_counted_q(legal_apart=True)),
        last_live=Max("went_live_at", filter=Q(replaces__isnull=True)),
        last_removed=Max("status_changed_at", filter=Q(status=PhoneListEntry.Status.REMOVED,
                                                       replaced_by__isnull=True)),
        leave=leave_row(OuterRef("inmate_id")),
    )
    snap.lists = {row["inmate_id"]: row for row in rows}


def read_snapshot(subjects: list[Subject], policies: Iterable[CallingPolicy] = ()) -> Snapshot:
    numbers = sorted({s.number for s in subjects})
    facility_ids = sorted({s.facility_id for s in subjects})
    snap = Snapshot(now=timezone.now(), policies=_read_policies(facility_ids, policies))
    snap.days = {fid: local_day(p.facility.timezone, snap.now) for fid, p in snap.policies.items()}
    _read_orders(snap, subjects, numbers)
    _read_blocks(snap, numbers, sorted({s.inmate_id for s in subjects}))
    _read_parties(snap, sorted({s.inmate_id for s in subjects}), numbers)
    _read_shared(snap, numbers)
    _read_lists(snap, subjects)
    return snap


def _list_limits(s: Subject, snap: Snapshot, policy: CallingPolicy) -> list[ScreenFinding]:
    """List size and change interval, for a list request: the limits ``limits.effective_list_limits`` gives
    (the policy's, or a warden's leave in force)."""
    stats = snap.lists.get(s.inmate_id, {})
    limits = effective_list_limits(policy=policy, leave=LeaveFacts.of(stats.get("leave")),
                                   day=snap.days[s.facility_id])
    size = stats.get("size_apart" if policy.legal_counted_separately else "size_all", 0)
    out = []
    counts_here = not (s.legal and policy.legal_counted_separately)
    if counts_here and size >= limits.list_size:
        out.append(list_full_finding(size, limits.list_size,
                                     raised_until=limits.leave.ends_on if limits.size_raised else None))
    last_change = max((d for d in (stats.get("last_live"), stats.get("last_removed")) if d is not None),
                      default=None)
    interval = limits.change_interval_days
    if not s.legal and not s.number_changed and interval and last_change is not None:
        next_change = last_change + dt.timedelta(days=interval)
        if next_change > snap.now:
            out.append(change_too_soon_finding(last_change, next_change, interval))
    return out


def findings_for(s: Subject, snap: Snapshot) -> list[ScreenFinding]:
    """Every finding for one subject from the snapshot, blocks first."""
    policy = snap.policies[s.facility_id]
    shown = display_number(s.number)
    findings = [order_finding(*order) for order in snap.orders.get((s.inmate_id, s.number), ())]
    findings += [block_finding(pk, system_wide, reason, shown, one_inmate=inmate_id is not None)
                 for pk, facility_id, system_wide, reason, inmate_id in snap.blocks.get(s.number, ())
                 if block_applies(facility_id=facility_id, system_wide=system_wide, inmate_id=inmate_id,
                                  to_inmate=s.inmate_id, at_facility=s.facility_id)]
    findings += [f for f in (party_finding(*party, shown, policy)
                             for party in snap.parties.get((s.inmate_id, s.number), ())) if f is not None]
    others = [(reg, code, fid) for inmate_id, reg, code, fid in snap.shared.get(s.number, ())
              if inmate_id != s.inmate_id]
    in_library = any(system_wide or facility_id == s.facility_id
                     for facility_id, system_wide in snap.library.get(s.number, ()))
    shared = None if in_library else shared_finding(others[:SHARED_SHOWN], shown,
                                                    s.readers_facility_id or s.facility_id)
    if shared is not None:
        findings.append(shared)
    if s.purpose == "list":
        findings += _list_limits(s, snap, policy)
    return by_severity(findings)


def evaluate(subjects: Iterable[Subject], *,
             policies: Iterable[CallingPolicy] = ()) -> dict[Hashable, list[ScreenFinding]]:
    """{subject key: its findings, blocks first}. A number that is not callable (or not E.164) has that one
    finding and is not looked up. ``policies``: calling policies (with their facility) already held."""
    out: dict[Hashable, list[ScreenFinding]] = {}
    screened: list[Subject] = []
    for s in subjects:
        problem = _not_callable_message(s.number)
        if problem is not None:
            out[s.key] = [not_callable_finding(s.number, problem)]
        else:
            screened.append(s)
    if screened:
        snap = read_snapshot(screened, policies)
        for s in screened:
            out[s.key] = findings_for(s, snap)
    return out
