"""The call decision's table (domain.md §4, docs/calls-and-minutes.md), row by row, with no database.

``calls.decision.decide`` is a pure function of plain dataclasses: these tests build the facts by hand (no
``db`` fixture: pytest-django refuses any query) and check each rule, each kind of call and the order of the
reasons.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
import zoneinfo

import pytest

from calls import decision, timing
from calls.decision import (
    EMERGENCY,
    LEGAL,
    REASONS,
    REGULAR,
    CallFacts,
    EmergencyGrantFacts,
    OpenCallFacts,
    PolicyFacts,
    decide,
)

UTC = dt.UTC
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 in Chicago, inside 06:00-23:00
POLICY = PolicyFacts(tz=CHICAGO, calling_hours=(dt.time(6), dt.time(23)), call_gap_minutes=60, per_call_minutes=20)
CALL_REASONS = [code for code in REASONS if code != "unknown_inmate"]  # unknown_inmate is a 404, never a reason


def chicago(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


def facts(**changes) -> CallFacts:
    """A regular call that passes every rule: in custody, a live number, 300 minutes, no previous call."""
    base = CallFacts(in_custody=True, policy=POLICY, on_list=True, legal=False, balance_minutes=300)
    return dataclasses.replace(base, **changes)


def open_call(*, expires_at=NOW + dt.timedelta(minutes=5), authorized=True) -> OpenCallFacts:
    return OpenCallFacts(pk=1, authorized=authorized, expires_at=expires_at)


# One fact changed from an allowed regular call, and the one reason it gives.
EACH_REASON = {
    "not_in_custody": {"in_custody": False},
    "phone_restricted": {"restricted": True, "restrictions": ((NOW - dt.timedelta(days=1), None),)},
    "outside_calling_hours": {"policy": dataclasses.replace(POLICY, calling_hours=(dt.time(12), dt.time(20)))},
    "no_contact_order": {"blocking_findings": ("no_contact_order",)},
    "blocked_number": {"blocking_findings": ("blocked_number",)},
    "not_on_list": {"on_list": False},
    "call_in_progress": {"open_call": open_call()},
    "too_soon": {"last_charged_call_start": NOW - dt.timedelta(minutes=59)},
    "no_minutes_left": {"balance_minutes": 0},
}


def test_every_reason_code_has_a_row():
    assert list(EACH_REASON) == CALL_REASONS


def test_a_regular_call_that_passes_every_rule():
    result = decide(facts(), NOW)
    assert result == decision.Decision(
        allowed=True, kind=REGULAR, reasons=(), max_minutes=20, monitored=True, charged=True, retry_after=None,
        expire_open_call=False, uses_emergency_grant=False,
    )


@pytest.mark.parametrize("code", list(EACH_REASON))
def test_each_reason_alone_denies_the_call(code):
    result = decide(facts(**EACH_REASON[code]), NOW)
    assert (result.allowed, result.reasons, result.max_minutes) == (False, (code,), 0)
    assert (result.kind, result.monitored, result.charged) == (REGULAR, True, True)
    assert result.uses_emergency_grant is False


def test_every_reason_at_once_in_the_documented_order():
    everything = {}
    for changes in EACH_REASON.values():
        everything.update(changes)
    everything["blocking_findings"] = ("blocked_number", "no_contact_order")  # given in the other order
    result = decide(facts(**everything), NOW)
    assert list(result.reasons) == CALL_REASONS
    assert result.allowed is False and result.max_minutes == 0


def test_several_reasons_keep_the_order_whatever_the_rules_found_first():
    result = decide(facts(balance_minutes=0, on_list=False, in_custody=False), NOW)
    assert result.reasons == ("not_in_custody", "not_on_list", "no_minutes_left")


def test_every_finding_that_blocks_a_call_is_a_reason_code_in_the_catalogue_s_order():
    from approvals.screening.catalogue import CALL_BLOCKING

    assert CALL_BLOCKING and set(CALL_BLOCKING) <= set(REASONS)
    assert decide(facts(blocking_findings=CALL_BLOCKING), NOW).reasons == tuple(CALL_BLOCKING)


def test_a_finding_that_is_not_a_reason_code_is_refused():
    with pytest.raises(ValueError, match="co_defendant"):
        facts(blocking_findings=("co_defendant",))


# --------------------------------------------------------------------------- minutes


@pytest.mark.parametrize(("balance", "allowed", "max_minutes"), [
    (300, True, 20),  # the policy's cap
    (20, True, 20),
    (7, True, 7),  # the minutes left
    (1, True, 1),
    (0, False, 0),
    (-3, False, 0),  # overdrawn (a charge larger than expected): no minutes
])
def test_a_regular_call_lasts_the_smaller_of_the_cap_and_the_minutes_left(balance, allowed, max_minutes):
    result = decide(facts(balance_minutes=balance), NOW)
    assert (result.allowed, result.max_minutes) == (allowed, max_minutes)
    assert result.reasons == (() if allowed else ("no_minutes_left",))


# --------------------------------------------------------------------------- legal calls


def test_a_legal_call_is_not_monitored_not_charged_and_lasts_the_cap_with_no_minutes():
    result = decide(facts(legal=True, balance_minutes=0), NOW)
    assert (result.allowed, result.kind, result.monitored, result.charged, result.max_minutes) == (
        True, LEGAL, False, False, 20)


def test_a_legal_call_ignores_a_restriction_and_the_gap():
    restricted = EACH_REASON["phone_restricted"]
    result = decide(facts(legal=True, last_charged_call_start=NOW - dt.timedelta(minutes=1), **restricted), NOW)
    assert result.allowed and result.reasons == () and result.retry_after is None


def test_a_legal_call_still_needs_custody_hours_no_block_and_no_call_in_progress():
    for code in ("not_in_custody", "outside_calling_hours", "no_contact_order", "blocked_number", "call_in_progress"):
        result = decide(facts(legal=True, **EACH_REASON[code]), NOW)
        assert (result.allowed, result.reasons, result.kind) == (False, (code,), LEGAL)


def test_a_legal_call_outside_hours_waits_for_the_opening_not_for_a_restriction():
    restriction = ((NOW - dt.timedelta(hours=1), chicago(2026, 3, 12, 9, 0)),)
    late = chicago(2026, 3, 10, 23, 30)
    result = decide(facts(legal=True, restricted=True, restrictions=restriction), late)
    assert result.reasons == ("outside_calling_hours",)
    assert result.retry_after == chicago(2026, 3, 11, 6, 0)
    regular = decide(facts(restricted=True, restrictions=restriction), late)
    assert regular.reasons == ("phone_restricted", "outside_calling_hours")
    assert regular.retry_after == chicago(2026, 3, 12, 9, 0)


# --------------------------------------------------------------------------- emergency calls


def test_an_approved_emergency_call_stands_in_for_the_list_uncharged_by_default():
    grant = EmergencyGrantFacts(max_minutes=15, charged=False)
    result = decide(facts(on_list=False, emergency=grant, balance_minutes=0,
                          last_charged_call_start=NOW - dt.timedelta(minutes=5)), NOW)
    assert (result.allowed, result.kind, result.monitored, result.charged, result.max_minutes) == (
        True, EMERGENCY, True, False, 15)
    assert result.uses_emergency_grant is True


def test_a_charged_emergency_call_needs_minutes_and_lasts_no_longer_than_them():
    grant = EmergencyGrantFacts(max_minutes=15, charged=True)
    assert decide(facts(on_list=False, emergency=grant, balance_minutes=5), NOW).max_minutes == 5
    assert decide(facts(on_list=False, emergency=grant, balance_minutes=40), NOW).max_minutes == 15
    denied = decide(facts(on_list=False, emergency=grant, balance_minutes=0), NOW)
    assert (denied.allowed, denied.reasons, denied.uses_emergency_grant) == (False, ("no_minutes_left",), False)


def test_an_emergency_call_is_still_refused_by_a_block_a_restriction_or_the_hours():
    grant = EmergencyGrantFacts(max_minutes=15, charged=False)
    for code in ("phone_restricted", "outside_calling_hours", "no_contact_order", "blocked_number"):
        result = decide(facts(on_list=False, emergency=grant, **EACH_REASON[code]), NOW)
        assert (result.reasons, result.kind, result.uses_emergency_grant) == ((code,), EMERGENCY, False)


def test_a_legal_number_is_a_legal_call_even_with_an_emergency_grant():
    grant = EmergencyGrantFacts(max_minutes=5, charged=True)
    result = decide(facts(legal=True, emergency=grant, balance_minutes=0), NOW)
    assert (result.kind, result.charged, result.max_minutes, result.uses_emergency_grant) == (LEGAL, False, 20, False)


# --------------------------------------------------------------------------- the call in progress


def test_an_open_call_whose_authorisation_ran_out_lapses_and_does_not_deny():
    result = decide(facts(open_call=open_call(expires_at=NOW)), NOW)
    assert (result.allowed, result.expire_open_call) == (True, True)
    denied = decide(facts(open_call=open_call(expires_at=NOW - dt.timedelta(seconds=1)), on_list=False), NOW)
    assert (denied.reasons, denied.expire_open_call) == (("not_on_list",), True)


def test_an_open_call_no_longer_authorised_is_no_call_in_progress():
    result = decide(facts(open_call=open_call(authorized=False)), NOW)
    assert (result.allowed, result.expire_open_call) == (True, False)


def test_a_call_in_progress_is_not_a_time_reason():
    result = decide(facts(open_call=open_call()), NOW)
    assert (result.reasons, result.retry_after, result.expire_open_call) == (("call_in_progress",), None, False)


# --------------------------------------------------------------------------- gap, hours, restrictions


@pytest.mark.parametrize(("minutes_ago", "too_soon"), [(0, True), (59, True), (60, False), (180, False)])
def test_the_gap_counts_from_the_start_of_the_previous_charged_call(minutes_ago, too_soon):
    start = NOW - dt.timedelta(minutes=minutes_ago)
    result = decide(facts(last_charged_call_start=start), NOW)
    assert result.reasons == (("too_soon",) if too_soon else ())
    assert result.retry_after == (start + dt.timedelta(minutes=60) if too_soon else None)


def test_the_gap_follows_the_policy():
    policy = dataclasses.replace(POLICY, call_gap_minutes=15)
    assert decide(facts(policy=policy, last_charged_call_start=NOW - dt.timedelta(minutes=16)), NOW).allowed


@pytest.mark.parametrize(("hours", "at", "inside"), [
    ((dt.time(6), dt.time(23)), chicago(2026, 3, 10, 5, 59), False),
    ((dt.time(6), dt.time(23)), chicago(2026, 3, 10, 6, 0), True),
    ((dt.time(6), dt.time(23)), chicago(2026, 3, 10, 22, 59), True),
    ((dt.time(6), dt.time(23)), chicago(2026, 3, 10, 23, 0), False),
    ((dt.time(20), dt.time(2)), chicago(2026, 3, 10, 23, 30), True),  # crosses midnight
    ((dt.time(20), dt.time(2)), chicago(2026, 3, 11, 1, 59), True),
    ((dt.time(20), dt.time(2)), chicago(2026, 3, 10, 10, 0), False),
])
def test_calling_hours_are_the_facility_s_local_wall_clock(hours, at, inside):
    policy = dataclasses.replace(POLICY, calling_hours=hours)
    result = decide(facts(policy=policy), at)
    assert result.reasons == (() if inside else ("outside_calling_hours",))
    if not inside:
        assert result.retry_after.astimezone(CHICAGO).time() == hours[0]


def test_a_restriction_with_an_end_is_retried_at_its_end_and_an_open_ended_one_never():
    ends = NOW + dt.timedelta(hours=2)
    result = decide(facts(restricted=True, restrictions=((NOW - dt.timedelta(hours=1), ends),)), NOW)
    assert (result.reasons, result.retry_after) == (("phone_restricted",), ends)
    forever = decide(facts(**EACH_REASON["phone_restricted"]), NOW)
    assert (forever.reasons, forever.retry_after) == (("phone_restricted",), None)


def test_a_restriction_to_come_does_not_deny_but_retry_after_waits_past_it():
    gap_end = NOW + dt.timedelta(minutes=30)
    coming = ((NOW + dt.timedelta(minutes=10), NOW + dt.timedelta(hours=3)),)
    result = decide(facts(restrictions=coming, last_charged_call_start=gap_end - dt.timedelta(minutes=60)), NOW)
    assert result.reasons == ("too_soon",)
    assert result.retry_after == NOW + dt.timedelta(hours=3)
    assert decide(facts(restrictions=coming), NOW).allowed


def test_the_gap_and_the_hours_together_wait_for_the_next_opening():
    # docs/calls-and-minutes.md: at 22:45, a gap ending at 23:30 and hours ending at 23:00: the next 06:00.
    at = chicago(2026, 3, 10, 22, 45)
    result = decide(facts(last_charged_call_start=chicago(2026, 3, 10, 22, 30)), at)
    assert result.reasons == ("too_soon",)
    assert result.retry_after == chicago(2026, 3, 11, 6, 0)


def test_other_reasons_do_not_hold_retry_after():
    result = decide(facts(on_list=False, balance_minutes=0, last_charged_call_start=NOW - dt.timedelta(minutes=30)),
                    NOW)
    assert result.reasons == ("not_on_list", "too_soon", "no_minutes_left")
    assert result.retry_after == NOW + dt.timedelta(minutes=30)


def test_retry_after_is_timing_s_with_the_facts_of_the_time_rules(monkeypatch):
    seen = []

    def recorder(**kwargs):
        seen.append(kwargs)
        return NOW + dt.timedelta(days=9)

    monkeypatch.setattr(timing, "retry_after", recorder)
    restrictions = ((NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)),)
    result = decide(facts(restricted=True, restrictions=restrictions,
                          last_charged_call_start=NOW - dt.timedelta(minutes=10)), NOW)
    assert result.retry_after == NOW + dt.timedelta(days=9)
    assert seen == [{"at": NOW, "tz": CHICAGO, "hours": (dt.time(6), dt.time(23)),
                     "gap_end": NOW + dt.timedelta(minutes=50), "restrictions": restrictions}]
    seen.clear()
    decide(facts(on_list=False, open_call=open_call(), balance_minutes=0), NOW)  # no time reason
    assert seen == []


# --------------------------------------------------------------------------- purity


def test_the_decision_module_imports_neither_django_nor_the_models():
    tree = ast.parse(inspect.getsource(decision))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{'.' * node.level}{node.module or ''}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {f".{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level
                 for alias in node.names}
    assert not {name for name in imported if name.startswith("django") or "models" in name}
    assert imported <= {"__future__", "datetime", "zoneinfo", "dataclasses", ".", ".timing"}


def test_the_facts_and_the_decision_are_frozen():
    result = decide(facts(), NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.allowed = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts().balance_minutes = 5  # type: ignore[misc]
