"""The calls app's chart selectors (facility dashboard): exact figures on a built example, local-day boundaries in
the facility's zone, scoping, and a query count that does not grow with the volume."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import selectors
from calls.models import Call, MinuteBalance
from facilities.models import Facility, Inmate
from tests.factories import InmateFactory

# 10:00 in Chicago (CDT since Sunday 8 March 2026); the 30 local days run from Mon 9 Feb (CST) to Tue 10 March.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def _call(facility, inmate, at, *, status=Call.Status.COMPLETED, reasons=(), minutes=0, charged=True):
    return Call(
        facility=facility, inmate=inmate, dialed_number="+13125550123", number="+13125550123", status=status,
        reasons=list(reasons), requested_at=at, minutes_charged=minutes, max_minutes=max(minutes, 15),
        charged=charged,
    )


def _example(home, other, copies: int = 1) -> None:
    """The example, ``copies`` times over: every figure below is multiplied by ``copies``."""
    inmate = InmateFactory(facility=home)
    outsider = InmateFactory(facility=other)
    denied = Call.Status.DENIED
    rows = []
    for _ in range(copies):
        rows += [
            _call(home, inmate, dt.datetime(2026, 2, 9, 5, 59, tzinfo=UTC)),  # Sun 8 Feb 23:59 CST: before the window
            _call(home, inmate, dt.datetime(2026, 2, 9, 6, 0, tzinfo=UTC), minutes=4),  # Mon 9 Feb 00:00 CST
            _call(home, inmate, dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC), minutes=7),  # Sun 8 Mar 01:30 CST
            _call(home, inmate, dt.datetime(2026, 3, 9, 4, 59, tzinfo=UTC), status=denied,  # Sun 8 Mar 23:59 CDT
                  reasons=["not_on_list"]),
            _call(home, inmate, dt.datetime(2026, 3, 10, 4, 30, tzinfo=UTC), minutes=12),  # Mon 9 Mar 23:30 CDT
            _call(home, inmate, dt.datetime(2026, 3, 10, 4, 40, tzinfo=UTC), minutes=5, charged=False),  # legal
            _call(home, inmate, dt.datetime(2026, 3, 10, 5, 30, tzinfo=UTC), status=denied,  # Tue 10 Mar 00:30 CDT
                  reasons=["too_soon", "no_minutes_left"]),
            _call(home, inmate, dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC), status=denied, reasons=["not_on_list"]),
            # Another facility's calls count nowhere here.
            _call(other, outsider, dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC), minutes=9),
            _call(other, outsider, dt.datetime(2026, 3, 10, 14, 5, tzinfo=UTC), status=denied, reasons=["too_soon"]),
        ]
    Call.objects.bulk_create(rows)


@pytest.fixture
def chicago(home):
    return Facility.objects.get(pk=home.pk)  # fresh: no cached policy


def test_calls_per_day_counts_local_days(home, other, chicago, time_machine):
    time_machine.move_to(NOW, tick=False)
    _example(home, other)
    days = selectors.calls_per_day(facility=chicago, now=NOW)
    assert len(days) == 30
    assert days[0].day == dt.date(2026, 2, 9) and days[-1].day == dt.date(2026, 3, 10)
    by_day = {d.day: (d.allowed, d.denied) for d in days}
    assert by_day[dt.date(2026, 2, 9)] == (1, 0)
    assert by_day[dt.date(2026, 3, 8)] == (1, 1)
    assert by_day[dt.date(2026, 3, 9)] == (2, 0)
    assert by_day[dt.date(2026, 3, 10)] == (0, 2)
    assert sum(a for a, _d in by_day.values()) == 4 and sum(d for _a, d in by_day.values()) == 3


def test_calls_per_day_in_another_zone_moves_the_boundaries(home, other, time_machine):
    """The same calls seen from New York (an hour ahead): the 23:30 Chicago call is on Tue 10 Mar there, and the
    window starts an hour earlier (the call at 23:59 Chicago time on 8 Feb is on 9 Feb in New York)."""
    time_machine.move_to(NOW, tick=False)
    _example(home, other)
    home.timezone = "America/New_York"
    by_day = {d.day: (d.allowed, d.denied) for d in selectors.calls_per_day(facility=home, now=NOW)}
    assert by_day[dt.date(2026, 2, 9)] == (2, 0)
    assert by_day[dt.date(2026, 3, 8)] == (1, 0)
    assert by_day[dt.date(2026, 3, 9)] == (0, 1)
    assert by_day[dt.date(2026, 3, 10)] == (2, 2)


def test_denials_by_reason(home, other, chicago):
    _example(home, other)
    reasons = selectors.denials_by_reason(facility=chicago, now=NOW)
    assert [(r.code, r.count) for r in reasons] == [("not_on_list", 2), ("too_soon", 1), ("no_minutes_left", 1)]
    assert reasons[0].label == "This number is not live on the inmate's phone list."


def test_minutes_left_distribution(home, other, chicago):
    _example(home, other)
    for minutes in (0, 50, 75, 150, 225, 400):  # allowance 300: quarter 75, half 150, three quarters 225
        MinuteBalance.objects.create(inmate=InmateFactory(facility=home), minutes=minutes)
    MinuteBalance.objects.create(inmate=InmateFactory(facility=home, status=Inmate.Status.RELEASED), minutes=10)
    MinuteBalance.objects.create(inmate=InmateFactory(facility=other), minutes=0)
    figures = selectors.minutes_left_distribution(facility=chicago, now=NOW)
    assert figures.period == dt.date(2026, 3, 1)
    assert figures.allowance == 300
    assert figures.buckets == [("none left", 1), ("under a quarter left", 1), ("a quarter to a half left", 1),
                               ("a half to three quarters left", 1), ("three quarters or more left", 2)]
    assert figures.inmates == 6 and figures.minutes_left == 900
    assert figures.minutes_used == 7 + 12  # this period's charged calls: not February's, not the legal call


def test_minutes_allowance_includes_the_months_bonus(home, chicago):
    home.policy.bonus_mar = 100
    home.policy.save()
    chicago = Facility.objects.get(pk=home.pk)
    MinuteBalance.objects.create(inmate=InmateFactory(facility=home), minutes=299)
    figures = selectors.minutes_left_distribution(facility=chicago, now=NOW)
    assert figures.allowance == 400
    assert figures.buckets[4] == ("three quarters or more left", 0)
    assert figures.buckets[3] == ("a half to three quarters left", 1)


@pytest.mark.parametrize("selector", [
    selectors.calls_per_day, selectors.denials_by_reason, selectors.minutes_left_distribution,
])
def test_query_count_does_not_grow(home, other, selector, django_assert_num_queries):
    """The same number of queries at 1x and 10x the calls and balances (and no more than 4)."""
    _example(home, other)
    for minutes in (0, 100, 250):
        MinuteBalance.objects.create(inmate=InmateFactory(facility=home), minutes=minutes)
    facility = Facility.objects.get(pk=home.pk)
    with CaptureQueriesContext(connection) as once:
        small = selector(facility=facility, now=NOW)
    _example(home, other, copies=9)
    for minutes in range(0, 300, 11):
        MinuteBalance.objects.create(inmate=InmateFactory(facility=home), minutes=minutes)
    facility = Facility.objects.get(pk=home.pk)
    with django_assert_num_queries(len(once)):
        large = selector(facility=facility, now=NOW)
    assert len(once) <= 4
    assert large != small  # the figures grew, the queries did not
