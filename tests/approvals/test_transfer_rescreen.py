"""A transfer brings the list under the receiving facility's policy (issue 8, defect 15; domain.md §5).

Moved from a self-managed facility into one that reviews lists, the live numbers nobody there reviewed
wait in its queue (verified attorney numbers stay live), blocks of the receiving facility apply, and the
inmate page says so.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import EntryTransition, PhoneListEntry
from audit.models import AuditEvent
from audit.services import actor_label_for
from facilities.models import CallingPolicy

from ..factories import facility_today
from .factories import BlockedNumberFactory, PhoneListEntryFactory

TRANSFER = "/api/v1/roster/transfer"
S = PhoneListEntry.Status


@pytest.fixture
def receiving_reviews(other):
    CallingPolicy.objects.filter(facility=other).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)


@pytest.fixture
def the_list(inmate):
    """A self-managed list at ``home``: a friend and a mother live, a verified attorney, one blocked at ``other``."""
    return {
        "friend": PhoneListEntryFactory(inmate=inmate, number="+13125550101", contact_name="Fay Friend"),
        "mother": PhoneListEntryFactory(inmate=inmate, number="+13125550102", contact_name="Mo Mother",
                                        relationship="parent"),
        "attorney": PhoneListEntryFactory(inmate=inmate, number="+13125550103", contact_name="Al Counsel",
                                          relationship="attorney", legal=True, bar_number="24001234", bar_state="TX",
                                          legal_verified_at=timezone.now()),
        "blocked": PhoneListEntryFactory(inmate=inmate, number="+13125550104", contact_name="Bo Blocked"),
    }


def _transfer(platform, inmate, other, to="other"):
    platform.platform_client.facilities.add(other)
    day = facility_today(inmate.facility).isoformat()
    response = platform.post(TRANSFER, {"facility": inmate.facility.code, "register_number": inmate.register_number,
                                        "to_facility": to, "transferred_on": day}, format="json")
    assert response.status_code == 200, response.json()
    return day


def _fresh(entries):
    return {key: PhoneListEntry.objects.get(pk=e.pk) for key, e in entries.items()}


def test_transfer_into_a_reviewing_facility_sends_the_live_list_to_its_queue(
    platform, inmate, home, other, receiving_reviews, the_list
):
    BlockedNumberFactory(facility=other, number="+13125550104", reason="investigation")
    day = _transfer(platform, inmate, other)
    entries = _fresh(the_list)
    assert {e.facility_id for e in entries.values()} == {other.pk}
    assert entries["friend"].status == S.PENDING and entries["mother"].status == S.PENDING
    assert entries["attorney"].status == S.LIVE  # a verified attorney number stays live
    assert entries["blocked"].status == S.SUSPENDED and entries["blocked"].has_block  # other's block applies
    for key in ("friend", "mother"):
        t = EntryTransition.objects.filter(entry=entries[key]).latest("at", "id")
        assert (t.from_status, t.to_status, t.reason) == (S.LIVE, S.PENDING, "transferred")
        assert t.actor_label == actor_label_for(platform.platform_client) != "system"  # who reported the transfer
        assert t.note.startswith(f"Transferred from home on {day}: other reviews phone lists")
        event = AuditEvent.objects.get(action="phone_entry_returned_to_queue", target_id=str(entries[key].pk))
        assert event.facility_id == other.pk and "Transferred from" in event.reason
        assert entries[key].history.first().history_change_reason.startswith("pending: transferred")
    assert not EntryTransition.objects.filter(entry=entries["attorney"], reason="transferred").exists()


def test_the_inmate_page_and_the_queue_of_the_receiving_facility_say_so(
    platform, login, inmate, home, other, other_staff, receiving_reviews, the_list
):
    BlockedNumberFactory(facility=other, number="+13125550104", reason="investigation")
    day = _transfer(platform, inmate, other)
    client = login(other_staff)
    page = client.get(reverse("inmate-detail", args=["other", inmate.pk])).content.decode()
    assert f"2 numbers</strong> came with the transfer from home on {day} and wait for review" in page
    assert "Home Correctional Center" not in page  # the sending facility's own name is not other's to read
    queue = client.get(reverse("approvals-queue", args=["other"])).content.decode()
    assert "Fay Friend" in queue and "Mo Mother" in queue and "Al Counsel" not in queue
    services.entry_approve(entry=the_list["friend"], actor=other_staff)
    page = client.get(reverse("inmate-detail", args=["other", inmate.pk])).content.decode()
    assert "1 number</strong> came with the transfer from home" in page
    assert "and waits for review" in page


def test_transfer_into_a_self_managed_facility_keeps_the_list_live(platform, inmate, home, other, login, the_list,
                                                                   other_staff):
    BlockedNumberFactory(facility=other, number="+13125550104", reason="investigation")
    _transfer(platform, inmate, other)
    entries = _fresh(the_list)
    assert [entries[k].status for k in ("friend", "mother", "attorney")] == [S.LIVE] * 3
    assert entries["blocked"].status == S.SUSPENDED  # screened again all the same: other's block applies
    assert not EntryTransition.objects.filter(reason="transferred").exists()
    page = login(other_staff).get(reverse("inmate-detail", args=["other", inmate.pk])).content.decode()
    assert "came with the transfer" not in page and "Fay Friend" in page


def test_a_block_of_the_sending_facility_stops_applying(platform, inmate, home, other, staff, the_list,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.block_create(facility=home, number="+13125550101", reason="investigation", note="Home only",
                              actor=staff)
    assert PhoneListEntry.objects.get(pk=the_list["friend"].pk).status == S.SUSPENDED
    _transfer(platform, inmate, other)
    friend = PhoneListEntry.objects.get(pk=the_list["friend"].pk)
    assert friend.status == S.PENDING and not friend.has_block  # back to review, never live by itself


def test_transfer_out_of_the_system_leaves_the_list_alone(platform, inmate, the_list):
    platform.post(TRANSFER, {"facility": "home", "register_number": inmate.register_number, "to_facility": None,
                             "transferred_on": facility_today(inmate.facility).isoformat()}, format="json")
    assert {e.status for e in _fresh(the_list).values()} == {S.LIVE}
