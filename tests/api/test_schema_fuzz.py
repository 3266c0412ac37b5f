"""Schema-driven fuzzing of the platform API (schemathesis + hypothesis).

Every operation of /api/schema/ is called with generated bodies and paths, both valid and invalid per the
schema, authenticated as a platform client of a facility with inmates, live numbers, a lawyer, a released
inmate, an approved emergency request and past calls. Generated values are mixed with real ones (the
facility's code, register numbers, live numbers, call ids) so that the requests reach past the look-ups into
the rules. Asserted for every response:

- no 5xx;
- every 4xx is JSON ``{code, message}`` with both strings;
- status code, content type, headers and body conform to the schema (schemathesis' checks), and invalid
  input per the schema is refused with a 4xx.

A second test sends each odd value (a NUL, a slash, non-ASCII digits, a long text...) in every string field
and path parameter of every operation, the rest of the request valid: what random draws reach only now and then.

Each example runs in a savepoint rolled back afterwards, so every example starts from the same world and
hypothesis can replay and shrink a failure. Deterministic (``derandomize=True``) so that CI is reproducible.
For a longer hunt: ``FUZZ_EXAMPLES=1000 pytest tests/api/test_schema_fuzz.py``; ``FUZZ_STATS=1 ... -s`` prints
every answer (to see how deep the fuzzing reaches).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from urllib.parse import quote

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calls import services as call_services
from facilities.models import Inmate
from tests.approvals.factories import PhoneListEntryFactory
from tests.calls.factories import LAWYER, NUMBER, OTHER_NUMBER, PhoneRestrictionFactory
from tests.emergencies.factories import EmergencyRequestFactory
from tests.factories import FacilityFactory, InmateFactory, UserFactory, platform_client

pytestmark = pytest.mark.django_db

# 10:00 in Chicago: inside the default calling hours, mid-month.
NOON = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
EMERGENCY_NUMBER = "+13125550177"
RESTRICTED_NUMBER = "+13125550166"


@pytest.fixture(autouse=True)
def keep_the_connection():
    """No per-request connection closing (as in Django's test client): the test's transaction must survive
    each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(time_machine, home, other):
    """A facility with a few inmates and live numbers; a client token for it and a second facility."""
    time_machine.move_to(NOON, tick=False)
    away = FacilityFactory(code="away", name="Away State Prison", timezone="America/Denver")
    warden = UserFactory(username="fuzz-warden")
    ada = InmateFactory(facility=home, register_number="12345-001", first_name="Ada", last_name="Lovelace")
    bob = InmateFactory(facility=home, register_number="12345-002", first_name="Bob", last_name="Builder")
    cy = InmateFactory(facility=home, register_number="12345-003", first_name="Cy", last_name="Restricted")
    dee = InmateFactory(facility=home, register_number="12345-005", first_name="Dee", last_name="Free")
    gone = InmateFactory(facility=home, register_number="12345-004", status=Inmate.Status.RELEASED,
                         released_on=dt.date(2026, 2, 1))
    InmateFactory(facility=away, register_number="77777-001")
    outsider = InmateFactory(facility=other, register_number="99999-001")
    for inmate in (ada, bob, cy, dee, outsider):
        call_services.minutes_grant_on_booking(inmate=inmate)
    for inmate in (ada, bob, cy, dee):
        PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    PhoneListEntryFactory(inmate=bob, number=OTHER_NUMBER)
    PhoneListEntryFactory(inmate=cy, number=RESTRICTED_NUMBER)
    PhoneListEntryFactory(
        inmate=ada, number=LAWYER, legal=True, relationship="attorney",
        legal_verified_at=NOON - dt.timedelta(days=3), legal_verified_by=warden, bar_number="12345", bar_state="IL",
    )
    PhoneListEntryFactory(inmate=outsider, number=NUMBER)
    PhoneRestrictionFactory(inmate=cy, imposed_by=warden)
    EmergencyRequestFactory(inmate=bob, caller_number=EMERGENCY_NUMBER, approved=True, decided_by=warden)
    # A few calls of every outcome, so that call ids in paths reach real calls: Ada's completed (her next
    # regular call is too soon, her lawyer's is allowed), Dee's in progress, Cy's and the released inmate's
    # denied, one at a facility the client may not touch. Bob is free to call his numbers and his emergency.
    calls = [
        call_services.call_authorize(facility=home, register_number=ada.register_number, number=NUMBER),
        call_services.call_authorize(facility=home, register_number=dee.register_number, number=NUMBER),
        call_services.call_authorize(facility=home, register_number=cy.register_number, number=NUMBER),
        call_services.call_authorize(facility=home, register_number=gone.register_number, number=NUMBER),
        call_services.call_authorize(facility=other, register_number=outsider.register_number, number=NUMBER),
    ]
    call_services.call_complete(call_id=calls[0].pk, duration_seconds=125, facility_ids={home.pk})
    _, token = platform_client("fuzz", home, away)
    _, other_token = platform_client("fuzz-other", other)
    # Hypothesis draws the first values most: an inmate free to call first.
    inmates = [("home", "12345-002"), ("home", "12345-001"), ("away", "77777-001"), ("home", "12345-003"),
               ("home", "12345-004"), ("home", "12345-005"), ("other", "99999-001")]
    return {
        "token": token,
        "other_token": other_token,
        "facilities": ["home", "away", "other"],
        "inmates": inmates,
        "free": [("home", "55555-001"), ("away", "55555-002"), ("home", "12345-001"), ("other", "55555-003")],
        "register_numbers": [number for _, number in inmates],
        "numbers": ["312-555-0188", NUMBER, EMERGENCY_NUMBER, LAWYER, "+1 (773) 555-0101", OTHER_NUMBER,
                    RESTRICTED_NUMBER, "(312) 555-0123", "+18005550100", "+19005550100", "12"],
        "call_ids": [str(c.pk) for c in calls],
        # Dates around the world's: before the admissions (2024-01-15), today, the future.
        "births": ["1980-05-01", "1999-12-31", "2026-03-10"],
        "dates": ["2026-03-10", "2026-03-01", "2023-12-31", "2027-01-01"],
    }


# Body fields and path parameters that take the world's real values part of the time.
REAL = {
    "facility": "facilities", "to_facility": "facilities", "code": "facilities",
    "register_number": "register_numbers",
    "dialed_number": "numbers", "number": "numbers",
    "call_id": "call_ids",
    "date_of_birth": "births",
    "admitted_on": "dates", "released_on": "dates", "transferred_on": "dates",
}
# Awkward strings for any string field or path parameter: a NUL, a slash, non-ASCII digits, spaces, long.
LONG = "A long text " * 30
ODD = ["12345-001\x00", "12345/001", "\u0661\u0662", " 12345-001 ", LONG]


def _choice(data, label: str) -> str:
    """``real`` four times in eight, ``odd`` three times, ``generated`` once (hypothesis favours small integers)."""
    n = data.draw(st.integers(0, 7), label=label)
    return "real" if n < 4 else "odd" if n < 7 else "generated"


def _mix_in(values: dict, world, data, *, pair: tuple[str, str], pairs: str = "inmates") -> None:
    """Replace some of ``values`` (a body or the path parameters) with the world's real values or odd ones."""
    facility_key, number_key = pair
    done: set[str] = set()
    if facility_key in values and number_key in values and _choice(data, "real inmate") == "real":
        values[facility_key], values[number_key] = data.draw(st.sampled_from(world[pairs]), label="inmate")
        done = {facility_key, number_key}
    for name in list(values):
        choice = _choice(data, name)
        if choice == "real" and name in REAL and name not in done:
            values[name] = data.draw(st.sampled_from(world[REAL[name]]), label=name)
        elif choice == "odd" and isinstance(values[name], str):
            values[name] = data.draw(st.sampled_from(ODD), label=name)


def _mix_in_real_values(case, world, data) -> None:
    """Valid (positive) cases take real or odd values part of the time; invalid ones are left as generated, so
    that what makes them invalid reaches the server."""
    if case.meta is not None and not case.meta.generation.mode.is_positive:
        return
    if case.path_parameters:
        _mix_in(case.path_parameters, world, data, pair=("code", "register_number"))
    if isinstance(case.body, dict):
        # A booking wants a register number not in use; everything else an inmate on the roster.
        pairs = "free" if case.operation.path.endswith("/book") else "inmates"
        _mix_in(case.body, world, data, pair=("facility", "register_number"), pairs=pairs)
        # Text the schema sets no limit on, present or not, now and then long: it must fit wherever it is kept.
        for name in _unbounded_text(case):
            if data.draw(st.booleans(), label=f"long {name}"):
                case.body[name] = LONG


def _unbounded_text(case) -> list[str]:
    """The body's string properties with no maxLength (nor a format or an enum)."""
    schema = case.operation.body[0].optimized_schema if case.operation.body else {}
    return [
        name for name, prop in schema.get("properties", {}).items()
        if prop.get("type") == "string" and not {"maxLength", "format", "enum"} & set(prop)
    ]


def _authorization(world, data) -> dict[str, str]:
    """Mostly the client's token; now and then none, a made-up one, a malformed header, another client's."""
    choice = data.draw(st.integers(0, 11), label="authorization")
    if choice == 8:
        return {}
    if choice == 9:
        return {"Authorization": "Token not-a-real-token"}
    if choice == 10:
        return {"Authorization": "Token two parts"}
    if choice == 11:
        return {"Authorization": f"Token {world['other_token']}"}
    return {"Authorization": f"Token {world['token']}"}


def error_body_check(ctx, response, case):
    """Every 4xx is JSON with string ``code`` and ``message``."""
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (
            f"{response.status_code} is not JSON ({content_type}): {response.content[:200]!r}"
        )
        body = json.loads(response.content)
        assert isinstance(body, dict), body
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("message"), str) and body["message"], body
    return None


CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
    response_schema_conformance, negative_data_rejection,
]

# The schema as the app serves it (generated without touching the database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    # The token is the test's to choose (see _authorization), not generated.
    with_security_parameters=False,
)
# The schema's own examples (drf-spectacular ``OpenApiExample``) cannot be combined with ``given()``: they run
# in their own test below (``test_the_schema_s_examples``).
schema.config.phases.update(phases=["coverage", "fuzzing"])
examples = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
examples.config.generation.update(with_security_parameters=False)
examples.config.phases.update(phases=["examples"])


@pytest.fixture
def statuses():
    """The statuses an operation answered; at the end, at least one success: the fuzzing got past the
    look-ups into the rules."""
    seen: list[int] = []
    yield seen
    assert any(200 <= status < 300 for status in seen), f"no request succeeded: {sorted(set(seen))}"


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 80)), deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, data, world, statuses):
    _mix_in_real_values(case, world, data)
    headers = _authorization(world, data)
    # Each example starts from the same world (a savepoint rolled back): hypothesis can replay and shrink a
    # failure, and one transfer or release does not leave every later example a 409.
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    statuses.append(response.status_code)
    if os.environ.get("FUZZ_STATS"):
        print("STAT", case.method, case.operation.path, response.status_code, case.path_parameters, case.body,
              response.content[:100])
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.body!r}: {response.status_code}"
    case.validate_response(response, checks=CHECKS, additional_checks=[error_body_check], headers=headers)


