"""Who may decide emergency requests: the one place the services, the pages and the worklist read it from.

The services refuse what is not allowed; the pages offer the decision forms only where ``may_decide`` holds.
"""

from __future__ import annotations

from facilities.models import Facility
from facilities.scoping import WARDEN_ROLES, roles_at

# Who decides emergency requests (approve a call, pass on a message, deny): a warden of the request's facility.
DECIDER_ROLES = WARDEN_ROLES


def may_decide(user, facility: Facility | int) -> bool:
    """The one rule of who decides a request at ``facility``; pages show the decision forms only when it holds."""
    return bool(roles_at(user, facility) & DECIDER_ROLES)
