"""The approvals app's answers to other apps' signals (connected in ApprovalsConfig.ready)."""

from __future__ import annotations

from .services import entries_follow_transfer


def on_transfer(sender, inmate, from_facility=None, to_facility=None, occurred_on=None, actor=None, **kwargs) -> None:
    """An inmate moved: their phone-list entries follow them (approvals.services.entries_follow_transfer)."""
    entries_follow_transfer(inmate=inmate, from_facility=from_facility, to_facility=to_facility,
                            transferred_on=occurred_on, actor=actor)
