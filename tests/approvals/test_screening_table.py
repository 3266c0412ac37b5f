"""One test per row of domain.md §3's table, in both list modes (fixture ``list_mode``)."""

import datetime as dt

import pytest
from django.utils import timezone

from approvals.models import CaseParty, PhoneListEntry
from approvals.services import EntryError
from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import InmateFactory, facility_today
from .factories import (
    BlockedNumberFactory,
    CasePartyFactory,
    CourtCaseFactory,
    NoContactOrderFactory,
    PhoneListEntryFactory,
)

NUMBER = "+13125550147"
S = PhoneListEntry.Status


def open_kinds(entry):
    return {(f.kind, f.severity) for f in entry.findings.filter(cleared_at__isnull=True)}


def test_clean_number_live_when_self_managed_else_pending(list_mode, add):
    entry = add()
    assert entry.number == NUMBER and open_kinds(entry) == set()
    expected = S.LIVE if list_mode == CallingPolicy.ListMode.SELF_MANAGED else S.PENDING
    assert entry.status == expected
    assert AuditEvent.objects.filter(action="phone_entry_added", target_id=str(entry.pk)).exists()
    assert entry.transitions.first().to_status == S.PENDING


def test_no_contact_order_denies_at_once(list_mode, add, inmate):
    order = NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], order_number="NCO-7")
    entry = add()
    assert entry.status == S.DENIED and entry.decision_reason == "no_contact_order" and entry.decided_by is None
    finding = entry.findings.get()
    assert (finding.kind, finding.severity) == ("no_contact_order", "block")
    assert order.order_number in finding.reference


def test_expired_order_does_not_apply(list_mode, add, inmate):
    today = facility_today(inmate.facility)
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], starts_on=today - dt.timedelta(days=90),
                          ends_on=today - dt.timedelta(days=1))
    assert open_kinds(add()) == set()


def test_order_against_another_inmate_does_not_apply(list_mode, add, home):
    NoContactOrderFactory(inmate=InmateFactory(facility=home), numbers=[NUMBER])
    assert open_kinds(add()) == set()


@pytest.mark.parametrize("system_wide", [False, True])
def test_blocked_number_denies_at_once(list_mode, add, home, other, system_wide):
    BlockedNumberFactory(number=NUMBER, facility=other if system_wide else home, system_wide=system_wide)
    entry = add()
    assert entry.status == S.DENIED and entry.decision_reason == "blocked_number"
    assert open_kinds(entry) == {("blocked_number", "block")}


def test_block_at_another_facility_does_not_apply(list_mode, add, other):
    BlockedNumberFactory(number=NUMBER, facility=other)
    assert open_kinds(add()) == set()


def test_co_defendant_goes_to_review(list_mode, add, inmate, home):
    case = CourtCaseFactory(facility=home, case_number="CR-1")
    CasePartyFactory(case=case, inmate=inmate)
    partner = InmateFactory(facility=home, register_number="55555-555")
    CasePartyFactory(case=case, inmate=partner, numbers=[NUMBER])
    entry = add()
    assert entry.status == S.PENDING
    finding = entry.findings.get()
    assert (finding.kind, finding.severity) == ("co_defendant", "review")
    assert "CR-1" in finding.reference and "55555-555" in finding.reference


def test_co_defendant_not_screened_where_the_facility_does_not(add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(screen_codefendants=False)
    case = CourtCaseFactory(facility=home)
    CasePartyFactory(case=case, inmate=inmate)
    CasePartyFactory(case=case, numbers=[NUMBER])
    entry = add()
    assert entry.status == S.LIVE and open_kinds(entry) == set()


@pytest.mark.parametrize("role", [CaseParty.Role.VICTIM, CaseParty.Role.WITNESS])
def test_victim_or_witness_goes_to_review(list_mode, add, inmate, home, role):
    case = CourtCaseFactory(facility=home, case_number="CR-2")
    CasePartyFactory(case=case, inmate=inmate)
    CasePartyFactory(case=case, role=role, numbers=[NUMBER])
    entry = add()
    assert entry.status == S.PENDING and open_kinds(entry) == {("victim_witness", "review")}


def test_victim_of_a_case_the_inmate_is_not_on_is_ignored(list_mode, add, home):
    case = CourtCaseFactory(facility=home)
    CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=[NUMBER])
    assert open_kinds(add()) == set()


