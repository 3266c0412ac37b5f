"""The whole path through the pages and the platform API (POST /api/v1/calls/authorize, /calls/{id}/complete):
staff log a request, a warden approves, the platform is allowed one emergency call, a second attempt is
denied, completion closes the request. Message-only, denial, a no-contact order and expiry on the same path."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from calls import services as call_services
from calls.models import Call
from emergencies import tasks
from emergencies.models import EmergencyRequest
from tests.approvals.factories import NoContactOrderFactory

from .conftest import NUMBER

pytestmark = pytest.mark.django_db

# 10:00 in Chicago (inside the default calling hours 06:00-23:00).
MORNING = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)
Status = EmergencyRequest.Status


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


@pytest.fixture
def authorize(platform):
    def _authorize(number="(312) 555-0142"):
        response = platform.post(
            "/api/v1/calls/authorize",
            {"facility": "home", "register_number": "12345-001", "dialed_number": number}, format="json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return _authorize


def _log_through_the_page(client):
    response = client.post(reverse("emergency-new", kwargs={"code": "home"}), {
        "inmate_query": "12345-001", "caller_name": "Mary Lovelace", "caller_number": "312-555-0142",
        "relationship": "Mother", "category": "death", "description": "Her father died this morning.",
        "channel": "phone", "received_at": "2026-03-10T09:45",
    })
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return EmergencyRequest.objects.get()


def _decide(client, request, name, data):
    url = reverse(f"emergency-{name}", kwargs={"code": "home", "pk": request.pk})
    response = client.post(url, data)
    assert response.status_code == 302
    request.refresh_from_db()
    return request


def test_the_whole_path(clock, login, staff, warden, inmate, authorize, platform):
    request = _log_through_the_page(login(staff))
    assert request.status == Status.OPEN
    # Before the decision the number is simply not on the list.
    before = authorize()
    assert before["decision"] == "deny" and "not_on_list" in [r["code"] for r in before["reasons"]]

    request = _decide(login(warden), request, "approve", {"window_hours": "24", "call_minutes": "15"})
    assert request.status == Status.APPROVED

    first = authorize()
    assert first["decision"] == "allow" and first["call_kind"] == "emergency"
    assert first["monitored"] is True and first["max_minutes"] == 15 and first["reasons"] == []
    request.refresh_from_db()
    assert list(request.calls.values_list("pk", flat=True)) == [first["call_id"]] and request.used_at is not None

    second = authorize()
    assert second["decision"] == "deny" and second["call_kind"] == "regular"
    assert "not_on_list" in [r["code"] for r in second["reasons"]]

    done = platform.post(f"/api/v1/calls/{first['call_id']}/complete", {"duration_seconds": 600}, format="json")
    assert done.status_code == 200 and done.json()["minutes_charged"] == 0  # not charged by default
    request.refresh_from_db()
    assert request.status == Status.COMPLETED and request.closed_at is not None
    call = Call.objects.get(pk=first["call_id"])
    assert call.emergency_request_id == request.pk and call.kind == "emergency"
    assert list(request.calls.all()) == [call]

    # Reported again: idempotent; a third attempt after completion is still denied.
    again = platform.post(f"/api/v1/calls/{first['call_id']}/complete", {"duration_seconds": 600}, format="json")
    assert again.status_code == 200
    assert authorize()["decision"] == "deny"
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == ["logged", "approved", "call_allowed", "completed"]
    page = login(warden).get(reverse("emergency-detail", kwargs={"code": "home", "pk": request.pk})).content.decode()
    assert "Call made" in page and f"(call {call.pk}): completed" in page


def test_a_charged_emergency_call_is_charged(clock, login, staff, warden, inmate, authorize, platform):
    call_services.minutes_grant_on_booking(inmate=inmate)
    request = _log_through_the_page(login(staff))
    _decide(login(warden), request, "approve", {"window_hours": "24", "call_minutes": "20", "charged": "on"})
    allowed = authorize()
    assert allowed["decision"] == "allow" and allowed["max_minutes"] == 20
    done = platform.post(f"/api/v1/calls/{allowed['call_id']}/complete", {"duration_seconds": 61}, format="json")
    assert done.json()["minutes_charged"] == 2


@pytest.mark.parametrize("name,data", [
    ("message-only", {"delivered_by": "Chaplain Ortiz", "delivered_at": "2026-03-10T09:55"}),
    ("deny", {"reason": "Could not verify the death."}),
])
def test_message_only_and_denial_allow_no_call(clock, login, staff, warden, inmate, authorize, name, data):
    logged = _log_through_the_page(login(staff))
    request = _decide(login(warden), logged, name, data)
    assert request.status in (Status.MESSAGE_ONLY, Status.DENIED)
    answer = authorize()
    assert answer["decision"] == "deny" and "not_on_list" in [r["code"] for r in answer["reasons"]]


def test_a_no_contact_order_blocks_approval_and_the_call(clock, login, staff, warden, inmate, authorize):
    request = _log_through_the_page(login(staff))
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], order_number="NCO-5")
    url = reverse("emergency-approve", kwargs={"code": "home", "pk": request.pk})
    response = login(warden).post(url, {"window_hours": "24", "call_minutes": "15"})
    assert response.status_code == 400 and "no-contact order" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert AuditEvent.objects.filter(action="emergency_decision_refused").exists()
    answer = authorize()
    assert answer["decision"] == "deny" and "no_contact_order" in [r["code"] for r in answer["reasons"]]


def test_an_unused_window_expires(clock, login, staff, warden, inmate, authorize):
    logged = _log_through_the_page(login(staff))
    request = _decide(login(warden), logged, "approve",
                      {"window_hours": "2", "call_minutes": "15"})
    clock.move_to(MORNING + dt.timedelta(hours=2, minutes=1), tick=False)
    assert tasks.emergency_expire_windows.delay().get() == 1
    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert authorize()["decision"] == "deny"


def test_a_window_not_yet_open_allows_nothing(clock, login, staff, warden, inmate, authorize):
    logged = _log_through_the_page(login(staff))
    _decide(login(warden), logged, "approve",
            {"window_start": "2026-03-10T13:00", "window_hours": "2", "call_minutes": "15"})
    assert authorize()["decision"] == "deny"
    clock.move_to(MORNING + dt.timedelta(hours=3, minutes=5), tick=False)  # 13:05 in Chicago
    assert authorize()["decision"] == "allow"


def test_an_allowed_call_never_reported_expires_the_request(clock, login, staff, warden, inmate, authorize):
    logged = _log_through_the_page(login(staff))
    request = _decide(login(warden), logged, "approve", {"window_hours": "1", "call_minutes": "15"})
    allowed = authorize()
    assert allowed["decision"] == "allow"
    clock.move_to(MORNING + dt.timedelta(hours=2), tick=False)
    assert tasks.emergency_expire_windows.delay().get() == 0  # the call is still open on the calls side
    call_services.call_authorizations_expire()
    assert Call.objects.get(pk=allowed["call_id"]).status == "expired"
    assert tasks.emergency_expire_windows.delay().get() == 1
    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert "never reported complete" in request.events.get(kind="expired").note
