"""In Chromium: an investigator adds a watch on a number; a call to that number arrives through the platform API;
the alert appears on their facility dashboard and watch list (and they were e-mailed once).

Playwright runs in a thread of its own, like tests/calls/test_browser_minutes.py."""

import datetime as dt
import re

import pytest
from django.core import mail

from calls import services as calls
from investigations.models import WatchAlert, WatchEntry
from tests.approvals.factories import PhoneListEntryFactory
from tests.browser.auth import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "+13125550123"


def test_investigator_watches_a_number_and_sees_the_alert(in_chromium, investigator, inmate, platform):
    investigator.email = "ivy@example.org"
    investigator.save()
    calls.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)

    def scenario(page):
        sign_in(page, "investigator")
        page.goto("/investigations/")
        page.check("input[name=kind][value=number]")
        page.fill("#id_number", "(312) 555-0123")
        page.fill("#id_reason", "Tip-off: contraband drops arranged on this line")
        page.fill("#id_ends_on", (dt.date.today() + dt.timedelta(days=200)).isoformat())
        with page.expect_navigation():
            page.click("button:text('Start watching')")
        assert "Now watching (312) 555-0123 at home." in page.text_content("ul.messages")
        assert WatchEntry.objects.get().number == NUMBER

        # The platform asks for a call to the watched number (allowed or denied, it alerts).
        response = platform.post("/api/v1/calls/authorize",
                                 {"facility": "home", "register_number": "12345-001", "dialed_number": NUMBER},
                                 format="json")
        assert response.status_code == 200

        page.goto("/f/home/")
        card = page.locator("text=unread watch alerts").first
        assert card.is_visible()
        page.click("nav a:text-is('Watch list')")
        page.wait_for_url(re.compile(r"/investigations/$"))
        row = " ".join(page.text_content("table.watch-alerts tbody tr").split())
        assert "Lovelace, Ada" in row and "(312) 555-0123" in row and "New" in row

    in_chromium(scenario)
    assert WatchAlert.objects.count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ivy@example.org"]
