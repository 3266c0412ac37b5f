from .scoping import facilities_for_user


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_facilities": lambda: list(facilities_for_user(user)),
    }