@examples.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_the_schema_s_examples(case, world):
    """Every example the schema shows is a request the API answers as the schema says (no 5xx)."""
    headers = {"Authorization": f"Token {world['token']}"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.body!r}: {response.status_code}"
    case.validate_response(response, checks=CHECKS[:-1], additional_checks=[error_body_check], headers=headers)


# ---------------------------------------------------------------------------------------- odd values, one by one
# Random draws reach each odd value only now and then; this sweep sends every one of them in every string field
# and path parameter of every operation, the rest of the request valid (a request that succeeds as it stands).


def _valid_requests(world) -> dict[str, tuple[dict, dict | None]]:
    """For each operation of the schema: path parameters and a body that succeed as they are."""
    return {
        "GET /api/v1/calls/ping": ({}, None),
        "GET /api/v1/facilities/{code}/inmates/{register_number}/phone-list": (
            {"code": "home", "register_number": "12345-002"}, None),
        "POST /api/v1/called-party-blocks": ({}, {"facility": "home", "number": "312-555-0189"}),
        "POST /api/v1/calls/authorize": (
            {}, {"facility": "home", "register_number": "12345-002", "dialed_number": NUMBER}),
        "POST /api/v1/calls/{call_id}/complete": ({"call_id": world["call_ids"][1]}, {"duration_seconds": 60}),
        "POST /api/v1/phone-list/requests": ({}, {
            "facility": "home", "register_number": "12345-002", "number": "312-555-0188", "contact_name": "Jo",
            "relationship": "parent", "legal": False, "bar_number": "", "bar_state": ""}),
        "POST /api/v1/roster/book": ({}, {
            "facility": "home", "register_number": "55555-001", "first_name": "Grace", "last_name": "Hopper",
            "date_of_birth": "1980-05-01", "housing_unit": "A-1", "admitted_on": "2026-03-10"}),
        "POST /api/v1/roster/transfer": ({}, {
            "facility": "home", "register_number": "12345-002", "to_facility": "away", "transferred_on": "2026-03-10",
            "housing_unit": "B-2", "reason": "Court order"}),
        "POST /api/v1/roster/release": ({}, {
            "facility": "home", "register_number": "12345-002", "released_on": "2026-03-10",
            "reason": "Sentence served"}),
    }


def _send(api, method: str, template: str, params: dict, body: dict | None):
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    if method == "GET":
        return api.get(path)
    return api.post(path, body, format="json")


def test_every_odd_value_in_every_field(client, world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world['token']}")
    api.raise_request_exception = False
    requests = _valid_requests(world)
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert set(requests) == labels, "give every operation of the schema a valid request here"
    problems = []
    for label, (params, body) in requests.items():
        method, template = label.split(" ", 1)
        variants = [(None, params, body)]
        variants += [(f"path {name}={odd!r}", {**params, name: odd}, body) for name in params for odd in ODD]
        variants += [
            (f"body {name}={odd!r}", params, {**body, name: odd})
            for name, value in (body or {}).items() if isinstance(value, str) for odd in ODD
        ]
        for what, params_, body_ in variants:
            with transaction.atomic():
                response = _send(api, method, template, params_, body_)
                transaction.set_rollback(True)
            where = f"{label} {what or 'as it stands'}: {response.status_code} {response.content[:150]!r}"
            if what is None and not 200 <= response.status_code < 300:
                problems.append(f"the valid request failed: {where}")
            elif response.status_code >= 500:
                problems.append(where)
            elif response.status_code >= 400:
                try:
                    error = json.loads(response.content)
                except ValueError:
                    error = None
                if not (isinstance(error, dict) and isinstance(error.get("code"), str)
                        and isinstance(error.get("message"), str)):
                    problems.append(f"not {{code, message}}: {where}")
    assert not problems, "\n".join(problems)
