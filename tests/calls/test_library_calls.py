"""POST /api/v1/calls/authorize for a number of the facility number library (call kind ``library``, domain.md §9):
no list entry needed, the line's own terms, scoped to its facility or the system, the same queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services as approvals
from calls import services as calls
from calls.models import Call, LedgerEntry
from facilities.models import Role

from ..factories import InmateFactory, user_with_role
from .factories import OTHER_NUMBER, PhoneRestrictionFactory
from .test_authorize_api import QUERIES_PER_ALLOWED_DECISION, codes

pytestmark = pytest.mark.django_db

HOTLINE = "+12025550190"


def _library(facility, warden, number=HOTLINE, **terms):
    terms.setdefault("monitored", False)
    return approvals.library_add(facility=facility, number=number, name="PREA hotline", category="prea_hotline",
                                 reason="PREA §115.51", actor=warden, **terms)


def test_a_library_number_is_allowed_with_no_list_entry(funded, authorize, complete, home, warden):
    assert codes(authorize(HOTLINE)) == ["not_on_list"]
    _library(home, warden)
    body = authorize(HOTLINE).json()
    assert (body["decision"], body["call_kind"], body["monitored"], body["max_minutes"]) == ("allow", "library", False, 15)
    call = Call.objects.get(pk=body["call_id"])
    assert (call.kind, call.monitored, call.charged) == ("library", False, False)
    assert complete(body["call_id"], 600).json()["minutes_charged"] == 0  # not charged
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_CHARGE).exists()


def test_a_charged_monitored_line_is_charged_and_monitored(funded, authorize, complete, home, warden):
    _library(home, warden, monitored=True, charged=True)
    body = authorize(HOTLINE).json()
    assert (body["call_kind"], body["monitored"]) == ("library", True)
    assert complete(body["call_id"], 61).json() == {"minutes_charged": 2, "minutes_remaining": 298}


def test_another_facility_s_library_does_not_apply_here_but_a_system_wide_number_does(
        funded, authorize, home, other, warden):
    other_warden = user_with_role(Role.WARDEN, other, username="w-other")
    _library(other, other_warden)
    assert codes(authorize(HOTLINE)) == ["not_on_list"]
    _library(other, other_warden, number=OTHER_NUMBER, system_wide=True)
    assert authorize(OTHER_NUMBER).json()["call_kind"] == "library"


def test_a_removed_library_number_is_no_longer_callable(funded, authorize, home, warden):
    row = _library(home, warden)
    approvals.library_remove(library_number=row, reason="Number retired", actor=warden)
    assert codes(authorize(HOTLINE)) == ["not_on_list"]


def test_an_unmonitored_line_is_open_at_night_and_under_a_restriction(funded, authorize, home, warden, clock):
    _library(home, warden, calling_hours_apply=False)
    _library(home, warden, number=OTHER_NUMBER, monitored=True)  # hours apply; monitored: a restriction applies
    PhoneRestrictionFactory(inmate=funded)
    clock.move_to(dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC))  # 02:00 in Chicago, outside 06:00-23:00
    assert codes(authorize(OTHER_NUMBER)) == ["phone_restricted", "outside_calling_hours"]
    assert authorize(HOTLINE).json()["decision"] == "allow"


def test_a_block_still_stops_a_library_number(funded, authorize, home, warden, staff):
    _library(home, warden)
    approvals.block_create(facility=home, number=HOTLINE, reason="investigation", note="Case 4", actor=staff)
    assert codes(authorize(HOTLINE)) == ["blocked_number"]


def test_the_decision_s_query_count_does_not_grow_with_the_library(live, authorize, home, warden):
    authorize(OTHER_NUMBER)  # warm-up: the client's last_used_at
    for n in range(20):
        _library(home, warden, number=f"+1202555{n + 200:04d}")
    with CaptureQueriesContext(connection) as regular:
        assert authorize().json()["call_kind"] == "regular"
    assert len(regular) == QUERIES_PER_ALLOWED_DECISION
    other = InmateFactory(facility=home, register_number="22222-001")
    calls.minutes_grant_on_booking(inmate=other)
    with CaptureQueriesContext(connection) as library:
        assert authorize("+12025550200", register_number="22222-001").json()["call_kind"] == "library"
    # The library terms and the emergency grant are both read by the one gather: the same count as a regular call.
    assert len(library) == QUERIES_PER_ALLOWED_DECISION


def test_the_schema_lists_the_library_call_kind(client):
    schema = client.get("/api/schema/?format=json").json()
    kinds = schema["components"]["schemas"]["CallKindEnum"]["enum"]
    assert "library" in kinds

