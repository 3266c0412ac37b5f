"""In Chromium: a staff member filters the queue to co-defendant findings and denies one with a reason;
a warden approves another flagged number with a note."""

import re

import pytest

from approvals import services
from approvals.models import CaseParty, PhoneListEntry
from facilities.models import CallingPolicy
from tests.browser.auth import sign_in

from ..factories import InmateFactory
from .factories import CasePartyFactory, CourtCaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def _log_in(page, username):
    page.context.clear_cookies()
    sign_in(page, username)  # the password, then the code step when the portal asks for it
    page.click("nav.facilities a:text-is('home')")  # from the worklist (the landing page) to the facility
    page.wait_for_url(re.compile(r"/f/home/$"))


def test_filter_deny_and_warden_approval(page, staff, warden, home, inmate):
    CallingPolicy.objects.filter(facility=home).update(list_mode="staff_review", screen_codefendants=True)
    case = CourtCaseFactory(facility=home, case_number="CR-2024-77")
    CasePartyFactory(case=case, inmate=inmate)
    CasePartyFactory(case=case, inmate=InmateFactory(facility=home, register_number="22222-222"),
                     numbers=["+13125550101", "+13125550102"])
    CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=["+13125550103"])
    add = dict(inmate=inmate, relationship="friend", source="kiosk", actor=staff)
    first = services.entry_add(number="312-555-0101", contact_name="Codef Home", **add)
    second = services.entry_add(number="312-555-0102", contact_name="Codef Cell", **add)
    victim = services.entry_add(number="312-555-0103", contact_name="Victim Line", **add)
    services.entry_add(number="312-555-0199", contact_name="Clean Aunt", **add)

    _log_in(page, "staff")
    page.click("nav.facility-nav >> text=Phone-list review")
    assert "4 in all" in page.text_content(".pagination")
    page.select_option("#id_finding", "co_defendant")
    page.click("form.filters button[type=submit]")
    assert "2 in all" in page.text_content(".pagination")
    table = page.text_content("table.queue")
    assert "Codef Home" in table and "Codef Cell" in table and "Victim Line" not in table
    assert "CR-2024-77" in table
    page.click(f"tr[data-entry='{first.pk}'] >> text=Decide")
    page.check("input[name=decision][value=deny]")
    page.select_option("#id_reason", "co_defendant")
    page.click("text=Record the decision")
    page.wait_for_url(re.compile(r"/phone-lists/queue/$"))
    assert "was denied" in page.text_content(".messages")

    _log_in(page, "warden")
    page.goto("/f/home/phone-lists/queue/?finding=co_defendant")
    assert "1 in all" in page.text_content(".pagination")
    page.click(f"tr[data-entry='{second.pk}'] >> text=Decide")
    page.check("input[name=decision][value=approve]")
    page.click("text=Record the decision")
    assert "needs a note" in page.text_content("form[aria-label=Decide]")
    page.check("input[name=decision][value=approve]")
    page.fill("#id_note", "Co-defendant's mother's cell, cleared by the case officer.")
    page.click("text=Record the decision")
    page.wait_for_url(re.compile(r"/phone-lists/queue/$"))

    first.refresh_from_db()
    second.refresh_from_db()
    victim.refresh_from_db()
    assert (first.status, first.decision_reason, first.decided_by) == (PhoneListEntry.Status.DENIED, "co_defendant", staff)
    assert (second.status, second.decided_by) == (PhoneListEntry.Status.LIVE, warden)
    assert second.decision_note.startswith("Co-defendant's mother")
    assert victim.status == PhoneListEntry.Status.PENDING
