"""POST /api/v1/phone-list/requests and GET .../phone-list (domain.md §7)."""

import pytest

from approvals.models import PhoneListEntry
from facilities.models import CallingPolicy

from .factories import BlockedNumberFactory, PhoneListEntryFactory

URL = "/api/v1/phone-list/requests"


def body(**kw):
    return {"facility": "home", "register_number": "12345-001", "number": "(312) 555-0147", "contact_name": "Jo",
            "relationship": "parent", **kw}


def test_kiosk_request_goes_live_when_self_managed(platform, inmate):
    response = platform.post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "live" and data["number"] == "+13125550147" and data["findings"] == []
    assert PhoneListEntry.objects.get().source == "kiosk"


def test_kiosk_request_with_findings_in_staff_review(platform, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_mode="staff_review")
    BlockedNumberFactory(facility=home, number="+13125550147")
    data = platform.post(URL, body(), format="json").json()
    assert data["status"] == "denied"
    assert data["findings"][0]["kind"] == "blocked_number" and data["findings"][0]["severity"] == "block"


@pytest.mark.parametrize("payload,status,code", [
    (body(number="1-800-555-0199"), 400, "toll_free"),
    (body(number="+1 900 555 0123"), 400, "premium_rate"),
    (body(number="12"), 400, "invalid_number"),
    (body(relationship="cousin"), 400, "invalid_input"),
    (body(contact_name=""), 400, "invalid_input"),
    ({"facility": "home"}, 400, "invalid_input"),
    (body(facility="other"), 404, "unknown_facility"),
    (body(facility="nowhere"), 404, "unknown_facility"),
    (body(register_number="00000-000"), 404, "unknown_inmate"),
    (body(relationship="attorney"), 400, "invalid_input"),
])
def test_kiosk_request_bad_input(platform, inmate, other, payload, status, code):
    response = platform.post(URL, payload, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not PhoneListEntry.objects.exists()


def test_malformed_json_and_no_token(platform, inmate, client):
    response = platform.post(URL, "{nope", content_type="application/json")
    assert response.json()["code"] == "malformed_json"
    assert client.post(URL, body(), content_type="application/json").status_code == 401


def test_duplicate_request_is_409(platform, inmate):
    platform.post(URL, body(), format="json")
    response = platform.post(URL, body(number="312.555.0147"), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_on_list")


def test_other_client_cannot_reach_home(other_platform, inmate):
    response = other_platform.post(URL, body(), format="json")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_facility")
    response = other_platform.get("/api/v1/facilities/home/inmates/12345-001/phone-list")
    assert response.status_code == 404


def test_phone_list_gives_live_numbers_only(platform, inmate, django_assert_max_num_queries):
    PhoneListEntryFactory(inmate=inmate, number="+13125550147", contact_name="Mom")
    PhoneListEntryFactory(inmate=inmate, number="+13125550148", status="pending")
    with django_assert_max_num_queries(6):
        response = platform.get("/api/v1/facilities/home/inmates/12345-001/phone-list")
    data = response.json()
    assert data["register_number"] == "12345-001"
    assert [n["number"] for n in data["numbers"]] == ["+13125550147"]
    assert platform.get("/api/v1/facilities/home/inmates/nope/phone-list").json()["code"] == "unknown_inmate"


def test_endpoints_in_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/phone-list/requests" in schema
    assert "/api/v1/facilities/{code}/inmates/{register_number}/phone-list" in schema


@pytest.mark.parametrize("path, method, documented", [
    ("/api/v1/phone-list/requests", "post", {
        400: ["invalid_input", "malformed_json", "invalid_number", "toll_free", "premium_rate"],
        401: ["not_authenticated", "invalid_token"], 404: ["unknown_facility", "unknown_inmate"],
        409: ["not_in_custody", "already_on_list"],
    }),
    ("/api/v1/facilities/{code}/inmates/{register_number}/phone-list", "get", {
        401: ["not_authenticated", "invalid_token"], 404: ["unknown_facility", "unknown_inmate"],
    }),
])
def test_schema_documents_each_error_status_with_its_codes(client, db, path, method, documented):
    responses = client.get("/api/schema/?format=json").json()["paths"][path][method]["responses"]
    errors = {status for status in responses if status.startswith(("4", "5"))}
    if method == "get":  # no body: no 400, 413 or 415; never a 403 or a 409
        assert errors == {"401", "404"}
    else:
        assert errors == {"400", "401", "404", "409", "413", "415"}
    for status, codes in documented.items():
        assert responses[str(status)]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        for code in codes:
            assert f"`{code}`" in responses[str(status)]["description"], (status, code)
