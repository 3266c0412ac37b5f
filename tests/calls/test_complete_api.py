"""POST /api/v1/calls/{call_id}/complete, and API bad inputs that must change nothing."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from calls.models import Call, LedgerEntry, MinuteBalance
from calls.services import call_authorizations_expire

from .factories import NUMBER

pytestmark = pytest.mark.django_db


def _state():
    return (Call.objects.count(), LedgerEntry.objects.count(), list(MinuteBalance.objects.values_list("minutes", flat=True)),
            AuditEvent.objects.filter(action__startswith="call").count())


def test_each_started_minute_is_charged(live, authorize, complete):
    call_id = authorize().json()["call_id"]
    response = complete(call_id, 61)
    assert response.status_code == 200
    assert response.json() == {"minutes_charged": 2, "minutes_remaining": 298}
    entry = LedgerEntry.objects.get(call_id=call_id)
    assert entry.kind == "call_charge" and entry.minutes == -2 and entry.balance_after == 298
    call = Call.objects.get(pk=call_id)
    assert call.status == "completed" and call.duration_seconds == 61
    assert MinuteBalance.objects.get(inmate=live.inmate).open_call_id is None


def test_exact_minutes_are_not_rounded_up(live, authorize, complete):
    call_id = authorize().json()["call_id"]
    assert complete(call_id, 120).json()["minutes_charged"] == 2


def test_charge_never_exceeds_what_was_authorised(live, authorize, complete):
    MinuteBalance.objects.filter(inmate=live.inmate).update(minutes=4)
    call_id = authorize().json()["call_id"]
    assert complete(call_id, 3600).json() == {"minutes_charged": 4, "minutes_remaining": 0}


def test_reporting_twice_charges_once(live, authorize, complete):
    call_id = authorize().json()["call_id"]
    first = complete(call_id, 300).json()
    second = complete(call_id, 900)
    assert second.status_code == 200 and second.json() == first == {"minutes_charged": 5, "minutes_remaining": 295}
    assert LedgerEntry.objects.filter(call_id=call_id).count() == 1


def test_completing_a_denied_call_is_refused(funded, authorize, complete):
    call_id = authorize("+13125550199").json()["call_id"]
    response = complete(call_id, 60)
    assert response.status_code == 409 and response.json()["code"] == "call_not_authorized"


def test_expired_authorisation(live, authorize, complete, clock):
    call_id = authorize().json()["call_id"]
    clock.shift(dt.timedelta(minutes=26))
    assert call_authorizations_expire() == 1
    assert Call.objects.get(pk=call_id).status == "expired"
    assert MinuteBalance.objects.get(inmate=live.inmate).open_call_id is None
    response = complete(call_id, 60)
    assert response.status_code == 409 and response.json()["code"] == "call_expired"
    assert not LedgerEntry.objects.filter(call_id=call_id).exists()
    assert call_authorizations_expire() == 0


def test_expiry_task_leaves_open_calls_within_their_time(live, authorize, clock):
    authorize()
    clock.shift(dt.timedelta(minutes=20))
    assert call_authorizations_expire() == 0


@pytest.mark.parametrize("seconds", [-1, 24 * 3600 + 1, 10**12, "ten", None, 1.5])
def test_bad_durations(live, authorize, complete, seconds):
    call_id = authorize().json()["call_id"]
    before = _state()
    response = complete(call_id, seconds)
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert _state() == before


@pytest.mark.parametrize("call_id", ["999999", "abc", "0", "-3", "99999999999999999999999"])
def test_unknown_call(live, complete, call_id):
    before = _state()
    response = complete(call_id, 60)
    assert response.status_code == 404 and response.json()["code"] == "unknown_call"
    assert _state() == before


@pytest.mark.parametrize("spell", [
    lambda n: "".join(chr(0x0660 + int(d)) for d in str(n)),  # Arabic-Indic digits
    lambda n: f" {n} ",
    lambda n: f"+{n}",
    lambda n: f"0_{n}",
], ids=["arabic-indic digits", "spaces", "plus sign", "underscore"])
def test_a_call_id_is_ascii_digits_only(live, authorize, complete, spell):
    """Found while fuzzing the schema: int() read these spellings as the call's id and completed the call."""
    call_id = authorize().json()["call_id"]
    before = _state()
    response = complete(spell(call_id), 60)
    assert response.status_code == 404 and response.json()["code"] == "unknown_call"
    assert _state() == before


def test_another_facilitys_client_cannot_complete_the_call(live, authorize, other_platform):
    call_id = authorize().json()["call_id"]
    before = _state()
    response = other_platform.post(f"/api/v1/calls/{call_id}/complete", {"duration_seconds": 60}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "unknown_call"
    assert _state() == before


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"facility": "nowhere", "register_number": "12345-001", "dialed_number": NUMBER}, 404, "unknown_facility"),
        ({"facility": "other", "register_number": "99999-001", "dialed_number": NUMBER}, 404, "unknown_facility"),
        ({"facility": "home", "register_number": "00000-000", "dialed_number": NUMBER}, 404, "unknown_inmate"),
        ({"facility": "home", "register_number": "12345-001", "dialed_number": "call mom"}, 400, "invalid_number"),
        ({"facility": "home", "register_number": "12345-001", "dialed_number": "555"}, 400, "invalid_number"),
        ({"facility": "home", "register_number": "12345-001", "dialed_number": "+18005550100"}, 400, "toll_free"),
        ({"facility": "home", "register_number": "12345-001", "dialed_number": "+19005550100"}, 400, "premium_rate"),
        ({"facility": "home", "register_number": "12345-001"}, 400, "invalid_input"),
        ({"facility": "home", "register_number": "12345-001", "dialed_number": "1" * 41}, 400, "invalid_input"),
    ],
)
def test_authorize_bad_inputs_change_nothing(live, other, other_inmate, authorize, platform, payload, status, code):
    before = _state()
    response = platform.post("/api/v1/calls/authorize", payload, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert _state() == before


def test_malformed_json(live, platform):
    before = _state()
    response = platform.post("/api/v1/calls/authorize", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    assert _state() == before


def test_other_facilitys_token_cannot_authorize_our_inmate(live, other_platform):
    before = _state()
    response = other_platform.post(
        "/api/v1/calls/authorize", {"facility": "home", "register_number": "12345-001", "dialed_number": NUMBER},
        format="json",
    )
    assert response.status_code == 404 and response.json()["code"] == "unknown_facility"
    assert _state() == before


def test_no_token(live, client):
    response = client.post("/api/v1/calls/authorize", {}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "forbidden")
