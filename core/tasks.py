"""Queueing work for after the commit, by task name.

Services queue their follow-up work with ``enqueue_on_commit("app.task_name", key=value, ...)`` instead of
importing the task: the task modules import the services they call, never the other way round. The task is
sent only once the surrounding transaction commits (never for work that was rolled back), with keyword
arguments (ids and plain values; tasks read fresh rows).
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue_on_commit(name: str, /, **kwargs: Any) -> None:
    """Queue the Celery task registered as ``name`` with ``kwargs`` once the current transaction commits
    (at once when there is none). Honours ``CELERY_TASK_ALWAYS_EAGER`` like ``task.delay``. A name no task is
    registered under raises ``KeyError`` here, inside the transaction, so the work that asked for it is undone."""
    task = task_named(name)
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))


def task_named(name: str):
    """The task registered as ``name``. A web process has imported no ``tasks`` module (only the worker
    autodiscovers them at start), so the first look-up that misses has Celery import every app's ``tasks``."""
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.loader.import_default_modules()
        return current_app.tasks[name]
