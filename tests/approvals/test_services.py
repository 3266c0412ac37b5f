"""Decisions on entries: approve, deny, remove, suspend, and their rules."""

import pytest

from approvals import services
from approvals.models import EntryTransition, PhoneListEntry
from approvals.services import EntryError
from audit.models import AuditEvent
from core.errors import AlreadyDecided, IllegalTransition

from ..factories import facility_today
from .factories import PhoneListEntryFactory

S = PhoneListEntry.Status


def pending(inmate, **kw):
    return PhoneListEntryFactory(inmate=inmate, status=S.PENDING, **kw)


def test_staff_approves_a_clean_entry(inmate, staff):
    entry = services.entry_approve(entry=pending(inmate), actor=staff)
    assert entry.status == S.LIVE and entry.decided_by == staff and entry.went_live_at
    t = EntryTransition.objects.get(entry=entry)
    assert (t.from_status, t.to_status, t.actor) == (S.PENDING, S.LIVE, staff)
    assert AuditEvent.objects.filter(action="phone_entry_approved", actor=staff).exists()


def test_flagged_entry_needs_a_warden_and_a_note(inmate, staff, warden):
    entry = pending(inmate, has_review=True)
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=entry, actor=staff, note="fine")
    assert exc.value.code == "warden_required"
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=entry, actor=warden, note="  ")
    assert exc.value.code == "note_required"
    entry.refresh_from_db()
    assert entry.status == S.PENDING
    entry = services.entry_approve(entry=entry, actor=warden, note="Mother, checked with the unit officer.")
    assert entry.status == S.LIVE and entry.decision_note.startswith("Mother")


def test_entry_with_a_block_finding_cannot_be_approved(inmate, warden):
    entry = pending(inmate, has_block=True)
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=entry, actor=warden, note="override")
    assert exc.value.code == "has_block"


def test_attorney_number_needs_verification_by_the_approver(inmate, staff):
    entry = pending(inmate, legal=True, relationship="attorney", bar_number="24001234", bar_state="TX")
    with pytest.raises(EntryError) as exc:
        services.entry_approve(entry=entry, actor=staff)
    assert exc.value.code == "legal_not_verified"
    entry = services.entry_approve(entry=entry, actor=staff, legal_verified=True)
    assert entry.legal_verified and entry.legal_verified_by == staff


@pytest.mark.parametrize("reason", ["not_verified", "co_defendant", "victim_witness", "no_contact_order",
                                    "blocked_number", "list_full", "called_party_refused", "security_concern"])
def test_deny_with_each_fixed_reason(inmate, staff, reason):
    entry = services.entry_deny(entry=pending(inmate), actor=staff, reason=reason)
    assert entry.status == S.DENIED and entry.decision_reason == reason


def test_deny_other_needs_a_note_and_unknown_reason_refused(inmate, staff):
    entry = pending(inmate)
    with pytest.raises(EntryError):
        services.entry_deny(entry=entry, actor=staff, reason="other")
    with pytest.raises(EntryError):
        services.entry_deny(entry=entry, actor=staff, reason="because")
    with pytest.raises(EntryError):
        services.entry_deny(entry=entry, actor=staff, reason="approved")
    entry = services.entry_deny(entry=entry, actor=staff, reason="other", note="Inmate asked to withdraw it.")
    assert entry.decision_note == "Inmate asked to withdraw it."


def test_decided_entry_is_not_decided_twice(inmate, staff, warden):
    entry = pending(inmate)
    services.entry_deny(entry=entry, actor=staff, reason="security_concern")
    with pytest.raises(AlreadyDecided) as exc:
        services.entry_approve(entry=entry, actor=warden)
    assert "staff" in exc.value.message or staff.get_full_name() in exc.value.message
    entry.refresh_from_db()
    assert entry.status == S.DENIED and entry.transitions.count() == 1


def test_remove_needs_a_note_and_is_final(inmate, staff):
    entry = PhoneListEntryFactory(inmate=inmate)
    with pytest.raises(EntryError):
        services.entry_remove(entry=entry, actor=staff, note="")
    entry = services.entry_remove(entry=entry, actor=staff, note="Inmate's request on form 12")
    assert entry.status == S.REMOVED
    with pytest.raises(IllegalTransition) as exc:
        services.entry_remove(entry=entry, actor=staff, note="again")
    assert exc.value.code == "illegal_transition" and exc.value.status == 409


def test_suspend_only_live(inmate, staff):
    entry = services.entry_suspend(entry=PhoneListEntryFactory(inmate=inmate), actor=staff, note="Investigation")
    assert entry.status == S.SUSPENDED
    with pytest.raises(EntryError):
        services.entry_suspend(entry=entry, actor=staff, note="again")


@pytest.mark.parametrize("start,to", [(S.DENIED, S.LIVE), (S.REMOVED, S.PENDING), (S.PENDING, S.SUSPENDED),
                                      (S.LIVE, S.LIVE), (S.DENIED, S.PENDING)])
def test_model_refuses_illegal_transitions(start, to):
    entry = PhoneListEntry(status=start)
    with pytest.raises(IllegalTransition):
        entry.check_transition(to)


def test_live_attorney_number_must_be_verified_in_the_database(inmate):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        PhoneListEntryFactory(inmate=inmate, legal=True, legal_verified_at=None)


def test_transfer_moves_entries_to_the_new_facility(inmate, other):
    from facilities.services import inmate_transfer

    entry = PhoneListEntryFactory(inmate=inmate)
    inmate_transfer(inmate=inmate, to_facility=other, transferred_on=facility_today(inmate.facility))
    entry.refresh_from_db()
    assert entry.facility == other
