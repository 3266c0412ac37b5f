"""seed_demo's investigations data: the demo investigator, a watch with an alert, a link report row, reviews due.
(The whole seed_demo runs in tests/facilities/test_seed_demo.py; here its investigations part, on its own.)"""

import io

import pytest

from calls import investigations_demo
from calls import services as calls
from calls.review_selectors import reviews_due
from facilities.management.commands import seed_demo
from facilities.models import Role
from investigations.models import WatchAlert, WatchEntry
from investigations.selectors import link_rows, shared_numbers
from tests.factories import FacilityFactory, InmateFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_seed_demo_has_an_investigator_and_runs_the_investigations_seeder():
    assert ("investigator", "Ivy", "Investigator", Role.INVESTIGATOR, ["tx-huntsville", "cook-county"]) in seed_demo.USERS
    assert seed_demo.APP_SEEDERS.index("calls.investigations_demo") > seed_demo.APP_SEEDERS.index("calls.demo")


def test_the_investigator_has_something_to_see(time_machine):
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC), tick=False)  # 10:00 in Chicago
    cook = FacilityFactory(code="cook-county", timezone="America/Chicago")
    for n in range(2):
        calls.minutes_grant_on_booking(inmate=InmateFactory(facility=cook, register_number=f"7000{n}-300"))
    warden = user_with_role(Role.WARDEN, cook, username="warden")
    investigator = user_with_role(Role.INVESTIGATOR, cook, username="investigator", email="ivy@example.org")
    investigations_demo.seed(stdout=io.StringIO())
    entry = WatchEntry.objects.get(owner=investigator)
    assert entry.number == investigations_demo.SHARED
    assert WatchAlert.objects.filter(watch=entry).count() == 1
    row = next(r for r in link_rows(user=investigator, numbers=list(shared_numbers(user=investigator)))
               if r.number == investigations_demo.SHARED)
    assert row.inmate_count == 2 and len(row.named) == 2
    due = {(r.kind, r.overdue) for r in reviews_due(user=warden, facility=cook)}
    assert due == {("restriction", False), ("block", True)}
    investigations_demo.seed(stdout=io.StringIO())  # a second run adds nothing
    assert WatchEntry.objects.count() == 1 and WatchAlert.objects.count() == 1
