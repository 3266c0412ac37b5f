"""Screening one number for one inmate (domain.md §3). Reads only: nothing here writes.

``screen_number`` runs a fixed number of indexed queries whatever the volume of data:
the policy (with the facility), blocks, no-contact orders, case parties, other inmates' lists and,
for list requests, the inmate's list size and last change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from facilities.models import CallingPolicy

from .models import BlockedNumber, CaseParty, EntryFinding, PartyNumber, PhoneListEntry, ProtectedNumber
from .numbers import NumberNotCallable, display_number, normalize_number

BLOCK = EntryFinding.Severity.BLOCK.value
REVIEW = EntryFinding.Severity.REVIEW.value
K = EntryFinding.Kind

PURPOSES = ("list", "emergency", "rescreen")
# The entries of other inmates that make a number "shared": live ones and those waiting for review.
SHARED_STATUSES = (PhoneListEntry.Status.LIVE, PhoneListEntry.Status.PENDING)


@dataclass(frozen=True)
class ScreenFinding:
    kind: str  # an EntryFinding.Kind value
    severity: str  # "block" | "review"
    reference: str
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK


def has_block(findings: list[ScreenFinding]) -> bool:
    return any(f.severity == BLOCK for f in findings)


def has_review(findings: list[ScreenFinding]) -> bool:
    return any(f.severity == REVIEW for f in findings)


def local_today(tz_name: str) -> dt.date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(tz_name)).date()


# Each finding is worded in one place, so that screening one number and screening many entries at
# once (``screen_entries``) store the very same findings (kind and reference are what re-screening compares).


def _order_finding(order_number: str, court: str, protected: str) -> ScreenFinding:
    return ScreenFinding(
        K.NO_CONTACT_ORDER.value, BLOCK, f"order {order_number}",
        f"A court no-contact order ({order_number}, {court}) forbids contact with {protected}, whose number this is.",
    )


def _block_finding(pk: int, system_wide: bool, reason: str, shown: str) -> ScreenFinding:
    where = "system-wide" if system_wide else "at this facility"
    label = BlockedNumber.Reason(reason).label.lower()
    return ScreenFinding(K.BLOCKED_NUMBER.value, BLOCK, f"block #{pk}", f"{shown} is blocked {where} ({label}).")


def _party_finding(role: str, name: str, case_number: str, register: str | None, shown: str,
                   policy: CallingPolicy) -> ScreenFinding | None:
    if role == CaseParty.Role.DEFENDANT:
        if not policy.screen_codefendants:
            return None
        who = f"{name} ({register})" if register else name
        return ScreenFinding(
            K.CO_DEFENDANT.value, REVIEW, f"case {case_number}" + (f", inmate {register}" if register else ""),
            f"{shown} belongs to {who}, a co-defendant in case {case_number}.",
        )
    return ScreenFinding(
        K.VICTIM_WITNESS.value, REVIEW, f"case {case_number}",
        f"{shown} belongs to {name}, a {CaseParty.Role(role).label.lower()} in case {case_number}.",
    )


def _shared_finding(shared: list[tuple[str, str, int]], shown: str, facility_id: int) -> ScreenFinding | None:
    """``shared``: (register number, facility code, facility id) of up to 6 other inmates with the number live
    or pending (domain.md §3: two requests waiting at once are as shared as two live numbers).

    Inmates at the entry's own facility (``facility_id``) are named; those at other facilities are only
    counted, per facility: the entry's readers may hold no role there, and another facility's inmates
    are not theirs to see.
    """
    if not shared:
        return None
    listed = shared[:5]
    away: dict[str, int] = {}
    for _reg, code, fid in listed:
        if fid != facility_id:
            away[code] = away.get(code, 0) + 1
    parts = [reg for reg, _code, fid in listed if fid == facility_id]
    parts += [f"{n} inmate{'s' if n > 1 else ''} at {code}" for code, n in away.items()]
    refs = ", ".join(parts) + (" and others" if len(shared) > 5 else "")
    return ScreenFinding(
        K.SHARED_NUMBER.value, REVIEW, f"inmates {refs}"[:255],
        f"{shown} is live or waiting for review on the list of "
        f"{len(shared) if len(shared) <= 5 else 'more than 5'} other inmate(s): {refs}.",
    )


def _by_severity(findings: list[ScreenFinding]) -> list[ScreenFinding]:
    return sorted(findings, key=lambda f: (f.severity != BLOCK,))


def _policy_for(inmate) -> CallingPolicy:
    cached = getattr(inmate, "_screening_policy", None)
    if cached is not None and cached.facility_id == inmate.facility_id:
        return cached
    policy = CallingPolicy.objects.select_related("facility").get(facility_id=inmate.facility_id)
    return policy


def screen_number(
    *,
    inmate,
    number: str,
    legal: bool = False,
    purpose: str = "list",
    exclude_entry_id: int | None = None,
    policy: CallingPolicy | None = None,
    number_changed: bool = False,
    readers_facility_id: int | None = None,
) -> list[ScreenFinding]:
    """Every finding for ``number`` (E.164) on ``inmate``'s list, blocks first. Writes nothing.

    ``purpose``: "list" (a new list entry: size and change-interval limits apply), "emergency"
    (an emergency caller: no list limits) or "rescreen" (an existing entry, ``exclude_entry_id``:
    no list limits). ``policy`` may be passed when the caller already holds it (saves one query).
    ``number_changed``: the entry replaces ``exclude_entry_id`` because the contact's number changed
    (domain.md §2): exempt from the change interval, and the replaced entry does not count in the size.
    Changes of that kind never start the change-interval clock either.
    ``readers_facility_id``: the facility whose staff read the findings, when it is not the inmate's (an
    emergency request stays with the facility that logged it after the inmate moves): other inmates are named
    only when held there, and counted per facility otherwise.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    try:
        if normalize_number(number) != number:
            raise NumberNotCallable("invalid_number", f"“{number}” is not in E.164 form.")
    except NumberNotCallable as exc:
        return [ScreenFinding(K.NOT_CALLABLE.value, BLOCK, number, exc.message)]

    if policy is None or policy.facility_id != inmate.facility_id:
        policy = _policy_for(inmate)  # query 1
    facility_id = inmate.facility_id
    now = timezone.now()
    today = local_today(policy.facility.timezone)
    shown = display_number(number)
    findings: list[ScreenFinding] = []

    # 2. No-contact orders against this inmate protecting this number.
    orders = (
        ProtectedNumber.objects.filter(number=number, order__inmate_id=inmate.pk, order__ended_at__isnull=True)
        .filter(order__starts_on__lte=today)
        .filter(Q(order__ends_on__isnull=True) | Q(order__ends_on__gte=today))
        .values_list("order__order_number", "order__court", "order__protected_name")
        .distinct()
    )
    for order_number, court, protected in orders:
        findings.append(_order_finding(order_number, court, protected))

    # 3. Blocked numbers at this facility or system-wide.
    blocks = (
        BlockedNumber.objects.active(now).applying_to(facility_id).filter(number=number)
        .values_list("pk", "system_wide", "reason")
    )
    for pk, system_wide, reason in blocks:
        findings.append(_block_finding(pk, system_wide, reason, shown))

    # 4. Parties on the inmate's own cases (where the inmate is a defendant) holding this number.
    party_rows = (
        PartyNumber.objects.filter(number=number, party__removed_at__isnull=True)
        .filter(
            party__case__parties__inmate_id=inmate.pk,
            party__case__parties__role=CaseParty.Role.DEFENDANT,
            party__case__parties__removed_at__isnull=True,
        )
        .exclude(party__inmate_id=inmate.pk)
        .values_list("party__role", "party__name", "party__case__case_number", "party__inmate__register_number")
        .distinct()
    )
    for role, name, case_number, register in party_rows:
        finding = _party_finding(role, name, case_number, register, shown, policy)
        if finding is not None:
            findings.append(finding)

    # 5. The same number live or pending on other inmates' lists.
    shared_qs = PhoneListEntry.objects.filter(number=number, status__in=SHARED_STATUSES).exclude(
        inmate_id=inmate.pk
    )
    shared = _shared_finding(list(shared_qs.values_list("inmate__register_number", "inmate__facility__code",
                                                        "inmate__facility_id")[:6]), shown,
                             readers_facility_id or inmate.facility_id)
    if shared is not None:
        findings.append(shared)

    # 6. List size and change interval (regular list requests only).
    if purpose == "list":
        counted = Q(status__in=[PhoneListEntry.Status.PENDING, PhoneListEntry.Status.LIVE])
        if policy.legal_counted_separately:
            counted &= Q(legal=False)
        own = PhoneListEntry.objects.filter(inmate_id=inmate.pk)
        if exclude_entry_id:
            own = own.exclude(pk=exclude_entry_id)
        stats = own.aggregate(  # a number-changed replacement is no change for the interval's clock
            size=Count("id", filter=counted),
            last_live=Max("went_live_at", filter=Q(replaces__isnull=True)),
            last_removed=Max("status_changed_at",
                             filter=Q(status=PhoneListEntry.Status.REMOVED, replaced_by__isnull=True)),
        )
        last_change = max((d for d in (stats["last_live"], stats["last_removed"]) if d is not None), default=None)
        counts_here = not (legal and policy.legal_counted_separately)
        if counts_here and stats["size"] >= policy.list_size:
            findings.append(ScreenFinding(
                K.LIST_FULL.value, BLOCK, f"{stats['size']} of {policy.list_size}",
                f"The list already holds {stats['size']} numbers; the facility allows {policy.list_size}.",
            ))
        interval = policy.list_change_interval_days
        if not legal and not number_changed and interval and last_change is not None:
            next_change = last_change + dt.timedelta(days=interval)
            if next_change > now:
                findings.append(ScreenFinding(
                    K.CHANGE_TOO_SOON.value, BLOCK, f"next change from {next_change.date().isoformat()}",
                    f"The list last changed on {last_change.date().isoformat()}; the facility allows a "
                    f"change every {interval} days, so the next one from {next_change.date().isoformat()}.",
                ))

    return _by_severity(findings)


