"""Every writing service of approvals, called as production calls it: with no transaction around it
(see tests/facilities/test_services_transactional.py). The re-screening queued by an order, a block
or a case party runs too: its ``on_commit`` fires because the service's transaction really commits."""

import datetime as dt

import pytest

from approvals import services
from approvals.models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    EntryTransition,
    LibraryNumber,
    ListLeave,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
)
from audit.models import AuditEvent
from facilities.models import CallingPolicy, Inmate
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from ..factories import facility_today
from .factories import PhoneListEntryFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

Status = PhoneListEntry.Status

EXERCISED = {
    "approvals.services": {
        "entry_add", "entry_approve", "entry_deny", "entry_remove", "entry_suspend", "entry_rescreen",
        "entries_rescreen", "rescreen_entries_for", "case_create", "party_add", "party_update_numbers",
        "party_remove", "order_create", "order_update", "order_end", "block_create", "block_end",
        "entries_follow_transfer", "called_party_block_keypad", "library_add", "library_remove", "leave_grant",
        "leave_end", "entry_return_to_review",
    },
}


def _actions() -> list[str]:
    return list(AuditEvent.objects.exclude(action="role_granted").order_by("pk").values_list("action", flat=True))


def test_entries_are_requested_and_decided_each_in_its_own_transaction(home, inmate, staff, warden):
    CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)
    mother = services.entry_add(inmate=inmate, number="(312) 555-0147", contact_name="Mary Lovelace",
                                relationship="parent", source="staff", actor=staff)
    friend = services.entry_add(inmate=inmate, number="(312) 555-0148", contact_name="Jo Friend",
                                relationship="friend", source="kiosk", actor="kiosk")
    assert PhoneListEntry.objects.get(pk=mother.pk).status == Status.PENDING

    services.entry_approve(entry=mother, actor=warden, note="verified by phone")
    services.entry_suspend(entry=mother, actor=staff, note="three-way calling")
    services.entry_remove(entry=mother, actor=staff, note="inmate asked")
    services.entry_deny(entry=friend, actor=staff, reason="security_concern")

    assert PhoneListEntry.objects.get(pk=mother.pk).status == Status.REMOVED
    assert PhoneListEntry.objects.get(pk=friend.pk).decided_by == staff
    assert list(EntryTransition.objects.filter(entry=mother).order_by("pk").values_list("to_status", flat=True)) == [
        "pending", "live", "suspended", "removed"]
    assert _actions() == ["phone_entry_added", "phone_entry_added", "phone_entry_approved", "phone_entry_suspended",
                          "phone_entry_removed", "phone_entry_denied"]


def test_a_suspended_entry_goes_back_to_review_with_who_when_and_why(home, inmate, staff):
    entry = PhoneListEntryFactory(inmate=inmate, number="+13125550161", status=Status.SUSPENDED)
    live = PhoneListEntryFactory(inmate=inmate, number="+13125550162")
    services.entry_return_to_review(entry=entry, actor=staff, note="The hearing cleared the contact")
    entry.refresh_from_db()
    assert entry.status == Status.PENDING
    back = EntryTransition.objects.filter(entry=entry).latest("pk")
    assert (back.from_status, back.to_status, back.actor, back.reason, back.note) == (
        "suspended", "pending", staff, "back_to_review", "The hearing cleared the contact")
    assert back.why == "Sent back to review: The hearing cleared the contact"
    event = AuditEvent.objects.get(action="phone_entry_back_to_review")
    assert (event.actor, event.reason) == (staff, "The hearing cleared the contact")
    # Only a suspended number, and only with a note: refused, nothing written.
    with pytest.raises(services.EntryError) as refused:
        services.entry_return_to_review(entry=live, actor=staff, note="why not")
    assert refused.value.code == "illegal_transition" and refused.value.status == 409
    with pytest.raises(services.EntryError) as no_note:
        services.entry_return_to_review(entry=entry, actor=staff, note="  ")
    assert no_note.value.code == "invalid_input"
    assert PhoneListEntry.objects.get(pk=live.pk).status == Status.LIVE
    assert AuditEvent.objects.filter(action="phone_entry_back_to_review").count() == 1


def test_a_block_suspends_the_live_entry_and_lifting_it_returns_it_to_the_queue(home, other, inmate, staff):
    entry = PhoneListEntryFactory(inmate=inmate, number="+13125550100")
    block = services.block_create(facility=home, number="312-555-0100", reason=BlockedNumber.Reason.INVESTIGATION,
                                  note="Detective Smith, case 24-118", actor=staff)
    # the re-screening queued at commit (rescreen_entries_for, then entries_rescreen) suspended it
    assert PhoneListEntry.objects.get(pk=entry.pk).status == Status.SUSPENDED
    services.block_end(block=block, actor=staff, note="investigation closed")
    assert BlockedNumber.objects.get(pk=block.pk).ended_by == staff
    assert PhoneListEntry.objects.get(pk=entry.pk).status == Status.PENDING
    assert {"number_blocked", "phone_entry_suspended", "number_unblocked",
            "phone_entry_returned_to_queue"} <= set(_actions())

    # the same re-screening, called directly, finds nothing new and changes nothing
    assert services.rescreen_entries_for(numbers=["+13125550100"]) == 1
    assert services.entries_rescreen(entry_ids=[entry.pk])[0].pk == entry.pk
    assert services.entry_rescreen(entry_id=entry.pk).status == Status.PENDING
    assert PhoneListEntry.objects.get(pk=entry.pk).status == Status.PENDING

    # the list follows its inmate to another facility
    Inmate.objects.filter(pk=inmate.pk).update(facility=other)
    inmate.refresh_from_db()
    services.entries_follow_transfer(inmate=inmate)
    assert PhoneListEntry.objects.get(pk=entry.pk).facility == other


