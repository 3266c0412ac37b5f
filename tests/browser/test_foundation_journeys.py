"""In Chromium: staff log in, filter the inmate list and open an inmate; an auditor reads the admin."""

import re

import pytest

from facilities.services import policy_update
from tests.browser.auth import sign_in

from ..factories import InmateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    sign_in(page, username)  # the password, then the code step when the portal asks for it


def test_staff_log_in_filter_the_inmate_list_and_open_an_inmate(page, staff, home):
    InmateFactory.create_batch(30, facility=home, housing_unit="C-1")
    InmateFactory(facility=home, first_name="Ada", last_name="Lovelace", register_number="31415-926", housing_unit="A-1")
    _log_in(page, "staff")
    page.click("nav.facilities a:text-is('home')")  # from the worklist (the landing page) to the facility
    page.wait_for_url(re.compile(r"/f/home/$"))
    assert "in custody" in page.text_content("main")
    page.click("nav.facility-nav >> text=Inmates")
    assert "31 in all" in page.text_content(".pagination")
    page.fill("#id_name", "lovel")
    page.select_option("#id_status", "in_custody")
    page.click("form.filters button[type=submit]")
    assert "1 in all" in page.text_content(".pagination")
    page.click("text=31415-926")
    assert page.text_content("h1").startswith("Lovelace, Ada")
    assert "In custody" in page.text_content("dl.facts")


def test_auditor_opens_the_admin_sees_history_and_cannot_change(page, auditor, home, warden, inmate):
    policy_update(facility=home, actor=warden, reason="Holiday bonus", bonus_dec=100)
    _log_in(page, "auditor")
    page.goto("/admin/facilities/callingpolicy/")
    page.click(f"a[href$='/admin/facilities/callingpolicy/{home.policy.pk}/change/']")
    assert page.locator("input[name=_save]").count() == 0
    page.click("a.historylink")
    assert "Holiday bonus" in page.text_content("#content")
    page.goto(f"/admin/facilities/inmate/{inmate.pk}/change/")
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("a.deletelink").count() == 0
    refused = page.goto("/admin/facilities/inmate/add/")
    assert refused.status == 403 and "Not allowed" in page.title()
