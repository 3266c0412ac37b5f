"""Phone-list entries: a number requested, replaced, approved, denied, removed or suspended."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import actor_label_for, actor_user, audit_record
from core.errors import AlreadyDecided
from core.numbers import display_number
from facilities.models import CallingPolicy, Inmate
from facilities.times import local_time_label

from ..models import (
    DecisionReason,
    EntryFinding,
    EntryTransition,
    PhoneListEntry,
    Relationship,
)
from ..permissions import may_approve_flagged
from ..screening import BLOCK, REVIEW, SHARED_STATUSES, ScreenFinding, screen_entries, screen_number
from ..screening.catalogue import deny_reason_for
from .common import EntryError, Status, _normalize, _require, _transition
from .leaves import _use_interval_waiver
from .rescreen import RESCREEN_CHUNK, entries_rescreen


def _already_decided(entry: PhoneListEntry) -> AlreadyDecided:
    """Another reviewer decided the entry first: the refusal says who and when."""
    who = entry.decided_by.get_full_name() or entry.decided_by.get_username() if entry.decided_by else "screening"
    when = local_time_label(entry.decided_at or entry.status_changed_at, entry.facility)
    return AlreadyDecided(
        message=f"This entry was already {entry.get_status_display().lower()} by {who} at {when}; nothing was changed.",
        record=entry,
    )



def _store_findings(entry: PhoneListEntry, findings: list[ScreenFinding]) -> tuple[list[ScreenFinding], list]:
    """Make the entry's open findings equal ``findings``: returns (new ones, cleared ones)."""
    now = timezone.now()
    open_rows = list(entry.findings.filter(cleared_at__isnull=True)) if entry.pk else []
    have = {(f.kind, f.reference): f for f in open_rows}
    want = {(f.kind, f.reference): f for f in findings}
    new = [f for key, f in want.items() if key not in have]
    cleared = [row for key, row in have.items() if key not in want]
    EntryFinding.objects.bulk_create(
        EntryFinding(entry=entry, kind=f.kind, severity=f.severity, reference=f.reference[:255], message=f.message,
                     found_at=now)
        for f in new
    )
    if cleared:
        EntryFinding.objects.filter(pk__in=[r.pk for r in cleared]).update(cleared_at=now)
    entry.has_block = any(f.severity == BLOCK for f in findings)
    entry.has_review = any(f.severity == REVIEW for f in findings)
    entry.screened_at = now
    return new, cleared



def _lock_inmate(inmate: Inmate) -> Inmate:
    return Inmate.objects.select_for_update().select_related("facility").get(pk=inmate.pk)



@transaction.atomic
def entry_add(
    *,
    inmate: Inmate,
    number: str,
    contact_name: str,
    relationship: str,
    source: str,
    actor,
    legal: bool = False,
    bar_number: str = "",
    bar_state: str = "",
    replaces: PhoneListEntry | int | None = None,
) -> PhoneListEntry:
    """A new number on ``inmate``'s list, from a paper form (``source="staff"``) or the kiosk.

    The number is normalised (invalid, toll-free and premium numbers are refused) and screened:
    a block finding denies it at once, a review finding (or an unverified attorney number) sends it
    to the queue, a clean entry goes live where the list is self-managed and waits otherwise.

    ``replaces``: staff record that a contact's number changed (domain.md §2): the new entry replaces
    that live or pending entry of the same inmate, is exempt from the change interval (and the old
    entry does not count against the list size), and the old entry is removed with that reason. The
    new number is screened like any other.
    """
    request = _checked_request(number=number, contact_name=contact_name, relationship=relationship, source=source,
                               legal=legal, bar_number=bar_number, bar_state=bar_state)
    number = request.number
    inmate = _lock_inmate(inmate)  # serialises list-size checks for this inmate
    if not inmate.in_custody:
        raise EntryError(code="not_in_custody", message=f"{inmate.register_number} is not in custody.", status=409)
    old = _replaced_entry(inmate=inmate, replaces=replaces, number=number, source=source)
    if PhoneListEntry.objects.filter(inmate=inmate, number=number, status__in=PhoneListEntry.OPEN_STATUSES).exists():
        raise _already_on_list(number)
    policy = CallingPolicy.objects.select_related("facility").get(facility_id=inmate.facility_id)
    findings = screen_number(inmate=inmate, number=number, legal=request.legal, purpose="list", policy=policy,
                             exclude_entry_id=old.pk if old else None, number_changed=old is not None)
    entry = _create_pending(request, inmate=inmate, actor=actor, replaces=old)
    _screening_decides(entry, findings, policy=policy)
    _use_interval_waiver(inmate=inmate, entry=entry, policy=policy)
    audit_record(
        action="phone_entry_added", actor=actor, facility=inmate.facility, target=entry,
        data={"number": number, "source": source, "status": entry.status,
              "findings": [{"kind": f.kind, "severity": f.severity, "reference": f.reference} for f in findings],
              **({"replaces": old.pk, "replaced_number": old.number} if old else {})},
    )
    if entry.status in SHARED_STATUSES and any(f.kind == EntryFinding.Kind.SHARED_NUMBER for f in findings):
        _note_shared_on_pending_requests(number=number, inmate=inmate)
    if old is not None:
        _remove_replaced(old, by=entry, actor=actor)
    return entry


