"""View decorators: log in, then load the facility from the URL through the scoping helper, and run the
view in the facility's time zone."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.utils import timezone

from .models import Role
from .refusals import RoleRequired
from .scoping import READ_ROLES, get_facility_for_user, roles_at


def facility_view(roles: Iterable[str] = READ_ROLES, *, write_roles: Iterable[str] | None = None, action: str = "",
                  write_action: str = ""):
    """Resolve ``code`` from the URL into ``facility`` for a user holding ``roles`` there.

    With ``write_roles``, a POST needs one of those roles (GET needs ``roles``). A page that auditors
    may read and that declares no ``write_roles`` is read-only: it answers other methods with 405.

    Another facility is a 404 (it does not exist for the user); at their own facility without the role, a 403
    page says what needs which role (``action`` for the page, ``write_action`` for its POST, e.g. "Deciding
    emergency requests"): ``facilities.refusals``.

    The view runs with the facility's time zone active (the one place that does it): its pages show times
    in the facility's local time, its forms read date-times as facility-local, and ``timezone.localdate()``
    is the facility's today. See ``facilities.times``.
    """
    roles = frozenset(roles)
    write_roles = frozenset(write_roles) if write_roles is not None else None
    read_only = write_roles is None and Role.AUDITOR in roles

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, code: str, *args, **kwargs):
            if read_only and request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            writing = write_roles is not None and request.method == "POST"
            needed = write_roles if writing else roles
            facility = get_facility_for_user(request.user, code)  # 404 unless it is one of theirs
            if not (roles_at(request.user, facility) & needed):
                what = (write_action if writing else action) or ("This action" if request.method == "POST"
                                                                 else "This page")
                raise RoleRequired(user=request.user, facility=facility, roles=needed, action=what)
            with timezone.override(facility.tz):
                return view(request, facility, *args, **kwargs)

        return wrapper

    return decorator
