"""The demo tier: make run's stack, started once per session (see tests/live/stacks.py)."""

import pytest

from tests.live.journeys import open_all_hours
from tests.live.stacks import demo_stack


@pytest.fixture(scope="session")
def demo():
    with demo_stack() as stack:
        open_all_hours(stack)
        yield stack
