"""/health/ for load balancers and monitoring (django-health-check's view and checks, with the portal's own).

Four checks: the database answers; the Celery broker answers (Redis in production, kombu's filesystem broker in
the demo); beat's dispatcher of the monthly reset ran within ``BEAT_STALE_AFTER`` (the Celery worker records each
run: operations/receivers.py; no run recorded yet counts as stale); no monthly reset is unfinished past its bound
(``calls.reset.FINISH_BOUND``). The answer is plain JSON: ``{"status": "ok"|"unavailable", "checks": {name: "ok"|
"failing"}}``, 200 when every check passes, 503 when any fails. Nothing else: no names, numbers, counts, hosts or
error texts (the reason a check fails goes to the log, as a warning). No sign-in: it reveals nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from asgiref.sync import sync_to_async
from celery import current_app
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Database as _Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from . import selectors

log = logging.getLogger("operations.health")
BEAT_STALE_AFTER = dt.timedelta(minutes=30)
BROKER_TIMEOUT_SECONDS = 3


@dataclasses.dataclass
class Database(_Database):
    """``SELECT 1`` on the default database, in the request's own thread (and connection)."""

    name = "database"

    async def run(self):
        await sync_to_async(super().run)()


@dataclasses.dataclass
class Broker(HealthCheck):
    """A connection to ``CELERY_BROKER_URL`` can be made (Redis: a connected client; filesystem: its folders)."""

    name = "broker"

    def _connect(self) -> None:
        with current_app.connection_for_write(settings.CELERY_BROKER_URL,
                                              transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
            try:
                conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            except Exception as exc:  # kombu raises the transport's own errors (OperationalError, OSError, ...)
                raise ServiceUnavailable("broker unreachable") from exc

    async def run(self):
        await sync_to_async(self._connect)()


@dataclasses.dataclass
class Beat(HealthCheck):
    """Beat's dispatcher of the monthly reset ran (on a worker) within ``BEAT_STALE_AFTER``."""

    name = "beat"

    def _fresh(self) -> None:
        last = selectors.last_dispatch_at()
        if last is None or last < timezone.now() - BEAT_STALE_AFTER:
            raise ServiceUnavailable("periodic dispatcher has not run recently")

    async def run(self):
        await sync_to_async(self._fresh)()


@dataclasses.dataclass
class Reset(HealthCheck):
    """No monthly reset is unfinished past its bound."""

    name = "reset"

    def _finished(self) -> None:
        if selectors.reset_overdue():
            raise ServiceUnavailable("a monthly reset is unfinished past its bound")

    async def run(self):
        await sync_to_async(self._finished)()


class HealthView(HealthCheckView):
    checks = (Database, Broker, Beat, Reset)

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        checks = {result.check.name: "failing" if result.error else "ok" for result in self.results}
        for result in self.results:
            if result.error:
                log.warning("Health check %s failing: %s", result.check.name, result.error)
        healthy = all(state == "ok" for state in checks.values())
        return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                            status=200 if healthy else 503)
