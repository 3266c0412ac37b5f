"""In Chromium: a warden grants extra minutes and imposes then lifts a phone restriction from the inmate
page; a staff member filters the facility's calls to the denied ones and downloads them as CSV.

Playwright runs in a thread of its own (with its own Playwright instance), so these tests never meet another
sync Playwright instance (the session-wide browser of tests/browser) in the test's thread, whatever runs
before or after them in the same process.
"""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from calls import services
from calls.models import Call, LedgerEntry, MinuteBalance, PhoneRestriction
from tests.approvals.factories import PhoneListEntryFactory
from tests.browser.auth import sign_in

from .factories import NUMBER, OTHER_NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    sign_in(page, username)  # the password, then the code step when the portal asks for it
    page.click("nav.facilities a:text-is('home')")  # from the worklist (the landing page) to the facility
    page.wait_for_url(re.compile(r"/f/home/$"))


def _minutes_left(page) -> str:
    return page.text_content("dl.facts dt:text-is('Minutes left') + dd").strip()


# --------------------------------------------------------------------------- the warden on the inmate page


def test_warden_grants_minutes_then_imposes_and_lifts_a_restriction(in_chromium, warden, inmate):
    services.minutes_grant_on_booking(inmate=inmate)
    in_chromium(lambda page: _warden_scenario(page, warden, inmate))


def _ledger_rows(page) -> list[str]:
    table = page.locator("h3:has-text('Minute ledger') + table tbody tr")
    return [" ".join(row.split()) for row in table.all_text_contents()]


def _phone_restriction(page) -> str:
    return page.text_content("dl.facts dt:text-is('Phone restriction') + dd").strip()


def _warden_scenario(page, warden, inmate):
    _log_in(page, "warden")
    page.goto(f"/f/home/inmates/{inmate.pk}/")
    assert _minutes_left(page).startswith("300")
    assert len(_ledger_rows(page)) == 1 and "Monthly allowance" in _ledger_rows(page)[0]
    assert _phone_restriction(page) == "none in force"

    # Extra minutes: a reason is required; without one nothing changes.
    grant = page.locator("form:has(button:text('Grant minutes'))")
    grant.locator("#grant_minutes").fill("45")
    grant.locator("#grant_reason").fill("   ")
    grant.locator("button:text('Grant minutes')").click()
    page.wait_for_selector("h1:has-text('Grant extra minutes')")
    assert "This field is required." in page.text_content("form.stacked")
    assert LedgerEntry.objects.filter(kind="extra_grant").count() == 0
    page.fill("#id_minutes", "45")
    page.fill("#id_reason", "Family emergency: his father is in hospital")
    page.click("button:text('Grant minutes')")
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/#minutes$"))
    assert "45 minutes granted to 12345-001." in page.text_content("ul.messages")
    assert _minutes_left(page).startswith("345")
    newest = _ledger_rows(page)[0]
    assert "Extra minutes granted by a warden" in newest and "+45" in newest and "345" in newest
    assert "Family emergency: his father is in hospital" in newest and "warden" in newest
    assert MinuteBalance.objects.get(inmate=inmate).minutes == 345

    # A phone restriction, open-ended, from now (the form proposes the facility's local time).
    restrict = page.locator("form:has(button:text('Impose restriction'))")
    start = restrict.locator("#restriction_starts_at").input_value()
    local_now = timezone.localtime(timezone.now(), inmate.facility.tz).replace(tzinfo=None)
    assert abs(dt.datetime.fromisoformat(start) - local_now) < dt.timedelta(minutes=2)
    restrict.locator("#restriction_reason").fill("Hearing 2026-31: phone used to threaten a witness")
    restrict.locator("button:text('Impose restriction')").click()
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/#minutes$"))
    assert "Phone restriction imposed on 12345-001." in page.text_content("ul.messages")
    assert _phone_restriction(page) == "In force: legal calls only"
    row = page.locator("h3:has-text('Phone restrictions') + table tbody tr").first
    assert "In force" in row.text_content() and "until lifted" in row.text_content()
    assert "Hearing 2026-31: phone used to threaten a witness" in row.text_content()
    restriction = PhoneRestriction.objects.get()
    assert restriction.imposed_by == warden and restriction.is_active()

    # Lifted early, with a reason.
    row.locator("a:text('Lift early…')").click()
    page.wait_for_selector("h1:has-text('Lift a phone restriction early')")
    page.fill("#id_reason", "Hearing overturned on appeal")
    page.click("button:text('Lift restriction')")
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/#minutes$"))
    assert "The phone restriction of 12345-001 was lifted." in page.text_content("ul.messages")
    assert _phone_restriction(page) == "none in force"
    row = page.locator("h3:has-text('Phone restrictions') + table tbody tr").first
    assert "Lifted early" in row.text_content() and "Hearing overturned on appeal" in row.text_content()
    assert row.locator("a:text('Lift early…')").count() == 0
    restriction.refresh_from_db()
    assert restriction.lifted_by == warden and not restriction.is_active()


# --------------------------------------------------------------------------- staff on the calls page


@pytest.fixture
def two_calls(home, inmate):
    """Yesterday at noon (facility time, inside calling hours): one allowed call, completed, and one denied."""
    services.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    noon = dt.datetime.combine(timezone.localdate(timezone=home.tz) - dt.timedelta(days=1), dt.time(12), tzinfo=home.tz)
    allowed = services.call_authorize(facility=home, register_number=inmate.register_number, number=NUMBER, at=noon)
    assert allowed.status == Call.Status.AUTHORIZED
    services.call_complete(call_id=allowed.pk, duration_seconds=125, facility_ids={home.pk})
    denied = services.call_authorize(
        facility=home, register_number=inmate.register_number, number=OTHER_NUMBER, at=noon + dt.timedelta(hours=2)
    )
    assert denied.status == Call.Status.DENIED
    return allowed, denied


def test_staff_filters_the_calls_to_the_denied_ones_and_downloads_them(in_chromium, staff, two_calls):
    in_chromium(lambda page: _staff_scenario(page, two_calls), accept_downloads=True)


def _staff_scenario(page, two_calls):
    allowed, denied = two_calls
    _log_in(page, "staff")
    page.click("nav.facility-nav a:text-is('Calls')")
    page.wait_for_url(re.compile(r"/f/home/calls/$"))
    assert "2 in all" in page.text_content("nav.pagination")
    monitored = page.locator("#id_monitored option").all_text_contents()
    assert monitored == ["Either", "Yes", "No"]

    page.select_option("#id_outcome", "denied")
    page.click("form.filters button:text('Filter')")
    page.wait_for_url(re.compile(r"outcome=denied"))
    assert "1 in all" in page.text_content("nav.pagination")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Denied" in rows.first.text_content()
    assert "This number is not live on the inmate's phone list." in rows.first.text_content()
    assert page.locator("#id_outcome").input_value() == "denied"

    with page.expect_download() as info:
        page.click("a:text('Export CSV')")
    download = info.value
    assert download.suggested_filename == "calls-home.csv"
    with open(download.path(), encoding="utf-8") as handle:
        lines = list(csv.reader(io.StringIO(handle.read())))
    assert lines[0][:3] == ["call_id", "requested_at", "inmate"]
    assert len(lines) == 2
    record = dict(zip(lines[0], lines[1], strict=True))
    assert record["call_id"] == str(denied.pk) and record["outcome"] == "denied"
    assert record["reasons"] == "not_on_list" and record["register_number"] == "12345-001"
    assert str(allowed.pk) not in [line[0] for line in lines[1:]]
