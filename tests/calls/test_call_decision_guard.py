"""A call row is the decision's audit record (issue 13): the database refuses any change of its decision columns,
any move of its status the state machine does not allow, and any DELETE or TRUNCATE, on PostgreSQL and on the
demo's SQLite (audit/append_only.py, ``DECIDED_ONCE``). The SQLite half also decides calls through the compiled
gather statement (calls/gather.py), which must run there too."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from audit import append_only
from calls import services
from calls.models import Call
from tests.sqlite_stack import run_script

from .conftest import NOON
from .factories import NUMBER, OTHER_NUMBER

pytestmark = pytest.mark.django_db


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "decision" in str(exc), exc
        return True
    return False


@pytest.fixture
def decided(live, home):
    allowed = services.call_authorize(facility=home, register_number="12345-001", number=NUMBER)
    denied = services.call_authorize(facility=home, register_number="12345-001", number=OTHER_NUMBER)
    assert allowed.status == Call.Status.AUTHORIZED and denied.status == Call.Status.DENIED
    return allowed, denied


def test_the_guard_is_in_the_database():
    from django.apps import apps

    assert append_only.missing_decided_guards(connection, append_only.decided_models(apps)) == []


@pytest.mark.parametrize("column, value", [
    ("reasons", '["too_soon"]'), ("kind", "legal"), ("monitored", False), ("charged", False), ("max_minutes", 99),
    ("number", "+13125550199"), ("inmate_id", None), ("requested_at", NOON - dt.timedelta(days=1)),
    ("retry_after", NOON), ("client_label", "someone else"), ("expires_at", NOON + dt.timedelta(days=1)),
])
def test_a_decision_column_never_changes(decided, column, value):
    allowed, denied = decided
    for call in decided:
        if column == "inmate_id":
            value = call.inmate_id + 1000
        assert _refused(f"UPDATE calls_call SET {column} = %s WHERE id = %s", [value, call.pk]), column
    assert Call.objects.get(pk=allowed.pk).reasons == []
    assert Call.objects.get(pk=denied.pk).reasons == ["not_on_list", "call_in_progress", "too_soon"]


def test_the_outcome_moves_only_as_the_state_machine_allows(decided):
    allowed, denied = decided
    # A denial has no outcome to move.
    assert _refused("UPDATE calls_call SET status = 'completed' WHERE id = %s", [denied.pk])
    assert _refused("UPDATE calls_call SET status = 'authorized' WHERE id = %s", [denied.pk])
    assert _refused("UPDATE calls_call SET status = 'nonsense' WHERE id = %s", [allowed.pk])
    # The allowed call is completed through the service (one UPDATE of the outcome columns) ...
    services.call_complete(call_id=allowed.pk, duration_seconds=61, facility_ids={allowed.facility_id})
    done = Call.objects.get(pk=allowed.pk)
    assert done.status == Call.Status.COMPLETED and done.minutes_charged == 2
    # ... and then nothing moves any more.
    assert _refused("UPDATE calls_call SET status = 'expired' WHERE id = %s", [allowed.pk])
    assert _refused("UPDATE calls_call SET minutes_charged = 0 WHERE id = %s", [allowed.pk])
    assert _refused("UPDATE calls_call SET duration_seconds = 5 WHERE id = %s", [allowed.pk])


def test_an_unchanged_save_passes_and_expiry_moves_an_open_call(decided):
    allowed, _ = decided
    Call.objects.get(pk=allowed.pk).save()  # every column written again, none changed
    assert Call.objects.filter(pk=allowed.pk, status=Call.Status.AUTHORIZED).update(status=Call.Status.EXPIRED) == 1


def test_a_call_is_never_deleted(decided):
    allowed, denied = decided
    assert _refused("DELETE FROM calls_call WHERE id = %s", [denied.pk])
    assert Call.objects.count() == 2


def test_calls_are_never_truncated():
    # (No call inserted in this test's transaction: PostgreSQL refuses a TRUNCATE with foreign-key checks pending.)
    assert _refused("TRUNCATE calls_call CASCADE")


SCRIPT = r'''
import django
django.setup()

import datetime as dt
from django.db import DatabaseError, connection, transaction
from django.apps import apps
from django.utils import timezone

from audit import append_only
from calls import services
from calls.models import Call, MinuteBalance
from facilities.models import CallingPolicy
from tests.calls.factories import PhoneRestrictionFactory
from tests.factories import FacilityFactory, InmateFactory
from tests.approvals.factories import BlockedNumberFactory, PhoneListEntryFactory

assert append_only.missing_decided_guards(connection, append_only.decided_models(apps)) == []

def refused(sql, params=()):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "decision" in str(exc), exc
        return True
    return False

home = FacilityFactory(code="home")
CallingPolicy.objects.filter(facility=home).update(calling_hours_start=dt.time(0, 0), calling_hours_end=dt.time(0, 0))
home.refresh_from_db()
inmate = InmateFactory(facility=home, register_number="12345-001")
services.minutes_grant_on_booking(inmate=inmate)
PhoneListEntryFactory(inmate=inmate, number="+13125550142")
# The decision through the compiled gather on SQLite: allowed, then every reason a second one meets.
first = services.call_authorize(facility=home, register_number="12345-001", number="+13125550142")
assert first.status == "authorized" and first.kind == "regular" and first.max_minutes == 15, first.reasons
assert MinuteBalance.objects.get(inmate=inmate).open_call_id == first.pk
now = timezone.now()
PhoneRestrictionFactory(inmate=inmate, starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3))
PhoneRestrictionFactory(inmate=inmate, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2))
BlockedNumberFactory(facility=home, number="+13125550142")
second = services.call_authorize(facility=home, register_number="12345-001", number="+13125550142")
assert second.reasons == ["phone_restricted", "blocked_number", "call_in_progress", "too_soon"], second.reasons
# The restrictions' spans came with the gather: the retry waits for the end of both.
assert second.retry_after is not None and second.retry_after >= now + dt.timedelta(hours=3), second.retry_after
assert Call.objects.get(pk=second.pk).retry_after == second.retry_after
unknown = None
try:
    services.call_authorize(facility=home, register_number="nobody", number="+13125550142")
except services.CallError as exc:
    unknown = exc.code
assert unknown == "unknown_inmate"

assert refused("UPDATE calls_call SET reasons = '[]' WHERE id = %s", [second.pk])
assert refused("UPDATE calls_call SET max_minutes = 99 WHERE id = %s", [first.pk])
assert refused("UPDATE calls_call SET status = 'completed' WHERE id = %s", [second.pk])
assert refused("DELETE FROM calls_call WHERE id = %s", [second.pk])
services.call_complete(call_id=first.pk, duration_seconds=61, facility_ids={home.pk})
assert Call.objects.get(pk=first.pk).minutes_charged == 2
assert refused("UPDATE calls_call SET status = 'expired' WHERE id = %s", [first.pk])

# Through the API: the token's one statement, read back through Django's converters (SQLite's dates).
from api.models import PlatformClient
from django.test import Client
client = PlatformClient(name="platform")
token = client.set_new_token()
client.save()
client.facilities.set([home])
api = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
assert api.get("/api/v1/calls/ping").status_code == 200
assert api.get("/api/v1/calls/ping").status_code == 200  # last_used_at read back (an aware datetime)
answer = api.post("/api/v1/calls/authorize", {"facility": "home", "register_number": "12345-001",
                  "dialed_number": "+13125550142"}, content_type="application/json")
assert answer.status_code == 200 and answer.json()["reasons"][0]["code"] == "phone_restricted", answer.content
print("GUARDED")
'''


def test_sqlite_decides_through_the_gather_and_guards_the_decision(sqlite_env):
    """On make run's settings, in a subprocess, on a copy of the migrated template (tests/sqlite_stack.py)."""
    run_script(sqlite_env, SCRIPT, "GUARDED")
