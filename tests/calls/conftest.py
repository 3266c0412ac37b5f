import datetime as dt

import pytest

from calls import services
from tests.approvals.factories import PhoneListEntryFactory

from .factories import LAWYER, NUMBER

# 10:00 in Chicago (inside the default calling hours 06:00-23:00), mid-month.
NOON = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def funded(clock, inmate):
    """``inmate`` with this month's 300 minutes (granted as on booking)."""
    services.minutes_grant_on_booking(inmate=inmate)
    return inmate


@pytest.fixture
def live(funded):
    return PhoneListEntryFactory(inmate=funded, number=NUMBER)


@pytest.fixture
def lawyer(funded, warden):
    return PhoneListEntryFactory(
        inmate=funded, number=LAWYER, legal=True, relationship="attorney", legal_verified_at=NOON - dt.timedelta(days=3),
        legal_verified_by=warden, bar_number="12345", bar_state="IL",
    )


@pytest.fixture
def authorize(platform):
    def _authorize(number=NUMBER, register_number="12345-001", facility="home"):
        return platform.post(
            "/api/v1/calls/authorize",
            {"facility": facility, "register_number": register_number, "dialed_number": number},
            format="json",
        )

    return _authorize


@pytest.fixture
def complete(platform):
    def _complete(call_id, seconds):
        return platform.post(f"/api/v1/calls/{call_id}/complete", {"duration_seconds": seconds}, format="json")

    return _complete
