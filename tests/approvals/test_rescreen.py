"""Re-screening when orders, blocks and case parties change, in both directions."""

import datetime as dt

from approvals import services
from approvals.models import CaseParty, PhoneListEntry

from ..factories import InmateFactory, facility_today
from .factories import CourtCaseFactory, PhoneListEntryFactory

NUMBER = "+13125550147"
S = PhoneListEntry.Status


def _order(home, inmate, staff, numbers=(NUMBER,)):
    return services.order_create(
        facility=home, inmate=inmate, protected_name="Pat Roe", numbers=list(numbers), court="Superior Court",
        order_number="NCO-1", starts_on=facility_today(home) - dt.timedelta(days=1), document_reference="Docket 3",
        actor=staff,
    )


def test_new_order_suspends_a_live_entry_and_ending_it_returns_it_to_review(
    home, inmate, staff, django_capture_on_commit_callbacks
):
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    other_entry = PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        order = _order(home, inmate, staff, numbers=["(312) 555-0147"])
    entry.refresh_from_db()
    other_entry.refresh_from_db()
    assert entry.status == S.SUSPENDED and entry.has_block
    assert entry.findings.filter(kind="no_contact_order", cleared_at__isnull=True).exists()
    assert other_entry.status == S.LIVE  # the order restrains only ``inmate``
    with django_capture_on_commit_callbacks(execute=True):
        services.order_end(order=order, actor=staff, reason="Vacated by the court on appeal")
    entry.refresh_from_db()
    assert entry.status == S.PENDING and not entry.has_block  # back to review, not live by itself
    assert entry.findings.get(kind="no_contact_order").cleared_at is not None


def test_new_block_suspends_and_lifting_returns_to_review(home, other, inmate, staff, django_capture_on_commit_callbacks):
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    elsewhere = PhoneListEntryFactory(inmate=InmateFactory(facility=other), number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        block = services.block_create(facility=home, number=NUMBER, reason="investigation", note="Case 44", actor=staff)
    entry.refresh_from_db()
    elsewhere.refresh_from_db()
    assert entry.status == S.SUSPENDED and elsewhere.status == S.LIVE
    with django_capture_on_commit_callbacks(execute=True):
        services.block_end(block=block, actor=staff, note="Investigation closed")
    entry.refresh_from_db()
    assert entry.status == S.PENDING


def test_victim_block_lifted_only_with_paperwork(home, inmate, staff):
    block = services.block_create(facility=home, number=NUMBER, reason="victim_request", note="Victim asked",
                                  actor=staff)
    import pytest

    with pytest.raises(services.EntryError) as exc:
        services.block_end(block=block, actor=staff, note="Victim called back")
    assert exc.value.code == "paperwork_required"
    services.block_end(block=block, actor=staff, note="Order lifted", paperwork="Prosecutor letter 2024-18")


def test_system_wide_block_needs_a_warden(home, staff, warden):
    import pytest

    with pytest.raises(services.EntryError) as exc:
        services.block_create(facility=home, number=NUMBER, reason="other", note="n", system_wide=True, actor=staff)
    assert exc.value.code == "warden_required"
    assert services.block_create(facility=home, number=NUMBER, reason="other", note="n", system_wide=True,
                                 actor=warden).system_wide


def test_new_victim_party_returns_a_live_entry_to_the_queue(home, inmate, staff, django_capture_on_commit_callbacks):
    case = CourtCaseFactory(facility=home)
    services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name="Ada", inmate=inmate, actor=staff)
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        party = services.party_add(case=case, role=CaseParty.Role.VICTIM, name="Jo", numbers=["312 555 0147"],
                                   actor=staff)
    entry.refresh_from_db()
    assert entry.status == S.PENDING and entry.has_review
    # Changing the party's numbers clears the finding (the entry stays for review: nothing goes live by itself).
    with django_capture_on_commit_callbacks(execute=True):
        services.party_update_numbers(party=party, numbers=["312 555 0148"], actor=staff, reason="New phone")
    entry.refresh_from_db()
    assert entry.status == S.PENDING and not entry.has_review
    assert entry.findings.get(kind="victim_witness").cleared_at is not None


def test_adding_the_inmate_to_a_case_flags_existing_entries(home, inmate, staff, django_capture_on_commit_callbacks):
    case = CourtCaseFactory(facility=home)
    services.party_add(case=case, role=CaseParty.Role.WITNESS, name="Jo", numbers=[NUMBER], actor=staff)
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name="Ada", inmate=inmate, actor=staff)
    entry.refresh_from_db()
    assert entry.status == S.PENDING and entry.findings.filter(kind="victim_witness").exists()


def test_rescreen_is_queued_only_on_commit(home, inmate, staff, django_capture_on_commit_callbacks):
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _order(home, inmate, staff)
    entry.refresh_from_db()
    assert entry.status == S.LIVE and len(callbacks) == 1
    callbacks[0]()
    entry.refresh_from_db()
    assert entry.status == S.SUSPENDED


def test_order_validation(home, inmate, other_inmate, staff):
    import pytest

    with pytest.raises(services.EntryError):
        _order(home, inmate, staff, numbers=[])
    with pytest.raises(services.EntryError):
        _order(home, other_inmate, staff)
    with pytest.raises(services.EntryError) as exc:
        services.order_create(facility=home, inmate=inmate, protected_name="P", numbers=[NUMBER], court="C",
                              order_number="N", starts_on=dt.date(2025, 5, 1), ends_on=dt.date(2025, 4, 1),
                              document_reference="D", actor=staff)
    assert exc.value.field == "ends_on"
