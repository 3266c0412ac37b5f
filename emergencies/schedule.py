"""Celery beat entries of the emergencies app, merged into CELERY_BEAT_SCHEDULE by config/settings/base.py.

Plain data only: this module is imported by the settings.
"""

BEAT: dict = {}