def test_removed_party_is_ignored(list_mode, add, inmate, home):
    case = CourtCaseFactory(facility=home)
    CasePartyFactory(case=case, inmate=inmate)
    CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=[NUMBER], removed_at=timezone.now())
    assert open_kinds(add()) == set()


def test_shared_number_goes_to_review(list_mode, add, home, other):
    PhoneListEntryFactory(inmate=InmateFactory(facility=home, register_number="55555-555"), number=NUMBER)
    entry = add()
    assert entry.status == S.PENDING
    finding = entry.findings.get()
    assert finding.kind == "shared_number" and "55555-555" in finding.reference


def test_shared_number_at_another_facility_is_counted_not_named(list_mode, add, home, other):
    """The entry's readers may hold no role at the other facility: its inmate is counted, never named."""
    PhoneListEntryFactory(inmate=InmateFactory(facility=other, register_number="77777-777", last_name="Faraway"),
                          number=NUMBER)
    PhoneListEntryFactory(inmate=InmateFactory(facility=other, register_number="77777-778"), number=NUMBER)
    PhoneListEntryFactory(inmate=InmateFactory(facility=home, register_number="55555-555"), number=NUMBER)
    entry = add()
    assert entry.status == S.PENDING
    finding = entry.findings.get()
    assert finding.kind == "shared_number" and finding.severity == "review"
    assert "55555-555" in finding.reference and "2 inmates at other" in finding.reference
    assert "77777" not in finding.reference + finding.message and "Faraway" not in finding.message
    assert "3 other inmate(s)" in finding.message


def test_list_full_denies(list_mode, add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_size=2)
    PhoneListEntryFactory.create_batch(2, inmate=inmate)
    entry = add()
    assert entry.status == S.DENIED and entry.decision_reason == "list_full"
    assert open_kinds(entry) == {("list_full", "block")}


def test_legal_numbers_counted_apart(list_mode, add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_size=1)
    PhoneListEntryFactory(inmate=inmate)
    entry = add(relationship="attorney", legal=True, bar_number="123", bar_state="tx")
    assert entry.status == S.PENDING and open_kinds(entry) == set()  # waits for verification
    assert entry.bar_state == "TX"


def test_change_too_soon_denies(list_mode, add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=180)
    PhoneListEntryFactory(inmate=inmate, went_live_at=timezone.now() - dt.timedelta(days=10))
    entry = add()
    assert entry.status == S.DENIED and open_kinds(entry) == {("change_too_soon", "block")}


def test_change_allowed_after_the_interval(list_mode, add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=180)
    PhoneListEntryFactory(inmate=inmate, went_live_at=timezone.now() - dt.timedelta(days=181))
    assert open_kinds(add()) == set()


@pytest.mark.parametrize("raw,code", [
    ("555-12", "invalid_number"), ("not a number", "invalid_number"), ("1-800-555-0199", "toll_free"),
    ("+1 900 555 0123", "premium_rate"), ("", "invalid_number"),
])
def test_not_callable_is_refused_with_a_clear_message(list_mode, add, raw, code):
    with pytest.raises(EntryError) as exc:
        add(raw)
    assert exc.value.code == code and exc.value.message
    assert not PhoneListEntry.objects.exists()


def test_duplicate_open_number_refused(list_mode, add):
    add()
    with pytest.raises(EntryError) as exc:
        add("312-555-0147")
    assert exc.value.code == "already_on_list"


def test_released_inmate_refused(list_mode, add, inmate):
    inmate.status = "released"
    inmate.released_on = dt.date(2024, 6, 1)
    inmate.save()
    with pytest.raises(EntryError) as exc:
        add()
    assert exc.value.code == "not_in_custody"
