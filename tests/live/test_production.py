"""The live tier: every platform API endpoint and each role's main journey over HTTP against gunicorn with
the production settings on PostgreSQL and a real Celery worker on Redis (journeys.py; the stack: stacks.py)."""

import pytest

from .journeys import JOURNEYS, assert_clean_logs

pytestmark = pytest.mark.live


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.__name__ for j in JOURNEYS])
def test_journey(live_stack, journey):
    journey(live_stack)


def test_no_traceback_in_any_log(live_stack):
    """Runs after the journeys: neither gunicorn nor the worker logged a crash."""
    assert_clean_logs(live_stack)
