"""What the emergencies app adds to the shared pages: dashboard cards, menu links, the inmate page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_open_and_escalated(login, warden, home, inmate, other_inmate):
    now = timezone.now()
    EmergencyRequestFactory(inmate=inmate, received_at=now - dt.timedelta(minutes=10))
    EmergencyRequestFactory(inmate=inmate, received_at=now - dt.timedelta(hours=3))
    EmergencyRequestFactory(inmate=inmate, status="denied")
    EmergencyRequestFactory(inmate=other_inmate)
    response = login(warden).get(reverse("facility-dashboard", kwargs={"code": "home"}))
    cards = {c.label: c for c in response.context["cards"]}
    assert cards["open emergency requests"].count == 2 and cards["open emergency requests"].alert
    assert cards["escalated emergency requests"].count == 1
    assert "escalated=true" in cards["escalated emergency requests"].url
    assert "escalated emergency requests" in response.content.decode()


def test_dashboard_without_requests_is_quiet(login, staff, home):
    response = login(staff).get(reverse("facility-dashboard", kwargs={"code": "home"}))
    cards = {c.label: c for c in response.context["cards"]}
    assert cards["open emergency requests"].count == 0 and not cards["escalated emergency requests"].alert


@pytest.mark.parametrize("persona,links", [
    ("staff", ["Emergency requests", "Log an emergency"]),
    ("warden", ["Emergency requests", "Log an emergency"]),
    ("auditor", ["Emergency requests"]),
])
def test_nav_links(request, login, home, persona, links):
    response = login(request.getfixturevalue(persona)).get(reverse("facility-dashboard", kwargs={"code": "home"}))
    labels = [link.label for link in response.context["facility_nav"]]
    assert [label for label in labels if "mergenc" in label] == links
    assert reverse("emergency-list", kwargs={"code": "home"}) in response.content.decode()


def test_inmate_page_lists_their_requests(login, staff, warden, inmate, home, django_assert_max_num_queries):
    mine = EmergencyRequestFactory(inmate=inmate, caller_name="Listed Caller", status="denied",
                                   decided_by=warden, decided_at=timezone.now())
    EmergencyRequestFactory(caller_name="Someone Else", inmate__facility=home)
    client = login(staff)
    response = client.get(reverse("inmate-detail", kwargs={"code": "home", "pk": inmate.pk}))
    body = response.content.decode()
    assert "Emergency requests" in body and "Listed Caller" in body and "Someone Else" not in body
    assert reverse("emergency-detail", kwargs={"code": "home", "pk": mine.pk}) in body
    assert f"?inmate={inmate.pk}" in body  # link to log a request for this inmate


def test_auditor_gets_no_intake_link_on_the_inmate_page(login, auditor, inmate):
    response = login(auditor).get(reverse("inmate-detail", kwargs={"code": "home", "pk": inmate.pk}))
    assert response.status_code == 200 and f"?inmate={inmate.pk}" not in response.content.decode()
