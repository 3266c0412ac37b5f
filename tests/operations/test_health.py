"""/health/: 200 when the database, the broker, beat's dispatcher and the monthly resets are well, 503 when any is
not (each simulated); no sign-in needed, and nothing in it but the checks' names and ok/failing."""

import datetime as dt
import json
import re
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from calls.models import MonthlyReset
from calls.reset import FINISH_BOUND
from operations.health import BEAT_STALE_AFTER
from operations.services import RESET_DISPATCH, heartbeat_record

pytestmark = pytest.mark.django_db

CHECKS = {"database", "broker", "beat", "reset"}


@pytest.fixture
def beat_ran(db):
    return heartbeat_record(name=RESET_DISPATCH, at=timezone.now() - dt.timedelta(minutes=2))


def _health(client):
    response = client.get("/health/")
    body = response.json()
    assert set(body) == {"status", "checks"} and set(body["checks"]) == CHECKS
    return response.status_code, body


def _failing(body):
    return {name for name, state in body["checks"].items() if state != "ok"}


def test_healthy_answers_200_ok_to_anyone(client, beat_ran, home, inmate):
    status, body = _health(client)
    assert (status, body["status"], _failing(body)) == (200, "ok", set())


def test_nothing_private_in_the_answer(client, beat_ran, home, inmate):
    MonthlyReset.objects.create(facility=home, period=dt.date(2026, 1, 1), reset_at=timezone.now() - 2 * FINISH_BOUND)
    for _ in range(2):  # failing or not, the answer holds only check names and their state
        response = client.get("/health/")
        text = response.content.decode()
        assert response["Content-Type"] == "application/json"
        assert not re.search(r"\d", text), text  # no counts, no times, no ids
        for private in (home.code, home.name, inmate.last_name, inmate.register_number, "redis", "postgres"):
            assert private.lower() not in text.lower()
        assert set(json.loads(text)["checks"].values()) <= {"ok", "failing"}
        MonthlyReset.objects.all().delete()


def test_database_down_answers_503(client, beat_ran):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused")):
        status, body = _health(client)
    assert status == 503 and body["status"] == "unavailable" and "database" in _failing(body)


def test_broker_down_answers_503(client, beat_ran, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    status, body = _health(client)
    assert (status, _failing(body)) == (503, {"broker"})


def test_the_demo_filesystem_broker_answers(client, beat_ran, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    for sub in ("out", "processed"):
        (tmp_path / sub).mkdir()
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "out"), "data_folder_out": str(tmp_path / "out"),
        "processed_folder": str(tmp_path / "processed")}
    status, body = _health(client)
    assert (status, _failing(body)) == (200, set())


def test_stale_beat_answers_503(client):
    status, body = _health(client)  # the dispatcher never ran
    assert (status, _failing(body)) == (503, {"beat"})
    heartbeat_record(name=RESET_DISPATCH, at=timezone.now() - BEAT_STALE_AFTER - dt.timedelta(seconds=5))
    status, body = _health(client)
    assert (status, _failing(body)) == (503, {"beat"})
    heartbeat_record(name=RESET_DISPATCH)
    assert _health(client)[0] == 200


def test_a_reset_unfinished_past_its_bound_answers_503(client, beat_ran, home):
    now = timezone.now()
    reset = MonthlyReset.objects.create(facility=home, period=dt.date(2026, 2, 1), status=MonthlyReset.Status.RUNNING,
                                        reset_at=now - FINISH_BOUND + dt.timedelta(minutes=5))
    assert _health(client)[0] == 200  # still within its bound
    MonthlyReset.objects.filter(pk=reset.pk).update(reset_at=now - FINISH_BOUND - dt.timedelta(minutes=1))
    status, body = _health(client)
    assert (status, _failing(body)) == (503, {"reset"})
    MonthlyReset.objects.filter(pk=reset.pk).update(status=MonthlyReset.Status.DONE)
    assert _health(client)[0] == 200


def test_the_dispatcher_run_by_a_worker_records_the_heartbeat(client, home, django_capture_on_commit_callbacks):
    from core.tasks import task_named

    assert _health(client)[0] == 503
    with django_capture_on_commit_callbacks(execute=True):  # and the reset it queues runs, as on a worker
        task_named(RESET_DISPATCH).apply()
    status, body = _health(client)
    assert (status, _failing(body)) == (200, set())
