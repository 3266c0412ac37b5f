"""View decorators: log in, then load the facility from the URL through the scoping helper."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed

from .models import Role
from .scoping import READ_ROLES, get_facility_for_user


def facility_view(roles: Iterable[str] = READ_ROLES, *, write_roles: Iterable[str] | None = None):
    """Resolve ``code`` from the URL into ``facility`` for a user holding ``roles`` there.

    With ``write_roles``, a POST needs one of those roles (GET needs ``roles``). A page that auditors
    may read and that declares no ``write_roles`` is read-only: it answers other methods with 405.
    """
    roles = frozenset(roles)
    read_only = write_roles is None and Role.AUDITOR in roles

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, code: str, *args, **kwargs):
            if read_only and request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            needed = write_roles if (write_roles is not None and request.method == "POST") else roles
            facility = get_facility_for_user(request.user, code, roles=needed)
            return view(request, facility, *args, **kwargs)

        return wrapper

    return decorator