@dataclass(frozen=True)
class _Request:
    """A phone-list request, its input checked and normalised."""

    number: str
    contact_name: str
    relationship: str
    source: str
    legal: bool
    bar_number: str
    bar_state: str


def _checked_request(*, number: str, contact_name: str, relationship: str, source: str, legal: bool,
                     bar_number: str, bar_state: str) -> _Request:
    """The request's input checked (before anything is locked or read): a clear refusal per field."""
    number = _normalize(number)
    contact_name = _require(contact_name, "contact_name", "Enter the contact's name.")
    if relationship not in Relationship.values:
        raise EntryError(code="invalid_input", message="Choose the contact's relationship from the list.", field="relationship")
    if source not in PhoneListEntry.Source.values:
        raise EntryError(code="invalid_input", message="Unknown source.", field="source")
    legal = bool(legal) or relationship == Relationship.ATTORNEY
    bar_number, bar_state = (bar_number or "").strip(), (bar_state or "").strip().upper()
    if legal:
        _require(bar_number, "bar_number", "An attorney's number needs the bar number.")
        if len(bar_state) != 2 or not bar_state.isalpha():
            raise EntryError(code="invalid_input", message="Give the bar's state as two letters, e.g. TX.", field="bar_state")
    return _Request(number=number, contact_name=contact_name, relationship=relationship, source=source, legal=legal,
                    bar_number=bar_number if legal else "", bar_state=bar_state if legal else "")


def _already_on_list(number: str) -> EntryError:
    return EntryError(code="already_on_list", message=f"{display_number(number)} is already on this inmate's list.",
                      status=409, field="number")


def _create_pending(request: _Request, *, inmate: Inmate, actor, replaces: PhoneListEntry | None) -> PhoneListEntry:
    """The new entry, saved as pending with its first transition row (a concurrent duplicate is refused)."""
    now = timezone.now()
    entry = PhoneListEntry(
        inmate=inmate, facility_id=inmate.facility_id, number=request.number, contact_name=request.contact_name,
        relationship=request.relationship, legal=request.legal, bar_number=request.bar_number,
        bar_state=request.bar_state, source=request.source, requested_by=actor_label_for(actor)[:150],
        status=Status.PENDING, created_at=now, status_changed_at=now, replaces=replaces,
    )
    entry._change_reason = f"added ({request.source})"
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise _already_on_list(request.number) from None
    EntryTransition.objects.create(entry=entry, from_status="", to_status=Status.PENDING, at=now, actor=actor_user(actor),
                                   actor_label=actor_label_for(actor)[:150], reason="requested", note=request.source)
    return entry


def _screening_decides(entry: PhoneListEntry, findings: list[ScreenFinding], *, policy: CallingPolicy) -> None:
    """Store the new entry's findings and act on them: a block denies it, a clean number on a
    self-managed list goes live, anything else waits for review. Saves the entry."""
    _store_findings(entry, findings)
    blocks = [f for f in findings if f.severity == BLOCK]
    if blocks:
        first = blocks[0]
        reason = deny_reason_for(first.kind)
        _transition(entry, Status.DENIED, actor="screening", reason=reason, note=first.message, decided=True)
    elif not entry.has_review and not entry.legal and not policy.staff_review:
        _transition(entry, Status.LIVE, actor="screening", reason="clean", note="Self-managed list: clean number.")
    entry.save()


def _note_shared_on_pending_requests(*, number: str, inmate: Inmate) -> None:
    """The other inmates' requests of this number waiting for review get the shared-number note too
    (live ones keep their status: someone else asking for a number is no reason to take it away)."""
    others = PhoneListEntry.objects.filter(number=number, status=Status.PENDING).exclude(inmate_id=inmate.pk)
    entries_rescreen(entry_ids=list(others.order_by("pk").values_list("pk", flat=True)[:RESCREEN_CHUNK]),
                     statuses=(Status.PENDING,))


