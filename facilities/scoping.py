"""The one helper that scopes every query to the facilities where the user holds a role.

Views and admin classes never query a model without going through ``scope_for_user`` (or
``facilities_for_user`` / ``get_facility_for_user``). Superusers are system administrators and
see every facility.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Facility, Role, RoleAssignment

# Investigators read every page the auditors read (calls, lists, findings) and decide nothing.
READ_ROLES = frozenset({Role.STAFF, Role.WARDEN, Role.AUDITOR, Role.INVESTIGATOR})
STAFF_ROLES = frozenset({Role.STAFF, Role.WARDEN})
WARDEN_ROLES = frozenset({Role.WARDEN})
INVESTIGATOR_ROLES = frozenset({Role.INVESTIGATOR})
AUDITOR_ROLES = frozenset({Role.AUDITOR})
ALL = "__all__"

_CACHE_ATTR = "_facility_roles_cache"


def facility_roles_for_user(user) -> dict:
    """{facility_id or ALL: set(roles)} for the user, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: dict = {}
    if user.is_superuser:
        roles[ALL] = set(Role.values)
    for facility_id, role, all_facilities in RoleAssignment.objects.filter(user=user).values_list(
        "facility_id", "role", "all_facilities"
    ):
        roles.setdefault(ALL if all_facilities else facility_id, set()).add(role)
    setattr(user, _CACHE_ATTR, roles)
    return roles


def clear_role_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _wanted(roles: Iterable[str] | None) -> frozenset:
    return READ_ROLES if roles is None else frozenset(roles)


def facility_ids_for_user(user, *, roles: Iterable[str] | None = None) -> set[int] | None:
    """Facility ids where the user holds one of ``roles``; ``None`` means every facility."""
    wanted = _wanted(roles)
    held = facility_roles_for_user(user)
    if held.get(ALL, set()) & wanted:
        return None
    return {fid for fid, rs in held.items() if fid != ALL and rs & wanted}


def scope_for_user(
    queryset: QuerySet, user, *, path: str = "facility", roles: Iterable[str] | None = None
) -> QuerySet:
    """Restrict ``queryset`` to rows whose ``path`` (a lookup to a Facility) is one of the user's."""
    ids = facility_ids_for_user(user, roles=roles)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    lookup = "pk__in" if path in ("", "self") else f"{path}__in"
    return queryset.filter(**{lookup: ids})


def facilities_for_user(user, *, roles: Iterable[str] | None = None) -> QuerySet[Facility]:
    return scope_for_user(Facility.objects.all(), user, path="self", roles=roles)


def roles_at(user, facility: Facility | int) -> set[str]:
    fid = facility if isinstance(facility, int) else facility.pk
    held = facility_roles_for_user(user)
    return set(held.get(ALL, set())) | set(held.get(fid, set()))


def get_facility_for_user(user, code: str, *, roles: Iterable[str] | None = None) -> Facility:
    """The facility with ``code`` if the user may read it (404 otherwise), and holds ``roles`` (403)."""
    try:
        facility = facilities_for_user(user).get(code=code)
    except Facility.DoesNotExist:
        raise Http404("No such facility among yours.") from None
    if roles is not None and not (roles_at(user, facility) & set(roles)):
        raise PermissionDenied("Your role at this facility does not allow this.")
    return facility


def get_object_for_user(
    queryset: QuerySet, user, *, path: str = "facility", roles: Iterable[str] | None = None, **lookup
) -> Model:
    """One object from the user's facilities, or 404: another facility's records do not exist for them."""
    try:
        obj = scope_for_user(queryset, user, path=path).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No such {queryset.model._meta.verbose_name} at your facilities.") from None
    if roles is not None and facility_ids_for_user(user, roles=roles) is not None:
        if not scope_for_user(queryset.model._default_manager.filter(pk=obj.pk), user, path=path, roles=roles).exists():
            raise PermissionDenied("Your role at this facility does not allow this.")
    return obj
