"""In Chromium: staff log an emergency request from the inmate page, a warden approves a call."""

import re

import pytest

from emergencies.models import EmergencyRequest
from tests.browser.auth import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    sign_in(page, username)  # the password, then the code step when the portal asks for it
    page.click("nav.facilities a:text-is('home')")  # from the worklist (the landing page) to the facility
    page.wait_for_url(re.compile(r"/f/home/$"))


def _log_out(page):
    page.click("form.logout button[type=submit]")
    page.wait_for_url(re.compile(r"/login/"))


def test_staff_intake_then_the_warden_approves(in_chromium, staff, warden, inmate):
    in_chromium(lambda page: _scenario(page, staff, warden, inmate))


def _scenario(page, staff, warden, inmate):
    _log_in(page, "staff")
    page.goto(f"/f/home/inmates/{inmate.pk}/")
    page.click("text=Log an emergency request for this inmate")
    assert page.input_value("#id_inmate_query") == "12345-001"
    page.fill("#id_caller_name", "Mary Lovelace")
    page.fill("#id_caller_number", "(312) 555-0142")
    page.fill("#id_relationship", "Mother")
    page.check("input[name=category][value=death]")
    page.fill("#id_description", "Her father died this morning.")
    page.select_option("#id_channel", "phone")
    # A bad number first: the form says why and keeps the rest.
    page.fill("#id_caller_number", "12")
    page.click("button:has-text('Log the request')")
    assert "not a valid telephone number" in page.text_content(".errorlist")
    assert page.input_value("#id_caller_name") == "Mary Lovelace"
    assert EmergencyRequest.objects.count() == 0
    page.fill("#id_caller_number", "(312) 555-0142")
    page.click("button:has-text('Log the request')")
    page.wait_for_url(re.compile(r"/f/home/emergencies/\d+/$"))
    assert "Waiting for the warden" in page.text_content("h1")
    assert "No findings" in page.text_content("main")
    assert page.locator("#approve-form").count() == 0  # staff do not decide
    _log_out(page)

    _log_in(page, "warden")
    page.click("nav.facility-nav >> text=Emergency requests")
    row = page.locator("table.emergencies tbody tr").first
    assert "Lovelace, Ada" in row.text_content() and "Death in the immediate family" in row.text_content()
    row.locator("a").first.click()
    page.fill("#id_window_hours", "12")
    page.fill("#id_call_minutes", "20")
    page.fill("#id_note", "Confirmed with the funeral home.")
    page.click("button:has-text('Approve the call')")
    page.wait_for_selector("text=The emergency call was approved")
    assert "Call approved" in page.text_content("h1")
    facts = page.text_content("dl.facts")
    assert "20 minutes, not charged" in facts and "Not placed yet" in facts
    request = EmergencyRequest.objects.get()
    assert request.status == "approved" and request.decided_by == warden and request.logged_by == staff
    assert (request.window_end - request.window_start).total_seconds() == 12 * 3600
    assert "Call approved" in page.text_content("section.block:last-of-type")
