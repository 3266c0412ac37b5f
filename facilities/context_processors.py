from django.conf import settings

from .scoping import facilities_for_user

# The idle warning (static/js/idle-warning.js) opens this long before the session's idle limit ends it.
IDLE_WARNING_SECONDS = 120


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    idle = settings.SESSION_COOKIE_AGE
    warn = min(IDLE_WARNING_SECONDS, idle // 2)
    return {
        "my_facilities": lambda: list(facilities_for_user(user)),
        "session_idle_seconds": idle,
        "session_warn_seconds": warn,
        "session_warn_minutes": max(1, round(warn / 60)),
    }
