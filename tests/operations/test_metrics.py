"""/metrics: only to PORTAL_METRICS_NETWORKS (the client's address as the log-in defences see it, through the
trusted proxies), with the portal's figures: call decisions, decision latency, review queues, open emergencies,
reset runs, task failures; scrape-time figures in a constant number of queries; codes only, no numbers or names."""

import datetime as dt
import re

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client import REGISTRY

from approvals.models import PhoneListEntry
from calls import reset
from calls.models import MonthlyReset
from tests.approvals.factories import PhoneListEntryFactory
from tests.calls.factories import NUMBER
from tests.emergencies.factories import EmergencyRequestFactory

from ..factories import FacilityFactory, InmateFactory

pytestmark = pytest.mark.django_db


def _scrape(client, **extra):
    return client.get("/metrics", **extra)


def _value(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == wanted:
            return float(m.group(3))
    return None


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_monitoring_address_reads_it_and_others_get_404(client, settings):
    assert settings.PORTAL_METRICS_NETWORKS == ["127.0.0.1/32", "::1/128"]
    response = _scrape(client)  # the test client comes from 127.0.0.1
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.content.decode()
    assert _scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 404
    assert _scrape(client, REMOTE_ADDR="::1").status_code == 200
    settings.PORTAL_METRICS_NETWORKS = ["10.0.0.0/8"]
    assert _scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert _scrape(client).status_code == 404


def test_behind_the_trusted_proxy_the_client_is_who_the_proxy_saw(client, settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_METRICS_NETWORKS = ["10.0.0.0/8"]
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}  # the proxy's own address: loopback, but it speaks for someone else
    assert _scrape(client, HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy).status_code == 404
    assert _scrape(client, HTTP_X_FORWARDED_FOR="10.9.8.7", **via_proxy).status_code == 200
    # A client writing the allowed address itself: it is further left, and ignored.
    assert _scrape(client, HTTP_X_FORWARDED_FOR="10.9.8.7, 203.0.113.9", **via_proxy).status_code == 404
    settings.PORTAL_METRICS_NETWORKS = ["127.0.0.1/32"]
    assert _scrape(client, HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy).status_code == 404


def test_review_queue_and_open_emergencies_per_facility(client, home, other, inmate):
    now = timezone.now()
    oldest = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING)
    PhoneListEntry.objects.filter(pk=oldest.pk).update(created_at=now - dt.timedelta(hours=5))
    PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING)
    PhoneListEntryFactory(inmate=inmate)  # live: not waiting
    EmergencyRequestFactory(inmate=inmate)
    EmergencyRequestFactory(inmate=inmate, approved=True)  # decided: not open
    text = _scrape(client).content.decode()
    assert _value(text, "portal_review_queue_size", facility="home") == 2
    assert _value(text, "portal_review_queue_size", facility="other") == 0
    assert 5 * 3600 - 60 < _value(text, "portal_review_queue_oldest_seconds", facility="home") < 5 * 3600 + 60
    assert _value(text, "portal_review_queue_oldest_seconds", facility="other") == 0
    assert _value(text, "portal_open_emergencies", facility="home") == 1
    assert _value(text, "portal_open_emergencies", facility="other") == 0
    for private in (inmate.last_name, inmate.register_number, home.name, oldest.number, oldest.number[2:]):
        assert private not in text


def test_scrape_time_figures_take_the_same_queries_for_any_number_of_facilities(client, home):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert _scrape(client).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for n in range(4):
        facility = FacilityFactory(code=f"extra-{n}")
        PhoneListEntryFactory(inmate=InmateFactory(facility=facility), status=PhoneListEntry.Status.PENDING)
        EmergencyRequestFactory(inmate=InmateFactory(facility=facility))
    assert queries() == one <= 2


def test_call_decisions_are_counted_by_outcome_kind_and_reason(client, platform, inmate, clock):
    from calls import services

    services.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    before = {"allowed": _sample("portal_call_decisions_total", outcome="allowed", kind="regular"),
              "denied": _sample("portal_call_decisions_total", outcome="denied", kind="regular"),
              "not_on_list": _sample("portal_call_decision_reasons_total", outcome="denied", reason="not_on_list"),
              "latency": _sample("portal_call_decision_seconds_count")}

    def authorize(number):
        return platform.post("/api/v1/calls/authorize",
                             {"facility": "home", "register_number": inmate.register_number, "dialed_number": number},
                             format="json")

    assert authorize(NUMBER).json()["decision"] == "allow"
    assert authorize("+13125550177").json()["decision"] == "deny"
    assert _sample("portal_call_decisions_total", outcome="allowed", kind="regular") == before["allowed"] + 1
    assert _sample("portal_call_decisions_total", outcome="denied", kind="regular") == before["denied"] + 1
    assert _sample("portal_call_decision_reasons_total", outcome="denied", reason="not_on_list") == \
        before["not_on_list"] + 1
    assert _sample("portal_call_decision_seconds_count") == before["latency"] + 2
    text = _scrape(client).content.decode()
    assert 'portal_call_decisions_total{kind="regular",outcome="allowed"}' in text
    assert "portal_call_decision_seconds_bucket" in text
    assert NUMBER not in text and NUMBER[2:] not in text and "5550177" not in text


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC), tick=False)


def test_reset_runs_and_durations_are_counted_per_facility(home, inmate):
    record = MonthlyReset.objects.create(facility=home, period=dt.date(2026, 3, 1),
                                         reset_at=timezone.now() - dt.timedelta(minutes=1))
    runs = _sample("portal_reset_runs_total", facility="home", outcome="done")
    again = _sample("portal_reset_runs_total", facility="home", outcome="already_done")
    timed = _sample("portal_reset_duration_seconds_count", facility="home")
    reset.facility_reset_run(reset_id=record.pk)
    reset.facility_reset_run(reset_id=record.pk)  # a second delivery finds it done
    assert _sample("portal_reset_runs_total", facility="home", outcome="done") == runs + 1
    assert _sample("portal_reset_runs_total", facility="home", outcome="already_done") == again + 1
    assert _sample("portal_reset_duration_seconds_count", facility="home") == timed + 1


@current_app.task(name="tests.operations.always_fails")
def _always_fails():
    raise RuntimeError("this task fails")


def test_a_failed_task_is_counted_by_name(client):
    before = _sample("portal_task_failures_total", task="tests.operations.always_fails")
    result = _always_fails.apply(throw=False)
    assert result.failed()
    assert _sample("portal_task_failures_total", task="tests.operations.always_fails") == before + 1
    assert 'portal_task_failures_total{task="tests.operations.always_fails"}' in _scrape(client).content.decode()
