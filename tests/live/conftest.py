"""The live tier's stack (production settings), started once per session (stacks.py); and, as soon as
collection ends, the set-up of every stack the session will use (live and demo tiers) begins in the
background, so that their migrations and data overlap each other and the rest of the suite."""

import os

import pytest

from .journeys import open_all_hours
from .stacks import prepare_in_background, production_stack


def pytest_collection_finish(session):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # each worker collects every test but runs only some: its fixtures set up what it uses
    used = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if "demo" in used:  # tests/demo's fixture
        prepare_in_background("demo")
    if "live_stack" in used:
        prepare_in_background("production")


@pytest.fixture(scope="session")
def live_stack():
    with production_stack() as stack:
        open_all_hours(stack)
        yield stack