def _remove_replaced(old: PhoneListEntry, *, by: PhoneListEntry, actor) -> None:
    """The entry a changed number replaced is removed, saying which entry replaced it."""
    note = (f"The contact's number changed to {display_number(by.number)} (entry #{by.pk}, "
            f"{by.get_status_display().lower()}).")
    _transition(old, Status.REMOVED, actor=actor, reason="number_changed", note=note)
    old.save()
    audit_record(action="phone_entry_removed", actor=actor, facility=by.inmate.facility, target=old,
                 reason="The contact's number changed.",
                 data={"number": old.number, "replaced_by": by.pk, "new_number": by.number})


REPLACEABLE = PhoneListEntry.LISTED_STATUSES  # what replaceable_entries offers



def _replaced_entry(*, inmate: Inmate, replaces, number: str, source: str) -> PhoneListEntry | None:
    """The entry a changed number replaces, locked; refused unless it is a live or pending entry of
    the same inmate, with another number, recorded by staff."""
    if replaces in (None, ""):
        return None
    if source != PhoneListEntry.Source.STAFF:
        raise EntryError(code="invalid_input", message="Only staff record a contact's changed number.", field="replaces")
    try:
        pk = replaces.pk if isinstance(replaces, PhoneListEntry) else int(replaces)
    except (TypeError, ValueError):
        raise EntryError(code="invalid_input", message="Choose one of this inmate's numbers to replace.",
                         field="replaces") from None
    old = PhoneListEntry.objects.select_for_update().filter(pk=pk, inmate=inmate).first()
    if old is None:
        raise EntryError(code="invalid_input", message="Choose one of this inmate's numbers to replace.", field="replaces")
    if old.status not in REPLACEABLE:
        raise EntryError(code="not_replaceable", message=f"A {old.get_status_display().lower()} number cannot be replaced; "
                         "only a live number or one waiting for review.", status=409, field="replaces")
    if old.number == number:
        raise EntryError(code="same_number", message=f"{display_number(number)} is the number already on the list.",
                         field="number")
    return old



def _lock_entry(entry: PhoneListEntry) -> PhoneListEntry:
    return (
        PhoneListEntry.objects.select_for_update(of=("self",))
        .select_related("inmate", "facility")  # not decided_by: a join read before the lock waits would be stale
        .get(pk=entry.pk)
    )



def entry_approve(*, entry: PhoneListEntry, actor, note: str = "", legal_verified: bool = False) -> PhoneListEntry:
    """Put a pending entry live. Refused with a block finding; a review finding needs a warden and a note;
    an attorney's number needs the approver to confirm they verified the bar number.

    The number is screened again first, at decision time (domain.md §3): another inmate may have listed
    it since, or an order or block may still be waiting for its re-screening. What that finds is stored
    (committed) whatever happens next; a finding the reviewer has not seen refuses this approval
    (``screening_changed``), so that they decide again knowing it.
    """
    new = _screen_at_decision(entry=entry)
    if new:
        raise EntryError(
            code="screening_changed",
            message="Screening found something new since this number was shown: "
            + " ".join(f.message for f in new) + " Read the findings and decide again; nothing was approved.",
            status=409,
        )
    return _approve(entry=entry, actor=actor, note=note, legal_verified=legal_verified)



@transaction.atomic
def _screen_at_decision(*, entry: PhoneListEntry) -> list[EntryFinding]:
    """Screen a pending entry again before a decision and store what is new; returns the new findings.

    Additive: what the reviewer was shown stays (a finding that may have gone is cleared by the next
    re-screening, not under the reviewer's hands), except that a new shared-number finding replaces the
    old one (its reference lists the other inmates, which is what changed).
    """
    entry = _lock_entry(entry)
    if entry.status != Status.PENDING:
        return []  # the decision itself says it was already decided
    findings = screen_entries([entry])[entry.pk]
    open_rows = list(EntryFinding.objects.filter(entry=entry, cleared_at__isnull=True))
    have = {(row.kind, row.reference) for row in open_rows}
    new = [f for f in findings if (f.kind, f.reference[:255]) not in have]
    if not new:
        return []
    now = timezone.now()
    rows = EntryFinding.objects.bulk_create(
        EntryFinding(entry=entry, kind=f.kind, severity=f.severity, reference=f.reference[:255], message=f.message,
                     found_at=now)
        for f in new
    )
    new_kinds = {f.kind for f in new}
    superseded = [row.pk for row in open_rows
                  if row.kind == EntryFinding.Kind.SHARED_NUMBER and row.kind in new_kinds]
    if superseded:
        EntryFinding.objects.filter(pk__in=superseded).update(cleared_at=now)
    entry.has_block = entry.has_block or any(f.severity == BLOCK for f in new)
    entry.has_review = entry.has_review or any(f.severity == REVIEW for f in new)
    entry.screened_at = now
    entry._change_reason = "screened again at decision time"
    entry.save(update_fields=["has_block", "has_review", "screened_at"])
    audit_record(action="phone_entry_rescreened", actor="screening", facility=entry.facility, target=entry,
                 reason="Screened again when a reviewer decided.",
                 data={"new": [f"{f.kind}:{f.reference}" for f in new], "cleared": superseded,
                       "status": entry.status})
    return rows



