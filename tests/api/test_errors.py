"""Errors outside the API's views are JSON ``{code, message}`` under /api/ too (api.handlers, api.errors)."""

import json

import pytest
from django.test import RequestFactory

from api import handlers
from facilities.models import Inmate

pytestmark = pytest.mark.django_db


def _error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize("path", [
    "/api/v1/no-such-endpoint",
    # Found by the schema fuzzing: a register number holding a slash matched no URL and got Django's HTML 404.
    "/api/v1/facilities/home/inmates/12345%2F001/phone-list",
    "/api/v1/calls/12/34/complete",
])
def test_a_path_that_matches_no_endpoint_is_a_json_404(platform, inmate, path):
    _error(platform.get(path), 404, "not_found")


def test_staff_pages_keep_the_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_body_over_the_upload_limit_is_a_json_413_and_changes_nothing(platform, inmate, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"facility": "home", "register_number": inmate.register_number, "released_on": "2026-11-10",
                       "reason": "x" * 2000})
    response = platform.generic("POST", "/api/v1/roster/release", body, content_type="application/json")
    _error(response, 413, "request_too_large")
    assert Inmate.objects.get(pk=inmate.pk).status == Inmate.Status.IN_CUSTODY


def test_a_crash_under_the_api_answers_json_elsewhere_html():
    _error(handlers.server_error(RequestFactory().get("/api/v1/calls/authorize")), 500, "server_error")
    assert handlers.server_error(RequestFactory().get("/f/home/"))["Content-Type"].startswith("text/html")


def test_a_request_refused_before_the_view_answers_json_under_the_api():
    _error(handlers.bad_request(RequestFactory().get("/api/v1/calls/ping")), 400, "bad_request")
    assert handlers.bad_request(RequestFactory().get("/f/home/"))["Content-Type"].startswith("text/html")


def test_the_error_schema_documents_the_fields_of_invalid_input(client, db):
    error = client.get("/api/schema/?format=json").json()["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert error["properties"]["fields"]["additionalProperties"]["items"] == {"type": "string"}
