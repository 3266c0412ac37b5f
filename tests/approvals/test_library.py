"""The facility number library (domain.md §9, docs/rules.md): wardens add and remove numbers with a reason,
audited, with history; screening never lists a library number as a shared number; the pages show each line's
terms."""

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import LibraryNumber, PhoneListEntry
from approvals.screening import screen_number
from audit.models import AuditEvent
from facilities.models import Role

from ..factories import InmateFactory, user_with_role
from ..pages import facts, page
from .factories import PhoneListEntryFactory

NUMBER = "+13125550191"
SHOWN = "(312) 555-0191"


def _add(facility, actor, **kwargs):
    kwargs.setdefault("number", SHOWN)
    kwargs.setdefault("name", "Cook County Public Defender")
    kwargs.setdefault("category", LibraryNumber.Category.PUBLIC_DEFENDER)
    kwargs.setdefault("reason", "Privileged line for inmates awaiting counsel.")
    return services.library_add(facility=facility, actor=actor, **kwargs)


def test_a_warden_adds_a_number_with_its_terms_and_it_is_audited(home, warden):
    row = _add(home, warden, monitored=False, charged=False, calling_hours_apply=False, gap_applies=False)
    row.refresh_from_db()
    assert (row.number, row.monitored, row.charged, row.calling_hours_apply, row.gap_applies) == (
        NUMBER, False, False, False, False)
    event = AuditEvent.objects.get(action="library_number_added")
    assert event.reason == "Privileged line for inmates awaiting counsel." and event.data["monitored"] is False
    assert row.history.count() == 1


@pytest.mark.parametrize("changes,code,field", [
    ({"reason": "  "}, "invalid_input", "reason"),
    ({"name": ""}, "invalid_input", "name"),
    ({"category": "pizza"}, "invalid_input", "category"),
    ({"number": "1-800-555-0199"}, "toll_free", "number"),
    ({"number": "12"}, "invalid_number", "number"),
])
def test_illegal_input_is_refused_and_nothing_written(home, warden, changes, code, field):
    with pytest.raises(services.EntryError) as refused:
        _add(home, warden, **changes)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not LibraryNumber.objects.exists() and not AuditEvent.objects.filter(action="library_number_added").exists()


def test_only_a_warden_keeps_the_library(home, staff, warden):
    with pytest.raises(services.EntryError) as refused:
        _add(home, staff)
    assert (refused.value.code, refused.value.status) == ("warden_required", 403)
    row = _add(home, warden)
    with pytest.raises(services.EntryError):
        services.library_remove(library_number=row, reason="no", actor=staff)
    assert LibraryNumber.objects.get(pk=row.pk).removed_at is None


def test_a_number_already_in_the_library_here_is_refused(home, other, warden):
    _add(home, warden)
    with pytest.raises(services.EntryError) as refused:
        _add(home, warden, name="Again")
    assert (refused.value.code, refused.value.status) == ("already_in_library", 409)
    other_warden = user_with_role(Role.WARDEN, other, username="w2")
    _add(other, other_warden)  # another facility keeps its own library
    _add(other, other_warden, number="(312) 555-0192", system_wide=True)
    with pytest.raises(services.EntryError):  # a system-wide number applies here already
        _add(home, warden, number="(312) 555-0192")
    assert LibraryNumber.objects.filter(number="+13125550192").count() == 1


def test_removal_needs_a_reason_and_happens_once(home, warden):
    row = _add(home, warden)
    with pytest.raises(services.EntryError):
        services.library_remove(library_number=row, reason="", actor=warden)
    services.library_remove(library_number=row, reason="The office moved", actor=warden)
    with pytest.raises(services.EntryError) as refused:
        services.library_remove(library_number=row, reason="Again", actor=warden)
    assert refused.value.code == "library_number_removed"
    row.refresh_from_db()
    assert row.remove_reason == "The office moved" and row.removed_by == warden
    assert row.history.count() == 2
    _add(home, warden)  # may be added again once removed


