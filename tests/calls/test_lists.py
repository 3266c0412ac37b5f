"""The lists that answer questions without clicking through: the inmate list's minutes, list size and restriction
mark; the facility's phone restrictions and minute grants. Each page is checked for what it shows, and for a query
count that does not grow with its rows."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import PhoneListEntry
from calls import services
from facilities.models import CallingPolicy

from ..approvals.factories import PhoneListEntryFactory
from ..factories import InmateFactory, UserFactory
from ..pages import page
from .factories import PhoneRestrictionFactory


def _rows(response) -> dict[str, str]:
    """{register number: the visible text of its row} of the page's first table."""
    html = response.content.decode()
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = {}
    for row in body.split("<tr>")[1:]:
        text = page(type("R", (), {"status_code": 200, "content": f"<table><tr>{row}</table>".encode()})())[1]
        rows[text.split(" ")[0]] = text
    return rows


@pytest.fixture
def roster(home, warden):
    """Two inmates at home: Ada with 300 minutes, 3 numbers counted (a pending one included; a denied one and
    an attorney's number counted apart are not) and a restriction in force; Bob with nothing yet."""
    CallingPolicy.objects.filter(facility=home).update(list_size=10, legal_counted_separately=True)
    ada = InmateFactory(facility=home, register_number="11111-001", first_name="Ada", last_name="Abbott")
    bob = InmateFactory(facility=home, register_number="22222-002", first_name="Bob", last_name="Barker")
    services.minutes_grant_on_booking(inmate=ada)
    PhoneListEntryFactory.create_batch(2, inmate=ada)
    PhoneListEntryFactory(inmate=ada, status=PhoneListEntry.Status.PENDING)
    PhoneListEntryFactory(inmate=ada, status=PhoneListEntry.Status.DENIED)
    PhoneListEntryFactory(inmate=ada, legal=True, relationship="attorney", legal_verified_at=timezone.now())
    PhoneRestrictionFactory(inmate=ada, imposed_by=warden)
    PhoneRestrictionFactory(inmate=bob, imposed_by=warden, starts_at=timezone.now() + dt.timedelta(days=2))
    return ada, bob


def test_inmate_list_shows_minutes_left_list_size_and_restriction(login, staff, roster):
    ada, bob = roster
    response = login(staff).get(reverse("inmate-list", args=["home"]))
    _, text = page(response)
    assert "Minutes left" in text and "Phone list" in text and "Restriction" in text
    rows = _rows(response)
    assert "300" in rows["11111-001"] and "3 of 10" in rows["11111-001"] and "Restricted" in rows["11111-001"]
    # Bob: no minutes granted yet, no number, a restriction that starts only later: no mark.
    assert "none granted yet" in rows["22222-002"] and "0 of 10" in rows["22222-002"]
    assert "Restricted" not in rows["22222-002"]


def test_inmate_list_counts_attorneys_when_the_policy_counts_them_in(login, staff, roster, home):
    CallingPolicy.objects.filter(facility=home).update(legal_counted_separately=False)
    rows = _rows(login(staff).get(reverse("inmate-list", args=["home"])))
    assert "4 of 10" in rows["11111-001"]



def test_inmate_list_counts_against_the_size_a_wardens_leave_raises(login, staff, warden, roster, home):
    """The limit shown is the inmate's own (approvals.limits.effective_list_limits): a leave in force raises it;
    an ended leave or one past its last day does not."""
    from approvals import services as approvals
    from facilities.times import local_day

    ada, bob = roster
    today = local_day(home)
    approvals.leave_grant(inmate=ada, list_size=15, ends_on=today + dt.timedelta(days=30), actor=warden,
                          reason="Family abroad: more numbers until the trial")
    ended = approvals.leave_grant(inmate=bob, list_size=12, ends_on=today + dt.timedelta(days=30), actor=warden,
                                  reason="Extra numbers")
    approvals.leave_end(leave=ended, reason="No longer needed", actor=warden)
    client = login(staff)
    rows = _rows(client.get(reverse("inmate-list", args=["home"])))
    assert "3 of 15" in rows["11111-001"] and "0 of 10" in rows["22222-002"]
    # past its last day the leave no longer raises the size (signed in again: sessions last 12 hours at most)
    with time_machine.travel(timezone.now() + dt.timedelta(days=32)):
        rows = _rows(login(staff).get(reverse("inmate-list", args=["home"])))
    assert "3 of 10" in rows["11111-001"]

