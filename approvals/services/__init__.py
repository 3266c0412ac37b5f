"""Writes of the approvals app: phone-list entries, their decisions, and what screening knows.

Every decision records who, when and why on the record, in the entry's transition log and in the
audit trail. Adding or changing an order, a block or a case party queues a re-screening of the
entries carrying its numbers once the transaction commits.

One module a subject, every public name re-exported here (callers write ``services.entry_add``):
``entries`` (a number requested, replaced and decided), ``rescreen`` (screening again when what
screening knows changes, and the list following a transfer), ``cases`` (court cases and parties),
``orders`` (no-contact orders), ``blocks`` (blocked numbers, called-party blocks), ``library`` (the facility
number library), ``leaves`` (a warden's leave on one inmate's list limits); ``common`` holds what they share.
A test replacing a name replaces it where it is looked up: in its module (e.g.
``approvals.services.rescreen.RESCREEN_CHUNK``).
"""

from core.errors import AlreadyDecided

from .blocks import block_create, block_end, called_party_block_keypad
from .cases import case_create, party_add, party_remove, party_update_numbers
from .common import EntryError, Status
from .entries import (
    REPLACEABLE,
    entry_add,
    entry_approve,
    entry_deny,
    entry_remove,
    entry_return_to_review,
    entry_suspend,
)
from .leaves import leave_end, leave_grant
from .library import library_add, library_remove
from .orders import order_create, order_end, order_update
from .rescreen import (
    RESCREEN_CHUNK,
    entries_follow_transfer,
    entries_rescreen,
    entry_rescreen,
    rescreen_entries_for,
)

__all__ = [
    "REPLACEABLE",
    "RESCREEN_CHUNK",
    "AlreadyDecided",
    "EntryError",
    "Status",
    "block_create",
    "block_end",
    "called_party_block_keypad",
    "case_create",
    "entries_follow_transfer",
    "entries_rescreen",
    "entry_add",
    "entry_approve",
    "entry_deny",
    "entry_remove",
    "entry_rescreen",
    "entry_return_to_review",
    "entry_suspend",
    "leave_end",
    "leave_grant",
    "library_add",
    "library_remove",
    "order_create",
    "order_end",
    "order_update",
    "party_add",
    "party_remove",
    "party_update_numbers",
    "rescreen_entries_for",
]
