"""The request page and the warden's decisions through it."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from emergencies import services
from emergencies.models import EmergencyRequest
from tests.approvals.factories import BlockedNumberFactory, NoContactOrderFactory

from .conftest import NUMBER
from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db

Status = EmergencyRequest.Status
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def detail(req, code="home"):
    return reverse("emergency-detail", kwargs={"code": code, "pk": req.pk})


def action(req, name, code="home"):
    return reverse(f"emergency-{name}", kwargs={"code": code, "pk": req.pk})


def local(value: dt.datetime) -> str:
    return value.astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def test_page_shows_the_request_findings_earlier_requests_and_history(login, warden, staff, open_request, inmate,
                                                                       django_assert_max_num_queries):
    EmergencyRequestFactory(inmate=inmate, caller_number=NUMBER, caller_name="Mary L.", status="message_only",
                            received_at=timezone.now() - dt.timedelta(days=90))
    BlockedNumberFactory(number=NUMBER, facility=inmate.facility, note="Harassment reported.")
    client = login(warden)
    with django_assert_max_num_queries(25):
        response = client.get(detail(open_request))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mary Lovelace" in body and "(312) 555-0142" in body and "Waiting for the warden" in body
    assert "Blocked number" in body and "blocked at this facility" in body  # screened again at view time
    assert "Message passed on (no call)" in body and "Mary L." in body
    assert "Request logged" in body and staff.get_full_name() in body
    assert response.context["can_decide"] and response.context["approval_ruled_out"]
    assert 'id="approve-form"' not in body and 'id="message-form"' in body and 'id="deny-form"' in body


def test_staff_and_auditors_see_no_decision_forms(login, staff, auditor, open_request):
    for user in (staff, auditor):
        response = login(user).get(detail(open_request))
        assert response.status_code == 200 and not response.context["can_decide"]
        assert 'id="deny-form"' not in response.content.decode()


def test_warden_approves(login, warden, open_request):
    start = timezone.now() + dt.timedelta(hours=1)
    response = login(warden).post(action(open_request, "approve"), {
        "window_start": local(start), "window_hours": "12", "call_minutes": "20", "charged": "on", "note": "Verified.",
    })
    assert response.status_code == 302 and response.url == detail(open_request)
    open_request.refresh_from_db()
    assert open_request.status == Status.APPROVED and open_request.decided_by == warden
    assert open_request.window_start == start.replace(second=0, microsecond=0)
    assert open_request.window_end - open_request.window_start == dt.timedelta(hours=12)
    assert (open_request.call_minutes, open_request.charged, open_request.decision_note) == (20, True, "Verified.")
    page = login(warden).get(detail(open_request)).content.decode()
    assert "Call approved" in page and "20 minutes, charged" in page and "Not placed yet" in page


def test_warden_approves_with_defaults(login, warden, open_request):
    login(warden).post(action(open_request, "approve"), {"window_hours": "24", "call_minutes": "15"})
    open_request.refresh_from_db()
    assert open_request.status == Status.APPROVED
    assert (open_request.call_minutes, open_request.charged) == (15, False)


def test_warden_passes_on_a_message(login, warden, open_request):
    at = timezone.now()
    response = login(warden).post(action(open_request, "message-only"), {
        "delivered_by": "Chaplain Ortiz", "delivered_at": local(at), "note": "",
    })
    assert response.status_code == 302
    open_request.refresh_from_db()
    assert open_request.status == Status.MESSAGE_ONLY and open_request.message_delivered_by == "Chaplain Ortiz"


def test_warden_denies(login, warden, open_request):
    login(warden).post(action(open_request, "deny"), {"reason": "The caller could not be verified."})
    open_request.refresh_from_db()
    assert open_request.status == Status.DENIED and open_request.decision_note == "The caller could not be verified."
    assert AuditEvent.objects.filter(action="emergency_request_denied", actor=warden).exists()


@pytest.mark.parametrize(
    "name,data,field",
    [
        ("approve", {"window_hours": "0", "call_minutes": "15"}, "window_hours"),
        ("approve", {"window_hours": "73", "call_minutes": "15"}, "window_hours"),
        ("approve", {"window_hours": "abc", "call_minutes": "15"}, "window_hours"),
        ("approve", {"window_hours": "24", "call_minutes": "0"}, "call_minutes"),
        ("approve", {"window_hours": "24", "call_minutes": "61"}, "call_minutes"),
        ("approve", {"window_hours": "24", "call_minutes": ""}, "call_minutes"),
        ("approve", {"window_hours": "24", "call_minutes": "15", "window_start": "2001-01-01T00:00"}, "window_start"),
        ("approve", {"window_hours": "24", "call_minutes": "15", "window_start": "not a date"}, "window_start"),
        ("message-only", {"delivered_by": "", "delivered_at": "2030-01-01T10:00"}, "delivered_by"),
        ("message-only", {"delivered_by": "Chaplain", "delivered_at": ""}, "delivered_at"),
        ("message-only", {"delivered_by": "Chaplain", "delivered_at": "2099-01-01T10:00"}, "delivered_at"),
        ("message-only", {"delivered_by": "Chaplain", "delivered_at": "2001-01-01T10:00"}, "delivered_at"),
        ("deny", {"reason": ""}, "reason"),
        ("deny", {"reason": "    "}, "reason"),
    ],
)
def test_bad_decision_input_shows_errors_and_changes_nothing(login, warden, open_request, name, data, field):
    response = login(warden).post(action(open_request, name), data)
    assert response.status_code == 400
    form_key = {"approve": "approve_form", "message-only": "message_form", "deny": "deny_form"}[name]
    assert field in response.context[form_key].errors
    assert 'class="errorlist"' in response.content.decode()
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN and open_request.decided_by is None


def test_no_contact_order_blocks_approval_through_the_page(login, warden, open_request, inmate):
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], order_number="NCO-99")
    client = login(warden)
    page = client.get(detail(open_request)).content.decode()
    assert 'id="approve-form"' not in page and 'id="message-form"' not in page and "no-contact order" in page
    response = client.post(action(open_request, "approve"), {"window_hours": "24", "call_minutes": "15"})
    assert response.status_code == 400
    assert "A call cannot be approved" in str(response.context["approve_form"].non_field_errors())
    open_request.refresh_from_db()
    assert open_request.status == Status.OPEN


def test_the_second_warden_sees_the_decision_that_stands(login, warden, open_request, home):
    from facilities.models import Role
    from tests.factories import user_with_role

    services.emergency_request_deny(request=open_request, actor=warden, reason="Not verified.")
    second = user_with_role(Role.WARDEN, home, username="warden2")
    response = login(second).post(action(open_request, "approve"), {"window_hours": "24", "call_minutes": "15"},
                                  follow=True)
    body = response.content.decode()
    assert "already decided" in body and "That decision stands" in body and "Not verified." in body
    open_request.refresh_from_db()
    assert open_request.status == Status.DENIED and open_request.decided_by == warden


@pytest.mark.parametrize("persona,get_status,post_status", [
    ("staff", 200, 403), ("warden", 200, 302), ("auditor", 200, 403), ("auditor_all", 200, 403),
    ("other_staff", 404, 404), ("other_warden", 404, 404),
])
@pytest.mark.parametrize("name,data", [
    ("approve", {"window_hours": "24", "call_minutes": "15"}),
    ("message-only", {"delivered_by": "Chaplain", "delivered_at": "NOW"}),
    ("deny", {"reason": "No."}),
])
def test_permissions(request, login, open_request, persona, get_status, post_status, name, data):
    client = login(request.getfixturevalue(persona))
    assert client.get(detail(open_request)).status_code == get_status
    data = {k: (local(timezone.now()) if v == "NOW" else v) for k, v in data.items()}
    assert client.post(action(open_request, name), data).status_code == post_status
    open_request.refresh_from_db()
    assert (open_request.status == Status.OPEN) == (post_status != 302)


def test_the_request_is_not_found_under_another_facility_code(login, other_warden, open_request, other):
    client = login(other_warden)
    assert client.get(detail(open_request, code="other")).status_code == 404
    assert client.post(action(open_request, "deny", code="other"), {"reason": "x"}).status_code == 404


def test_decisions_need_post(login, warden, open_request):
    assert login(warden).get(action(open_request, "deny")).status_code == 405


def test_request_of_a_transferred_inmate_does_not_link_to_a_page_that_is_gone(login, staff, open_request, inmate,
                                                                              other):
    """The request stays with the facility that logged it; the inmate's page moved with the inmate."""
    from facilities.services import inmate_transfer

    inmate_transfer(inmate=inmate, to_facility=other, transferred_on=inmate.admitted_on, actor="jms")
    client = login(staff)
    gone = reverse("inmate-detail", args=["home", inmate.pk])
    assert client.get(gone).status_code == 404
    html = client.get(detail(open_request)).content.decode()
    assert inmate.register_number in html and "transferred elsewhere" in html
    assert f'href="{gone}"' not in html