def test_screening_never_lists_a_library_number_as_shared(home, other, warden, inmate):
    PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=NUMBER)
    assert "shared_number" in {f.kind for f in screen_number(inmate=inmate, number=NUMBER)}
    _add(home, warden)
    assert "shared_number" not in {f.kind for f in screen_number(inmate=inmate, number=NUMBER)}
    # Another facility's library is not this inmate's: the number is still shared here.
    elsewhere = InmateFactory(facility=other)
    PhoneListEntryFactory(inmate=InmateFactory(facility=other), number="+13125550193")
    other_warden = user_with_role(Role.WARDEN, home, username="w3")
    _add(home, other_warden, number="(312) 555-0193")
    assert "shared_number" in {f.kind for f in screen_number(inmate=elsewhere, number="+13125550193")}


def test_adding_a_library_number_clears_the_shared_note_on_waiting_entries(
        home, warden, inmate, django_capture_on_commit_callbacks):
    PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=NUMBER)
    entry = services.entry_add(inmate=inmate, number=SHOWN, contact_name="PD", relationship="other", source="staff",
                               actor=warden)
    assert entry.status == PhoneListEntry.Status.PENDING and entry.has_review
    with django_capture_on_commit_callbacks(execute=True):
        _add(home, warden)
    entry.refresh_from_db()
    assert not entry.has_review
    assert entry.findings.get(kind="shared_number").cleared_at is not None


def test_screening_with_library_numbers_takes_no_more_queries(home, warden, inmate, django_assert_num_queries):
    for n in range(5):
        _add(home, warden, number=f"+1312555{n + 300:04d}")
    with django_assert_num_queries(2):  # the policy, then the one screening statement
        screen_number(inmate=inmate, number="+13125550300")


# --------------------------------------------------------------------------- pages


def test_the_library_page_shows_each_line_s_terms(login, staff, home, warden):
    _add(home, warden, monitored=False, calling_hours_apply=False)
    heading, text = page(login(staff).get(reverse("approvals-library", args=["home"])))
    assert heading == "Facility number library"
    assert SHOWN in text and "Cook County Public Defender" in text and "Public defender" in text
    assert "No (privileged)" in text and "At any hour" in text
    assert "Add to the library" not in text  # staff read it; wardens keep it


def test_a_warden_adds_from_the_page_and_bad_input_writes_nothing(login, warden, home):
    client = login(warden)
    url = reverse("approvals-library", args=["home"])
    refused = client.post(url, {"number": SHOWN, "name": "PD", "category": "public_defender", "reason": ""})
    assert refused.status_code == 400 and not LibraryNumber.objects.exists()
    response = client.post(url, {"number": SHOWN, "name": "PD", "category": "public_defender", "reason": "Needed",
                                 "calling_hours_apply": "on"})
    assert response.status_code == 302
    row = LibraryNumber.objects.get()
    assert (row.monitored, row.charged, row.calling_hours_apply) == (False, False, True)


def test_staff_cannot_post_to_the_library_page(login, staff, home):
    response = login(staff).post(reverse("approvals-library", args=["home"]),
                                 {"number": SHOWN, "name": "PD", "category": "public_defender", "reason": "x"})
    assert response.status_code == 403 and not LibraryNumber.objects.exists()


def test_the_number_page_shows_its_terms_history_and_removal(login, warden, home):
    row = _add(home, warden, charged=True)
    client = login(warden)
    url = reverse("approvals-library-number", args=["home", row.pk])
    shown = facts(client.get(url))
    assert shown["Kind of line"] == "Public defender" and shown["Charged"].startswith("Yes")
    assert shown["In the library now"] == "Yes" and "Privileged line" in shown["Added"]
    assert client.post(url, {"reason": "Closed"}).status_code == 302
    shown = facts(client.get(url))
    assert shown["In the library now"] == "No: removed" and shown["Removed"].endswith("Closed")
    assert "Changed: Closed" in page(client.get(url))[1]


def test_another_facility_s_number_is_not_found(login, staff, home, other):
    other_warden = user_with_role(Role.WARDEN, other, username="w4")
    row = _add(other, other_warden)
    assert login(staff).get(reverse("approvals-library-number", args=["home", row.pk])).status_code == 404
