"""The approvals app's chart selectors (facility dashboard): the review queue's ages against the target, numbers
added and decided per local day; exact figures, scoping, a query count that does not grow with the volume."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import selectors
from approvals.models import PhoneListEntry
from facilities.models import Facility
from tests.factories import InmateFactory

from .factories import PhoneListEntryFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 10:00 CDT in Chicago
UTC = dt.UTC
PENDING, LIVE, SUSPENDED, DENIED = (PhoneListEntry.Status.PENDING, PhoneListEntry.Status.LIVE,
                                    PhoneListEntry.Status.SUSPENDED, PhoneListEntry.Status.DENIED)


def _queue(home, other, copies: int = 1) -> None:
    inmate, outsider = InmateFactory(facility=home), InmateFactory(facility=other)
    for _ in range(copies):
        for age in (dt.timedelta(hours=12), dt.timedelta(hours=36), dt.timedelta(days=6, hours=22),
                    dt.timedelta(days=7),  # exactly the target: not yet overdue (as the queue counts it)
                    dt.timedelta(days=7, minutes=1), dt.timedelta(days=20), dt.timedelta(days=40)):
            PhoneListEntryFactory(inmate=inmate, status=PENDING, created_at=NOW - age)
        PhoneListEntryFactory(inmate=inmate, status=SUSPENDED, created_at=NOW - dt.timedelta(days=30))
        PhoneListEntryFactory(inmate=inmate, status=LIVE, created_at=NOW - dt.timedelta(days=30))
        PhoneListEntryFactory(inmate=outsider, status=PENDING, created_at=NOW - dt.timedelta(days=30))


def test_review_queue_ages_against_the_target(home, other):
    _queue(home, other)
    buckets = selectors.review_queue_ages(facility=home, review_target_days=7, now=NOW)
    assert [(b.label, b.count, b.overdue) for b in buckets] == [
        ("under 1 day", 1, False), ("1\N{EN DASH}2 days", 1, False), ("2\N{EN DASH}4 days", 0, False),
        ("4\N{EN DASH}5 days", 0, False), ("5\N{EN DASH}7 days", 2, False),
        ("7\N{EN DASH}14 days", 1, True), ("14\N{EN DASH}28 days", 1, True), ("28 days or more", 1, True),
    ]


def test_review_queue_ages_agree_with_the_queue_counts(home, other, time_machine):
    time_machine.move_to(NOW, tick=False)
    _queue(home, other)
    buckets = selectors.review_queue_ages(facility=home, review_target_days=7)
    counts = selectors.queue_counts(facility=home, review_target_days=7)
    assert sum(b.count for b in buckets) == counts["pending"] == 7
    assert sum(b.count for b in buckets if b.overdue) == counts["overdue"] == 3


def test_review_queue_ages_follow_a_short_target(home):
    buckets = selectors.review_queue_ages(facility=home, review_target_days=1, now=NOW)
    assert [(b.label, b.overdue) for b in buckets] == [
        ("under 1 day", False), ("1\N{EN DASH}2 days", True), ("2\N{EN DASH}4 days", True),
        ("4 days or more", True)]


def _flow(home, other, copies: int = 1) -> None:
    inmate, outsider = InmateFactory(facility=home), InmateFactory(facility=other)
    for _ in range(copies):
        # Added Tue 10 Mar 00:30 CDT, decided Tue 10 Mar 09:00 CDT.
        PhoneListEntryFactory(inmate=inmate, status=LIVE, created_at=dt.datetime(2026, 3, 10, 5, 30, tzinfo=UTC),
                              decided_at=dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
        # Added Mon 9 Mar 23:30 CDT, still waiting.
        PhoneListEntryFactory(inmate=inmate, status=PENDING, created_at=dt.datetime(2026, 3, 10, 4, 30, tzinfo=UTC))
        # Added long ago, denied Mon 9 Mar 00:00 CDT.
        PhoneListEntryFactory(inmate=inmate, status=DENIED, created_at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
                              decided_at=dt.datetime(2026, 3, 9, 5, 0, tzinfo=UTC))
        # Added Sun 8 Feb 23:59 CST: a minute before the 30 days.
        PhoneListEntryFactory(inmate=inmate, status=PENDING, created_at=dt.datetime(2026, 2, 9, 5, 59, tzinfo=UTC))
        PhoneListEntryFactory(inmate=outsider, status=LIVE, created_at=dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
                              decided_at=dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC))


def test_list_flow_per_local_day(home, other):
    _flow(home, other)
    days = selectors.list_flow_per_day(facility=home, now=NOW)
    assert len(days) == 30 and days[0].day == dt.date(2026, 2, 9) and days[-1].day == dt.date(2026, 3, 10)
    by_day = {d.day: (d.added, d.decided) for d in days if d.added or d.decided}
    assert by_day == {dt.date(2026, 3, 9): (1, 1), dt.date(2026, 3, 10): (1, 1)}


@pytest.mark.parametrize("build, read", [
    (_queue, lambda f: selectors.review_queue_ages(facility=f, review_target_days=7, now=NOW)),
    (_flow, lambda f: selectors.list_flow_per_day(facility=f, now=NOW)),
])
def test_query_count_does_not_grow(home, other, build, read, django_assert_num_queries):
    build(home, other)
    facility = Facility.objects.get(pk=home.pk)
    with CaptureQueriesContext(connection) as once:
        small = read(facility)
    build(home, other, copies=9)
    with django_assert_num_queries(len(once)):
        large = read(facility)
    assert len(once) <= 2
    assert large != small
