"""The operations app's one write, called as the worker calls it: with no transaction around it."""

import datetime as dt

import pytest
from django.utils import timezone

from operations.models import Heartbeat
from operations.services import RESET_DISPATCH, heartbeat_record
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {"operations.services": {"heartbeat_record"}}


def test_a_heartbeat_is_one_row_per_job_moved_forward():
    earlier = timezone.now() - dt.timedelta(minutes=5)
    heartbeat_record(name=RESET_DISPATCH, at=earlier)
    beat = heartbeat_record(name=RESET_DISPATCH)
    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get().at == beat.at > earlier
