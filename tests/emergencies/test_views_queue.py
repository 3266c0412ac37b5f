"""The warden's queue: open requests, most urgent then oldest, ages, escalation marks, filters, counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from emergencies.models import EmergencyRequest
from facilities.models import Role
from tests.factories import InmateFactory, user_with_role

from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db

Category = EmergencyRequest.Category


def url(code="home"):
    return reverse("emergency-list", kwargs={"code": code})


@pytest.fixture
def queue(home, inmate, other_inmate):
    now = timezone.now()
    other_one = InmateFactory(facility=home, register_number="55555-001", last_name="Turing")
    return {
        "other_old": EmergencyRequestFactory(inmate=inmate, category=Category.OTHER, received_at=now - dt.timedelta(hours=9)),
        "death_new": EmergencyRequestFactory(inmate=inmate, category=Category.DEATH, received_at=now - dt.timedelta(minutes=5)),
        "death_old": EmergencyRequestFactory(inmate=other_one, category=Category.DEATH, received_at=now - dt.timedelta(hours=3)),
        "fire": EmergencyRequestFactory(inmate=inmate, category=Category.HOME_LOST, received_at=now - dt.timedelta(hours=1)),
        "illness": EmergencyRequestFactory(inmate=inmate, category=Category.ILLNESS, received_at=now - dt.timedelta(hours=1)),
        "denied": EmergencyRequestFactory(inmate=inmate, status="denied", decision_note="No."),
        "elsewhere": EmergencyRequestFactory(inmate=other_inmate),
    }


# Every signed-in page pays 7 of these whatever it shows: session, user, the second factor's device (django-otp),
# roles, the navigation's facilities, and saving the session (the idle clock) inside a savepoint pair.
QUEUE_PAGE_QUERIES = 13


def test_most_urgent_first_then_oldest_with_escalation_marks(login, warden, queue, django_assert_max_num_queries):
    client = login(warden)
    with django_assert_max_num_queries(QUEUE_PAGE_QUERIES):
        response = client.get(url())
    rows = list(response.context["page"])
    assert [r.pk for r in rows] == [queue[k].pk for k in ("death_old", "death_new", "illness", "fire", "other_old")]
    assert [r.is_overdue for r in rows] == [True, False, False, False, True]
    assert response.context["counts"] == {"open": 5, "escalated": 2}
    body = response.content.decode()
    assert "ago" in body and "Escalated: past the escalation time" in body
    assert "Death in the immediate family" in body and "(312) 555-" in body


def test_query_count_does_not_grow_with_rows(login, warden, home, inmate, django_assert_max_num_queries):
    EmergencyRequestFactory.create_batch(25, inmate=inmate)
    client = login(warden)
    with django_assert_max_num_queries(QUEUE_PAGE_QUERIES):
        response = client.get(url())
    assert len(response.context["page"].object_list) == 25


@pytest.mark.parametrize(
    "params,expected",
    [
        ("status=denied", ["denied"]),
        ("status=", ["death_old", "death_new", "denied", "illness", "fire", "other_old"]),
        ("category=death", ["death_old", "death_new"]),
        ("escalated=true", ["death_old", "other_old"]),
        ("escalated=false", ["death_new", "illness", "fire"]),
        ("q=turing", ["death_old"]),
        ("q=55555", ["death_old"]),
    ],
)
def test_filters(login, warden, queue, params, expected):
    response = login(warden).get(url() + "?" + params)
    assert [r.pk for r in response.context["page"]] == [queue[k].pk for k in expected]


def test_bad_filter_values_are_reported_not_crashing(login, warden, queue):
    response = login(warden).get(url() + "?status=nonsense&category=nope")
    assert response.status_code == 200
    assert "status" in response.context["filter"].errors


def test_pagination(login, warden, inmate):
    EmergencyRequestFactory.create_batch(30, inmate=inmate)
    client = login(warden)
    first = client.get(url())
    assert "30 in all" in first.content.decode() and len(first.context["page"].object_list) == 25
    second = client.get(url() + "?page=2")
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("persona,status", [
    ("staff", 200), ("warden", 200), ("auditor", 200), ("auditor_all", 200), ("other_staff", 404), ("other_warden", 404),
])
def test_permissions(request, login, queue, persona, status):
    response = login(request.getfixturevalue(persona)).get(url())
    assert response.status_code == status
    if status == 200:
        assert queue["elsewhere"].pk not in [r.pk for r in response.context["page"]]


def test_cross_facility_queue_lists_only_the_wardens_facilities(login, home, other, queue):
    both = user_with_role(Role.WARDEN, home, username="regional")
    response = login(both).get(reverse("emergency-queue-all"))
    assert queue["elsewhere"].pk not in [r.pk for r in response.context["page"]]
    from facilities.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.WARDEN, facility=other)
    response = login(both).get(reverse("emergency-queue-all"))
    assert queue["elsewhere"].pk in [r.pk for r in response.context["page"]]
    assert "other" in response.content.decode()


def test_cross_facility_queue_for_an_outsider_shows_nothing_of_home(login, other_warden, queue):
    response = login(other_warden).get(reverse("emergency-queue-all"))
    assert [r.pk for r in response.context["page"]] == [queue["elsewhere"].pk]


def test_each_row_shows_the_callers_earlier_requests(login, warden, inmate, other_inmate):
    now = timezone.now()
    number = "+13125550177"
    EmergencyRequestFactory(inmate=inmate, caller_number=number, status="denied", received_at=now - dt.timedelta(days=9))
    EmergencyRequestFactory(inmate=inmate, caller_number=number, status="completed", received_at=now - dt.timedelta(days=3))
    EmergencyRequestFactory(inmate=other_inmate, caller_number=number, received_at=now - dt.timedelta(days=1))  # not theirs
    current = EmergencyRequestFactory(inmate=inmate, caller_number=number)
    response = login(warden).get(url())
    row = next(r for r in response.context["page"] if r.pk == current.pk)
    assert (row.earlier_count, row.earlier_outcome) == (2, "Call made")
    assert "2 earlier; last: call made" in response.content.decode()
