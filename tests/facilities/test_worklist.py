"""The worklist home: each queue's selector (figures, order, scope, query count), what each role sees on the page,
and "next in queue" after a decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import worklist as entry_queues
from approvals.models import PhoneListEntry
from calls import worklist as call_queues
from calls.models import Call
from emergencies import worklist as emergency_queues
from emergencies.models import EmergencyRequest
from facilities.models import CallingPolicy, Facility
from facilities.worklist import worklist_facilities

from ..approvals.factories import PhoneListEntryFactory
from ..emergencies.factories import EmergencyRequestFactory
from ..factories import InmateFactory
from ..pages import page

pytestmark = pytest.mark.django_db

PENDING = PhoneListEntry.Status.PENDING
NOW = timezone.now


def _entry(inmate, *, days: float = 0, **kw) -> PhoneListEntry:
    return PhoneListEntryFactory(inmate=inmate, status=PENDING, went_live_at=None,
                                 created_at=NOW() - dt.timedelta(days=days), **kw)


def _emergency(inmate, *, hours: float = 0, **kw) -> EmergencyRequest:
    return EmergencyRequestFactory(inmate=inmate, received_at=NOW() - dt.timedelta(hours=hours), **kw)


def _stuck_call(inmate, *, minutes_ago: int = 30, max_minutes: int = 15) -> Call:
    started = NOW() - dt.timedelta(minutes=minutes_ago)
    return Call.objects.create(
        facility=inmate.facility, inmate=inmate, dialed_number="3125550111", number="+13125550111",
        status=Call.Status.AUTHORIZED, max_minutes=max_minutes, requested_at=started,
        expires_at=started + dt.timedelta(minutes=max_minutes + 10),
    )


def _facilities(user):
    return worklist_facilities(user)


def _volume(home, n: int) -> None:
    """``n`` of everything at ``home``: flagged, overdue, attorney entries, open and escalated requests, stuck calls."""
    for _ in range(n):
        inmate = InmateFactory(facility=home)
        _entry(inmate, days=1, has_review=True)
        _entry(inmate, days=30)
        _entry(inmate, days=2, legal=True, relationship="attorney", bar_number="123", bar_state="IL")
        _emergency(inmate, hours=0.5)
        _emergency(inmate, hours=5)
        _stuck_call(inmate)


# --------------------------------------------------------------------------- the selectors: figures


def test_flagged_waiting_counts_flagged_pending_entries_without_a_block_oldest_first(warden, home, inmate, other_inmate):
    newer = _entry(inmate, days=1, has_review=True)
    older = _entry(inmate, days=3, has_review=True)
    _entry(inmate, days=5, has_review=True, has_block=True)  # a block: nobody approves it
    _entry(inmate, days=5)  # not flagged
    PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.LIVE, has_review=True)  # decided
    _entry(other_inmate, days=9, has_review=True)  # another facility
    found = entry_queues.flagged_waiting(user=warden, facilities=_facilities(warden), limit=5)
    assert found.count == 2 and found.items == [older, newer]


def test_reviews_overdue_follow_each_facilitys_review_target(auditor_all, home, other, inmate, other_inmate):
    CallingPolicy.objects.filter(facility=other).update(review_target_days=2)
    late_home = _entry(inmate, days=8)  # home: the default 7-day target
    _entry(inmate, days=6)
    late_other = _entry(other_inmate, days=3)  # other: 2 days
    _entry(other_inmate, days=1)
    found = entry_queues.reviews_overdue(user=auditor_all, facilities=_facilities(auditor_all), limit=5)
    assert found.count == 2 and found.items == [late_home, late_other]


def test_attorney_numbers_to_verify_are_the_unverified_pending_ones(staff, inmate):
    todo = _entry(inmate, days=1, legal=True, relationship="attorney", bar_number="1", bar_state="IL")
    _entry(inmate, days=2, legal=True, relationship="attorney", bar_number="2", bar_state="IL",
           legal_verified_at=NOW())
    _entry(inmate, days=3)
    found = entry_queues.attorney_numbers_to_verify(user=staff, facilities=_facilities(staff), limit=5)
    assert found.count == 1 and found.items == [todo]


def test_reviews_waiting_counts_all_and_shows_the_oldest_few(staff, inmate):
    entries = [_entry(inmate, days=d) for d in (1, 4, 2, 3)]
    found = entry_queues.reviews_waiting(user=staff, facilities=_facilities(staff), limit=2)
    assert found.count == 4 and found.items == [entries[1], entries[3]]
    assert entry_queues.reviews_waiting(user=staff, facilities=_facilities(staff), limit=0).items == []


def test_emergency_queues_split_at_each_facilitys_escalation_time(warden, home, inmate):
    CallingPolicy.objects.filter(facility=home).update(emergency_escalation_hours=4)
    fresh_illness = _emergency(inmate, hours=1, category=EmergencyRequest.Category.ILLNESS)
    fresh_death = _emergency(inmate, hours=0.5, category=EmergencyRequest.Category.DEATH)
    late_other = _emergency(inmate, hours=6, category=EmergencyRequest.Category.OTHER)
    late_death = _emergency(inmate, hours=5, category=EmergencyRequest.Category.DEATH)
    flagged = _emergency(inmate, hours=0.1, escalated_at=NOW(), category=EmergencyRequest.Category.HOME_LOST)
    _emergency(inmate, hours=9, status=EmergencyRequest.Status.DENIED)  # decided
    facilities = _facilities(warden)
    escalated = emergency_queues.escalated_requests(user=warden, facilities=facilities, limit=5)
    assert escalated.count == 3 and escalated.items == [late_death, flagged, late_other]  # most urgent category first
    to_decide = emergency_queues.requests_to_decide(user=warden, facilities=facilities, limit=5)
    assert to_decide.count == 2 and to_decide.items == [fresh_death, fresh_illness]
    assert emergency_queues.requests_waiting(user=warden, facilities=facilities, limit=5).count == 5


def test_emergency_badges_name_a_no_contact_order_or_a_block(inmate):
    request = _emergency(inmate, findings=[{"code": "no_contact_order", "severity": "block", "message": "x"},
                                           {"code": "shared_number", "severity": "review", "message": "y"}])
    assert emergency_queues.badges(request) == ["No-contact order found"]
    assert emergency_queues.badges(_emergency(inmate)) == []


def test_stuck_authorizations_are_the_open_ones_past_their_last_minute(warden, inmate, other_inmate):
    stuck = _stuck_call(inmate, minutes_ago=20, max_minutes=15)
    _stuck_call(inmate, minutes_ago=5, max_minutes=15)  # still within its minutes
    done = _stuck_call(inmate, minutes_ago=40)
    Call.objects.filter(pk=done.pk).update(status=Call.Status.COMPLETED)
    _stuck_call(other_inmate, minutes_ago=50)  # another facility
    found = call_queues.stuck_authorizations(user=warden, facilities=_facilities(warden), limit=5)
    assert found.count == 1 and found.items == [stuck]


@pytest.mark.parametrize("select", [
    entry_queues.flagged_waiting, entry_queues.reviews_overdue, entry_queues.attorney_numbers_to_verify,
    entry_queues.reviews_waiting, emergency_queues.escalated_requests, emergency_queues.requests_to_decide,
    emergency_queues.requests_waiting, call_queues.stuck_authorizations,
])
def test_each_selector_runs_two_queries_whatever_the_volume(warden, home, select):
    facilities = _facilities(warden)
    _volume(home, 1)
    with CaptureQueriesContext(connection) as small:
        one = select(user=warden, facilities=facilities, limit=5)
    _volume(home, 10)
    with CaptureQueriesContext(connection) as large:
        eleven = select(user=warden, facilities=facilities, limit=5)
    assert len(small) == len(large) == 2
    assert eleven.count == 11 * one.count and len(eleven.items) == 5


# --------------------------------------------------------------------------- the page, for each role


def _queue_titles(html: str) -> list[str]:
    import re

    return re.findall(r'<h2 id="queue-[a-z_]+-title">([^<]+?) <span', html)


def test_staff_see_their_queues_with_the_items_linked(login, staff, home, inmate):
    overdue = _entry(inmate, days=10.5)
    attorney = _entry(inmate, days=1, legal=True, relationship="attorney", bar_number="77", bar_state="IL",
                      contact_name="Atticus Finch")
    flagged = _entry(inmate, days=2, has_review=True, contact_name="Flagged Contact")
    request = _emergency(inmate, hours=1, caller_name="Mary Caller")
    response = login(staff).get(reverse("home"))
    heading, text = page(response)
    html = response.content.decode()
    assert heading == "Your worklist"
    assert _queue_titles(html) == ["Emergency requests waiting for a warden", "Reviews past the target",
                                   "Attorney numbers to verify", "Numbers waiting for review"]
    assert reverse("approvals-entry", args=["home", overdue.pk]) + "?queue=overdue" in html
    assert reverse("approvals-entry", args=["home", attorney.pk]) + "?queue=attorneys" in html
    assert reverse("approvals-entry", args=["home", flagged.pk]) + "?queue=reviews" in html
    assert reverse("emergency-detail", args=["home", request.pk]) + "?queue=intake" in html
    assert reverse("emergency-new", args=["home"]) in html
    assert "Atticus Finch" in text and "Mary Caller" in text and "Home Correctional Center" in text
    assert "came in 1 week, 3 days ago" in text and "Flagged by screening: a warden decides" in text
    assert "Flagged numbers waiting for a warden" not in text and "Escalated emergency requests" not in text


def test_the_worklist_is_the_landing_page_even_with_one_facility(login, staff, home):
    response = login(staff).get(reverse("home"))
    assert response.status_code == 200
    assert reverse("facility-dashboard", args=["home"]) in response.content.decode()


def test_wardens_see_emergencies_and_flagged_numbers_first(login, warden, home, inmate):
    escalated = _emergency(inmate, hours=5, caller_name="Late Caller",
                           findings=[{"code": "no_contact_order", "severity": "block", "message": "An order."}])
    fresh = _emergency(inmate, hours=0.2, caller_name="Fresh Caller")
    flagged = _entry(inmate, days=2, has_review=True, contact_name="Flagged Contact")
    call = _stuck_call(inmate)
    response = login(warden).get(reverse("home"))
    _, text = page(response)
    html = response.content.decode()
    assert _queue_titles(html) == ["Escalated emergency requests", "Emergency requests to decide",
                                   "Flagged numbers waiting for a warden", "Reviews past the target",
                                   "Attorney numbers to verify", "Numbers waiting for review",
                                   "Authorisations stuck open"]
    assert reverse("emergency-detail", args=["home", escalated.pk]) + "?queue=escalated" in html
    assert reverse("emergency-detail", args=["home", fresh.pk]) + "?queue=emergencies" in html
    assert reverse("approvals-entry", args=["home", flagged.pk]) + "?queue=flagged" in html
    assert "No-contact order found" in text
    assert call.inmate.register_number in text and "no completion report" in text
    assert text.index("Late Caller") < text.index("Fresh Caller") < text.index("Flagged Contact")


def test_auditors_read_counts_and_no_items(login, auditor, home, inmate):
    _entry(inmate, days=10, contact_name="Hidden Contact")
    _emergency(inmate, hours=5, caller_name="Hidden Caller")
    response = login(auditor).get(reverse("home"))
    _, text = page(response)
    html = response.content.decode()
    assert "Escalated emergency requests 1" in text and "Reviews past the target 1" in text
    assert "Numbers waiting for review 1" in text and "You can read these, not act on them." in text
    assert "Hidden Contact" not in text and "Hidden Caller" not in text
    assert "?queue=" not in html
    assert "Emergency requests waiting for a warden" not in text  # the staff's intake view of the same requests


def test_another_facilitys_items_are_invisible(login, staff, warden, inmate, other_inmate, other_warden):
    _entry(other_inmate, days=10, contact_name="Elsewhere Contact", has_review=True)
    _emergency(other_inmate, hours=5, caller_name="Elsewhere Caller")
    _stuck_call(other_inmate)
    for user in (staff, warden):
        _, text = page(login(user).get(reverse("home")))
        assert "Elsewhere" not in text and other_inmate.register_number not in text
    _, theirs = page(login(other_warden).get(reverse("home")))
    assert "Elsewhere Contact" in theirs and "Elsewhere Caller" in theirs  # the check can fail


def test_an_inactive_facility_is_left_out(login, warden, home, inmate):
    _entry(inmate, days=10, contact_name="Closed Contact")
    Facility.objects.filter(pk=home.pk).update(active=False)
    _, text = page(login(warden).get(reverse("home")))
    assert "Closed Contact" not in text


def test_the_page_runs_the_same_queries_at_any_volume(login, warden, auditor_all, home):
    for user in (warden, auditor_all):
        client = login(user)
        client.get(reverse("home"))  # session and caches warm
        _volume(home, 1)
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("home")).status_code == 200
        _volume(home, 10)
        with CaptureQueriesContext(connection) as large:
            assert client.get(reverse("home")).status_code == 200
        assert len(small) == len(large), user.username


# --------------------------------------------------------------------------- "next" after a decision


def test_after_approving_a_flagged_number_the_next_flagged_one_opens(login, warden, inmate):
    first = _entry(inmate, days=3, has_review=True)
    second = _entry(inmate, days=2, has_review=True)
    client = login(warden)
    url = reverse("approvals-entry", args=["home", first.pk]) + "?queue=flagged"
    response = client.post(url, {"decision": "approve", "note": "Checked with the unit."})
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals-entry", args=["home", second.pk]) + "?queue=flagged"
    first.refresh_from_db()
    assert first.status == PhoneListEntry.Status.LIVE
    url = reverse("approvals-entry", args=["home", second.pk]) + "?queue=flagged"
    response = client.post(url, {"decision": "deny", "reason": "security_concern"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Nothing else waits in “Flagged numbers waiting for a warden”" in response.content.decode()


def test_after_a_review_the_next_entry_of_the_same_queue_opens(login, staff, inmate):
    first = _entry(inmate, days=12)
    second = _entry(inmate, days=11)
    url = reverse("approvals-entry", args=["home", first.pk]) + "?queue=overdue"
    response = login(staff).post(url, {"decision": "deny", "reason": "not_verified"})
    assert response["Location"] == reverse("approvals-entry", args=["home", second.pk]) + "?queue=overdue"


def test_a_decision_made_outside_the_worklist_goes_back_to_the_review_queue(login, staff, inmate):
    entry = _entry(inmate, days=1)
    _entry(inmate, days=2)
    response = login(staff).post(reverse("approvals-entry", args=["home", entry.pk]),
                                 {"decision": "deny", "reason": "not_verified"})
    assert response["Location"] == reverse("approvals-queue", args=["home"])


@pytest.mark.parametrize("action, data", [
    ("emergency-deny", {"reason": "No emergency could be confirmed."}),
    ("emergency-approve", {"window_hours": 24, "call_minutes": 15, "note": "Approved."}),
])
def test_after_deciding_an_emergency_the_next_one_of_the_queue_opens(login, warden, inmate, action, data):
    first = _emergency(inmate, hours=1, category=EmergencyRequest.Category.DEATH)
    second = _emergency(inmate, hours=1.5, category=EmergencyRequest.Category.ILLNESS)
    client = login(warden)
    response = client.post(reverse(action, args=["home", first.pk]) + "?queue=emergencies", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("emergency-detail", args=["home", second.pk]) + "?queue=emergencies"
    response = client.post(reverse("emergency-deny", args=["home", second.pk]) + "?queue=emergencies",
                           {"reason": "No emergency could be confirmed."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Nothing else waits in “Emergency requests to decide”" in response.content.decode()


def test_the_emergency_page_keeps_the_queue_in_its_decision_forms(login, warden, inmate):
    request = _emergency(inmate, hours=1)
    html = login(warden).get(reverse("emergency-detail", args=["home", request.pk]) + "?queue=emergencies").content
    assert (reverse("emergency-deny", args=["home", request.pk]) + "?queue=emergencies").encode() in html
