"""The staff pages: what each role sees and may do, at its own facility and at another one."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import InmateFactory, UserFactory

ROLES = ["staff", "warden", "auditor", "other_staff", "other_warden", "auditor_all"]


def _pages(inmate):
    return {
        "dashboard": reverse("facility-dashboard", args=["home"]),
        "policy": reverse("facility-policy", args=["home"]),
        "inmates": reverse("inmate-list", args=["home"]),
        "inmate": reverse("inmate-detail", args=["home", inmate.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["dashboard", "policy", "inmates", "inmate"])
def test_read_pages_by_role(request, login, inmate, other, role, page):
    user = request.getfixturevalue(role)
    response = login(user).get(_pages(inmate)[page])
    expected = 404 if role.startswith("other_") else 200
    assert response.status_code == expected


@pytest.mark.parametrize("page", ["dashboard", "policy", "inmates", "inmate"])
def test_anonymous_is_sent_to_login(client, inmate, page):
    response = client.get(_pages(inmate)[page])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_user_without_any_role_gets_404(login, inmate):
    assert login(UserFactory(username="norole")).get(_pages(inmate)["inmates"]).status_code == 404


def _policy_post(**overrides):
    data = {f.name: getattr(CallingPolicy(), f.name) for f in CallingPolicy._meta.fields
            if f.editable and f.name not in ("id", "facility", "updated_at")}  # the form's fields
    data["calling_hours_start"], data["calling_hours_end"] = "06:00", "23:00"
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["reason"] = "Longer calls"
    data.update(overrides)
    return data


@pytest.mark.parametrize("role, status", [
    ("warden", 302), ("staff", 403), ("auditor", 403), ("auditor_all", 403), ("other_warden", 404), ("other_staff", 404),
])
def test_only_a_warden_of_the_facility_edits_the_policy(request, login, home, other, role, status):
    user = request.getfixturevalue(role)
    response = login(user).post(reverse("facility-policy", args=["home"]), _policy_post(per_call_minutes=20))
    assert response.status_code == status
    home.policy.refresh_from_db()
    assert home.policy.per_call_minutes == (20 if status == 302 else 15)


def test_policy_form_shows_field_errors_and_changes_nothing(login, home, warden):
    response = login(warden).post(
        reverse("facility-policy", args=["home"]),
        _policy_post(per_call_minutes=0, reset_day=31, calling_hours_start="22:00", calling_hours_end="06:00"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "per_call_minutes" in form.errors and "reset_day" in form.errors and "calling_hours_end" in form.errors
    home.policy.refresh_from_db()
    assert (home.policy.per_call_minutes, home.policy.reset_day) == (15, 1)
    assert not AuditEvent.objects.filter(action="policy_changed").exists()


def test_policy_form_needs_a_reason(login, home, warden):
    response = login(warden).post(reverse("facility-policy", args=["home"]), _policy_post(per_call_minutes=20, reason=""))
    assert "reason" in response.context["form"].errors


def test_staff_reads_the_policy_without_a_form(login, staff):
    response = login(staff).get(reverse("facility-policy", args=["home"]))
    assert response.context["form"] is None
    assert b"Only a warden" in response.content


def test_inmate_list_filters_and_paginates(login, home, staff):
    InmateFactory.create_batch(60, facility=home, housing_unit="B-2")
    InmateFactory(facility=home, last_name="Qwertzimmer", first_name="Zoe", register_number="55555-555", housing_unit="Q-9")
    InmateFactory(facility=home, last_name="Zeller", status="released", released_on="2024-06-01")
    c = login(staff)
    page = c.get(reverse("inmate-list", args=["home"])).context["page"]
    assert page.paginator.count == 62 and len(page.object_list) == 50
    assert [i.last_name for i in c.get(reverse("inmate-list", args=["home"]), {"name": "qwertz"}).context["page"]] == ["Qwertzimmer"]
    assert [i.register_number for i in c.get(reverse("inmate-list", args=["home"]), {"register_number": "55555"}).context["page"]] == ["55555-555"]
    assert [i.last_name for i in c.get(reverse("inmate-list", args=["home"]), {"status": "released"}).context["page"]] == ["Zeller"]
    assert c.get(reverse("inmate-list", args=["home"]), {"housing_unit": "b-2"}).context["page"].paginator.count == 60


def test_inmate_list_never_shows_another_facility(login, staff, inmate, other_inmate):
    page = login(staff).get(reverse("inmate-list", args=["home"])).context["page"]
    assert list(page.object_list) == [inmate]


def test_inmate_of_another_facility_under_my_facility_code_is_404(login, staff, other_inmate):
    assert login(staff).get(reverse("inmate-detail", args=["home", other_inmate.pk])).status_code == 404


def test_inmate_list_query_count_does_not_grow(login, home, staff, django_assert_max_num_queries):
    InmateFactory.create_batch(40, facility=home)
    c = login(staff)
    with django_assert_max_num_queries(12):
        c.get(reverse("inmate-list", args=["home"]))


def test_dashboard_counts(login, home, staff, other):
    InmateFactory.create_batch(3, facility=home)
    InmateFactory(facility=home, status="released", released_on="2024-06-01")
    InmateFactory.create_batch(5, facility=other)
    counts = login(staff).get(reverse("facility-dashboard", args=["home"])).context["counts"]
    assert counts["in_custody"] == 3 and counts["released"] == 1


def test_home_is_the_worklist_for_a_single_facility_user_too(login, staff):
    """The landing page after log-in is the worklist (docs/pages.md), with the way to the facility's dashboard."""
    response = login(staff).get(reverse("home"))
    assert response.status_code == 200 and response.context["queues"]
    assert reverse("facility-dashboard", args=["home"]) in response.content.decode()


def test_home_lists_several_facilities(login, auditor_all, home, other):
    response = login(auditor_all).get(reverse("home"))
    assert {f.code for f in response.context["facilities"]} == {"home", "other"}
