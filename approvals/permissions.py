"""Who may do what with a phone-list entry: the one place the entry page and the services read it from.

The services (``services.entries``) refuse what is not allowed; the pages show only what is (``entry_actions``),
so a staff member is never offered an "Approve" the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilities.scoping import STAFF_ROLES, WARDEN_ROLES, roles_at

from .models import PhoneListEntry

# Who decides entries (approve or deny), and who may approve a number that screening flagged for review.
DECIDER_ROLES = STAFF_ROLES
FLAGGED_APPROVER_ROLES = WARDEN_ROLES


def may_approve_flagged(user, facility_id: int) -> bool:
    """A number screening flagged for review is approved only by a warden of its facility."""
    return bool(roles_at(user, facility_id) & FLAGGED_APPROVER_ROLES)


@dataclass(frozen=True)
class EntryActions:
    """What a user may do with one entry now, for its page."""

    can_decide: bool  # the decision form is shown at all
    can_approve: bool  # "Approve" is offered
    verify_legal: bool  # the "I verified the attorney's bar number" box is shown
    approve_refused: str = ""  # why "Approve" is not offered, in words


def entry_actions(*, entry: PhoneListEntry, user) -> EntryActions:
    """Staff and wardens decide a pending entry (and may deny a suspended one); approval needs no block finding,
    and a warden when screening flagged the number; the attorney box shows only on an attorney's number that is
    not verified yet. ``can_approve`` does not look at the status: an entry someone else decided meanwhile is
    refused by the service, which says who decided it. No query beyond the user's roles (read once a request)."""
    decider = bool(roles_at(user, entry.facility_id) & DECIDER_ROLES)
    refused = ""
    if decider and entry.has_block:
        refused = "A block finding applies: this number cannot be approved."
    elif decider and entry.has_review and not may_approve_flagged(user, entry.facility_id):
        refused = "Screening flagged this number: only a warden may approve it, with a note."
    can_approve = decider and not refused
    return EntryActions(
        can_decide=decider and entry.status in (PhoneListEntry.Status.PENDING, PhoneListEntry.Status.SUSPENDED),
        can_approve=can_approve, verify_legal=can_approve and entry.legal and entry.legal_verified_at is None,
        approve_refused=refused,
    )
