"""The live tier: the production stack, started once per session (see stacks.py)."""

import pytest

from .journeys import open_all_hours
from .stacks import production_stack


@pytest.fixture(scope="session")
def live_stack():
    with production_stack() as stack:
        open_all_hours(stack)
        yield stack
