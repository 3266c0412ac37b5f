"""View decorators: log in, then load the facility from the URL through the scoping helper, and run the
view in the facility's time zone."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.utils import timezone

from .models import Role
from .scoping import READ_ROLES, get_facility_for_user


def facility_view(roles: Iterable[str] = READ_ROLES, *, write_roles: Iterable[str] | None = None):
    """Resolve ``code`` from the URL into ``facility`` for a user holding ``roles`` there.

    With ``write_roles``, a POST needs one of those roles (GET needs ``roles``). A page that auditors
    may read and that declares no ``write_roles`` is read-only: it answers other methods with 405.

    The view runs with the facility's time zone active (the one place that does it): its pages show times
    in the facility's local time, its forms read date-times as facility-local, and ``timezone.localdate()``
    is the facility's today. See ``facilities.times``.
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
            with timezone.override(facility.tz):
                return view(request, facility, *args, **kwargs)

        return wrapper

    return decorator