def test_orders_and_cases_are_written_each_in_its_own_transaction(home, inmate, staff):
    protected = PhoneListEntryFactory(inmate=inmate, number="+13125550111")
    order = services.order_create(
        facility=home, inmate=inmate, protected_name="Pat Doe", numbers=["312-555-0111"], court="Cook County",
        order_number="NCO-24-0042", starts_on=facility_today(home) - dt.timedelta(days=1),
        document_reference="Docket 12", actor=staff,
    )
    assert PhoneListEntry.objects.get(pk=protected.pk).status == Status.SUSPENDED
    services.order_update(order=order, actor=staff, reason="amended", numbers=["312-555-0111", "312-555-0112"])
    assert sorted(order.numbers.values_list("number", flat=True)) == ["+13125550111", "+13125550112"]
    services.order_end(order=order, actor=staff, reason="vacated by the court")
    assert NoContactOrder.objects.get(pk=order.pk).ended_by == staff

    case = services.case_create(facility=home, case_number="CR-24-991", court="District Court", actor=staff)
    party = services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name="Ada Lovelace", inmate=inmate,
                               actor=staff)
    witness = services.party_add(case=case, role=CaseParty.Role.WITNESS, name="Wit Ness", numbers=["312-555-0120"],
                                 actor=staff)
    services.party_update_numbers(party=witness, numbers=["312-555-0121"], actor=staff, reason="new phone")
    assert list(PartyNumber.objects.filter(party=witness).values_list("number", flat=True)) == ["+13125550121"]
    services.party_remove(party=party, actor=staff, reason="severed")
    assert CaseParty.objects.get(pk=party.pk).removed_by == staff
    assert CourtCase.objects.get(pk=case.pk).created_by == staff
    assert {"no_contact_order_created", "no_contact_order_changed", "no_contact_order_ended", "court_case_created",
            "case_party_added", "case_party_changed", "case_party_removed"} <= set(_actions())



def test_called_party_blocks_each_in_its_own_transaction(home, inmate, staff):
    mine = PhoneListEntryFactory(inmate=inmate, number="+13125550188")
    keypad, created = services.called_party_block_keypad(facility=home, number="312-555-0188", client="vendor")
    assert created and PhoneListEntry.objects.get(pk=mine.pk).status == Status.SUSPENDED  # re-screened at commit
    again, created = services.called_party_block_keypad(facility=home, number="312-555-0188", client="vendor")
    assert (again.pk, created) == (keypad.pk, False)
    services.block_end(block=keypad, actor=staff, note="She phoned and asked", called_party_asked=True)
    assert BlockedNumber.objects.get(pk=keypad.pk).end_called_party_asked
    one = services.block_create(facility=home, number="312-555-0189", reason=BlockedNumber.Reason.CALLED_PARTY_REQUEST,
                                note="Letter", actor=staff, source="letter", identity_check="Signed, with bill",
                                inmate=inmate, inmate_told=True)
    assert BlockedNumber.objects.get(pk=one.pk).inmate == inmate


def test_the_library_and_list_leaves_each_in_its_own_transaction(home, inmate, warden):
    shared = PhoneListEntryFactory(inmate=inmate, number="+13125550190")
    PhoneListEntryFactory(number="+13125550190")  # another inmate lists it too
    services.entries_rescreen(entry_ids=[shared.pk])
    assert PhoneListEntry.objects.get(pk=shared.pk).has_review  # a shared number, for now
    row = services.library_add(facility=home, number="312-555-0190", name="Public defender",
                               category="public_defender", monitored=False, reason="Privileged line", actor=warden)
    assert not PhoneListEntry.objects.get(pk=shared.pk).has_review  # re-screened at commit: never shared
    services.library_remove(library_number=row, reason="Office closed", actor=warden)
    assert LibraryNumber.objects.get(pk=row.pk).removed_by == warden

    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=30)
    leave = services.leave_grant(inmate=inmate, list_size=45, waive_interval=True, reason="Large family",
                                 ends_on=facility_today(home) + dt.timedelta(days=10), actor=warden)
    services.leave_end(leave=leave, reason="Granted by mistake", actor=warden)
    assert ListLeave.objects.get(pk=leave.pk).ended_by == warden
    assert {"library_number_added", "library_number_removed", "list_leave_granted", "list_leave_ended"} <= set(
        _actions())
