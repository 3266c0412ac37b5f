"""The demo tier: the same journeys as the live tier on what `make run` starts (SQLite, kombu's filesystem
broker, scripts/run-local's runserver and Celery worker with beat, seed_demo's data)."""

import pytest

from tests.live.journeys import JOURNEYS, assert_clean_logs

pytestmark = pytest.mark.demo


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.__name__ for j in JOURNEYS])
def test_journey(demo, journey):
    journey(demo)


def test_no_traceback_in_any_log(demo):
    """Runs after the journeys: neither runserver nor the worker (var/celery.log's stand-in) logged a crash."""
    assert_clean_logs(demo)