def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_inmate_list_query_count_does_not_grow_with_rows(login, staff, home, warden):
    client = login(staff)
    url = reverse("inmate-list", args=["home"])

    def add_inmates(n):
        for _ in range(n):
            inmate = InmateFactory(facility=home)
            services.minutes_grant_on_booking(inmate=inmate)
            PhoneListEntryFactory(inmate=inmate)
            PhoneRestrictionFactory(inmate=inmate, imposed_by=warden)

    add_inmates(1)
    one = _queries(client, url)
    add_inmates(9)
    assert _queries(client, url) == one


def test_restrictions_list_shows_those_in_force_with_counts(login, staff, roster, warden):
    ada, bob = roster
    lifted = PhoneRestrictionFactory(inmate=bob, imposed_by=warden, reason="Lifted one")
    services.restriction_lift(restriction=lifted, reason="Hearing overturned", actor=warden)
    client = login(staff)
    heading, text = page(client.get(reverse("calls-restrictions", args=["home"])))
    assert "1 in force now, 1 starting later" in heading
    assert "Abbott, Ada" in text and "In force" in text and warden.get_full_name() in text
    assert "Barker" not in text  # scheduled and lifted ones only when asked for
    response = client.get(reverse("calls-restrictions", args=["home"]), {"state": "all"})
    assert "Hearing overturned" in page(response)[1]
    states = re.findall(r'<span class="status[^"]*">([^<]*)</span>', response.content.decode())
    assert sorted(states) == ["In force", "Lifted early", "Starts later"]  # in words, never "active"/"lifted"
    _, later = page(client.get(reverse("calls-restrictions", args=["home"]), {"state": "scheduled"}))
    assert "Barker, Bob" in later and "Abbott" not in later


def test_restrictions_list_query_count_does_not_grow_with_rows(login, staff, home, warden):
    client = login(staff)
    url = reverse("calls-restrictions", args=["home"])
    PhoneRestrictionFactory(inmate=InmateFactory(facility=home), imposed_by=warden)
    one = _queries(client, url)
    for _ in range(9):
        PhoneRestrictionFactory(inmate=InmateFactory(facility=home), imposed_by=warden)
    assert _queries(client, url) == one


def test_grants_list_shows_grants_with_totals_and_who(login, staff, roster, warden):
    ada, bob = roster
    services.minutes_grant_on_booking(inmate=bob)
    services.minutes_grant_extra(inmate=ada, minutes=30, reason="Family funeral next week", actor=warden)
    services.minutes_grant_extra(inmate=bob, minutes=15, reason="Lost minutes in a platform outage", actor=warden)
    client = login(staff)
    heading, text = page(client.get(reverse("calls-grants", args=["home"])))
    assert "2 grants, 45 minutes" in heading
    assert "Family funeral next week" in text and "+30" in text and warden.get_full_name() in text
    assert "Monthly allowance" not in text and "+300" not in text  # only the wardens' extra minutes
    heading, text = page(client.get(reverse("calls-grants", args=["home"]), {"inmate": "Barker"}))
    assert "1 grant, 15 minutes" in heading and "Family funeral" not in text


def test_grants_list_query_count_does_not_grow_with_rows(login, staff, home, warden):
    client = login(staff)
    url = reverse("calls-grants", args=["home"])
    granter = UserFactory(username="granter", first_name="Gina", last_name="Granter")

    def grant(n):
        for _ in range(n):
            inmate = InmateFactory(facility=home)
            services.minutes_grant_on_booking(inmate=inmate)
            services.minutes_grant_extra(inmate=inmate, minutes=10, reason="Good cause", actor=granter)

    grant(1)
    one = _queries(client, url)
    grant(9)
    assert _queries(client, url) == one


def test_the_lists_are_in_the_facility_menu(login, staff, home):
    html = login(staff).get(reverse("facility-dashboard", args=["home"])).content.decode()
    assert reverse("calls-restrictions", args=["home"]) in html and reverse("calls-grants", args=["home"]) in html


def test_another_facility_lists_are_not_found(login, other_staff, roster):
    client = login(other_staff)
    assert client.get(reverse("calls-restrictions", args=["home"])).status_code == 404
    assert client.get(reverse("calls-grants", args=["home"])).status_code == 404
