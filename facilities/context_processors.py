from .scoping import facilities_for_user, facility_ids_for_user, WARDEN_ROLES


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_facilities": lambda: list(facilities_for_user(user)),
        "is_auditor_somewhere": lambda: bool(user.is_staff),
        "is_warden_somewhere": lambda: facility_ids_for_user(user, roles=WARDEN_ROLES) != set(),
    }
