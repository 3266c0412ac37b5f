"""The page registry: every app's parts of the facility pages stay together, in the order facilities.pages declares.

Before, each part carried an ``order`` number and the apps' numbers collided (approvals' and emergencies' cards
were both 20 and 21, calls' and emergencies' menu links both 40 and 41), so two apps' parts came out interleaved.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from facilities import pages

pytestmark = pytest.mark.django_db


def _labels(html: str, pattern: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(pattern, html, flags=re.DOTALL)]


def test_the_dashboard_shows_each_apps_cards_together_in_the_declared_order(login, warden, home):
    html = login(warden).get(reverse("facility-dashboard", args=[home.code])).content.decode()
    cards = _labels(html, r'<span class="count">[^<]*</span>([^<]*)')
    assert cards[4:] == [  # after the roster's four
        "phone-list numbers waiting for review", "reviews past the 7-day target",
        "open emergency requests", "escalated emergency requests",
        "calls asked today", "calls denied today", "calls in progress", "phone restrictions in force",
    ]


def test_the_menu_shows_each_apps_links_together_in_the_declared_order(login, warden, home):
    html = login(warden).get(reverse("facility-dashboard", args=[home.code])).content.decode()
    nav = html[html.index('<nav class="facility-nav"'):]
    nav = nav[:nav.index("</nav>")]
    assert _labels(nav, r"<a [^>]*>([^<]*)</a>") == [
        "Dashboard", "Inmates",
        "Phone-list review", "No-contact orders", "Court cases", "Blocked numbers", "Number library", "List leaves",
        "Calls", "Phone restrictions", "Minute grants", "Minute resets",
        "Emergency requests", "Log an emergency",
        "Reviews due",
        "Calling policy",
    ]


def test_an_app_the_declared_order_does_not_place_is_refused():
    with pytest.raises(ImproperlyConfigured, match="does not place the app 'elsewhere'"):
        pages.register(pages.AppPages(app="elsewhere", nav_links=lambda **kw: []))
    assert "elsewhere" not in pages._registry


def test_facility_context_is_what_every_facility_page_starts_from(rf, warden, home):
    request = rf.get("/")
    request.user = warden
    context = pages.facility_context(request, home, extra="x")
    assert context["facility"] == home and context["is_warden"] and context["extra"] == "x"
    assert [link.label for link in context["facility_nav"]][:1] == ["Phone-list review"]
