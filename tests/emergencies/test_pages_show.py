"""The emergency request page shows what it is for: whose request, which caller, what happened, the decision."""

import pytest
from django.urls import reverse

from emergencies import services

from ..pages import facts, page

pytestmark = pytest.mark.django_db


def test_the_request_page_shows_the_inmate_the_caller_and_the_category(login, warden, open_request):
    response = login(warden).get(reverse("emergency-detail", kwargs={"code": "home", "pk": open_request.pk}))
    heading, text = page(response)
    assert heading == f"Emergency request #{open_request.pk} Waiting for the warden"
    shown = facts(response)
    assert shown["Inmate"] == "Lovelace, Ada (12345-001)"
    assert shown["Category"] == "Death in the immediate family"
    assert shown["What happened"] == "The inmate's father died this morning."
    assert shown["Caller"] == "Mary Lovelace (Mother) · (312) 555-0142"
    assert shown["Came in"].startswith("By phone, ")
    assert "Screening of (312) 555-0142" in text


def test_a_decided_request_shows_the_decision_and_the_window(login, staff, warden, open_request):
    services.emergency_request_approve(request=open_request, actor=warden, window_hours=4, call_minutes=12,
                                       note="verified with the hospital")
    response = login(staff).get(reverse("emergency-detail", kwargs={"code": "home", "pk": open_request.pk}))
    assert page(response)[0] == f"Emergency request #{open_request.pk} Call approved"
    shown = facts(response)
    assert shown["Decided by"].startswith(warden.get_full_name() + " at ")
    assert shown["Note"] == "verified with the hospital"
    assert shown["Call length"] == "12 minutes, not charged"
    assert shown["Call"] == "Not placed yet"
