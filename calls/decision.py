"""The call decision (domain.md §4) as a pure function of the facts: no ORM, no database, no clock.

``services.call_authorize`` gathers a ``CallFacts`` in a fixed number of queries, calls ``decide`` and records
the ``Decision`` (the call row, which is its audit record, the balance, the emergency grant's use). Every rule of the
decision lives here; the time-based rules' ``retry_after`` is computed by ``timing.retry_after``.

The rules, in the order their reasons are listed (``REASONS``): the inmate is in custody; no phone
restriction is in force (legal calls and unmonitored library lines exempt); inside the facility's calling hours
(library lines that say so exempt); no finding on the number blocks calls; the number is live on the inmate's
list, in the facility number library, or an emergency call is approved for it; no other call of the inmate is
in progress; the policy's gap since the start of the previous charged call (regular calls, and library lines
that say so); minutes left (charged calls only). Every reason that applies is given, not only the first.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from . import timing

# The reason codes of a denial, in the order a decision lists them, with their messages (stable: the API's).
REASONS: dict[str, str] = {
    "unknown_inmate": "No such inmate at this facility.",
    "not_in_custody": "The inmate is not in custody.",
    "phone_restricted": "The inmate is under a phone restriction (legal calls only).",
    "outside_calling_hours": "Outside the facility's calling hours.",
    "no_contact_order": "A court no-contact order forbids contact with this number.",
    "blocked_number": "This number is blocked.",
    "not_on_list": "This number is not live on the inmate's phone list.",
    "call_in_progress": "The inmate already has a call in progress.",
    "too_soon": "Too soon after the start of the previous call.",
    "no_minutes_left": "The inmate has no minutes left this month.",
}
_RANK = {code: rank for rank, code in enumerate(REASONS)}

# The reasons that pass by themselves with time: retry_after waits for all of them (timing.py).
TIME_REASONS = frozenset({"phone_restricted", "outside_calling_hours", "too_soon"})

# The kinds of call (``models.CallKind`` gives them their labels).
REGULAR = "regular"
LEGAL = "legal"
EMERGENCY = "emergency"
LIBRARY = "library"


@dataclass(frozen=True)
class EmergencyGrantFacts:
    """A warden-approved emergency call for this number whose window contains the moment of the decision."""

    max_minutes: int
    charged: bool


@dataclass(frozen=True)
class LibraryFacts:
    """The number is in the facility number library (the facility's or the system's), on these terms."""

    monitored: bool
    charged: bool
    calling_hours_apply: bool
    gap_applies: bool


@dataclass(frozen=True)
class PolicyFacts:
    """The facility's calling policy, as far as one call is concerned."""

    tz: zoneinfo.ZoneInfo
    calling_hours: tuple[dt.time, dt.time]  # [start, end) local wall-clock; end <= start crosses midnight
    call_gap_minutes: int
    per_call_minutes: int  # the policy's cap on one call


@dataclass(frozen=True)
class OpenCallFacts:
    """The inmate's call in progress (authorised, not reported complete)."""

    pk: int
    authorized: bool  # still authorised (the row may have moved on meanwhile)
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class CallFacts:
    """Everything the rules need about one call request, read at one moment."""

    in_custody: bool
    policy: PolicyFacts
    on_list: bool  # the number is live on the inmate's list
    legal: bool  # ... as a verified attorney number
    blocking_findings: tuple[str, ...] = ()  # reason codes of the findings on the number that block calls
    emergency: EmergencyGrantFacts | None = None  # looked up for calls that are not legal
    library: LibraryFacts | None = None  # the number is in the facility number library
    restricted: bool = False  # a phone restriction is in force now
    # Every restriction not over yet (in force or to come): [starts_at, ends_at), ends_at None = until lifted.
    restrictions: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()
    balance_minutes: int = 0
    last_charged_call_start: dt.datetime | None = None
    open_call: OpenCallFacts | None = None

    def __post_init__(self):
        unknown = [code for code in self.blocking_findings if code not in REASONS]
        if unknown:
            raise ValueError(f"Blocking findings must be reason codes: {unknown}.")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    kind: str  # REGULAR, LEGAL, LIBRARY or EMERGENCY
    reasons: tuple[str, ...]  # every reason code that applies, in REASONS' order; empty when allowed
    max_minutes: int  # 0 when denied
    monitored: bool
    charged: bool
    retry_after: dt.datetime | None
    expire_open_call: bool  # the inmate's open call lapsed unreported: record it expired
    uses_emergency_grant: bool  # the call is the approved emergency call: record the grant used


