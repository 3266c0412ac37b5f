"""The calls API's schema (/api/schema/) tells the truth about its answers: statuses, error codes, reasons."""

import pytest

from calls.models import REASONS

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def _responses(schema, path, method="post"):
    return schema["paths"][path][method]["responses"]


def test_ping_without_a_token_is_a_documented_401(client, schema):
    # Found by the schema fuzzing: the ping answered 401 but documented only its 200.
    response = client.get("/api/v1/calls/ping")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    responses = _responses(schema, "/api/v1/calls/ping", "get")
    assert set(responses) == {"200", "401"}
    assert responses["401"]["content"]["application/json"]["schema"] == ERROR
    ping = schema["components"]["schemas"]["Ping"]
    assert ping["required"] == ["status"]


def test_ping_with_a_token(platform):
    response = platform.get("/api/v1/calls/ping")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("path, documented", [
    ("/api/v1/calls/authorize", {
        400: ["invalid_input", "malformed_json", "invalid_number", "toll_free", "premium_rate"],
        401: ["not_authenticated", "invalid_token"], 404: ["unknown_facility", "unknown_inmate"],
    }),
    ("/api/v1/calls/{call_id}/complete", {400: ["invalid_input"], 401: ["invalid_token"], 404: ["unknown_call"],
                                          409: ["call_not_authorized", "call_expired"]}),
])
def test_error_statuses_are_documented_with_their_codes(schema, path, documented):
    responses = _responses(schema, path)
    for status, codes in documented.items():
        assert responses[str(status)]["content"]["application/json"]["schema"] == ERROR
        for code in codes:
            assert f"`{code}`" in responses[str(status)]["description"], (status, code)


def test_authorize_never_answers_409_so_does_not_document_it(schema):
    assert "409" not in _responses(schema, "/api/v1/calls/authorize")


def test_every_reason_code_is_documented_with_its_meaning(schema):
    code = schema["components"]["schemas"]["Reason"]["properties"]["code"]
    enum = schema["components"]["schemas"][code["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert enum["enum"] == list(REASONS)
    description = schema["paths"]["/api/v1/calls/authorize"]["post"]["description"]
    for code, message in REASONS.items():
        assert f"`{code}` - {message}" in enum["description"]
        if code != "unknown_inmate":  # a 404, never a reason in an answer
            assert f"`{code}`: {message}" in description
