"""The facility pages show what they are for: the inmate, the policy, the facility's dashboard."""

import datetime as dt

import pytest
from django.urls import reverse

from facilities import services

from ..factories import InmateFactory
from ..pages import facts, page

pytestmark = pytest.mark.django_db


def test_the_inmate_page_shows_who_the_inmate_is_and_their_custody(login, home, staff):
    inmate = services.inmate_book(
        facility=home, register_number="48213-077", first_name="Grace", last_name="Hopper",
        date_of_birth=dt.date(1980, 12, 9), admitted_on=dt.date(2024, 3, 1), housing_unit="B-2", actor="jms",
    )
    response = login(staff).get(reverse("inmate-detail", args=["home", inmate.pk]))
    heading, text = page(response)
    assert heading == "Hopper, Grace · 48213-077"
    shown = facts(response)
    assert shown["Status"] == "In custody"
    assert (shown["Date of birth"], shown["Housing unit"], shown["Admitted"]) == ("1980-12-09", "B-2", "2024-03-01")
    assert "2024-03-01 Booked home jms" in text  # the custody history: date, event, to, recorded by


def test_the_policy_page_shows_the_facilitys_settings(login, home, staff, warden):
    services.policy_update(facility=home, actor=warden, reason="Budget for 2026", monthly_minutes=240,
                           per_call_minutes=20, reset_day=15, bonus_dec=60)
    response = login(staff).get(reverse("facility-policy", args=["home"]))
    heading, text = page(response)
    assert heading == "Calling policy"
    shown = facts(response)
    assert shown["Monthly minutes"] == "240"
    assert shown["Per-call cap"] == "20 minutes"
    assert shown["Reset day"].startswith("day 15 of each month")
    assert "Dec 60" in shown["Bonus minutes"]
    assert "Budget for 2026" in text  # the change, with its reason

    form_page = login(warden).get(reverse("facility-policy", args=["home"])).content.decode()
    assert 'name="monthly_minutes" value="240"' in form_page and 'name="reset_day" value="15"' in form_page


def test_the_dashboard_shows_the_facility_and_its_counts(login, home, staff, other):
    InmateFactory.create_batch(3, facility=home, housing_unit="C-1")
    InmateFactory(facility=home, status="released", released_on=dt.date(2024, 6, 1))
    InmateFactory.create_batch(2, facility=other)
    heading, text = page(login(staff).get(reverse("facility-dashboard", args=["home"])))
    assert heading == "Home Correctional Center · State · America/Chicago"
    assert "3 inmates in custody" in text and "1 housing units in use" in text and "1 released" in text
    assert "Other County Jail" not in text
