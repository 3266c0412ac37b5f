"""One log line per request and per task, JSON in production: request id (the caller's X-Request-ID or a new one),
user or platform client, facility, method, path without its query string, status, duration; task name, id, state,
duration. No telephone number or name: a call decided over the API (its body holds a number) leaves no digit of it."""

import importlib
import json
import logging
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from approvals.models import PhoneListEntry
from core.tasks import task_named
from operations.requestlog import NoTelephoneNumbers, logged_path
from tests.approvals.factories import PhoneListEntryFactory
from tests.test_project import PRODUCTION_ENV, ROOT, _production_env

pytestmark = pytest.mark.django_db

NUMBER = "+13125550123"


@pytest.fixture(scope="module")
def production_logging():
    """The production settings' LOGGING (imported with the production environment, not applied)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in PRODUCTION_ENV.items():
            mp.setenv(name, value)
        production = importlib.import_module("config.settings.production")
        return importlib.reload(production).LOGGING


@pytest.fixture
def as_production(production_logging):
    """Formats records as the production handler writes them: its JSON formatter and its filters."""
    from pythonjsonlogger.json import JsonFormatter

    spec = production_logging["formatters"]["json"]
    formatter = JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"])
    handler = production_logging["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["no_numbers"]
    assert production_logging["filters"]["no_numbers"]["()"] == "operations.requestlog.NoTelephoneNumbers"
    no_numbers = NoTelephoneNumbers()

    def lines(records):
        return [formatter.format(r) for r in records if no_numbers.filter(r)]

    return lines


def _requests(caplog):
    return [r for r in caplog.records if r.name == "operations.requests"]


def test_a_call_decision_over_the_api_logs_one_json_line_without_the_number(platform, inmate, caplog,
                                                                           as_production):
    PhoneListEntryFactory(inmate=inmate, number=NUMBER, status=PhoneListEntry.Status.LIVE)
    caplog.set_level(logging.DEBUG)
    response = platform.post("/api/v1/calls/authorize?trace=1",
                             {"facility": "home", "register_number": inmate.register_number, "dialed_number": NUMBER},
                             format="json")
    assert response.status_code == 200
    (record,) = _requests(caplog)
    lines = as_production(caplog.records)
    line = json.loads(as_production([record])[0])
    assert line["logger"] == "operations.requests" and line["level"] == "INFO"
    assert line["event"] == "request" and line["method"] == "POST" and line["status"] == 200
    assert line["path"] == "/api/v1/calls/authorize"  # no query string
    assert line["client_id"] == platform.platform_client.pk and line["user_id"] is None
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) and line["request_id"] == response["X-Request-ID"]
    assert isinstance(line["duration_ms"], float)
    digits = NUMBER.removeprefix("+1")
    for text in lines:  # every line the request wrote, whatever the logger
        json.loads(text)
        flat = re.sub(r"\D", "", text)
        assert digits not in flat and "5550123" not in text, text
        for private in (inmate.last_name, inmate.first_name):
            assert private not in text, text


def test_the_callers_request_id_is_kept_and_answered_back(client, caplog):
    caplog.set_level(logging.INFO, logger="operations.requests")
    response = client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a.1")
    assert response["X-Request-ID"] == "lb-7f3a.1" and _requests(caplog)[-1].request_id == "lb-7f3a.1"
    response = client.get("/login/", HTTP_X_REQUEST_ID="not a token; " + "x" * 200)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert _requests(caplog)[-1].request_id == response["X-Request-ID"]


def test_a_staff_page_logs_the_user_and_the_facility(login, warden, home, caplog):
    caplog.set_level(logging.INFO, logger="operations.requests")
    client = login(warden)
    assert client.get("/f/home/inmates/?name=lovelace").status_code == 200
    record = _requests(caplog)[-1]
    assert (record.user_id, record.client_id, record.facility) == (warden.pk, None, "home")
    assert (record.method, record.path, record.status) == ("GET", "/f/home/inmates/", 200)
    assert "lovelace" not in record.getMessage()


def test_a_number_in_an_address_or_a_message_is_not_written():
    request = SimpleNamespace(path="/investigations/numbers/+13125550123/",
                              resolver_match=SimpleNamespace(kwargs={"number": "+13125550123"}))
    assert logged_path(request) == "/investigations/numbers/<number>/"
    request = SimpleNamespace(path="/f/home/inmates/42/", resolver_match=SimpleNamespace(kwargs={"code": "home", "pk": 42}))
    assert logged_path(request) == "/f/home/inmates/42/"
    for message, args in (("Not Found: %s", ("/investigations/numbers/+13125550123/",)),
                          ("caller (312) 555-0123 said", ()), ("dialled 3125550123", ())):
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
        assert NoTelephoneNumbers().filter(record)
        assert "555" not in record.getMessage() and "<number>" in record.getMessage()
    kept = logging.LogRecord("x", logging.INFO, __file__, 1, "reset %s took %s ms on 2026-03-01", (7, 1234), None)
    NoTelephoneNumbers().filter(kept)
    assert kept.getMessage() == "reset 7 took 1234 ms on 2026-03-01"


@pytest.fixture
def task_records():
    """The records of operations.tasks, from a handler of its own (a task that failed earlier in the process has
    Celery set up its logging, after which pytest's capture misses them)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    logger = logging.getLogger("operations.tasks")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_task_logs_its_name_id_state_and_duration(task_records, as_production):
    result = task_named("calls.expire_authorizations").apply()
    (record,) = task_records
    line = json.loads(as_production([record])[0])
    assert (line["event"], line["task"], line["task_id"], line["state"]) == (
        "task", "calls.expire_authorizations", result.id, "SUCCESS")
    assert line["duration_ms"] >= 0


def test_production_writes_json_lines():
    code = ("import logging; logging.getLogger('operations.requests').info('GET /x 200', "
            "extra={'request_id': 'r1', 'status': 200}); logging.getLogger('django.request').warning("
            "'Not Found: %s', '/investigations/numbers/+13125550123/')")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=_production_env(),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    ours = next(line for line in lines if line["logger"] == "operations.requests")
    assert {"request_id": "r1", "status": 200, "level": "INFO", "message": "GET /x 200"}.items() <= ours.items()
    django = next(line for line in lines if line["logger"] == "django.request")
    assert django["message"] == "Not Found: /investigations/numbers/<number>/"