@transaction.atomic
def _approve(*, entry: PhoneListEntry, actor, note: str, legal_verified: bool) -> PhoneListEntry:
    entry = _lock_entry(entry)
    if entry.status != Status.PENDING:
        raise _already_decided(entry)
    note = (note or "").strip()
    if entry.has_block:
        raise EntryError(code="has_block", message="This number has a block finding and cannot be approved.", status=409)
    if entry.has_review:
        if not may_approve_flagged(actor, entry.facility_id):
            raise EntryError(
                code="warden_required", message="Screening flagged this number: only a warden may approve it.", status=403
            )
        if not note:
            raise EntryError(code="note_required", message="Approving a flagged number needs a note.", field="note")
    if entry.legal and entry.legal_verified_at is None:
        if not legal_verified:
            raise EntryError(
                code="legal_not_verified",
                message=f"Confirm that you verified bar number {entry.bar_number} ({entry.bar_state}) before approving.",
                field="legal_verified",
            )
        entry.legal_verified_at = timezone.now()
        entry.legal_verified_by = actor_user(actor)
    _transition(entry, Status.LIVE, actor=actor, reason=DecisionReason.APPROVED, note=note, decided=True)
    entry.save()
    audit_record(action="phone_entry_approved", actor=actor, facility=entry.facility, target=entry, reason=note,
                 data={"number": entry.number, "legal_verified": entry.legal_verified})
    return entry



@transaction.atomic
def entry_deny(*, entry: PhoneListEntry, actor, reason: str, note: str = "") -> PhoneListEntry:
    entry = _lock_entry(entry)
    if entry.status not in (Status.PENDING, Status.SUSPENDED):
        raise _already_decided(entry)
    note = (note or "").strip()
    if reason not in DecisionReason.values or reason == DecisionReason.APPROVED:
        raise EntryError(code="invalid_reason", message="Choose a reason for the denial from the list.", field="reason")
    if reason == DecisionReason.OTHER and not note:
        raise EntryError(code="note_required", message="“Other” needs a note saying why.", field="note")
    _transition(entry, Status.DENIED, actor=actor, reason=reason, note=note, decided=True)
    entry.save()
    audit_record(action="phone_entry_denied", actor=actor, facility=entry.facility, target=entry,
                 reason=note or DecisionReason(reason).label, data={"number": entry.number, "reason": reason})
    return entry



@transaction.atomic
def entry_remove(*, entry: PhoneListEntry, actor, note: str) -> PhoneListEntry:
    entry = _lock_entry(entry)
    note = _require(note, "note", "Say why the number is removed.")
    _transition(entry, Status.REMOVED, actor=actor, reason="removed", note=note)  # IllegalTransition: 409
    entry.save()
    audit_record(action="phone_entry_removed", actor=actor, facility=entry.facility, target=entry, reason=note,
                 data={"number": entry.number})
    return entry



@transaction.atomic
def entry_suspend(*, entry: PhoneListEntry, actor, note: str) -> PhoneListEntry:
    entry = _lock_entry(entry)
    note = _require(note, "note", "Say why the number is suspended.")
    if entry.status != Status.LIVE:
        raise EntryError(code="illegal_transition", message=f"Only a live number can be suspended; this one is "
                         f"{entry.get_status_display().lower()}.", status=409)
    _transition(entry, Status.SUSPENDED, actor=actor, reason="suspended", note=note)
    entry.save()
    audit_record(action="phone_entry_suspended", actor=actor, facility=entry.facility, target=entry, reason=note,
                 data={"number": entry.number})
    return entry


@transaction.atomic
def entry_return_to_review(*, entry: PhoneListEntry, actor, note: str) -> PhoneListEntry:
    """A suspended number goes back to the review queue (waiting for review), with who, when and why: a reviewer
    then approves it (screened again at that moment) or denies it. Only a suspended number (409 otherwise)."""
    entry = _lock_entry(entry)
    note = _require(note, "note", "Say why the number goes back to review.")
    if entry.status != Status.SUSPENDED:
        raise EntryError(code="illegal_transition", message="Only a suspended number can go back to review; this "
                         f"one is {entry.get_status_display().lower()}.", status=409)
    _transition(entry, Status.PENDING, actor=actor, reason="back_to_review", note=note)
    entry.save()
    audit_record(action="phone_entry_back_to_review", actor=actor, facility=entry.facility, target=entry,
                 reason=note, data={"number": entry.number})
    return entry
