"""Shared numbers count pending requests too, and are checked again when a reviewer decides (issue 8, defect 14).

domain.md §3: a number live *or pending* on another inmate's list is a shared-number finding (review: a
warden decides, with a note), checked again at decision time.
"""

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import EntryFinding, PhoneListEntry
from approvals.services import EntryError
from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import InmateFactory
from .factories import PhoneListEntryFactory

NUMBER = "+13125550147"
S = PhoneListEntry.Status
SHARED = EntryFinding.Kind.SHARED_NUMBER


@pytest.fixture
def staff_review(home):
    CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)


@pytest.fixture
def second(home):
    return InmateFactory(facility=home, register_number="22222-002")


def _request(inmate, actor, number="(312) 555-0147"):
    return services.entry_add(inmate=inmate, number=number, contact_name="Aunt May", relationship="other_family",
                              source="kiosk", actor=actor)


def _open_shared(entry):
    return list(entry.findings.filter(kind=SHARED, cleared_at__isnull=True))


def test_two_pending_requests_of_one_number_both_carry_the_shared_finding(staff_review, inmate, second, staff):
    first = _request(inmate, staff)
    assert first.status == S.PENDING and _open_shared(first) == []  # alone so far
    other = _request(second, staff)
    first.refresh_from_db()
    assert other.status == S.PENDING and first.status == S.PENDING
    [finding] = _open_shared(other)
    assert finding.severity == "review" and inmate.register_number in finding.reference
    assert "waiting for review" in finding.message
    [finding] = _open_shared(first)  # the first request learns of the second
    assert second.register_number in finding.reference
    assert first.has_review and other.has_review


def test_approving_one_then_the_other_needs_a_warden_and_a_note_each_time(staff_review, inmate, second, staff,
                                                                         warden):
    first = _request(inmate, staff)
    other = _request(second, staff)
    for entry in (first, other):
        with pytest.raises(EntryError) as exc:
            services.entry_approve(entry=entry, actor=staff, note="Looks fine")
        assert exc.value.code == "warden_required"
        with pytest.raises(EntryError) as exc:
            services.entry_approve(entry=entry, actor=warden, note="")
        assert exc.value.code == "note_required"
    first = services.entry_approve(entry=first, actor=warden, note="Their aunt, both confirmed by the unit.")
    assert first.status == S.LIVE
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=other, actor=staff, note="ok")
    assert exc.value.code == "warden_required"  # still shared: the first is now live
    other = services.entry_approve(entry=other, actor=warden, note="Same aunt, confirmed.")
    assert other.status == S.LIVE and _open_shared(other)


def test_decision_time_check_sees_a_request_screening_did_not(staff_review, inmate, second, staff, warden):
    """Two requests that arrived together (neither saw the other when added): approving one finds the other."""
    first = PhoneListEntryFactory(inmate=inmate, number=NUMBER, status=S.PENDING)
    other = PhoneListEntryFactory(inmate=second, number=NUMBER, status=S.PENDING)
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=first, actor=staff)
    assert exc.value.code == "screening_changed" and exc.value.status == 409
    assert "22222-002" in exc.value.message
    first.refresh_from_db()
    assert first.status == S.PENDING and first.has_review and len(_open_shared(first)) == 1
    assert AuditEvent.objects.filter(action="phone_entry_rescreened", target_id=str(first.pk)).exists()
    with pytest.raises(EntryError) as exc:  # now it is a flagged number like any other
        services.entry_approve(entry=first, actor=staff)
    assert exc.value.code == "warden_required"
    assert services.entry_approve(entry=first, actor=warden, note="Aunt, confirmed.").status == S.LIVE
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=other, actor=warden, note="Aunt, confirmed.")
    assert exc.value.code == "screening_changed"
    other.refresh_from_db()
    assert other.status == S.PENDING and _open_shared(other)
    assert services.entry_approve(entry=other, actor=warden, note="Aunt, confirmed.").status == S.LIVE


