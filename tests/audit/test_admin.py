"""The auditors' admin: every model listed, view-only, scoped, with history and CSV export."""

import pytest
from django.contrib import admin
from django.urls import reverse

from facilities.services import policy_update
from tests.auth import signed_in

from ..factories import InmateFactory, UserFactory


def test_every_project_model_is_registered():
    from django.apps import apps

    ours = {"audit", "facilities", "api", "approvals", "calls", "emergencies", "investigations"}
    missing = [
        m._meta.label for m in apps.get_models()
        if m._meta.app_label in ours and not m.__name__.startswith("Historical") and not m._meta.auto_created
        and m not in admin.site._registry
    ]
    assert missing == []


def test_auditor_sees_lists_and_cannot_change(client, auditor, inmate):
    signed_in(client, auditor)
    assert client.get(reverse("admin:facilities_inmate_changelist")).status_code == 200
    page = client.get(reverse("admin:facilities_inmate_change", args=[inmate.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(reverse("admin:facilities_inmate_change", args=[inmate.pk]), {"first_name": "Changed"})
    assert response.status_code == 403
    inmate.refresh_from_db()
    assert inmate.first_name == "Ada"
    assert client.get(reverse("admin:facilities_inmate_add")).status_code == 403
    assert client.post(reverse("admin:facilities_inmate_delete", args=[inmate.pk]), {"post": "yes"}).status_code == 403


def test_auditor_of_one_facility_sees_only_it(client, auditor, inmate, other_inmate):
    signed_in(client, auditor)
    result = client.get(reverse("admin:facilities_inmate_changelist")).context["cl"].result_list
    assert list(result) == [inmate]
    assert client.get(reverse("admin:facilities_inmate_change", args=[other_inmate.pk])).status_code == 302


def test_auditor_sees_record_history(client, auditor, home, warden):
    policy_update(facility=home, actor=warden, reason="Longer calls", per_call_minutes=20)
    signed_in(client, auditor)
    response = client.get(reverse("admin:facilities_callingpolicy_history", args=[home.policy.pk]))
    assert response.status_code == 200
    assert b"Longer calls" in response.content


def test_csv_export_of_the_filtered_list(client, auditor, home):
    InmateFactory(facility=home, last_name="Exported", status="in_custody")
    InmateFactory(facility=home, last_name="Gone", status="released", released_on="2024-06-01")
    signed_in(client, auditor)
    response = client.get(reverse("admin:facilities_inmate_changelist"), {"status__exact": "in_custody", "_export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("Register number,Last name")
    assert "Exported" in body and "Gone" not in body


def test_staff_and_wardens_have_no_admin(client, staff, warden):
    for user in (staff, warden):
        signed_in(client, user)
        assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("url", ["admin:facilities_facility_changelist", "admin:api_platformclient_changelist",
                                 "admin:facilities_roleassignment_changelist", "admin:facilities_custodyevent_changelist"])
def test_auditor_lists_open(client, auditor, url, inmate):
    signed_in(client, auditor)
    assert client.get(reverse(url)).status_code == 200


def test_superuser_manages_facilities(client, db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    signed_in(client, root)
    assert client.get(reverse("admin:facilities_facility_add")).status_code == 200