@dataclass(frozen=True)
class _Terms:
    kind: str
    monitored: bool
    charged: bool
    gap_rule: bool
    length: int
    hours_rule: bool = True  # bound by the calling hours
    restriction_rule: bool = True  # stopped by a phone restriction


def call_terms(facts: CallFacts) -> _Terms:
    """What kind of call this is, and on what terms (the table of domain.md §4): a verified attorney number on
    the list is legal; else a library number is a library call on its own terms (an unmonitored, privileged
    line stays open under a restriction, as legal calls do); else an approved emergency call; else regular."""
    if facts.legal:
        return _Terms(LEGAL, monitored=False, charged=False, gap_rule=False, length=facts.policy.per_call_minutes,
                      restriction_rule=False)
    if facts.library is not None:
        lib = facts.library
        return _Terms(LIBRARY, monitored=lib.monitored, charged=lib.charged, gap_rule=lib.gap_applies,
                      length=facts.policy.per_call_minutes, hours_rule=lib.calling_hours_apply,
                      restriction_rule=lib.monitored)
    if facts.emergency is not None:
        grant = facts.emergency
        return _Terms(EMERGENCY, monitored=True, charged=grant.charged, gap_rule=False, length=grant.max_minutes)
    return _Terms(REGULAR, monitored=True, charged=True, gap_rule=True, length=facts.policy.per_call_minutes)


def open_call_lapsed(facts: CallFacts, now: dt.datetime) -> bool:
    """The inmate's open call was never reported and its authorisation has run out."""
    call = facts.open_call
    return call is not None and call.authorized and call.expires_at is not None and call.expires_at <= now


def gap_end(facts: CallFacts, terms: _Terms) -> dt.datetime | None:
    if not terms.gap_rule or facts.last_charged_call_start is None:
        return None
    return facts.last_charged_call_start + dt.timedelta(minutes=facts.policy.call_gap_minutes)


def reasons(facts: CallFacts, now: dt.datetime) -> tuple[str, ...]:
    """Every reason that denies the call, in REASONS' order."""
    terms = call_terms(facts)
    policy = facts.policy
    start, end = policy.calling_hours
    ends_gap = gap_end(facts, terms)
    found = set(facts.blocking_findings)
    if not facts.in_custody:
        found.add("not_in_custody")
    if facts.restricted and terms.restriction_rule:
        found.add("phone_restricted")
    if terms.hours_rule and not timing.in_hours(start=start, end=end, at=now, tz=policy.tz):
        found.add("outside_calling_hours")
    if not facts.on_list and facts.emergency is None and facts.library is None:
        found.add("not_on_list")
    if facts.open_call is not None and facts.open_call.authorized and not open_call_lapsed(facts, now):
        found.add("call_in_progress")
    if ends_gap is not None and now < ends_gap:
        found.add("too_soon")
    if terms.charged and facts.balance_minutes < 1:
        found.add("no_minutes_left")
    return tuple(sorted(found, key=_RANK.__getitem__))


def decide(facts: CallFacts, now: dt.datetime) -> Decision:
    """Decide one call at ``now`` from ``facts`` (domain.md §4)."""
    terms = call_terms(facts)
    codes = reasons(facts, now)
    allowed = not codes
    length = terms.length
    if terms.charged:
        length = min(length, max(facts.balance_minutes, 0))
    ends_gap = gap_end(facts, terms)
    retry_after = None
    if TIME_REASONS.intersection(codes):
        restrictions = facts.restrictions if terms.restriction_rule else ()
        retry_after = timing.retry_after(
            at=now, tz=facts.policy.tz, hours=facts.policy.calling_hours if terms.hours_rule else None,
            gap_end=ends_gap, restrictions=restrictions,
        )
    return Decision(
        allowed=allowed, kind=terms.kind, reasons=codes, max_minutes=length if allowed else 0,
        monitored=terms.monitored, charged=terms.charged, retry_after=retry_after,
        expire_open_call=open_call_lapsed(facts, now),
        uses_emergency_grant=allowed and terms.kind == EMERGENCY,
    )
