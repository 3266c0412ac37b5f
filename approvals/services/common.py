"""What every approvals service shares: the one error they raise, number and input checks, and an
entry's change of status with its transition row."""

from __future__ import annotations

from collections.abc import Iterable

from audit.services import actor_label_for, actor_user
from core.errors import DomainError
from core.numbers import NumberNotCallable, normalize_number

from ..models import (
    DecisionReason,
    EntryTransition,
    PhoneListEntry,
)

Status = PhoneListEntry.Status



class EntryError(DomainError):
    """A phone-list request or decision that cannot be made. ``code`` is stable (API), ``message`` plain."""



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
