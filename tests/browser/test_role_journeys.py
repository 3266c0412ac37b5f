"""A day at the desk in Chromium, one journey per role, every page checked by axe-core (the ``page`` fixture):

- a clerk (staff) works the review queue from the worklist: opens its first number, approves it, is taken to the
  next one, denies it, and is back on the worklist, without typing an address after logging in;
- a warden decides an emergency request and a flagged number from the worklist, then grants an inmate minutes;
- an auditor reads history (the inmate page, the admin's record history) and exports the calls as CSV.

Screenshots of the worklist, the dashboard and the inmate page are saved under var/screenshots/ (not committed;
CI keeps them as artefacts)."""

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from approvals import services as approvals
from approvals.models import CaseParty, PhoneListEntry
from calls import services as calls
from calls.models import LedgerEntry
from emergencies.models import EmergencyRequest
from facilities.models import CallingPolicy
from facilities.services import policy_update
from tests.approvals.factories import CasePartyFactory, CourtCaseFactory, PhoneListEntryFactory
from tests.calls.factories import NUMBER, OTHER_NUMBER
from tests.emergencies.factories import EmergencyRequestFactory
from tests.factories import InmateFactory

from .auth import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def _message(page) -> str:
    return " ".join(page.text_content("ul.messages").split())


def _queue(page, key: str):
    return page.locator(f"section#queue-{key}")


@pytest.fixture
def review_mode(home):
    CallingPolicy.objects.filter(facility=home).update(list_mode="staff_review", screen_codefendants=True)
    return home


def test_a_clerk_works_the_review_queue_from_the_worklist(page, staff, review_mode, inmate):
    add = dict(inmate=inmate, relationship="friend", source="kiosk", actor=staff)
    first = approvals.entry_add(number="312-555-0141", contact_name="Grace Hopper", **add)
    second = approvals.entry_add(number="312-555-0142", contact_name="Alan Turing", **add)
    assert first.status == second.status == PhoneListEntry.Status.PENDING

    sign_in(page, "staff")
    page.wait_for_url(re.compile(r"/$"))
    assert page.text_content("h1") == "Your worklist"
    reviews = _queue(page, "reviews")
    assert "Numbers waiting for review" in reviews.text_content() and "2" in reviews.locator(".count").text_content()
    _screenshot(page, "worklist-clerk")

    reviews.locator("li a").first.click()  # the oldest first
    page.wait_for_url(re.compile(rf"/phone-lists/entries/{first.pk}/\?queue=reviews$"))
    assert "Grace Hopper" in page.text_content("main")
    page.check("input[name=decision][value=approve]")
    page.click("button:text('Record the decision')")

    # "next": the following number of the same queue opens by itself.
    page.wait_for_url(re.compile(rf"/phone-lists/entries/{second.pk}/\?queue=reviews$"))
    assert "Grace Hopper's number is now live." in _message(page)
    assert "Alan Turing" in page.text_content("main")
    page.check("input[name=decision][value=deny]")
    page.select_option("#id_reason", "not_verified")
    page.click("button:text('Record the decision')")

    page.wait_for_url(re.compile(r"/$"))
    assert "Alan Turing's number was denied." in _message(page)
    assert "Nothing else waits in “Numbers waiting for review”" in _message(page)
    assert "0" in _queue(page, "reviews").locator(".count").text_content()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by) == (PhoneListEntry.Status.LIVE, staff)
    assert (second.status, second.decision_reason, second.decided_by) == (PhoneListEntry.Status.DENIED,
                                                                           "not_verified", staff)


@pytest.fixture
def flagged(review_mode, staff, inmate):
    """A number screening flagged (a co-defendant's), which only a warden may approve."""
    case = CourtCaseFactory(facility=review_mode, case_number="CR-2026-12")
    CasePartyFactory(case=case, inmate=inmate)
    CasePartyFactory(case=case, role=CaseParty.Role.DEFENDANT,
                     inmate=InmateFactory(facility=review_mode, register_number="22222-222"), numbers=["+13125550161"])
    entry = approvals.entry_add(inmate=inmate, number="312-555-0161", contact_name="Codefendant's Mother",
                                relationship="friend", source="kiosk", actor=staff)
    assert entry.status == PhoneListEntry.Status.PENDING and entry.has_review and not entry.has_block
    return entry


