"""Every kind of screening finding, in one place (domain.md §3): its severity, what it stops, its words.

A *block* finding denies a new number at once and suspends a live one; a *review* finding sends the number to
a reviewer. Separately, some findings stop a call outright, read live at call time (``blocks_call``), and
stop an emergency request's approval or its message (``blocks_emergency_approval`` / ``_message``).
Other apps ask this catalogue, never spell the kinds out themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import DecisionReason, EntryFinding

Kind = EntryFinding.Kind
BLOCK = EntryFinding.Severity.BLOCK.value
REVIEW = EntryFinding.Severity.REVIEW.value


@dataclass(frozen=True)
class FindingSpec:
    kind: str  # an EntryFinding.Kind value
    severity: str  # BLOCK | REVIEW
    label: str  # plain words for pages
    blocks_call: bool = False  # the call decision refuses a call to the number (calls.models.REASONS)
    blocks_emergency_approval: bool = False  # a warden cannot approve an emergency call to it
    blocks_emergency_message: bool = False  # nor have a message passed on to the inmate
    deny_reason: str = DecisionReason.OTHER  # the decision reason when this finding denies a new number


CATALOGUE: dict[str, FindingSpec] = {spec.kind: spec for spec in (
    FindingSpec(Kind.NO_CONTACT_ORDER.value, BLOCK, Kind.NO_CONTACT_ORDER.label, blocks_call=True,
                blocks_emergency_approval=True, blocks_emergency_message=True,
                deny_reason=DecisionReason.NO_CONTACT_ORDER),
    FindingSpec(Kind.BLOCKED_NUMBER.value, BLOCK, Kind.BLOCKED_NUMBER.label, blocks_call=True,
                blocks_emergency_approval=True, deny_reason=DecisionReason.BLOCKED_NUMBER),
    FindingSpec(Kind.CO_DEFENDANT.value, REVIEW, Kind.CO_DEFENDANT.label),
    FindingSpec(Kind.VICTIM_WITNESS.value, REVIEW, Kind.VICTIM_WITNESS.label),
    FindingSpec(Kind.SHARED_NUMBER.value, REVIEW, Kind.SHARED_NUMBER.label),
    FindingSpec(Kind.LIST_FULL.value, BLOCK, Kind.LIST_FULL.label, deny_reason=DecisionReason.LIST_FULL),
    FindingSpec(Kind.CHANGE_TOO_SOON.value, BLOCK, Kind.CHANGE_TOO_SOON.label),
    FindingSpec(Kind.NOT_CALLABLE.value, BLOCK, Kind.NOT_CALLABLE.label),
)}

# In the order the call decision reports them.
CALL_BLOCKING: tuple[str, ...] = tuple(k for k, s in CATALOGUE.items() if s.blocks_call)
EMERGENCY_APPROVAL_BLOCKING: frozenset[str] = frozenset(k for k, s in CATALOGUE.items()
                                                        if s.blocks_emergency_approval)
EMERGENCY_MESSAGE_BLOCKING: frozenset[str] = frozenset(k for k, s in CATALOGUE.items()
                                                       if s.blocks_emergency_message)


def spec(kind: str) -> FindingSpec:
    return CATALOGUE[kind]


def severity_of(kind: str) -> str:
    return CATALOGUE[kind].severity


def deny_reason_for(kind: str) -> str:
    return CATALOGUE[kind].deny_reason
