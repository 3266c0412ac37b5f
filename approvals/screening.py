"""Screening one number for one inmate (domain.md §3). Reads only: nothing here writes.

``screen_number`` runs a fixed number of indexed queries whatever the volume of data:
the policy (with the facility), blocks, no-contact orders, case parties, other inmates' lists and,
for list requests, the inmate's list size and last change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from facilities.models import CallingPolicy

from .models import BlockedNumber, CaseParty, EntryFinding, PartyNumber, PhoneListEntry, ProtectedNumber
from .numbers import NumberNotCallable, display_number, normalize_number

BLOCK = EntryFinding.Severity.BLOCK.value
REVIEW = EntryFinding.Severity.REVIEW.value
K = EntryFinding.Kind

PURPOSES = ("list", "emergency", "rescreen")


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
) -> list[ScreenFinding]:
    """Every finding for ``number`` (E.164) on ``inmate``'s list, blocks first. Writes nothing.

    ``purpose``: "list" (a new list entry: size and change-interval limits apply), "emergency"
    (an emergency caller: no list limits) or "rescreen" (an existing entry, ``exclude_entry_id``:
    no list limits). ``policy`` may be passed when the caller already holds it (saves one query).
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
        findings.append(ScreenFinding(
            K.NO_CONTACT_ORDER.value, BLOCK, f"order {order_number}",
            f"A court no-contact order ({order_number}, {court}) forbids contact with {protected}, "
            f"whose number this is.",
        ))

    # 3. Blocked numbers at this facility or system-wide.
    blocks = (
        BlockedNumber.objects.active(now).applying_to(facility_id).filter(number=number)
        .values_list("pk", "system_wide", "reason")
    )
    for pk, system_wide, reason in blocks:
        where = "system-wide" if system_wide else "at this facility"
        label = BlockedNumber.Reason(reason).label.lower()
        findings.append(ScreenFinding(
            K.BLOCKED_NUMBER.value, BLOCK, f"block #{pk}", f"{shown} is blocked {where} ({label})."
        ))

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
        if role == CaseParty.Role.DEFENDANT:
            if not policy.screen_codefendants:
                continue
            who = f"{name} ({register})" if register else name
            findings.append(ScreenFinding(
                K.CO_DEFENDANT.value, REVIEW, f"case {case_number}" + (f", inmate {register}" if register else ""),
                f"{shown} belongs to {who}, a co-defendant in case {case_number}.",
            ))
        else:
            findings.append(ScreenFinding(
                K.VICTIM_WITNESS.value, REVIEW, f"case {case_number}",
                f"{shown} belongs to {name}, a {CaseParty.Role(role).label.lower()} in case {case_number}.",
            ))

    # 5. The same number live on other inmates' lists.
    shared_qs = PhoneListEntry.objects.filter(number=number, status=PhoneListEntry.Status.LIVE).exclude(
        inmate_id=inmate.pk
    )
    shared = list(shared_qs.values_list("inmate__register_number", "inmate__facility__code")[:6])
    if shared:
        refs = ", ".join(f"{reg} ({code})" for reg, code in shared[:5]) + (" and others" if len(shared) > 5 else "")
        findings.append(ScreenFinding(
            K.SHARED_NUMBER.value, REVIEW, f"inmates {refs}"[:255],
            f"{shown} is live on the list of {len(shared) if len(shared) <= 5 else 'more than 5'} other "
            f"inmate(s): {refs}.",
        ))

    # 6. List size and change interval (regular list requests only).
    if purpose == "list":
        counted = Q(status__in=[PhoneListEntry.Status.PENDING, PhoneListEntry.Status.LIVE])
        if policy.legal_counted_separately:
            counted &= Q(legal=False)
        own = PhoneListEntry.objects.filter(inmate_id=inmate.pk)
        if exclude_entry_id:
            own = own.exclude(pk=exclude_entry_id)
        stats = own.aggregate(
            size=Count("id", filter=counted),
            last_live=Max("went_live_at"),
            last_removed=Max("status_changed_at", filter=Q(status=PhoneListEntry.Status.REMOVED)),
        )
        last_change = max((d for d in (stats["last_live"], stats["last_removed"]) if d is not None), default=None)
        counts_here = not (legal and policy.legal_counted_separately)
        if counts_here and stats["size"] >= policy.list_size:
            findings.append(ScreenFinding(
                K.LIST_FULL.value, BLOCK, f"{stats['size']} of {policy.list_size}",
                f"The list already holds {stats['size']} numbers; the facility allows {policy.list_size}.",
            ))
        interval = policy.list_change_interval_days
        if not legal and interval and last_change is not None:
            next_change = last_change + dt.timedelta(days=interval)
            if next_change > now:
                findings.append(ScreenFinding(
                    K.CHANGE_TOO_SOON.value, BLOCK, f"next change from {next_change.date().isoformat()}",
                    f"The list last changed on {last_change.date().isoformat()}; the facility allows a "
                    f"change every {interval} days, so the next one from {next_change.date().isoformat()}.",
                ))

    findings.sort(key=lambda f: (f.severity != BLOCK,))
    return findings
