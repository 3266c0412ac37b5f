"""A body nested 100,000 levels deep is a 400 ``malformed_json`` on every API endpoint that reads a body, not a
500 (Python's JSON decoder recurses once per level: RecursionError). Checked through the Django test client and
through a bare WSGI call, as gunicorn makes it (Django's handler500 would turn a crash into a JSON 500 there)."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from facilities.models import Inmate

pytestmark = pytest.mark.django_db

DEPTH = 100_000
BODIES = {
    "arrays": "[" * DEPTH,
    "closed arrays": "[" * DEPTH + "]" * DEPTH,
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "objects in a field": '{"facility": ' + '{"a":' * DEPTH + "1" + "}" * DEPTH + "}",
}
# Every endpoint that parses a body: roster (book, transfer, release), calls (authorize, complete), the kiosk.
ENDPOINTS = [
    "/api/v1/roster/book",
    "/api/v1/roster/transfer",
    "/api/v1/roster/release",
    "/api/v1/calls/authorize",
    "/api/v1/calls/1/complete",
    "/api/v1/phone-list/requests",
]


def _assert_malformed(status: int, content_type: str, content: bytes):
    assert status == 400, content[:300]
    assert content_type.startswith("application/json")
    body = json.loads(content)
    assert body["code"] == "malformed_json"
    assert "nested too deeply" in body["message"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("shape", list(BODIES))
def test_a_deeply_nested_body_is_a_400_malformed_json(platform, inmate, path, shape):
    response = platform.generic("POST", path, BODIES[shape], content_type="application/json")
    _assert_malformed(response.status_code, response["Content-Type"], response.content)
    assert Inmate.objects.count() == 1 and Inmate.objects.get().status == Inmate.Status.IN_CUSTODY


def _wsgi_post(path: str, body: str, token: str) -> tuple[int, str, bytes]:
    raw = body.encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw), "HTTP_AUTHORIZATION": f"Token {token}",
        "SERVER_NAME": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
    }
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    # As Django's test client does: keep the test's connection (and its transaction) open across the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"]["Content-Type"], content


@pytest.mark.parametrize("path", ENDPOINTS)
def test_through_a_bare_wsgi_call_as_gunicorn_makes_it(home, inmate, path):
    from tests.factories import platform_client

    _, token = platform_client("wsgi-client", home)
    for shape in ("arrays", "objects"):
        _assert_malformed(*_wsgi_post(path, BODIES[shape], token))
    # The same path still serves an ordinary request (the parser refuses depth, not JSON).
    status, _, content = _wsgi_post("/api/v1/calls/authorize", json.dumps({"facility": "home"}), token)
    assert status == 400 and json.loads(content)["code"] == "invalid_input"


def test_ordinary_nesting_still_parses(platform, inmate):
    body = json.dumps({"facility": "home", "register_number": inmate.register_number,
                       "released_on": "2026-11-10", "reason": "x", "extra": [[[[{"a": [1]}]]]]})
    response = platform.generic("POST", "/api/v1/roster/release", body, content_type="application/json")
    assert response.status_code == 200, response.content