SHARED_SHOWN = 6  # other inmates named in a shared-number finding (5, "and others" past that)


def screen_entries(entries) -> dict[int, list[ScreenFinding]]:
    """``screen_number(purpose="rescreen")`` for many open entries at once: {entry id: findings}.

    Five queries whatever the number of entries (policies, orders, blocks, case parties, other
    inmates' lists), each a set-based read over the entries' numbers. Every entry is screened
    against the same snapshot: what the data says before any of them changes. ``entries``: list
    entries with their inmate loaded (``select_related("inmate")``); writes nothing.
    """
    entries = list(entries)
    if not entries:
        return {}
    now = timezone.now()
    numbers = sorted({e.number for e in entries})
    inmate_ids = sorted({e.inmate_id for e in entries})
    facility_of = {e.pk: e.inmate.facility_id for e in entries}  # the inmate's facility, as screen_number
    facility_ids = sorted(set(facility_of.values()))
    out: dict[int, list[ScreenFinding]] = {}

    callable_numbers = set()
    for number in numbers:
        try:
            if normalize_number(number) == number:
                callable_numbers.add(number)
        except NumberNotCallable:
            pass

    # 1. Policies (with the facility's time zone for "today").
    policies = {p.facility_id: p for p in CallingPolicy.objects.select_related("facility").filter(
        facility_id__in=facility_ids)}
    today = {fid: local_today(p.facility.timezone) for fid, p in policies.items()}

    # 2. Open orders restraining these inmates and protecting these numbers (dates checked per facility).
    orders: dict[tuple[int, str], list[tuple]] = {}
    for number, inmate_id, order_number, court, protected, starts_on, ends_on in (
        ProtectedNumber.objects.filter(number__in=numbers, order__inmate_id__in=inmate_ids,
                                       order__ended_at__isnull=True)
        .values_list("number", "order__inmate_id", "order__order_number", "order__court", "order__protected_name",
                     "order__starts_on", "order__ends_on")
    ):
        orders.setdefault((inmate_id, number), []).append((order_number, court, protected, starts_on, ends_on))

    # 3. Active blocks on these numbers, here or system-wide (newest first, as screen_number reads them).
    blocks: dict[str, list[tuple]] = {}
    for pk, number, facility_id, system_wide, reason in (
        BlockedNumber.objects.active(now).filter(number__in=numbers)
        .filter(Q(system_wide=True) | Q(facility_id__in=facility_ids))
        .values_list("pk", "number", "facility_id", "system_wide", "reason")
    ):
        blocks.setdefault(number, []).append((pk, facility_id, system_wide, reason))

    # 4. Parties holding these numbers on cases where one of these inmates is a defendant.
    parties: dict[tuple[int, str], list[tuple]] = {}
    for number, defendant_id, party_inmate_id, role, name, case_number, register in (
        PartyNumber.objects.filter(number__in=numbers, party__removed_at__isnull=True)
        .filter(
            party__case__parties__inmate_id__in=inmate_ids,
            party__case__parties__role=CaseParty.Role.DEFENDANT,
            party__case__parties__removed_at__isnull=True,
        )
        .values_list("number", "party__case__parties__inmate_id", "party__inmate_id", "party__role", "party__name",
                     "party__case__case_number", "party__inmate__register_number")
        .distinct()
    ):
        if party_inmate_id != defendant_id:
            parties.setdefault((defendant_id, number), []).append((role, name, case_number, register))

    # 5. The first live or pending entries of each number (one more than shown: an entry's own inmate is skipped).
    shared: dict[str, list[tuple]] = {}
    for number, inmate_id, register, code, fid in (
        PhoneListEntry.objects.filter(number__in=numbers, status__in=SHARED_STATUSES)
        .annotate(rank=Window(RowNumber(), partition_by=[F("number")], order_by=[F("created_at").asc(),
                                                                                  F("id").asc()]))
        .filter(rank__lte=SHARED_SHOWN + 1)
        .order_by("number", "rank")
        .values_list("number", "inmate_id", "inmate__register_number", "inmate__facility__code",
                     "inmate__facility_id")
    ):
        shared.setdefault(number, []).append((inmate_id, register, code, fid))

    for entry in entries:
        number = entry.number
        if number not in callable_numbers:
            try:
                normalize_number(number)
                message = f"“{number}” is not in E.164 form."
            except NumberNotCallable as exc:
                message = exc.message
            out[entry.pk] = [ScreenFinding(K.NOT_CALLABLE.value, BLOCK, number, message)]
            continue
        facility_id_here = facility_of[entry.pk]
        policy = policies[facility_id_here]
        day = today[facility_id_here]
        shown = display_number(number)
        findings: list[ScreenFinding] = []
        seen_orders = set()
        for order_number, court, protected, starts_on, ends_on in orders.get((entry.inmate_id, number), ()):
            if starts_on <= day and (ends_on is None or ends_on >= day) and \
                    (order_number, court, protected) not in seen_orders:
                seen_orders.add((order_number, court, protected))
                findings.append(_order_finding(order_number, court, protected))
        for pk, facility_id, system_wide, reason in blocks.get(number, ()):
            if system_wide or facility_id == facility_id_here:
                findings.append(_block_finding(pk, system_wide, reason, shown))
        seen_parties = set()
        for row in parties.get((entry.inmate_id, number), ()):
            if row not in seen_parties:
                seen_parties.add(row)
                finding = _party_finding(*row, shown, policy)
                if finding is not None:
                    findings.append(finding)
        others = [(reg, code, fid) for inmate_id, reg, code, fid in shared.get(number, ())
                  if inmate_id != entry.inmate_id]
        finding = _shared_finding(others[:SHARED_SHOWN], shown, facility_id_here)
        if finding is not None:
            findings.append(finding)
        out[entry.pk] = _by_severity(findings)
    return out
