"""Celery signals, in every process that runs tasks (the worker; the web process when tasks run eagerly):

- one log line per task (name, id, state, duration; never its arguments, which may hold a number), JSON in
  production (operations/requestlog.py);
- a failed task counts in ``portal_task_failures`` (core/metrics.py);
- a finished run of beat's reset dispatcher records its heartbeat, which /health/ reads (operations/health.py).
"""

from __future__ import annotations

import logging
import time

from celery.signals import task_failure, task_postrun, task_prerun, task_success

from core.metrics import TASK_FAILURES

from .services import RESET_DISPATCH, heartbeat_record

log = logging.getLogger("operations.tasks")
_started: dict[str, float] = {}


@task_prerun.connect(dispatch_uid="operations.task_started")
def _task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()


@task_postrun.connect(dispatch_uid="operations.task_finished")
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    began = _started.pop(task_id, None)
    duration_ms = None if began is None else round((time.monotonic() - began) * 1000, 1)
    name = getattr(task, "name", None)
    log.info("task %s %s", name, state, extra={
        "event": "task", "task": name, "task_id": task_id, "state": state, "duration_ms": duration_ms,
    })


@task_success.connect(dispatch_uid="operations.dispatcher_heartbeat")
def _dispatcher_ran(sender=None, **kwargs) -> None:
    if getattr(sender, "name", None) == RESET_DISPATCH:
        heartbeat_record(name=RESET_DISPATCH)


@task_failure.connect(dispatch_uid="operations.task_failed")
def _task_failed(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", None) or "unknown").inc()
