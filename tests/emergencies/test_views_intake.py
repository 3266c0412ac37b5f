"""The intake form: staff log a request; bad input changes nothing; roles and facilities."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from emergencies.models import EmergencyRequest
from tests.approvals.factories import NoContactOrderFactory
from tests.factories import InmateFactory

from .conftest import NUMBER
from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db


def url(code="home"):
    return reverse("emergency-new", kwargs={"code": code})


def form_data(**overrides):
    local_now = timezone.localtime(timezone.now(), timezone=zoneinfo.ZoneInfo("America/Chicago"))
    data = {
        "inmate_query": "12345-001", "caller_name": "Mary Lovelace", "caller_number": "312-555-0142",
        "relationship": "Mother", "category": "death", "description": "Her father died this morning.",
        "channel": "phone", "received_at": (local_now - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


def test_staff_log_a_request(login, staff, inmate, home):
    response = login(staff).post(url(), form_data())
    request = EmergencyRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("emergency-detail", args=["home", request.pk])
    assert (request.inmate, request.caller_number, request.logged_by, request.status) == (inmate, NUMBER, staff, "open")
    # Entered in the facility's time zone (America/Chicago).
    assert abs(timezone.now() - dt.timedelta(minutes=10) - request.received_at) < dt.timedelta(minutes=2)


def test_inmate_found_by_name(login, staff, inmate):
    login(staff).post(url(), form_data(inmate_query="Lovelace"))
    assert EmergencyRequest.objects.get().inmate == inmate
    login(staff).post(url(), form_data(inmate_query="ada lovelace"))
    assert EmergencyRequest.objects.count() == 2


def test_findings_and_earlier_requests_are_shown_after_intake(login, staff, inmate, home):
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], order_number="NCO-31")
    EmergencyRequestFactory(inmate=inmate, caller_number=NUMBER, caller_name="Earlier Caller", status="denied",
                            decision_note="Could not verify.", received_at=timezone.now() - dt.timedelta(days=40))
    response = login(staff).post(url(), form_data(), follow=True)
    body = response.content.decode()
    assert "No-contact order" in body and "NCO-31" in body
    assert "Earlier Caller" in body and "Could not verify." in body and "Denied" in body


def test_get_prefills_the_inmate_from_the_inmate_page(login, staff, inmate):
    response = login(staff).get(url() + f"?inmate={inmate.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial["inmate_query"] == "12345-001"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("inmate_query", "", "This field is required."),
        ("inmate_query", "nobody-here", "No inmate in custody here matches"),
        ("inmate_query", "99999-001", "No inmate in custody here matches"),  # the other facility's inmate
        ("caller_number", "12", "not a valid telephone number"),
        ("caller_number", "1-800-555-0199", "Toll-free numbers cannot be called"),
        ("caller_number", "", "This field is required."),
        ("caller_name", "", "This field is required."),
        ("relationship", "", "This field is required."),
        ("category", "picnic", "Select a valid choice."),
        ("channel", "pigeon", "Select a valid choice."),
        ("description", "", "This field is required."),
        ("received_at", "yesterday", "Enter a valid date/time."),
        ("received_at", "2099-01-01T10:00", "cannot be in the future"),
    ],
)
def test_bad_input_shows_errors_and_changes_nothing(login, staff, inmate, other_inmate, field, value, message):
    response = login(staff).post(url(), form_data(**{field: value}))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors.get(field, []))
    assert not EmergencyRequest.objects.exists()


def test_ambiguous_name_asks_for_the_register_number(login, staff, home):
    InmateFactory(facility=home, last_name="Smith", first_name="John", register_number="11111-001")
    InmateFactory(facility=home, last_name="Smith", first_name="Jane", register_number="11111-002")
    InmateFactory(facility=home, last_name="Smith", first_name="Old", register_number="11111-003", status="released",
                  released_on=dt.date(2024, 5, 1))
    response = login(staff).post(url(), form_data(inmate_query="smith"))
    errors = response.context["form"].errors["inmate_query"][0]
    assert "Several inmates match" in errors and "11111-001" in errors and "11111-003" not in errors
    assert not EmergencyRequest.objects.exists()


@pytest.mark.parametrize("persona,get_status,post_status", [
    ("staff", 200, 302), ("warden", 200, 302), ("auditor", 200, 403), ("auditor_all", 200, 403),
    ("other_staff", 404, 404), ("other_warden", 404, 404),
])
def test_permissions(request, login, inmate, other, persona, get_status, post_status):
    client = login(request.getfixturevalue(persona))
    assert client.get(url()).status_code == get_status
    assert client.post(url(), form_data()).status_code == post_status
    assert EmergencyRequest.objects.count() == (1 if post_status == 302 else 0)


def test_anonymous_is_sent_to_log_in(client, home):
    response = client.get(url())
    assert response.status_code == 302 and "/login/" in response.url


def test_the_other_facility_staff_log_at_their_own(login, other_staff, other_inmate):
    response = login(other_staff).post(url("other"), form_data(inmate_query="99999-001"))
    assert response.status_code == 302
    assert EmergencyRequest.objects.get().facility.code == "other"
