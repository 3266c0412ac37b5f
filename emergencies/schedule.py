"""Celery beat entries of the emergencies app, merged into CELERY_BEAT_SCHEDULE by config/settings/base.py.

Plain data only: this module is imported by the settings.
"""

BEAT: dict = {
    "emergencies-escalate-overdue": {"task": "emergencies.escalate_overdue", "schedule": 300.0},
    "emergencies-expire-windows": {"task": "emergencies.expire_windows", "schedule": 300.0},
}
