"""Roster upkeep through the API: book, transfer, release; bad input changes nothing."""

import pytest

from facilities.models import CustodyEvent, Inmate
from tests.auth import signed_in

from ..factories import FacilityFactory

BOOK = "/api/v1/roster/book"
TRANSFER = "/api/v1/roster/transfer"
RELEASE = "/api/v1/roster/release"


def booking(**overrides):
    data = {
        "facility": "home", "register_number": "77777-001", "first_name": "Grace", "last_name": "Hopper",
        "date_of_birth": "1980-12-09", "admitted_on": "2026-11-02", "housing_unit": "A-1",
    }
    data.update(overrides)
    return data


def _snapshot():
    return (
        sorted(Inmate.objects.values_list("facility__code", "register_number", "status")),
        CustodyEvent.objects.count(),
    )


def test_book_transfer_release(platform, home, other):
    platform.platform_client.facilities.add(other)
    response = platform.post(BOOK, booking(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "in_custody"
    inmate = Inmate.objects.get(register_number="77777-001")
    response = platform.post(TRANSFER, {"facility": "home", "register_number": "77777-001", "to_facility": "other",
                                        "transferred_on": "2026-11-10"}, format="json")
    assert response.status_code == 200 and response.json()["facility"] == "other"
    response = platform.post(RELEASE, {"facility": "other", "register_number": "77777-001", "released_on": "2026-11-20"},
                             format="json")
    assert response.status_code == 200 and response.json()["status"] == "released"
    kinds = list(inmate.custody_events.order_by("recorded_at", "id").values_list("kind", flat=True))
    assert kinds == ["booked", "transferred", "released"]
    assert inmate.history.count() >= 3


def test_released_inmate_can_be_readmitted(platform, home):
    platform.post(BOOK, booking(), format="json")
    platform.post(RELEASE, {"facility": "home", "register_number": "77777-001", "released_on": "2026-11-05"}, format="json")
    response = platform.post(BOOK, booking(admitted_on="2026-11-20"), format="json")
    assert response.status_code == 201 and response.json()["released_on"] is None


def test_transfer_out_of_the_system(platform, inmate):
    response = platform.post(TRANSFER, {"facility": "home", "register_number": inmate.register_number,
                                        "to_facility": None, "transferred_on": "2026-11-10"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "transferred"


@pytest.mark.parametrize(
    "url, payload, status, code",
    [
        (BOOK, booking(facility="nowhere"), 404, "unknown_facility"),
        (BOOK, booking(facility="other"), 404, "unknown_facility"),
        (BOOK, booking(register_number="12345-001"), 409, "duplicate_register_number"),
        (BOOK, booking(date_of_birth="not-a-date"), 400, "invalid_input"),
        (BOOK, booking(date_of_birth="2027-01-01"), 400, "invalid_input"),
        (BOOK, {"facility": "home"}, 400, "invalid_input"),
        (TRANSFER, {"facility": "home", "register_number": "00000-000", "to_facility": None, "transferred_on": "2026-11-10"}, 404, "unknown_inmate"),
        (TRANSFER, {"facility": "home", "register_number": "12345-001", "to_facility": "other", "transferred_on": "2026-11-10"}, 404, "unknown_facility"),
        (TRANSFER, {"facility": "home", "register_number": "12345-001", "to_facility": "home", "transferred_on": "2026-11-10"}, 400, "same_facility"),
        (RELEASE, {"facility": "home", "register_number": "12345-001", "released_on": "1999-01-01"}, 400, "invalid_date"),
        (RELEASE, {"facility": "home", "register_number": "12345-001", "released_on": "9999-12-31"}, 400, "invalid_date"),
        (BOOK, booking(admitted_on="9999-12-31"), 400, "invalid_date"),
        (TRANSFER, {"facility": "home", "register_number": "12345-001", "to_facility": None, "transferred_on": "2999-01-01"}, 400, "invalid_date"),
        # Found by the schema fuzzing: a 500 (the database's released-after-admitted check) before the fix.
        (TRANSFER, {"facility": "home", "register_number": "12345-001", "to_facility": None, "transferred_on": "1999-01-01"}, 400, "invalid_date"),
        (TRANSFER, {"facility": "home", "register_number": "12345-001", "to_facility": "home2", "transferred_on": "1999-01-01"}, 400, "invalid_date"),
        (RELEASE, {"facility": "other", "register_number": "99999-001", "released_on": "2026-11-10"}, 404, "unknown_facility"),
    ],
)
def test_bad_input_gets_a_4xx_with_a_code_and_changes_nothing(platform, inmate, other_inmate, url, payload, status, code):
    platform.platform_client.facilities.add(FacilityFactory(code="home2"))
    before = _snapshot()
    response = platform.post(url, payload, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and response.json()["message"]
    assert _snapshot() == before


def test_release_twice_is_refused(platform, inmate):
    data = {"facility": "home", "register_number": inmate.register_number, "released_on": "2026-11-10"}
    assert platform.post(RELEASE, data, format="json").status_code == 200
    before = _snapshot()
    response = platform.post(RELEASE, data, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_in_custody"
    assert _snapshot() == before


def test_malformed_json(platform, inmate):
    before = _snapshot()
    response = platform.generic("POST", BOOK, '{"facility": "home", ', content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    assert _snapshot() == before


def test_another_facilitys_token_reaches_nothing(other_platform, inmate):
    before = _snapshot()
    response = other_platform.post(RELEASE, {"facility": "home", "register_number": inmate.register_number,
                                             "released_on": "2026-11-10"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "unknown_facility"
    assert _snapshot() == before


@pytest.mark.parametrize("header, code", [(None, "not_authenticated"), ("Token nope", "invalid_token"),
                                          ("Token a b", "invalid_token")])
def test_missing_or_bad_token(client, inmate, header, code):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(BOOK, booking(), content_type="application/json", **extra)
    assert response.status_code == 401 and response.json()["code"] == code


def test_revoked_client_is_refused(platform, inmate):
    platform.platform_client.active = False
    platform.platform_client.save()
    response = platform.post(BOOK, booking(), format="json")
    assert response.status_code == 401


def test_staff_session_is_not_a_platform_client(client, staff):
    signed_in(client, staff)
    response = client.post(BOOK, booking(), content_type="application/json")
    assert response.status_code == 401


def test_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/roster/book" in response.content


def test_token_is_stored_hashed(platform):
    from api.models import PlatformClient

    client = PlatformClient.objects.get(pk=platform.platform_client.pk)
    token = platform._credentials["HTTP_AUTHORIZATION"].split()[1]
    assert token not in client.token_hash and len(client.token_hash) == 64


def test_create_platform_client_command_prints_the_token_once(home, capsys):
    from django.core.management import call_command

    from api.models import PlatformClient, hash_token

    call_command("create_platform_client", "vendor", "--facility", "home")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = PlatformClient.objects.get(name="vendor")
    assert client.token_hash == hash_token(token)
    assert list(client.facilities.values_list("code", flat=True)) == ["home"]


def test_create_platform_client_refuses_unknown_facility(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Unknown facility"):
        call_command("create_platform_client", "vendor", "--facility", "nowhere")


@pytest.mark.parametrize("path, documented", [
    (BOOK, {400: ["invalid_input", "malformed_json"], 404: ["unknown_facility"], 409: ["duplicate_register_number"]}),
    (TRANSFER, {400: ["invalid_date", "same_facility"], 404: ["unknown_facility", "unknown_inmate"],
                409: ["not_in_custody", "duplicate_register_number"]}),
    (RELEASE, {400: ["invalid_date"], 404: ["unknown_facility", "unknown_inmate"], 409: ["not_in_custody"]}),
])
def test_schema_documents_each_error_status_with_its_codes(client, db, path, documented):
    responses = client.get("/api/schema/?format=json").json()["paths"][path]["post"]["responses"]
    for status in (400, 401, 404, 409, 413, 415):
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    assert "403" not in responses  # a client is never refused with a 403: other facilities are a 404
    for status, codes in documented.items():
        for code in codes:
            assert f"`{code}`" in responses[str(status)]["description"]
    assert "`invalid_token`" in responses["401"]["description"]


def test_a_long_reason_is_kept_whole_and_answers_no_500(platform, home, inmate):
    """A reason over about 80 characters overflowed the history's 100-character change-reason column (500)."""
    away = FacilityFactory(code="away")
    platform.platform_client.facilities.add(away)
    reason = " ".join(["Court order 2026-CR-0042: moved for a medical evaluation."] * 5)
    response = platform.post(TRANSFER, {"facility": "home", "register_number": inmate.register_number,
                                        "to_facility": "away", "transferred_on": "2026-11-10", "reason": reason},
                             format="json")
    assert response.status_code == 200, response.content
    response = platform.post(RELEASE, {"facility": "away", "register_number": inmate.register_number,
                                       "released_on": "2026-11-20", "reason": reason}, format="json")
    assert response.status_code == 200, response.content
    assert list(inmate.custody_events.values_list("reason", flat=True).order_by("id")) == [reason, reason]
    release, transfer = inmate.history.order_by("-history_id")[:2]  # the whole reason each time
    assert transfer.history_change_reason.startswith(reason + " (") and release.history_change_reason.startswith(reason + " (")


def test_a_client_with_a_long_name_can_book(home, db):
    """The history's change reason "booked (platform client <name>)" overflowed its column (500)."""
    from rest_framework.test import APIClient

    from ..factories import platform_client

    _, token = platform_client("x" * 100, home)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(BOOK, booking(), format="json").status_code == 201
    assert Inmate.history.filter(history_type="+", history_change_reason__contains="x" * 100).exists()  # whole name