def test_a_warden_decides_an_emergency_and_a_flagged_number_from_the_worklist_then_grants_minutes(
    page, warden, inmate, flagged
):
    calls.minutes_grant_on_booking(inmate=inmate)
    request = EmergencyRequestFactory(inmate=inmate, caller_name="Mary Lovelace", caller_number="+13125550142")

    sign_in(page, "warden")
    page.wait_for_url(re.compile(r"/$"))
    emergencies = _queue(page, "emergencies")
    assert "Lovelace, Ada" in emergencies.text_content()
    _screenshot(page, "worklist-warden")

    emergencies.locator("li a").first.click()
    page.wait_for_url(re.compile(rf"/emergencies/{request.pk}/\?queue=emergencies$"))
    page.fill("#id_window_hours", "12")
    page.fill("#id_call_minutes", "20")
    page.fill("#id_note", "Confirmed with the funeral home.")
    page.click("button:has-text('Approve the call')")
    page.wait_for_url(re.compile(r"/$"))  # the only request: back to the worklist
    assert "Nothing else waits" in _message(page)
    request.refresh_from_db()
    assert request.status == EmergencyRequest.Status.APPROVED and request.decided_by == warden

    _queue(page, "flagged").locator("li a").first.click()
    page.wait_for_url(re.compile(rf"/phone-lists/entries/{flagged.pk}/\?queue=flagged$"))
    assert "Co-defendant" in page.text_content("main")
    page.check("input[name=decision][value=approve]")
    page.fill("#id_note", "The co-defendant's mother; cleared by the case officer.")
    page.click("button:text('Record the decision')")
    page.wait_for_url(re.compile(r"/$"))
    assert "Codefendant's Mother's number is now live." in _message(page)
    flagged.refresh_from_db()
    assert (flagged.status, flagged.decided_by) == (PhoneListEntry.Status.LIVE, warden)

    # Minutes, from the inmate page reached through the navigation.
    page.click("nav.facilities a:text-is('home')")
    page.wait_for_url(re.compile(r"/f/home/$"))
    _screenshot(page, "dashboard-warden")
    page.click("nav.facility-nav a:text-is('Inmates')")
    page.click(f"a:text-is('{inmate.register_number}')")
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/$"))
    _screenshot(page, "inmate-warden")
    grant = page.locator("form:has(button:text('Grant minutes'))")
    grant.locator("input[name=minutes]").fill("45")
    grant.locator("[name=reason]").fill("Family emergency: his grandmother died")
    grant.locator("button:text('Grant minutes')").click()
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/#minutes$"))
    assert "45 minutes granted to 12345-001." in _message(page)
    grant_row = LedgerEntry.objects.get(kind="extra_grant")
    assert (grant_row.minutes, grant_row.reason) == (45, "Family emergency: his grandmother died")


def test_an_auditor_reads_history_and_exports_calls(page, auditor, warden, home, inmate):
    policy_update(facility=home, actor=warden, reason="Holiday bonus", bonus_dec=100)
    calls.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER, contact_name="Mary Lovelace")
    noon = dt.datetime.combine(timezone.localdate(timezone=home.tz) - dt.timedelta(days=1), dt.time(12), tzinfo=home.tz)
    allowed = calls.call_authorize(facility=home, register_number=inmate.register_number, number=NUMBER, at=noon)
    calls.call_complete(call_id=allowed.pk, duration_seconds=125, facility_ids={home.pk})
    denied = calls.call_authorize(facility=home, register_number=inmate.register_number, number=OTHER_NUMBER,
                                  at=noon + dt.timedelta(hours=1))

    sign_in(page, "auditor")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("main form[method=post]").count() == 0  # auditors act on nothing
    _screenshot(page, "worklist-auditor")

    page.click("nav.facilities a:text-is('home')")
    page.wait_for_url(re.compile(r"/f/home/$"))
    _screenshot(page, "dashboard-auditor")
    page.click("nav.facility-nav a:text-is('Inmates')")
    page.click(f"a:text-is('{inmate.register_number}')")
    page.wait_for_url(re.compile(rf"/f/home/inmates/{inmate.pk}/$"))
    assert page.text_content("h1").startswith("Lovelace, Ada")
    ledger = page.text_content("main")
    assert "Monthly allowance" in ledger and "Mary Lovelace" in ledger
    assert page.locator("main form[method=post]").count() == 0
    _screenshot(page, "inmate-auditor")

    # The record history in the admin.
    page.click("nav.facilities a:text-is('Audit admin')")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.click("#content-main a[href$='/admin/facilities/callingpolicy/']")
    page.click(f"a[href$='/admin/facilities/callingpolicy/{home.policy.pk}/change/']")
    assert page.locator("input[name=_save]").count() == 0
    page.click("a.historylink")
    assert "Holiday bonus" in page.text_content("#content")

    # The facility's calls, exported: back to the portal through the admin's "View site".
    page.click("a:text-is('View site')")
    page.wait_for_url(re.compile(r"/$"))
    page.click("nav.facilities a:text-is('home')")
    page.click("nav.facility-nav a:text-is('Calls')")
    page.wait_for_url(re.compile(r"/f/home/calls/$"))
    with page.expect_download() as info:
        page.click("a:text('Export CSV')")
    with open(info.value.path(), encoding="utf-8") as handle:
        rows = {r["call_id"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {str(allowed.pk), str(denied.pk)}
    assert rows[str(denied.pk)]["outcome"] == "denied" and rows[str(denied.pk)]["register_number"] == "12345-001"
