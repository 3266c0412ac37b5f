"""The worklist: what waits for the user now, across their facilities, most urgent first (docs/pages.md).

Each app above facilities adds its queues through the page registry (``facilities.pages``, hook ``worklist``:
``fn(*, user, facilities) -> list[WorkQueue]``; the apps follow one another in ``PAGE_ORDER["worklist"]``, which
is also the order of urgency). Each queue comes from one selector of its app that returns a ``QueueSlice``: how
many items wait and the oldest (most urgent) few, in a fixed number of queries whatever the volume.

Who sees a queue is the rule of the action it leads to: ``queue_facilities`` splits the user's facilities into
those where they may act (the roles the action needs, from ``facilities.scoping``) and those they only read
(auditors: the count, no items).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from .pages import _in_order
from .scoping import STAFF_ROLES, facilities_for_user, roles_at

ITEMS_SHOWN = 5  # the oldest (most urgent) items of each queue shown on the worklist


@dataclass(frozen=True)
class QueueSlice:
    """What a queue's selector returns: how many items wait, and the first ``limit`` of them in the queue's order."""

    count: int
    items: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting: what it is, where to act on it, its facility and since when it waits."""

    label: str
    url: str
    facility: Any  # a Facility
    since: dt.datetime
    badge: str = ""  # a warning in words, e.g. "No-contact order found"


@dataclass(frozen=True)
class WorkQueue:
    """One queue of the worklist. ``items`` is empty for a reader who may not act (the count only)."""

    key: str
    title: str
    meaning: str
    count: int
    items: list[WorkItem] = field(default_factory=list)
    can_act: bool = True
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of the whole list at each facility

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


@dataclass(frozen=True)
class QueueScope:
    """The user's facilities for one queue: where they may act on it, and where they only read its count."""

    acting: list[Any]
    reading: list[Any]


def queue_facilities(*, user, facilities: Sequence, roles: Iterable[str]) -> QueueScope:
    """Split ``facilities`` (the user's, from ``facilities_for_user``) for a queue whose action needs ``roles``:
    acting where the user holds one of them; reading (the count only) where the user holds no staff role at all
    (auditors). A staff member does not see the warden's queues: they are not theirs to work."""
    wanted = frozenset(roles)
    acting = [f for f in facilities if roles_at(user, f) & wanted]
    reading = [f for f in facilities if not (roles_at(user, f) & STAFF_ROLES) and f not in acting]
    return QueueScope(acting=acting, reading=reading)


def build_queue(*, key: str, title: str, meaning: str, roles: Iterable[str], user, facilities: Sequence,
                select, item, links=None, readers: bool = True) -> WorkQueue | None:
    """One queue for ``user``: ``select(user=..., facilities=..., limit=...)`` (the queue's selector) over the facilities
    where they may act (``roles``), each row made a ``WorkItem`` by ``item(row)``; for a reader (auditor) the
    count only (unless ``readers`` is False); None when the queue is not theirs. ``links(facility)``: the
    (label, url) of the whole list at one facility, if it has a page."""
    scope = queue_facilities(user=user, facilities=facilities, roles=roles)
    where, can_act = (scope.acting, True) if scope.acting else (scope.reading if readers else [], False)
    if not where:
        return None
    found = select(user=user, facilities=where, limit=ITEMS_SHOWN if can_act else 0)
    return WorkQueue(
        key=key, title=title, meaning=meaning, count=found.count, can_act=can_act,
        items=[item(row) for row in found.items] if can_act else [],
        links=[links(f) for f in where] if links else [],
    )


def worklist_facilities(user) -> list:
    """The user's active facilities with their calling policies: what every queue is counted over (one query)."""
    return list(facilities_for_user(user).filter(active=True).select_related("policy").order_by("code"))


def worklist_for(*, user, facilities: Sequence | None = None, only: str | None = None) -> list[WorkQueue]:
    """Every app's queues for ``user`` over ``facilities`` (default: all theirs), in the declared order (most
    urgent first); with ``only``, just the queue with that key."""
    if facilities is None:
        facilities = worklist_facilities(user)
    return [q for p in _in_order("worklist") if p.worklist
            for q in p.worklist(user=user, facilities=facilities, only=only)]


def work_queue(*, user, key: str) -> WorkQueue | None:
    """The queue ``key`` as ``user`` sees it now, or None when it is not one of theirs."""
    return next((q for q in worklist_for(user=user, only=key) if q.key == key), None)


def queue_key(request) -> str:
    """The queue a decision was made from (``?queue=`` on the item's link, or a form's ``queue`` field)."""
    key = request.GET.get("queue") or request.POST.get("queue") or ""
    return key if key.replace("_", "").isalnum() and len(key) <= 40 else ""


def redirect_to_next(request, key: str) -> HttpResponseRedirect:
    """After a decision made from the worklist's queue ``key``: the item that now heads that queue, or, when
    nothing is left in it, the worklist with a message saying so."""
    queue = work_queue(user=request.user, key=key)
    if queue is not None and queue.can_act and queue.items:
        return redirect(queue.items[0].url)
    title = queue.title if queue is not None else "that queue"
    messages.info(request, f"Nothing else waits in “{title}”: back to your worklist.")
    return redirect("home")
