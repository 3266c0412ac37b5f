"""The review queue at volume: numbered pages read their ids from the queue index, counts come from the
index alone, the unfiltered page reuses the counts, and the numbers shown stay exact."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import selectors
from approvals.models import EntryFinding, PhoneListEntry

from .factories import PhoneListEntryFactory

S = PhoneListEntry.Status


def _bulk_pending(inmate, n, *, finding_every=0):
    now = timezone.now()
    entries = PhoneListEntry.objects.bulk_create(
        PhoneListEntry(inmate=inmate, facility=inmate.facility, number=f"+1312555{i:04d}", contact_name=f"C{i:04d}",
                       relationship="friend", source="kiosk", requested_by="kiosk", status=S.PENDING,
                       created_at=now - dt.timedelta(minutes=n - i),
                       has_review=bool(finding_every and i % finding_every == 0))
        for i in range(n)
    )
    if finding_every:
        EntryFinding.objects.bulk_create(
            EntryFinding(entry=e, kind="co_defendant", severity="review", reference="case CR-1", message="co")
            for i, e in enumerate(entries) if i % finding_every == 0
        )
    return entries


def test_deep_pages_follow_the_queue_order(login, staff, inmate):
    entries = _bulk_pending(inmate, 120)
    client = login(staff)
    url = reverse("approvals-queue", args=["home"])
    seen = []
    for number in (1, 2, 3):
        page = client.get(url, {"page": number}).context["page"]
        assert page.paginator.count == 120 and page.paginator.num_pages == 3
        seen += [e.pk for e in page]
        assert all(hasattr(e, "open_findings") for e in page)
    assert seen == [e.pk for e in entries]
    last = client.get(url, {"page": 99}).context["page"]  # past the end: the last page, as before
    assert last.number == 3 and [e.pk for e in last] == [e.pk for e in entries[100:]]


def test_filtered_pages_and_counts_are_exact(login, staff, inmate):
    entries = _bulk_pending(inmate, 130, finding_every=2)
    client = login(staff)
    url = reverse("approvals-queue", args=["home"])
    first = client.get(url, {"finding": "co_defendant"}).context["page"]
    second = client.get(url, {"finding": "co_defendant", "page": 2}).context["page"]
    assert first.paginator.count == 65
    assert [e.pk for e in [*first, *second]] == [e.pk for i, e in enumerate(entries) if i % 2 == 0]
    response = client.get(url)
    assert response.context["page"].paginator.count == response.context["counts"]["pending"] == 130
    assert response.context["counts"]["flagged"] == 65
    assert "130 in all" in response.content.decode()


def test_unfiltered_page_reuses_the_counts(login, staff, inmate, django_assert_max_num_queries):
    _bulk_pending(inmate, 5, finding_every=2)
    client = login(staff)
    url = reverse("approvals-queue", args=["home"])
    client.get(url)
    client.get(url, {"legal": "no"})
    with django_assert_max_num_queries(20) as unfiltered:
        client.get(url)
    with django_assert_max_num_queries(20) as filtered:
        assert client.get(url, {"legal": "no"}).context["page"].paginator.count == 5
    assert len(unfiltered.captured_queries) == len(filtered.captured_queries) - 1


def test_suspended_view_counts_suspended(login, staff, inmate):
    _bulk_pending(inmate, 3)
    PhoneListEntryFactory(inmate=inmate, status=S.SUSPENDED, number="+13125559999")
    page = login(staff).get(reverse("approvals-queue", args=["home"]), {"status": "suspended"}).context["page"]
    assert page.paginator.count == 1 and [e.status for e in page] == [S.SUSPENDED]


def _plan(sql, params):
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def test_counts_and_page_ids_come_from_the_queue_index_alone(home, inmate, staff):
    _bulk_pending(inmate, 10, finding_every=3)
    other = PhoneListEntryFactory(inmate=inmate, number="+13125559999").inmate  # and many live entries
    PhoneListEntry.objects.bulk_create(
        PhoneListEntry(inmate=other, facility=home, number=f"+1773555{i:04d}", contact_name="x", relationship="friend",
                       source="kiosk", requested_by="kiosk", status=S.LIVE) for i in range(2000)
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE approvals_phonelistentry")
        cur.execute("ANALYZE approvals_entryfinding")
    with CaptureQueriesContext(connection) as ctx:  # the counts aggregate as the page runs it
        selectors.queue_counts(facility=home, review_target_days=7)
    plan = _plan(ctx.captured_queries[0]["sql"], None)
    assert "Index Only Scan using phone_entry_queue_open" in plan, plan
    # The ids of a deep page (ordered, filtered by age) as the paginator reads them: no sort, no table.
    ids = selectors.queue_entries(user=staff, facility=home).filter(
        status=S.PENDING, created_at__lt=timezone.now()).values("pk")[50:100]
    plan = _plan(*ids.query.sql_with_params())
    assert "Index Only Scan using phone_entry_queue_open" in plan and "Sort" not in plan, plan
    # "Has an open finding of this kind": read from the findings index alone.
    kind = EntryFinding.objects.filter(kind="co_defendant", cleared_at__isnull=True).order_by().values("entry_id")
    assert "Index Only Scan using finding_kind_entry_open" in _plan(*kind.query.sql_with_params())
