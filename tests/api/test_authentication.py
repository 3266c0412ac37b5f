"""The platform token: one statement authenticates it with the client's facilities (issue 13); no cache, so a
revoked client or a replaced token is refused at the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import PlatformClient

pytestmark = pytest.mark.django_db


def test_the_token_and_the_facilities_are_one_statement(platform, home, other):
    platform.platform_client.facilities.add(other)
    platform.get("/api/v1/calls/ping")  # warm-up: last_used_at is written at most every 5 minutes
    with CaptureQueriesContext(connection) as ping:
        assert platform.get("/api/v1/calls/ping").status_code == 200
    assert len(ping) == 1
    assert "api_platformclient_facilities" in ping.captured_queries[0]["sql"]


def test_the_client_sees_its_facilities_and_no_other(platform, home, other, inmate):
    body = {"facility": other.code, "register_number": inmate.register_number, "dialed_number": "+13125550142"}
    assert platform.post("/api/v1/calls/authorize", body, format="json").json()["code"] == "unknown_facility"
    platform.platform_client.facilities.add(other)
    assert platform.post("/api/v1/calls/authorize", body, format="json").json()["code"] == "unknown_inmate"


def test_a_client_without_facilities_is_authenticated_and_reaches_none(platform, home, inmate):
    platform.platform_client.facilities.clear()
    assert platform.get("/api/v1/calls/ping").status_code == 200
    body = {"facility": home.code, "register_number": inmate.register_number, "dialed_number": "+13125550142"}
    assert platform.post("/api/v1/calls/authorize", body, format="json").json()["code"] == "unknown_facility"


def test_revocation_takes_effect_at_the_next_request(platform):
    assert platform.get("/api/v1/calls/ping").status_code == 200
    PlatformClient.objects.filter(pk=platform.platform_client.pk).update(active=False)
    assert platform.get("/api/v1/calls/ping").status_code == 401
    PlatformClient.objects.filter(pk=platform.platform_client.pk).update(active=True)
    assert platform.get("/api/v1/calls/ping").status_code == 200
    client = PlatformClient.objects.get(pk=platform.platform_client.pk)
    client.set_new_token()
    client.save()
    assert platform.get("/api/v1/calls/ping").status_code == 401
