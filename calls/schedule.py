"""Celery beat entries of the calls app, merged into CELERY_BEAT_SCHEDULE by config/settings/base.py.

Plain data only: this module is imported by the settings.
"""

BEAT: dict = {
    # Queues one reset task per facility whose local reset moment (00:00 on the reset day) has passed.
    "calls-reset-dispatch": {"task": "calls.reset_dispatch", "schedule": 900.0},
    "calls-expire-authorizations": {"task": "calls.expire_authorizations", "schedule": 300.0},
}
