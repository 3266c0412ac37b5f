"""Re-screening: open entries screened again when what screening knows changes (an order, a block, a
case party, another inmate listing the number, a transfer), and acting on what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from audit.services import actor_user, audit_record_many
from core.tasks import enqueue_on_commit
from facilities.models import CallingPolicy, Facility, Inmate
from facilities.times import local_day

from ..models import (
    EntryFinding,
    EntryTransition,
    PhoneListEntry,
)
from ..screening import BLOCK, REVIEW, ScreenFinding, screen_entries
from ..selectors import TRANSFER_REASON
from .common import Status, _transition

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
    batch = _RescreenBatch(now=timezone.now())
    open_rows = _open_findings_by_entry(entries)
    for entry in entries:
        _rescreen_one(entry, screened[entry.pk], open_rows.get(entry.pk, []), batch=batch)
    batch.write(entries)
    return entries


@dataclass
class _RescreenBatch:
    """What re-screening a batch of entries writes, gathered entry by entry and written set-based."""

    now: dt.datetime
    new_rows: list[EntryFinding] = field(default_factory=list)
    cleared_ids: list[int] = field(default_factory=list)
    log: list[EntryTransition] = field(default_factory=list)
    changed: list[PhoneListEntry] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def write(self, entries: list[PhoneListEntry]) -> None:
        EntryFinding.objects.bulk_create(self.new_rows, batch_size=1000)
        if self.cleared_ids:
            EntryFinding.objects.filter(pk__in=self.cleared_ids).update(cleared_at=self.now)
        EntryTransition.objects.bulk_create(self.log, batch_size=1000)
        _update_screened(entries, self.now)
        if self.changed:  # a history row each (its reason: the transition, as entry.save() would record it)
            PhoneListEntry.history.bulk_history_create(self.changed, update=True, batch_size=500)
        audit_record_many(self.events)


def _open_findings_by_entry(entries: list[PhoneListEntry]) -> dict[int, list[EntryFinding]]:
    open_rows: dict[int, list[EntryFinding]] = {}
    for row in EntryFinding.objects.filter(entry__in=entries, cleared_at__isnull=True).order_by("found_at", "id"):
        open_rows.setdefault(row.entry_id, []).append(row)
    return open_rows


def _rescreen_one(entry: PhoneListEntry, findings: list[ScreenFinding], open_rows: list[EntryFinding], *,
                  batch: _RescreenBatch) -> None:
    """One entry's findings now against its open ones: the difference, the change of status it makes
    (not saved: ``batch`` writes it) and its audit event."""
    have = {(f.kind, f.reference): f for f in open_rows}
    want = {(f.kind, f.reference): f for f in findings}
    new = [f for key, f in want.items() if key not in have]
    cleared = [row for key, row in have.items() if key not in want]
    batch.new_rows += [EntryFinding(entry=entry, kind=f.kind, severity=f.severity, reference=f.reference[:255],
                                    message=f.message, found_at=batch.now) for f in new]
    batch.cleared_ids += [row.pk for row in cleared]
    before = (entry.status, entry.has_block, entry.has_review)
    entry.has_block = any(f.severity == BLOCK for f in findings)
    entry.has_review = any(f.severity == REVIEW for f in findings)
    entry.screened_at = batch.now
    action = _status_after_rescreen(entry, new, cleared, log=batch.log)
    if action or new or cleared or before != (entry.status, entry.has_block, entry.has_review):
        batch.changed.append(entry)
    if action or new or cleared:
        batch.events.append({
            "action": action or "phone_entry_rescreened", "actor": "screening", "facility": entry.facility,
            "target": entry,
            "data": {"new": [f"{f.kind}:{f.reference}" for f in new],
                     "cleared": [f"{c.kind}:{c.reference}" for c in cleared], "status": entry.status},
        })


def _status_after_rescreen(entry: PhoneListEntry, new: list[ScreenFinding], cleared: list[EntryFinding], *,
                           log: list[EntryTransition]) -> str | None:
    """Act on what re-screening found new or cleared; returns the audit action of the change, if any."""
    new_block = [f for f in new if f.severity == BLOCK]
    new_review = [f for f in new if f.severity == REVIEW]
    if entry.status == Status.LIVE and new_block:
        _transition(entry, Status.SUSPENDED, actor="screening", reason=new_block[0].kind,
                    note=new_block[0].message, log=log)
        return "phone_entry_suspended"
    if entry.status == Status.LIVE and new_review:
        _transition(entry, Status.PENDING, actor="screening", reason=new_review[0].kind,
                    note=new_review[0].message, log=log)
        return "phone_entry_returned_to_queue"
    if entry.status == Status.SUSPENDED and not entry.has_block and any(c.severity == BLOCK for c in cleared):
        _transition(entry, Status.PENDING, actor="screening", reason="block_lifted",
                    note="The block on this number ended; review it again.", log=log)
        return "phone_entry_returned_to_queue"
    return None


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
    day = (transferred_on or local_day(to_facility)).isoformat()
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
