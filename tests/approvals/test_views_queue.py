"""The review queue page: filters, counts, ages, overdue marks, constant queries."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from approvals.models import EntryFinding, PhoneListEntry

from ..factories import InmateFactory
from .factories import PhoneListEntryFactory

S = PhoneListEntry.Status


def _pending(inmate, days=0, finding=None, **kw):
    entry = PhoneListEntryFactory(inmate=inmate, status=S.PENDING,
                                  created_at=timezone.now() - dt.timedelta(days=days), **kw)
    if finding:
        EntryFinding.objects.create(entry=entry, kind=finding, severity="review", reference="case CR-9",
                                    message=f"{finding} message")
        PhoneListEntry.objects.filter(pk=entry.pk).update(has_review=True)
    return entry


def test_queue_oldest_first_with_counts_and_overdue(login, staff, home, inmate):
    young = _pending(inmate, days=1, contact_name="Young One")
    old = _pending(inmate, days=10, contact_name="Old One")
    PhoneListEntryFactory(inmate=inmate, contact_name="Live One")
    response = login(staff).get(reverse("approvals-queue", args=["home"]))
    body = response.content.decode()
    assert body.index("Old One") < body.index("Young One") and "Live One" not in body
    assert response.context["counts"]["pending"] == 2 and response.context["counts"]["overdue"] == 1
    rows = {e.pk: e.overdue for e in response.context["page"]}
    assert rows == {old.pk: True, young.pk: False}
    assert "overdue" in body and "1\xa0day" in body


def test_queue_filters(login, staff, home, inmate):
    co = _pending(inmate, finding="co_defendant", contact_name="Co Def")
    vic = _pending(inmate, finding="victim_witness", contact_name="Vic Tim")
    legal = _pending(inmate, legal=True, relationship="attorney", contact_name="Law Yer", bar_number="1", bar_state="TX")
    other = _pending(InmateFactory(facility=home, register_number="44444-444", last_name="Zed"), days=20,
                     relationship="parent", contact_name="Mom Zed")
    client = login(staff)
    url = reverse("approvals-queue", args=["home"])

    def ids(**params):
        return {e.pk for e in client.get(url, params).context["page"]}

    assert ids(finding="co_defendant") == {co.pk}
    assert ids(finding="victim_witness") == {vic.pk}
    assert ids(legal="yes") == {legal.pk}
    assert ids(relationship="parent") == {other.pk}
    assert ids(age="14") == {other.pk}
    assert ids(age="overdue") == {other.pk}
    assert ids(inmate="44444") == {other.pk}
    assert ids(inmate="zed") == {other.pk}
    assert ids(status="suspended") == set()


def test_queue_bad_filter_values_show_errors_and_change_nothing(login, staff, inmate):
    _pending(inmate)
    response = login(staff).get(reverse("approvals-queue", args=["home"]), {"age": "forever", "finding": "x"})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert len(response.context["page"]) == 1


def test_queue_query_count_is_constant(login, staff, home, inmate, django_assert_max_num_queries):
    client = login(staff)
    url = reverse("approvals-queue", args=["home"])
    for _ in range(3):
        _pending(inmate, finding="co_defendant")
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(30):
        _pending(InmateFactory(facility=home), finding="shared_number")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_queue_only_shows_own_facility(login, staff, inmate, other_inmate):
    _pending(other_inmate, contact_name="Elsewhere")
    assert "Elsewhere" not in login(staff).get(reverse("approvals-queue", args=["home"])).content.decode()


def test_dashboard_card_and_nav(login, staff, inmate):
    _pending(inmate, days=30)
    body = login(staff).get(reverse("facility-dashboard", args=["home"])).content.decode()
    assert "waiting for review" in body and "past the 7-day target" in body
    assert reverse("approvals-queue", args=["home"]) in body
    assert reverse("approvals-blocks", args=["home"]) in body
