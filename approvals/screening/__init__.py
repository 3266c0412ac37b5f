"""Screening (domain.md §3): which findings a number has for an inmate. Reads only: nothing here writes.

``catalogue``: every kind of finding, its severity and what it stops; ``findings``: the finding and its
wording; ``engine``: one bulk evaluator, one SQL statement for any number of subjects. ``screen_number`` and
``screen_entries`` are the engine on one number and on many open entries.
"""

from __future__ import annotations

from facilities.models import CallingPolicy

from .catalogue import BLOCK, CATALOGUE, REVIEW, spec
from .engine import PURPOSES, SHARED_STATUSES, Subject, evaluate
from .findings import ScreenFinding

__all__ = ["BLOCK", "CATALOGUE", "PURPOSES", "REVIEW", "SHARED_STATUSES", "ScreenFinding", "Subject", "evaluate",
           "screen_entries", "screen_number", "spec"]


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
    """Every finding for ``number`` (E.164) on ``inmate``'s list, blocks first: the engine on one subject
    (see ``engine.Subject`` for ``purpose``, ``exclude_entry_id``, ``number_changed`` and
    ``readers_facility_id``). ``policy`` may be passed when the caller already holds it (saves one query).
    Two queries whatever the volume of data: the policy, then the screening statement."""
    subject = Subject(key=0, inmate_id=inmate.pk, facility_id=inmate.facility_id, number=number, legal=legal,
                      purpose=purpose, exclude_entry_id=exclude_entry_id, number_changed=number_changed,
                      readers_facility_id=readers_facility_id)
    return evaluate([subject], policies=[policy] if policy is not None else ())[0]


def screen_entries(entries) -> dict[int, list[ScreenFinding]]:
    """``screen_number(purpose="rescreen")`` for many open entries at once: {entry id: findings}, in a fixed
    number of queries whatever their count (the policies, then the screening statement). ``entries``: list entries with their inmate loaded
    (``select_related("inmate")``): the inmate's facility's policy applies, as for ``screen_number``."""
    return evaluate([
        Subject(key=e.pk, inmate_id=e.inmate_id, facility_id=e.inmate.facility_id, number=e.number,
                legal=e.legal, purpose="rescreen")
        for e in entries
    ])
