"""The calls pages show what they are for: the calls, an inmate's ledger, the monthly resets."""

import datetime as dt

import pytest
from django.urls import reverse

from calls.models import MonthlyReset

from ..pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(live, authorize, complete, clock):
    allowed = authorize().json()["call_id"]
    complete(allowed, 125)
    denied = authorize("+13125550199").json()["call_id"]
    return allowed, denied


def test_the_calls_page_shows_each_call_its_inmate_number_and_outcome(login, staff, calls, home):
    heading, text = page(login(staff).get(reverse("calls-list", args=[home.code])))
    assert heading.startswith("Calls · allowed and denied")
    assert "2 in all" in text
    assert "Lovelace, Ada 12345-001 (312) 555-0123 Regular yes Completed 125 s, 3 min charged" in text
    assert ("Lovelace, Ada 12345-001 (312) 555-0199 Regular yes Denied "
            "This number is not live on the inmate's phone list. Too soon after the start of the previous call.") in text


def test_the_ledger_page_shows_whose_minutes_and_each_movement(login, staff, calls, funded, home):
    heading, text = page(login(staff).get(reverse("calls-ledger", args=[home.code, funded.pk])))
    assert heading == "Minute ledger · Lovelace, Ada (12345-001)"
    assert "Minutes left now: 297" in text
    assert "Monthly allowance +300 300 2026-03-01 system" in text
    assert "Call -3 297 platform client platform-home 125 seconds" in text


def test_the_resets_page_shows_each_period_and_what_it_did(login, warden, home):
    MonthlyReset.objects.create(
        facility=home, period=dt.date(2026, 3, 1), reset_at=dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC), status="done",
        inmates_reset=1_204, minutes_voided=18_250, minutes_granted=361_200, monthly_minutes=300, runs=1,
    )
    heading, text = page(login(warden).get(reverse("calls-resets", args=[home.code])))
    assert heading == "Monthly minute resets"
    assert "300 minutes (plus the month's bonus) granted at 00:00" in text and "on day 1" in text
    assert "2026-03-01" in text
    assert "Done 1,204 18,250 361,200 300 + 0" in text
