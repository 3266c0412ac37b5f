"""Writes of the approvals app: phone-list entries, their decisions, and what screening knows.

Every decision records who, when and why on the record, in the entry's transition log and in the
audit trail. Adding or changing an order, a block or a case party queues a re-screening of the
entries carrying its numbers once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.services import actor_label_for, actor_user, audit_record, audit_record_many
from core.errors import AlreadyDecided, DomainError
from core.tasks import enqueue_on_commit
from facilities.models import CallingPolicy, Facility, Inmate
from facilities.scoping import WARDEN_ROLES, roles_at
from facilities.times import local_time_label

from .models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    DecisionReason,
    EntryFinding,
    EntryTransition,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
    Relationship,
)
from .numbers import NumberNotCallable, display_number, normalize_number
from .screening import BLOCK, REVIEW, SHARED_STATUSES, ScreenFinding, screen_entries, screen_number
from .screening.catalogue import deny_reason_for
from .selectors import TRANSFER_REASON

Status = PhoneListEntry.Status




class EntryError(DomainError):
    """A phone-list request or decision that cannot be made. ``code`` is stable (API), ``message`` plain."""


def _already_decided(entry: PhoneListEntry) -> AlreadyDecided:
    """Another reviewer decided the entry first: the refusal says who and when."""
    who = entry.decided_by.get_full_name() or entry.decided_by.get_username() if entry.decided_by else "screening"
    when = local_time_label(entry.decided_at or entry.status_changed_at, entry.facility)
    return AlreadyDecided(
        message=f"This entry was already {entry.get_status_display().lower()} by {who} at {when}; nothing was changed.",
        record=entry,
    )


def _normalize(raw: str, *, field: str = "number") -> str:
    try:
        return normalize_number(raw)
    except NumberNotCallable as exc:
        raise EntryError(code=exc.code, message=exc.message, field=field) from None


def _normalize_many(raws: Iterable[str], *, field: str = "numbers") -> list[str]:
    out: list[str] = []
    for raw in raws:
        if raw and raw.strip():
            number = _normalize(raw, field=field)
            if number not in out:
                out.append(number)
    return out


def _require(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise EntryError(code="invalid_input", message=message, field=field)
    return value


# --------------------------------------------------------------------------- entries: transitions & findings


def _transition(entry: PhoneListEntry, to: str, *, actor, reason: str = "", note: str = "", decided: bool = False,
                log: list[EntryTransition] | None = None):
    """Change the entry's status (not saved) and write its transition row, or append it to ``log``
    (bulk work writes the rows of many entries in one statement)."""
    change = entry.transition_to(to, actor=actor, reason=reason)
    now = change.at
    row = EntryTransition(
        entry=entry, from_status=change.from_status, to_status=to, at=now, actor=actor_user(actor),
        actor_label=actor_label_for(actor)[:150], reason=reason[:32], note=note,
    )
    if log is None:
        row.save()
    else:
        log.append(row)
    entry.status_changed_at = now
    if to == Status.LIVE:
        entry.went_live_at = now
    if decided:
        entry.decided_at = now
        entry.decided_by = actor_user(actor)
        entry.decision_reason = reason if reason in DecisionReason.values else DecisionReason.OTHER
        entry.decision_note = note
    entry._change_reason = f"{to}: {reason} {note}".strip()


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
    inmate = _lock_inmate(inmate)  # serialises list-size checks for this inmate
    if not inmate.in_custody:
        raise EntryError(code="not_in_custody", message=f"{inmate.register_number} is not in custody.", status=409)
    old = _replaced_entry(inmate=inmate, replaces=replaces, number=number, source=source)
    if PhoneListEntry.objects.filter(inmate=inmate, number=number, status__in=PhoneListEntry.OPEN_STATUSES).exists():
        raise EntryError(
            code="already_on_list", message=f"{display_number(number)} is already on this inmate's list.", status=409,
            field="number",
        )
    policy = CallingPolicy.objects.select_related("facility").get(facility_id=inmate.facility_id)
    findings = screen_number(inmate=inmate, number=number, legal=legal, purpose="list", policy=policy,
                             exclude_entry_id=old.pk if old else None, number_changed=old is not None)
    now = timezone.now()
    entry = PhoneListEntry(
        inmate=inmate, facility_id=inmate.facility_id, number=number, contact_name=contact_name,
        relationship=relationship, legal=legal, bar_number=bar_number if legal else "",
        bar_state=bar_state if legal else "", source=source, requested_by=actor_label_for(actor)[:150],
        status=Status.PENDING, created_at=now, status_changed_at=now, replaces=old,
    )
    entry._change_reason = f"added ({source})"
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise EntryError(code="already_on_list", message=f"{display_number(number)} is already on this inmate's list.",
                         status=409, field="number") from None
    EntryTransition.objects.create(entry=entry, from_status="", to_status=Status.PENDING, at=now, actor=actor_user(actor),
                                   actor_label=actor_label_for(actor)[:150], reason="requested", note=source)
    _store_findings(entry, findings)
    blocks = [f for f in findings if f.severity == BLOCK]
    if blocks:
        first = blocks[0]
        reason = deny_reason_for(first.kind)
        _transition(entry, Status.DENIED, actor="screening", reason=reason, note=first.message, decided=True)
    elif not entry.has_review and not legal and not policy.staff_review:
        _transition(entry, Status.LIVE, actor="screening", reason="clean", note="Self-managed list: clean number.")
    entry.save()
    audit_record(
        action="phone_entry_added", actor=actor, facility=inmate.facility, target=entry,
        data={"number": number, "source": source, "status": entry.status,
              "findings": [{"kind": f.kind, "severity": f.severity, "reference": f.reference} for f in findings],
              **({"replaces": old.pk, "replaced_number": old.number} if old else {})},
    )
    if entry.status in SHARED_STATUSES and any(f.kind == EntryFinding.Kind.SHARED_NUMBER for f in findings):
        # The other inmates' requests of this number waiting for review get the shared-number note too
        # (live ones keep their status: someone else asking for a number is no reason to take it away).
        others = PhoneListEntry.objects.filter(number=number, status=Status.PENDING).exclude(inmate_id=inmate.pk)
        entries_rescreen(entry_ids=list(others.order_by("pk").values_list("pk", flat=True)[:RESCREEN_CHUNK]),
                         statuses=(Status.PENDING,))
    if old is not None:
        note = (f"The contact's number changed to {display_number(number)} (entry #{entry.pk}, "
                f"{entry.get_status_display().lower()}).")
        _transition(old, Status.REMOVED, actor=actor, reason="number_changed", note=note)
        old.save()
        audit_record(action="phone_entry_removed", actor=actor, facility=inmate.facility, target=old,
                     reason="The contact's number changed.",
                     data={"number": old.number, "replaced_by": entry.pk, "new_number": number})
    return entry


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
        if not (roles_at(actor, entry.facility_id) & WARDEN_ROLES):
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


RESCREEN_CHUNK = 1000  # entries re-screened per transaction (a fixed number of statements each)


def _update_screened(entries: list[PhoneListEntry], screened_at) -> None:
    """Write what re-screening sets on each entry, chosen here by database (the one place):
    PostgreSQL: one UPDATE … FROM unnest(…) statement (Django's bulk_update builds a CASE per row and
    field: slow past a few hundred rows); any other database (the demo's SQLite): ``bulk_update``."""
    for entry in entries:
        entry.screened_at = screened_at
    if connection.vendor != "postgresql":
        PhoneListEntry.objects.bulk_update(
            entries, ["status", "status_changed_at", "has_block", "has_review", "screened_at"], batch_size=200,
        )
        return
    table = PhoneListEntry._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {table} AS e SET status = v.status, status_changed_at = v.status_changed_at,
                       has_block = v.has_block, has_review = v.has_review, screened_at = %s
                FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::boolean[], %s::boolean[])
                     AS v(id, status, status_changed_at, has_block, has_review)
                WHERE e.id = v.id""",
            [screened_at, [e.pk for e in entries], [e.status for e in entries],
             [e.status_changed_at for e in entries], [e.has_block for e in entries],
             [e.has_review for e in entries]],
        )


def entry_rescreen(*, entry_id: int) -> PhoneListEntry | None:
    """Screen one open entry again (see ``entries_rescreen``); None when it is no longer open."""
    done = entries_rescreen(entry_ids=[entry_id])
    return done[0] if done else None


@transaction.atomic
def entries_rescreen(*, entry_ids: Iterable[int],
                     statuses: Iterable[str] = PhoneListEntry.OPEN_STATUSES) -> list[PhoneListEntry]:
    """Screen open entries again and act on what changed (domain.md §3), in a fixed number of
    set-based statements whatever their count:
    a live entry with a new block finding is suspended, one with a new review finding returns to the
    queue; a suspended entry whose blocks are gone returns to the queue. Nothing goes live by itself.
    Each change of status is logged (who: screening, when, why) and audited, as one at a time would.
    The entries are locked in id order (no deadlock between two bulk re-screens). ``statuses``: only
    entries in one of these (open) statuses, checked once locked."""
    statuses = [s for s in statuses if s in PhoneListEntry.OPEN_STATUSES]
    entries = list(
        PhoneListEntry.objects.select_for_update(of=("self",)).select_related("inmate", "facility")
        .filter(pk__in=list(entry_ids), status__in=statuses).order_by("pk")
    )
    if not entries:
        return []
    screened = screen_entries(entries)
    now = timezone.now()
    open_rows: dict[int, list[EntryFinding]] = {}
    for row in EntryFinding.objects.filter(entry__in=entries, cleared_at__isnull=True).order_by("found_at", "id"):
        open_rows.setdefault(row.entry_id, []).append(row)
    new_rows: list[EntryFinding] = []
    cleared_ids: list[int] = []
    log: list[EntryTransition] = []
    changed: list[PhoneListEntry] = []
    events: list[dict] = []
    for entry in entries:
        findings = screened[entry.pk]
        have = {(f.kind, f.reference): f for f in open_rows.get(entry.pk, ())}
        want = {(f.kind, f.reference): f for f in findings}
        new = [f for key, f in want.items() if key not in have]
        cleared = [row for key, row in have.items() if key not in want]
        new_rows += [EntryFinding(entry=entry, kind=f.kind, severity=f.severity, reference=f.reference[:255],
                                  message=f.message, found_at=now) for f in new]
        cleared_ids += [row.pk for row in cleared]
        before = (entry.status, entry.has_block, entry.has_review)
        entry.has_block = any(f.severity == BLOCK for f in findings)
        entry.has_review = any(f.severity == REVIEW for f in findings)
        entry.screened_at = now
        new_block = [f for f in new if f.severity == BLOCK]
        new_review = [f for f in new if f.severity == REVIEW]
        action = None
        if entry.status == Status.LIVE and new_block:
            _transition(entry, Status.SUSPENDED, actor="screening", reason=new_block[0].kind,
                        note=new_block[0].message, log=log)
            action = "phone_entry_suspended"
        elif entry.status == Status.LIVE and new_review:
            _transition(entry, Status.PENDING, actor="screening", reason=new_review[0].kind,
                        note=new_review[0].message, log=log)
            action = "phone_entry_returned_to_queue"
        elif entry.status == Status.SUSPENDED and not entry.has_block and any(c.severity == BLOCK for c in cleared):
            _transition(entry, Status.PENDING, actor="screening", reason="block_lifted",
                        note="The block on this number ended; review it again.", log=log)
            action = "phone_entry_returned_to_queue"
        if action or new or cleared or before != (entry.status, entry.has_block, entry.has_review):
            changed.append(entry)
        if action or new or cleared:
            events.append({
                "action": action or "phone_entry_rescreened", "actor": "screening", "facility": entry.facility,
                "target": entry,
                "data": {"new": [f"{f.kind}:{f.reference}" for f in new],
                         "cleared": [f"{c.kind}:{c.reference}" for c in cleared], "status": entry.status},
            })
    EntryFinding.objects.bulk_create(new_rows, batch_size=1000)
    if cleared_ids:
        EntryFinding.objects.filter(pk__in=cleared_ids).update(cleared_at=now)
    EntryTransition.objects.bulk_create(log, batch_size=1000)
    _update_screened(entries, now)
    if changed:  # a history row each (its reason: the transition, as entry.save() would record it)
        PhoneListEntry.history.bulk_history_create(changed, update=True, batch_size=500)
    audit_record_many(events)
    return entries


def rescreen_entries_for(*, numbers: Iterable[str], inmate_ids: Iterable[int] | None = None,
                         facility_id: int | None = None) -> int:
    """Re-screen every open entry carrying one of ``numbers`` (optionally limited), in chunks of
    ``RESCREEN_CHUNK`` entries, each chunk a fixed number of statements. Returns how many."""
    numbers = list(set(numbers))
    if not numbers:
        return 0
    qs = PhoneListEntry.objects.filter(number__in=numbers, status__in=PhoneListEntry.OPEN_STATUSES)
    if inmate_ids is not None:
        qs = qs.filter(inmate_id__in=list(inmate_ids))
    if facility_id is not None:
        qs = qs.filter(facility_id=facility_id)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), RESCREEN_CHUNK):
        entries_rescreen(entry_ids=ids[start:start + RESCREEN_CHUNK])
    return len(ids)


def _queue_rescreen(source: str, source_id: int, extra_numbers: Iterable[str] = ()) -> None:
    enqueue_on_commit("approvals.tasks.rescreen_source", source=source, source_id=source_id,
                      extra_numbers=sorted(set(extra_numbers)))


# --------------------------------------------------------------------------- court cases and parties


@transaction.atomic
def case_create(*, facility: Facility, case_number: str, court: str, description: str = "", actor) -> CourtCase:
    case = CourtCase(
        facility=facility, case_number=_require(case_number, "case_number", "Enter the case number."),
        court=_require(court, "court", "Enter the court."), description=(description or "").strip(),
        created_by=actor_user(actor),
    )
    if CourtCase.objects.filter(court__iexact=case.court, case_number__iexact=case.case_number).exists():
        raise EntryError(code="duplicate_case", message=f"Case {case.case_number} of {case.court} is already recorded.",
                         status=409, field="case_number")
    case.save()
    audit_record(action="court_case_created", actor=actor, facility=facility, target=case)
    return case


@transaction.atomic
def party_add(
    *, case: CourtCase, role: str, name: str, numbers: Iterable[str] = (), inmate: Inmate | None = None, actor
) -> CaseParty:
    if role not in CaseParty.Role.values:
        raise EntryError(code="invalid_input", message="Choose the party's role.", field="role")
    name = _require(name, "name", "Enter the party's name.")
    numbers = _normalize_many(numbers)
    if inmate is not None and CaseParty.objects.filter(case=case, inmate=inmate, removed_at__isnull=True).exists():
        raise EntryError(code="duplicate_party", message=f"{inmate} is already a party to this case.", status=409, field="inmate")
    party = CaseParty.objects.create(case=case, role=role, name=name, inmate=inmate, created_by=actor_user(actor))
    PartyNumber.objects.bulk_create(PartyNumber(party=party, number=n) for n in numbers)
    audit_record(action="case_party_added", actor=actor, facility=case.facility, target=party,
                 data={"case": case.case_number, "role": role, "numbers": numbers,
                       "inmate": inmate.register_number if inmate else None})
    _queue_rescreen("party", party.pk)
    return party


@transaction.atomic
def party_update_numbers(*, party: CaseParty, numbers: Iterable[str], actor, reason: str = "") -> CaseParty:
    party = CaseParty.objects.select_for_update().select_related("case__facility").get(pk=party.pk)
    if party.removed_at is not None:
        raise EntryError(code="party_removed", message="This party was removed from the case.", status=409)
    new = _normalize_many(numbers)
    old = set(party.numbers.values_list("number", flat=True))
    party.numbers.exclude(number__in=new).delete()
    PartyNumber.objects.bulk_create(PartyNumber(party=party, number=n) for n in new if n not in old)
    party._change_reason = reason or "numbers changed"
    party.save()
    audit_record(action="case_party_changed", actor=actor, facility=party.case.facility, target=party, reason=reason,
                 data={"old": sorted(old), "new": new})
    _queue_rescreen("party", party.pk, old - set(new))
    return party


@transaction.atomic
def party_remove(*, party: CaseParty, actor, reason: str) -> CaseParty:
    party = CaseParty.objects.select_for_update().select_related("case__facility").get(pk=party.pk)
    reason = _require(reason, "reason", "Say why the party is removed.")
    if party.removed_at is not None:
        raise EntryError(code="party_removed", message="This party was already removed.", status=409)
    party.removed_at, party.removed_by, party.removed_reason = timezone.now(), actor_user(actor), reason
    party._change_reason = reason
    party.save()
    audit_record(action="case_party_removed", actor=actor, facility=party.case.facility, target=party, reason=reason)
    _queue_rescreen("party", party.pk)
    return party


# --------------------------------------------------------------------------- no-contact orders


@transaction.atomic
def order_create(
    *,
    facility: Facility,
    inmate: Inmate,
    protected_name: str,
    numbers: Iterable[str],
    court: str,
    order_number: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    document_reference: str,
    case: CourtCase | None = None,
    actor,
) -> NoContactOrder:
    if inmate.facility_id != facility.pk:
        raise EntryError(code="invalid_input", message="The restrained inmate is not held at this facility.", field="inmate")
    numbers = _normalize_many(numbers)
    if not numbers:
        raise EntryError(code="invalid_input", message="Give at least one number of the protected person.", field="numbers")
    order = NoContactOrder(
        facility=facility, inmate=inmate,
        protected_name=_require(protected_name, "protected_name", "Enter the protected person's name."),
        court=_require(court, "court", "Enter the court."),
        order_number=_require(order_number, "order_number", "Enter the order number."),
        starts_on=starts_on, ends_on=ends_on, case=case,
        document_reference=_require(document_reference, "document_reference", "Name the document the order rests on."),
        created_by=actor_user(actor),
    )
    try:
        order.full_clean(exclude=["facility", "inmate", "case", "created_by"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise EntryError(code="invalid_input", message=messages[0], field=field) from None
    order.save()
    ProtectedNumber.objects.bulk_create(ProtectedNumber(order=order, number=n) for n in numbers)
    audit_record(action="no_contact_order_created", actor=actor, facility=facility, target=order,
                 data={"inmate": inmate.register_number, "numbers": numbers, "order_number": order.order_number})
    _queue_rescreen("order", order.pk)
    return order


@transaction.atomic
def order_update(*, order: NoContactOrder, actor, reason: str, numbers: Iterable[str] | None = None,
                 ends_on: dt.date | None | str = "unchanged") -> NoContactOrder:
    order = NoContactOrder.objects.select_for_update().select_related("facility").get(pk=order.pk)
    reason = _require(reason, "reason", "Say why the order changes.")
    if order.ended_at is not None:
        raise EntryError(code="order_ended", message="This order has ended and cannot be changed.", status=409)
    old = set(order.numbers.values_list("number", flat=True))
    removed: set[str] = set()
    if numbers is not None:
        new = _normalize_many(numbers)
        if not new:
            raise EntryError(code="invalid_input", message="Give at least one number of the protected person.", field="numbers")
        removed = old - set(new)
        order.numbers.filter(number__in=removed).delete()
        ProtectedNumber.objects.bulk_create(ProtectedNumber(order=order, number=n) for n in new if n not in old)
    if ends_on != "unchanged":
        if ends_on is not None and ends_on < order.starts_on:
            raise EntryError(code="invalid_input", message="The order cannot end before it starts.", field="ends_on")
        order.ends_on = ends_on
    order._change_reason = reason
    order.save()
    audit_record(action="no_contact_order_changed", actor=actor, facility=order.facility, target=order, reason=reason,
                 data={"numbers": sorted(order.numbers.values_list("number", flat=True)),
                       "ends_on": order.ends_on.isoformat() if order.ends_on else None})
    _queue_rescreen("order", order.pk, removed)
    return order


@transaction.atomic
def order_end(*, order: NoContactOrder, actor, reason: str) -> NoContactOrder:
    order = NoContactOrder.objects.select_for_update().select_related("facility").get(pk=order.pk)
    reason = _require(reason, "reason", "Say why the order ends (the court's decision).")
    if order.ended_at is not None:
        raise EntryError(code="order_ended", message="This order has already ended.", status=409)
    order.ended_at, order.ended_by, order.end_reason = timezone.now(), actor_user(actor), reason
    order._change_reason = reason
    order.save()
    audit_record(action="no_contact_order_ended", actor=actor, facility=order.facility, target=order, reason=reason)
    _queue_rescreen("order", order.pk)
    return order


# --------------------------------------------------------------------------- blocked numbers


@transaction.atomic
def block_create(
    *, facility: Facility, number: str, reason: str, note: str, actor, system_wide: bool = False,
    ends_at: dt.datetime | None = None,
) -> BlockedNumber:
    number = _normalize(number)
    if reason not in BlockedNumber.Reason.values:
        raise EntryError(code="invalid_input", message="Choose the reason for the block.", field="reason")
    note = _require(note, "note", "A block always needs a note.")
    if system_wide and not (roles_at(actor, facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may block a number system-wide.", status=403,
                         field="system_wide")
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise EntryError(code="invalid_input", message="The end of the block must be in the future.", field="ends_at")
    block = BlockedNumber.objects.create(
        facility=facility, number=number, system_wide=system_wide, reason=reason, note=note, starts_at=now,
        ends_at=ends_at, created_by=actor_user(actor),
    )
    audit_record(action="number_blocked", actor=actor, facility=facility, target=block, reason=note,
                 data={"number": number, "system_wide": system_wide, "reason": reason})
    _queue_rescreen("block", block.pk)
    return block


@transaction.atomic
def block_end(*, block: BlockedNumber, actor, note: str, paperwork: str = "") -> BlockedNumber:
    block = BlockedNumber.objects.select_for_update().select_related("facility").get(pk=block.pk)
    note = _require(note, "note", "Lifting a block needs a note.")
    if block.ended_at is not None:
        raise EntryError(code="block_ended", message="This block was already lifted.", status=409)
    if block.system_wide and not (roles_at(actor, block.facility) & WARDEN_ROLES):
        raise EntryError(code="warden_required", message="Only a warden may lift a system-wide block.", status=403)
    paperwork = (paperwork or "").strip()
    if block.reason == BlockedNumber.Reason.VICTIM_REQUEST and not paperwork:
        raise EntryError(code="paperwork_required",
                         message="A victim's block is lifted only on court or prosecutor paperwork: name it.",
                         field="paperwork")
    block.ended_at, block.ended_by, block.end_note, block.end_paperwork = timezone.now(), actor_user(actor), note, paperwork
    block._change_reason = note
    block.save()
    audit_record(action="number_unblocked", actor=actor, facility=block.facility, target=block, reason=note,
                 data={"number": block.number, "paperwork": paperwork})
    _queue_rescreen("block", block.pk)
    return block


# --------------------------------------------------------------------------- roster follow-up


@transaction.atomic
def entries_follow_transfer(*, inmate: Inmate, from_facility: Facility | None = None,
                            to_facility: Facility | None = None, transferred_on: dt.date | None = None,
                            actor=None) -> int:
    """The list follows the inmate (called inside the roster's transfer transaction; domain.md §5).

    The entries' facility becomes the inmate's. Moved into another facility of the system, the list is
    screened again under the receiving facility's policy and blocks (a live entry with a new block finding
    is suspended, one with a new review finding returns to the queue; a block of the old facility no
    longer applies). Where the receiving facility reviews lists, every other live entry waits in its
    queue too (nobody there reviewed it), with a transition saying who and "transferred from …"; verified
    attorney numbers stay live. Returns how many entries changed facility.
    """
    moved = PhoneListEntry.objects.filter(inmate=inmate).exclude(facility_id=inmate.facility_id).update(
        facility_id=inmate.facility_id
    )
    if to_facility is None or from_facility is None or to_facility.pk == from_facility.pk:
        return moved
    open_ids = list(PhoneListEntry.objects.filter(inmate=inmate, status__in=PhoneListEntry.OPEN_STATUSES)
                    .order_by("pk").values_list("pk", flat=True))
    if not open_ids:
        return moved
    entries_rescreen(entry_ids=open_ids)
    policy = CallingPolicy.objects.get(facility_id=to_facility.pk)
    if not policy.staff_review:
        return moved
    entries = list(
        PhoneListEntry.objects.select_for_update(of=("self",)).select_related("facility")
        .filter(pk__in=open_ids, status=Status.LIVE).exclude(legal=True, legal_verified_at__isnull=False)
        .order_by("pk")
    )
    day = (transferred_on or timezone.localdate()).isoformat()
    # Facility codes only: the readers at either facility may hold no role at the other one (its name is its own).
    note = (f"Transferred from {from_facility.code} on {day}: {to_facility.code} reviews phone lists, so this "
            "number waits for its review.")
    log: list[EntryTransition] = []
    for entry in entries:
        _transition(entry, Status.PENDING, actor=actor, reason=TRANSFER_REASON, note=note, log=log)
    if entries:
        EntryTransition.objects.bulk_create(log)
        PhoneListEntry.objects.bulk_update(entries, ["status", "status_changed_at"])
        PhoneListEntry.history.bulk_history_create(entries, update=True, default_user=actor_user(actor))
        audit_record_many([
            {"action": "phone_entry_returned_to_queue", "actor": actor, "facility": to_facility, "target": entry,
             "reason": note, "data": {"number": entry.number, "from": from_facility.code, "to": to_facility.code}}
            for entry in entries
        ])
    return moved
