"""Refusals in words: which role an action needs, where, and which role the user holds there.

``facility_view`` (facilities/decorators.py) raises ``RoleRequired`` when the user may read a facility but does not
hold the role a page or an action needs; the 403 page (templates/403.html, through ``handler403``) shows its message
with the navigation. The roles themselves come from the one place they live (``facilities.scoping``, the services).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from .models import Role
from .scoping import roles_at

ROLE_ORDER = [Role.STAFF, Role.WARDEN, Role.AUDITOR]


def roles_in_words(roles: Iterable[str]) -> str:
    """``{"staff", "warden"}`` -> "staff or warden" (in the roles' usual order, by their labels)."""
    wanted = set(roles)
    ordered = [r for r in ROLE_ORDER if r in wanted] + sorted(r for r in wanted if r not in ROLE_ORDER)
    words = [Role(r).label.lower() if r in Role.values else str(r) for r in ordered]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def role_needed(*, user, facility, roles: Iterable[str], action: str = "") -> str:
    """"Deciding emergency requests needs the warden role at Home Correctional Center. Your role there: staff.\""""
    held = roles_at(user, facility)
    what = action or "This"
    return (f"{what} needs the {roles_in_words(roles)} role at {facility.name}. "
            f"Your role there: {roles_in_words(held) if held else 'none'}.")


class RoleRequired(PermissionDenied):
    """The user reads the facility but lacks the role an action needs; ``str()`` is the message in words."""

    def __init__(self, *, user, facility, roles: Iterable[str], action: str = "") -> None:
        self.roles = frozenset(roles)
        self.facility = facility
        super().__init__(role_needed(user=user, facility=facility, roles=self.roles, action=action))