@pytest.mark.django_db(transaction=True)
def test_the_decision_time_finding_is_kept_when_the_approval_is_refused(home, inmate, second, staff):
    """No wrapping transaction: the finding is committed although the approval is refused."""
    CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)
    first = PhoneListEntryFactory(inmate=inmate, number=NUMBER, status=S.PENDING)
    PhoneListEntryFactory(inmate=second, number=NUMBER, status=S.PENDING)
    with pytest.raises(EntryError):
        services.entry_approve(entry=first, actor=staff)
    first.refresh_from_db()
    assert first.status == S.PENDING and first.has_review and _open_shared(first)


def test_the_entry_page_says_what_screening_found_at_decision_time(login, staff_review, inmate, second, staff):
    first = PhoneListEntryFactory(inmate=inmate, number=NUMBER, status=S.PENDING)
    PhoneListEntryFactory(inmate=second, number=NUMBER, status=S.PENDING)
    response = login(staff).post(reverse("approvals-entry", args=["home", first.pk]),
                                 {"decision": "approve", "note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Screening found something new" in page and "nothing was approved" in page
    assert "22222-002" in page  # the finding is listed
    assert "only a warden may approve it" in page  # the entry as screening left it
    first.refresh_from_db()
    assert first.status == S.PENDING


def test_a_live_number_is_not_taken_away_when_another_inmate_asks_for_it(inmate, second, staff):
    """Self-managed list: the second request waits for review; the first inmate's live number stays live."""
    live = _request(inmate, staff)
    assert live.status == S.LIVE
    other = _request(second, staff)
    live.refresh_from_db()
    assert other.status == S.PENDING and _open_shared(other)
    assert live.status == S.LIVE and _open_shared(live) == []


def test_a_denied_request_is_not_a_shared_number(staff_review, inmate, second, staff, warden):
    first = _request(inmate, staff)
    other = _request(second, staff)
    services.entry_deny(entry=other, actor=staff, reason="security_concern")
    with pytest.raises(EntryError) as exc:  # the stored finding stays until screened again: a warden decides
        services.entry_approve(entry=first, actor=staff)
    assert exc.value.code == "warden_required"
    third = _request(InmateFactory(facility=first.facility, register_number="33333-003"), staff)
    assert "22222-002" not in _open_shared(third)[0].reference  # the denied request is not counted


def test_a_pending_request_elsewhere_is_counted_not_named_for_another_facilitys_readers(
    staff_review, inmate, home, other, other_inmate, staff
):
    """An emergency request stays with the facility that logged it when its inmate moves: its readers there
    see the other inmates of the inmate's new facility counted, never named."""
    from emergencies.services import emergency_number_screen
    from facilities.services import inmate_transfer

    _request(inmate, staff)  # pending at home
    inmate_transfer(inmate=other_inmate, to_facility=home, transferred_on=other_inmate.admitted_on, actor="jms")
    other_inmate.refresh_from_db()
    [here] = emergency_number_screen(inmate=other_inmate, number=NUMBER)  # read at home: named
    assert here["code"] == "shared_number" and inmate.register_number in here["reference"]
    [there] = emergency_number_screen(inmate=other_inmate, number=NUMBER, facility_id=other.pk)
    assert there["code"] == "shared_number" and "1 inmate at home" in there["reference"]
    assert inmate.register_number not in there["reference"] + there["message"]


def test_the_emergency_page_left_behind_by_a_transfer_names_no_inmate_of_the_new_facility(
    staff_review, login, inmate, home, other, other_inmate, other_staff, staff
):
    from emergencies.models import EmergencyRequest
    from emergencies.services import emergency_request_log
    from facilities.services import inmate_transfer

    _request(inmate, staff)  # pending at home
    emergency = emergency_request_log(
        facility=other, inmate=other_inmate, caller_name="Mae Caller", caller_number="(312) 555-0147",
        relationship="Aunt", category=EmergencyRequest.Category.DEATH, description="Her father died.",
        channel=EmergencyRequest.Channel.PHONE, actor=other_staff,
    )
    inmate_transfer(inmate=other_inmate, to_facility=home, transferred_on=other_inmate.admitted_on, actor="jms")
    emergency.refresh_from_db()
    assert emergency.facility_id == other.pk and emergency.is_open  # it stays with the facility that logged it
    response = login(other_staff).get(reverse("emergency-detail", args=["other", emergency.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mae Caller" in page and "(312) 555-0147" in page
    assert "1 inmate at home" in page  # screened again for the page: home's inmate is counted, not named
    assert inmate.register_number not in page
