"""The screening contract other apps rely on: screen_number and call_screening."""

import datetime as dt

import pytest
from django.utils import timezone

from approvals.models import CaseParty, PhoneListEntry
from approvals.screening import ScreenFinding, screen_number
from approvals.selectors import call_screening

from ..factories import InmateFactory, facility_today
from .factories import (
    BlockedNumberFactory,
    CasePartyFactory,
    CourtCaseFactory,
    NoContactOrderFactory,
    PhoneListEntryFactory,
)

NUMBER = "+13125550147"

pytestmark = pytest.mark.django_db


def kinds(findings):
    return {f.kind for f in findings}


def test_clean_number_has_no_findings(inmate):
    assert screen_number(inmate=inmate, number=NUMBER) == []


def test_finding_is_frozen(inmate):
    f = ScreenFinding("blocked_number", "block", "x", "y")
    with pytest.raises(AttributeError):  # a frozen dataclass's FrozenInstanceError is one
        f.kind = "other"  # type: ignore[misc]


def test_screen_number_fixed_query_count(inmate, home, django_assert_num_queries):
    case = CourtCaseFactory(facility=home)
    CasePartyFactory(case=case, role=CaseParty.Role.DEFENDANT, inmate=inmate)
    for _ in range(5):
        CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=[NUMBER])
        NoContactOrderFactory(inmate=inmate, numbers=[NUMBER])
        BlockedNumberFactory(facility=home, number=NUMBER)
        PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=NUMBER)
    with django_assert_num_queries(2):  # the policy, then the one screening statement
        findings = screen_number(inmate=inmate, number=NUMBER)
    assert {"no_contact_order", "blocked_number", "victim_witness", "shared_number"} <= kinds(findings)
    assert findings[0].severity == "block"


def test_emergency_purpose_skips_list_limits(home, inmate):
    home.policy.list_size = 1
    home.policy.save()
    PhoneListEntryFactory(inmate=inmate)
    assert "list_full" in kinds(screen_number(inmate=inmate, number=NUMBER))
    assert screen_number(inmate=inmate, number=NUMBER, purpose="emergency") == []


def test_invalid_number_is_a_block_finding(inmate):
    [finding] = screen_number(inmate=inmate, number="+1800555")
    assert finding.kind == "not_callable" and finding.severity == "block"


def test_call_screening_live_legal_and_blocks(inmate, home, django_assert_max_num_queries):
    entry = PhoneListEntryFactory(
        inmate=inmate, number=NUMBER, legal=True, legal_verified_at=timezone.now(), relationship="attorney"
    )
    with django_assert_max_num_queries(1):
        result = call_screening(inmate=inmate, number=NUMBER)
    assert result.entry_id == entry.pk and result.legal and result.block_codes == []
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER])
    BlockedNumberFactory(facility=home, number=NUMBER)
    with django_assert_max_num_queries(1):
        result = call_screening(inmate=inmate, number=NUMBER)
    assert result.block_codes == ["no_contact_order", "blocked_number"]


def test_call_screening_ignores_ended_and_future_orders_and_other_facility_blocks(inmate, home, other):
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], ended_at=timezone.now())
    NoContactOrderFactory(inmate=inmate, numbers=[NUMBER], starts_on=facility_today(home) + dt.timedelta(days=5))
    BlockedNumberFactory(facility=other, number=NUMBER)
    BlockedNumberFactory(facility=home, number=NUMBER, ends_at=timezone.now() - dt.timedelta(seconds=1))
    result = call_screening(inmate=inmate, number=NUMBER)
    assert result.entry_id is None and not result.legal and result.block_codes == []
    BlockedNumberFactory(facility=other, number=NUMBER, system_wide=True)
    assert call_screening(inmate=inmate, number=NUMBER).block_codes == ["blocked_number"]


def test_call_screening_pending_entry_is_not_live(inmate):
    PhoneListEntryFactory(inmate=inmate, number=NUMBER, status=PhoneListEntry.Status.PENDING)
    assert call_screening(inmate=inmate, number=NUMBER).entry_id is None
