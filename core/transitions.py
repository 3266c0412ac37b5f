"""The one way a record with a status changes it: its ``TRANSITIONS`` table says what may follow what.

A model mixes in ``TransitionMixin`` and declares ``TRANSITIONS = {status: {allowed next statuses}}``
(a status missing from the table, or mapped to nothing, is final). ``transition_to`` refuses anything
else with ``core.errors.IllegalTransition`` (409, ``illegal_transition``), sets the new status (not
saved) and returns a ``Transition`` saying who moved it from what to what, when and why: the caller writes
it to the record's own transition log (``EntryTransition``, ``EmergencyRequestEvent``) and the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils import timezone

from .errors import IllegalTransition


@dataclass(frozen=True)
class Transition:
    """One change of status, as ``transition_to`` made it."""

    from_status: str
    to_status: str
    actor: Any
    reason: str
    at: dt.datetime


class TransitionMixin:
    """For a model with a ``status`` field whose choices are its ``Status`` class."""

    TRANSITIONS: ClassVar[Mapping[str, Collection[str]]] = {}
    #: How the refusal names the record ("A call that is ..."); default: the model's verbose name.
    TRANSITION_NOUN: ClassVar[str] = ""

    def can_become(self, new_status: str) -> bool:
        return new_status in self.TRANSITIONS.get(self.status, ())

    def _status_label(self, status: str) -> str:
        return str(dict(self.Status.choices).get(status, status)).lower()

    def check_transition(self, new_status: str) -> None:
        """Refuse a change the table does not allow (``IllegalTransition``); change nothing."""
        if not self.can_become(new_status):
            noun = self.TRANSITION_NOUN or self._meta.verbose_name
            raise IllegalTransition(
                message=f"A {noun} that is “{self._status_label(self.status)}” cannot become "
                f"“{self._status_label(new_status)}”."
            )

    def transition_to(self, new_status: str, *, actor: Any, reason: str = "",
                      at: dt.datetime | None = None) -> Transition:
        """Move to ``new_status`` (not saved) or raise ``IllegalTransition``; returns what happened."""
        self.check_transition(new_status)
        transition = Transition(from_status=self.status, to_status=new_status, actor=actor, reason=reason,
                                at=at or timezone.now())
        self.status = new_status
        return transition
