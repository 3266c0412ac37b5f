"""Celery beat entries of the calls app, merged into CELERY_BEAT_SCHEDULE by config/settings/base.py.

Plain data only: this module is imported by the settings (which pass the dispatcher's interval).
"""


def beat(*, reset_dispatch_seconds: float = 60.0) -> dict:
    return {
        # Queues one reset task per facility whose local reset moment (00:00 on the reset day) has passed, and
        # queues again a reset whose worker died (calls/reset.py). A dispatch not started within its own
        # interval is dropped (``expires``): the next one does the same work, so none pile up while no worker runs.
        "calls-reset-dispatch": {
            "task": "calls.reset_dispatch", "schedule": float(reset_dispatch_seconds),
            "options": {"expires": float(reset_dispatch_seconds)},
        },
        "calls-expire-authorizations": {"task": "calls.expire_authorizations", "schedule": 300.0},
    }


BEAT: dict = beat()
