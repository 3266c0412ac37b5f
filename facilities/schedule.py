"""Celery beat entries of the facilities app (plain data, imported by the settings)."""

BEAT: dict = {
    "clear-expired-sessions": {"task": "facilities.clear_expired_sessions", "schedule": 3600.0},
}
