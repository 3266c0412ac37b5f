"""POST /api/v1/calls/authorize: every rule and reason code of domain.md §4."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import PhoneListEntry
from audit.models import AuditEvent
from calls import services
from calls.models import Call, LedgerEntry, MinuteBalance
from facilities.models import CallingPolicy, Inmate
from facilities.services import inmate_release
from tests.approvals.factories import BlockedNumberFactory, NoContactOrderFactory, PhoneListEntryFactory
from tests.emergencies.factories import EmergencyRequestFactory

from ..factories import InmateFactory
from .conftest import NOON
from .factories import LAWYER, NUMBER, OTHER_NUMBER, PhoneRestrictionFactory

pytestmark = pytest.mark.django_db

ALL_CODES = ["not_in_custody", "phone_restricted", "outside_calling_hours", "no_contact_order", "blocked_number",
             "not_on_list", "call_in_progress", "too_soon", "no_minutes_left"]


def codes(response):
    return [r["code"] for r in response.json()["reasons"]]


def test_allowed_regular_call(live, authorize, platform):
    response = authorize()
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "allow"
    assert body["call_kind"] == "regular" and body["monitored"] is True
    assert body["max_minutes"] == 15 and body["reasons"] == [] and body["retry_after"] is None
    call = Call.objects.get(pk=body["call_id"])
    assert call.status == Call.Status.AUTHORIZED and call.charged
    assert MinuteBalance.objects.get(inmate=live.inmate).open_call_id == call.pk
    # The call row is the decision's audit record: who (the client), what, why, when; no second write.
    assert call.client == platform.platform_client and call.client_label == "platform client platform-home"
    assert call.requested_at is not None and call.reasons == [] and call.number == NUMBER
    assert not AuditEvent.objects.filter(action__in=["call_allowed", "call_denied"]).exists()


def test_length_is_minutes_left_when_fewer_than_the_cap(live, authorize):
    MinuteBalance.objects.filter(inmate=live.inmate).update(minutes=4)
    assert authorize().json()["max_minutes"] == 4


def test_unknown_number_is_not_on_list_and_the_denial_is_kept(funded, authorize, platform):
    response = authorize(OTHER_NUMBER)
    body = response.json()
    assert response.status_code == 200
    assert body["decision"] == "deny" and codes(response) == ["not_on_list"] and body["max_minutes"] == 0
    call = Call.objects.get(pk=body["call_id"])
    assert call.status == Call.Status.DENIED and call.reasons == ["not_on_list"]
    assert call.client == platform.platform_client and call.inmate_id == funded.pk and call.number == OTHER_NUMBER
    assert Call.objects.filter(status=Call.Status.DENIED).count() == 1


def test_pending_entry_is_not_on_list(funded, authorize):
    PhoneListEntryFactory(inmate=funded, number=NUMBER, status=PhoneListEntry.Status.PENDING)
    assert codes(authorize()) == ["not_on_list"]


def test_not_in_custody(live, authorize):
    inmate_release(inmate=live.inmate, released_on=dt.date(2026, 3, 9))
    assert codes(authorize()) == ["not_in_custody"]


def test_phone_restricted(live, authorize):
    PhoneRestrictionFactory(inmate=live.inmate)
    assert codes(authorize()) == ["phone_restricted"]


def test_restriction_that_ended_or_was_lifted_does_not_apply(live, authorize):
    PhoneRestrictionFactory(inmate=live.inmate, starts_at=NOON - dt.timedelta(days=9), ends_at=NOON - dt.timedelta(days=1))
    PhoneRestrictionFactory(inmate=live.inmate, lifted_at=NOON - dt.timedelta(hours=1))
    PhoneRestrictionFactory(inmate=live.inmate, starts_at=NOON + dt.timedelta(days=1))
    assert authorize().json()["decision"] == "allow"


def test_outside_calling_hours_in_the_facility_time_zone(live, authorize, clock):
    clock.move_to(dt.datetime(2026, 3, 10, 4, 30, tzinfo=dt.UTC))  # 23:30 in Chicago the day before
    assert codes(authorize()) == ["outside_calling_hours"]
    clock.move_to(dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC))  # 07:30 in Chicago (05:30 UTC would be in)
    assert authorize().json()["decision"] == "allow"


def test_no_contact_order(live, authorize):
    NoContactOrderFactory(inmate=live.inmate, numbers=[NUMBER])
    assert codes(authorize()) == ["no_contact_order"]


def test_blocked_number(live, authorize, home):
    BlockedNumberFactory(number=NUMBER, facility=home)
    assert codes(authorize()) == ["blocked_number"]


def test_call_in_progress_then_allowed_after_completion(live, authorize, complete, clock, home):
    CallingPolicy.objects.filter(facility=home).update(call_gap_minutes=10)
    first = authorize().json()
    assert first["decision"] == "allow"
    clock.shift(dt.timedelta(minutes=12))
    assert codes(authorize()) == ["call_in_progress"]
    complete(first["call_id"], 600)
    assert authorize().json()["decision"] == "allow"


def test_too_soon_is_measured_from_the_previous_start_with_retry_after(live, authorize, complete, clock):
    first = authorize().json()
    clock.shift(dt.timedelta(minutes=10))
    complete(first["call_id"], 9 * 60)  # the call lasted 9 minutes: the gap still counts from its start
    clock.shift(dt.timedelta(minutes=45))  # 55 minutes after the start
    response = authorize()
    assert codes(response) == ["too_soon"]
    assert response.json()["retry_after"] == "2026-03-10T16:00:00Z"
    clock.shift(dt.timedelta(minutes=5))  # exactly one hour after the start
    assert authorize().json()["decision"] == "allow"


def test_a_call_that_never_connected_does_not_start_the_gap(live, authorize, complete, clock):
    first = authorize().json()
    complete(first["call_id"], 0)
    clock.shift(dt.timedelta(minutes=2))
    assert authorize().json()["decision"] == "allow"


def test_gap_follows_the_policy(live, authorize, complete, clock, home):
    CallingPolicy.objects.filter(facility=home).update(call_gap_minutes=20)
    first = authorize().json()
    complete(first["call_id"], 60)
    clock.shift(dt.timedelta(minutes=20))
    assert authorize().json()["decision"] == "allow"


def test_no_minutes_left(live, authorize):
    MinuteBalance.objects.filter(inmate=live.inmate).update(minutes=0)
    assert codes(authorize()) == ["no_minutes_left"]


def test_every_reason_at_once(live, authorize, complete, clock, home):
    inmate = live.inmate
    # 23:50 in Chicago (outside calling hours); the call in progress started 10 minutes ago, while the hours
    # ran to midnight (a call's decision is never rewritten: the database refuses it).
    now = dt.datetime(2026, 3, 11, 4, 50, tzinfo=dt.UTC)
    hours = CallingPolicy.objects.filter(facility=home)
    end = hours.get().calling_hours_end
    hours.update(calling_hours_end=dt.time(23, 59))
    clock.move_to(now - dt.timedelta(minutes=10))
    first = authorize().json()  # the call in progress, and the start of the gap
    assert first["decision"] == "allow"
    hours.update(calling_hours_end=end)
    clock.move_to(now)
    MinuteBalance.objects.filter(inmate=inmate).update(minutes=0)
    NoContactOrderFactory(inmate=inmate, numbers=[OTHER_NUMBER])
    BlockedNumberFactory(number=OTHER_NUMBER, facility=home)
    # Ends 23:50 tomorrow (outside the hours): a platform retrying at 06:00 CDT the day after passes every time rule.
    PhoneRestrictionFactory(inmate=inmate, ends_at=now + dt.timedelta(days=1))
    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED, released_on=dt.date(2026, 3, 10))
    response = authorize(OTHER_NUMBER)
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "deny"
    assert codes(response) == ALL_CODES
    assert all(r["message"] for r in body["reasons"])
    assert body["retry_after"] == "2026-03-12T11:00:00Z"
    assert Call.objects.get(pk=body["call_id"]).reasons == ALL_CODES


def test_legal_call_not_monitored_not_charged_no_gap_and_allowed_under_restriction(lawyer, live, authorize, complete, clock):
    PhoneRestrictionFactory(inmate=lawyer.inmate)
    MinuteBalance.objects.filter(inmate=lawyer.inmate).update(minutes=0)
    response = authorize(LAWYER)
    body = response.json()
    assert body["decision"] == "allow", body
    assert body["call_kind"] == "legal" and body["monitored"] is False and body["max_minutes"] == 15
    assert complete(body["call_id"], 14 * 60).json() == {"minutes_charged": 0, "minutes_remaining": 0}
    # No gap rule for legal calls, but the restriction still stops a regular call.
    assert authorize(LAWYER).json()["decision"] == "allow"
    assert "phone_restricted" in codes(authorize(NUMBER))


def test_emergency_call_replaces_the_list_uncharged_no_gap(funded, authorize, complete, clock):
    request = EmergencyRequestFactory(inmate=funded, caller_number=OTHER_NUMBER, approved=True, call_minutes=25)
    MinuteBalance.objects.filter(inmate=funded).update(last_call_started_at=NOON - dt.timedelta(minutes=5))
    response = authorize(OTHER_NUMBER)
    body = response.json()
    assert body["decision"] == "allow", body
    assert body["call_kind"] == "emergency" and body["monitored"] is True and body["max_minutes"] == 25
    call = Call.objects.get(pk=body["call_id"])
    assert call.emergency_request_id == request.pk and not call.charged
    request.refresh_from_db()
    assert request.used_at is not None and list(request.calls.all()) == [call]
    assert complete(call.pk, 20 * 60).json() == {"minutes_charged": 0, "minutes_remaining": 300}
    request.refresh_from_db()
    assert request.status == "completed"
    # Used once: the next attempt is not on the list (and a regular call minds the gap).
    assert codes(authorize(OTHER_NUMBER)) == ["not_on_list", "too_soon"]


def test_charged_emergency_call_counts_against_minutes(funded, authorize, complete):
    EmergencyRequestFactory(inmate=funded, caller_number=OTHER_NUMBER, approved=True, call_minutes=15, charged=True)
    body = authorize(OTHER_NUMBER).json()
    assert body["call_kind"] == "emergency"
    assert complete(body["call_id"], 61).json() == {"minutes_charged": 2, "minutes_remaining": 298}


def test_emergency_call_is_still_stopped_by_a_block(funded, authorize, home):
    EmergencyRequestFactory(inmate=funded, caller_number=OTHER_NUMBER, approved=True)
    BlockedNumberFactory(number=OTHER_NUMBER, facility=home)
    assert codes(authorize(OTHER_NUMBER)) == ["blocked_number"]


def test_an_expired_authorisation_no_longer_blocks_the_next_call(live, authorize, clock):
    first = authorize().json()
    clock.shift(dt.timedelta(hours=2))
    second = authorize().json()
    assert second["decision"] == "allow"
    assert Call.objects.get(pk=first["call_id"]).status == Call.Status.EXPIRED


def test_inmate_without_a_balance_row_is_decided_with_zero_minutes(clock, home, authorize):
    inmate = InmateFactory(facility=home, register_number="77777-001")
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    assert codes(authorize(register_number="77777-001")) == ["no_minutes_left"]


def _funded_inmate(home, register_number):
    other = InmateFactory(facility=home, register_number=register_number)
    services.minutes_grant_on_booking(inmate=other)
    PhoneListEntryFactory(inmate=other, number=NUMBER)
    return other


def test_a_decision_takes_the_same_queries_whatever_the_volume(live, authorize, complete, clock, home):
    authorize(OTHER_NUMBER)  # warm-up: the client's last_used_at is written at most every 5 minutes
    with CaptureQueriesContext(connection) as small:
        assert authorize().json()["decision"] == "allow"
    with CaptureQueriesContext(connection) as denied:
        assert authorize().json()["decision"] == "deny"
    # Much more of everything: inmates, live entries of the same number, calls, ledger entries.
    for n in range(30):
        other = _funded_inmate(home, f"5{n:04d}-001")
        call = services.call_authorize(facility=home, register_number=other.register_number, number=NUMBER)
        services.call_complete(call_id=call.pk, duration_seconds=90, facility_ids={home.pk})
    _funded_inmate(home, "60000-001")
    with CaptureQueriesContext(connection) as large:
        assert authorize(register_number="60000-001").json()["decision"] == "allow"
    EmergencyRequestFactory(inmate=live.inmate, caller_number=OTHER_NUMBER, approved=True)
    clock.shift(dt.timedelta(hours=2))
    with CaptureQueriesContext(connection) as emergency:
        assert authorize(OTHER_NUMBER).json()["call_kind"] == "emergency"
    assert len(small) == len(large) == QUERIES_PER_ALLOWED_DECISION
    assert len(denied) == QUERIES_PER_ALLOWED_DECISION  # the insert alone (an allowed call's opens the balance)
    # A decision that writes more is made again locked: + the client's last_used_at, the unlocked gather that found
    # it so, the locked path's savepoint pair (BEGIN/COMMIT in production), the lapse of the unreported earlier call,
    # and the emergency grant's use (savepoint, update, read, log, release).
    assert len(emergency) == QUERIES_PER_ALLOWED_DECISION + 10
    assert sum("FOR UPDATE OF" in q["sql"] for q in emergency.captured_queries) == 1


def test_exact_query_count(live, authorize, django_assert_num_queries):
    authorize(OTHER_NUMBER)  # warm up: the client's last_used_at is written at most every 5 minutes
    with django_assert_num_queries(QUERIES_PER_ALLOWED_DECISION):
        assert authorize().json()["decision"] == "allow"


# The token with the client's facilities (1), the gather (1: the balance row with the inmate, policy, open call,
# restrictions, watch, screening and emergency grant: calls/gather.py, unlocked), the call insert with the balance
# update on the condition that the row is still as read (1: one statement, no transaction around the two; the call row
# is the decision's audit record). (11 before the gather: 2 token, 1 lock, 2 screening, 1 grant, 2 savepoint, the
# call insert, the balance update and the audit event; 5 with the locked gather in a transaction.)
QUERIES_PER_ALLOWED_DECISION = 3


def test_ledger_untouched_by_a_decision(live, authorize):
    before = LedgerEntry.objects.count()
    authorize()
    authorize(OTHER_NUMBER)
    assert LedgerEntry.objects.count() == before


def test_the_decision_s_statements_show_in_the_query_log(live, authorize):
    authorize(OTHER_NUMBER)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        assert authorize().json()["decision"] == "allow"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert all(sql), sql
    assert not any("FOR UPDATE OF" in s for s in sql) and any(s.startswith("WITH n AS MATERIALIZED") for s in sql)
