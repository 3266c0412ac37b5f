"""One log line per request: JSON in production (``LOGGING`` in config/settings/production.py, python-json-logger).

Each line: the request id (the caller's ``X-Request-ID`` when it is a plain token, else a new one; answered back
in ``X-Request-ID``), the signed-in user's id or the platform client's id, the facility's code when the address
names one, the method, the path WITHOUT its query string, the status and the duration in milliseconds. Nothing
else about the request: no query string, no body, no header values, so no telephone number or name reaches the
logs from here (tests/operations/test_logs.py decides a call over the API and looks for the number's digits).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

log = logging.getLogger("operations.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def request_id_for(request) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestLogMiddleware:
    """First in ``MIDDLEWARE``: the duration covers the whole answer, and the user is known once it comes back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        path = logged_path(request)
        log.info("%s %s %s", request.method, path, response.status_code, extra={
            "event": "request", "request_id": request.request_id, **_who(request),
            "facility": _facility(request), "method": request.method, "path": path,
            "status": response.status_code, "duration_ms": round((time.monotonic() - started) * 1000, 1),
        })
        return response


# Parts of an address that are ids or codes, logged as they are; any other part the URL names (a telephone number:
# /investigations/numbers/<number>/) is logged as its name, e.g. /investigations/numbers/<number>/.
SAFE_URL_PARTS = {"code", "pk", "inmate_pk", "call_id", "entry_pk", "case_pk", "order_pk", "block_pk"}


def logged_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in (match.kwargs.items() if match is not None else ()):
        if name not in SAFE_URL_PARTS and not isinstance(value, int) and str(value):
            path = path.replace(str(value), f"<{name}>")
    return path


# A telephone number written anywhere in a log message (E.164, or ten or more digits with the usual separators).
_NUMBER = re.compile(r"\+\d[\d ().-]{6,}\d|\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b|\b\d{10,15}\b")


class NoTelephoneNumbers(logging.Filter):
    """On the production log handler: a telephone number in any message (Django's "Not Found: <path>", a library's
    warning) is replaced by "<number>" before the line is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _NUMBER.sub("<number>", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _who(request) -> dict:
    user = getattr(request, "user", None)
    client = getattr(request, "auth", None)  # the platform client (api/authentication.py), set by DRF
    return {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "client_id": getattr(client, "pk", None),
    }


def _facility(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.kwargs.get("code") if match is not None else None
