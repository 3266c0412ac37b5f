"""A real Celery worker on Redis runs a task end to end against the test database."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app

from .worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_on_redis_clears_expired_sessions():
    assert app.conf.broker_url.startswith("redis://")
    old = SessionStore()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    live = SessionStore()
    live.create()

    with celery_worker() as queue:
        app.send_task("facilities.clear_expired_sessions", queue=queue)
        done = wait_for(lambda: not Session.objects.filter(session_key=old.session_key).exists())

    assert done, "the worker did not run the task within a minute"
    assert Session.objects.filter(session_key=live.session_key).exists()
