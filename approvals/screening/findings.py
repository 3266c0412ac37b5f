"""A screening finding and its wording: each kind is worded in one place, so that screening one number and
screening many entries store the very same findings (kind and reference are what re-screening compares)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from facilities.models import CallingPolicy

from ..models import BlockedNumber, CaseParty
from .catalogue import BLOCK, Kind, severity_of


@dataclass(frozen=True)
class ScreenFinding:
    kind: str  # an EntryFinding.Kind value
    severity: str  # "block" | "review"
    reference: str
    message: str


def finding(kind: str, reference: str, message: str) -> ScreenFinding:
    """A finding of ``kind``, with the severity the catalogue gives it."""
    return ScreenFinding(kind, severity_of(kind), reference, message)


def by_severity(findings: list[ScreenFinding]) -> list[ScreenFinding]:
    """Blocks first, otherwise in the order found."""
    return sorted(findings, key=lambda f: (f.severity != BLOCK,))


def not_callable_finding(number: str, message: str) -> ScreenFinding:
    return finding(Kind.NOT_CALLABLE.value, number, message)


def order_finding(order_number: str, court: str, protected: str) -> ScreenFinding:
    return finding(
        Kind.NO_CONTACT_ORDER.value, f"order {order_number}",
        f"A court no-contact order ({order_number}, {court}) forbids contact with {protected}, whose number this is.",
    )


def block_finding(pk: int, system_wide: bool, reason: str, shown: str, *, one_inmate: bool = False) -> ScreenFinding:
    where = "for this inmate" if one_inmate else "system-wide" if system_wide else "at this facility"
    label = BlockedNumber.Reason(reason).label.lower()
    return finding(Kind.BLOCKED_NUMBER.value, f"block #{pk}", f"{shown} is blocked {where} ({label}).")


def party_finding(role: str, name: str, case_number: str, register: str | None, shown: str,
                  policy: CallingPolicy) -> ScreenFinding | None:
    if role == CaseParty.Role.DEFENDANT:
        if not policy.screen_codefendants:
            return None
        who = f"{name} ({register})" if register else name
        return finding(
            Kind.CO_DEFENDANT.value, f"case {case_number}" + (f", inmate {register}" if register else ""),
            f"{shown} belongs to {who}, a co-defendant in case {case_number}.",
        )
    return finding(
        Kind.VICTIM_WITNESS.value, f"case {case_number}",
        f"{shown} belongs to {name}, a {CaseParty.Role(role).label.lower()} in case {case_number}.",
    )


def shared_finding(shared: list[tuple[str, str, int]], shown: str, facility_id: int) -> ScreenFinding | None:
    """``shared``: (register number, facility code, facility id) of up to 6 other inmates with the number live
    or pending (domain.md §3: two requests waiting at once are as shared as two live numbers).

    Inmates at the readers' facility (``facility_id``) are named; those at other facilities are only
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
    return finding(
        Kind.SHARED_NUMBER.value, f"inmates {refs}"[:255],
        f"{shown} is live or waiting for review on the list of "
        f"{len(shared) if len(shared) <= 5 else 'more than 5'} other inmate(s): {refs}.",
    )


def list_full_finding(size: int, limit: int, *, raised_until: dt.date | None = None) -> ScreenFinding:
    allows = (f"a warden's leave allows {limit} until {raised_until.isoformat()}" if raised_until
              else f"the facility allows {limit}")
    return finding(Kind.LIST_FULL.value, f"{size} of {limit}",
                   f"The list already holds {size} numbers; {allows}.")


def change_too_soon_finding(last_change: dt.datetime, next_change: dt.datetime, interval: int) -> ScreenFinding:
    return finding(
        Kind.CHANGE_TOO_SOON.value, f"next change from {next_change.date().isoformat()}",
        f"The list last changed on {last_change.date().isoformat()}; the facility allows a "
        f"change every {interval} days, so the next one from {next_change.date().isoformat()}.",
    )
