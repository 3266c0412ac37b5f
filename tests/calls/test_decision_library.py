"""The call decision's rows for the facility number library (call kind ``library``, domain.md §9,
docs/calls-and-minutes.md), with no database: ``decide`` on hand-built facts, as in test_decision_table.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from calls.decision import EMERGENCY, LEGAL, LIBRARY, EmergencyGrantFacts, LibraryFacts, decide

from .test_decision_table import NOW, POLICY, chicago, facts, open_call

# The PREA hotline: not monitored, not charged, at any hour, no gap.
HOTLINE = LibraryFacts(monitored=False, charged=False, calling_hours_apply=False, gap_applies=False)
# A chaplaincy line kept on the ordinary terms: monitored, charged, inside the hours, the gap applies.
CHAPLAIN = LibraryFacts(monitored=True, charged=True, calling_hours_apply=True, gap_applies=True)


def library_call(line: LibraryFacts = HOTLINE, **changes):
    """A number that is on no list but in the library."""
    return facts(on_list=False, library=line, **changes)


def test_a_library_number_needs_no_list_entry():
    result = decide(library_call(), NOW)
    assert (result.allowed, result.kind, result.reasons) == (True, LIBRARY, ())
    assert decide(facts(on_list=False), NOW).reasons == ("not_on_list",)  # the same number outside the library


def test_a_library_line_keeps_its_own_terms_monitored_and_charged():
    hotline = decide(library_call(HOTLINE), NOW)
    chaplain = decide(library_call(CHAPLAIN), NOW)
    assert (hotline.monitored, hotline.charged) == (False, False)
    assert (chaplain.monitored, chaplain.charged) == (True, True)


def test_an_uncharged_library_line_lasts_the_cap_even_with_no_minutes():
    result = decide(library_call(HOTLINE, balance_minutes=0), NOW)
    assert (result.allowed, result.max_minutes) == (True, POLICY.per_call_minutes)


def test_a_charged_library_line_needs_minutes_and_lasts_no_longer_than_them():
    assert decide(library_call(CHAPLAIN, balance_minutes=0), NOW).reasons == ("no_minutes_left",)
    assert decide(library_call(CHAPLAIN, balance_minutes=7), NOW).max_minutes == 7


def test_a_line_outside_the_calling_hours_is_refused_only_when_the_hours_apply():
    night = chicago(2026, 3, 10, 3, 0)  # 03:00 local, hours 06:00-23:00
    assert decide(library_call(HOTLINE), night).allowed is True
    chaplain = decide(library_call(CHAPLAIN), night)
    assert chaplain.reasons == ("outside_calling_hours",)
    assert chaplain.retry_after == chicago(2026, 3, 10, 6, 0)


def test_the_gap_applies_only_to_a_line_that_says_so():
    recent = NOW - dt.timedelta(minutes=10)
    assert decide(library_call(HOTLINE, last_charged_call_start=recent), NOW).allowed is True
    chaplain = decide(library_call(CHAPLAIN, last_charged_call_start=recent), NOW)
    assert chaplain.reasons == ("too_soon",)
    assert chaplain.retry_after == recent + dt.timedelta(minutes=POLICY.call_gap_minutes)


def test_a_restriction_stops_a_monitored_line_but_not_a_privileged_one():
    restricted = {"restricted": True, "restrictions": ((NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=2)),)}
    assert decide(library_call(HOTLINE, **restricted), NOW).allowed is True
    chaplain = decide(library_call(CHAPLAIN, **restricted), NOW)
    assert chaplain.reasons == ("phone_restricted",)
    assert chaplain.retry_after == NOW + dt.timedelta(days=2)


@pytest.mark.parametrize("code", ["no_contact_order", "blocked_number"])
def test_a_block_or_an_order_still_stops_a_library_call(code):
    result = decide(library_call(blocking_findings=(code,)), NOW)
    assert (result.allowed, result.reasons, result.kind) == (False, (code,), LIBRARY)


def test_custody_and_a_call_in_progress_still_apply():
    assert decide(library_call(in_custody=False), NOW).reasons == ("not_in_custody",)
    assert decide(library_call(open_call=open_call()), NOW).reasons == ("call_in_progress",)


def test_a_verified_attorney_number_stays_legal_even_in_the_library():
    result = decide(facts(legal=True, library=CHAPLAIN), NOW)
    assert (result.kind, result.monitored, result.charged) == (LEGAL, False, False)


def test_a_library_number_is_a_library_call_even_with_an_emergency_grant():
    grant = EmergencyGrantFacts(max_minutes=15, charged=True)
    result = decide(library_call(HOTLINE, emergency=grant), NOW)
    assert (result.kind, result.charged, result.uses_emergency_grant) == (LIBRARY, False, False)
    assert decide(facts(on_list=False, emergency=grant), NOW).kind == EMERGENCY


def test_the_library_facts_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        HOTLINE.monitored = True  # type: ignore[misc]
