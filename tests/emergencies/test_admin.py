"""The auditors' admin of emergency requests: scoped, view-only, with history."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from emergencies import services
from tests.auth import signed_in

from .factories import EmergencyRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles(db):
    """The role Groups come from data migrations; a transactional test elsewhere may have flushed them.
    Running the app's roles migration again is idempotent and gives the same permissions."""
    from django.apps import apps

    importlib.import_module("facilities.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("emergencies.migrations.0002_roles").roles(apps, None)


def test_auditor_sees_only_their_facilities_and_cannot_change(client, auditor, inmate, other_inmate):
    mine = EmergencyRequestFactory(inmate=inmate)
    EmergencyRequestFactory(inmate=other_inmate)
    signed_in(client, auditor)
    listed = client.get(reverse("admin:emergencies_emergencyrequest_changelist")).context["cl"].result_list
    assert list(listed) == [mine]
    page = client.get(reverse("admin:emergencies_emergencyrequest_change", args=[mine.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(reverse("admin:emergencies_emergencyrequest_change", args=[mine.pk]), {}).status_code == 403
    assert client.get(reverse("admin:emergencies_emergencyrequest_add")).status_code == 403


def test_auditor_reads_the_transition_log_and_history(client, auditor, open_request, warden):
    services.emergency_request_deny(request=open_request, actor=warden, reason="Could not verify.")
    signed_in(client, auditor)
    events = client.get(reverse("admin:emergencies_emergencyrequestevent_changelist")).context["cl"].result_list
    assert [e.kind for e in events] == ["logged", "denied"] or sorted(e.kind for e in events) == ["denied", "logged"]
    history = client.get(reverse("admin:emergencies_emergencyrequest_history", args=[open_request.pk]))
    assert history.status_code == 200 and b"denied" in history.content


def test_csv_export(client, auditor, inmate):
    EmergencyRequestFactory(inmate=inmate, caller_name="Exported Caller")
    signed_in(client, auditor)
    response = client.get(reverse("admin:emergencies_emergencyrequest_changelist"), {"_export": "csv"})
    assert "Exported Caller" in b"".join(response.streaming_content).decode()


def test_roles_migration_gives_model_permissions():
    perms = {g: set(Group.objects.get(name=g).permissions.filter(content_type__app_label="emergencies")
                    .values_list("codename", flat=True)) for g in ("Staff", "Warden", "Auditor")}
    assert {"view_emergencyrequest", "add_emergencyrequest"} <= perms["Staff"]
    assert "change_emergencyrequest" not in perms["Staff"]
    assert "change_emergencyrequest" in perms["Warden"]
    assert {"view_emergencyrequest", "view_emergencyrequestevent"} <= perms["Auditor"]
    assert not any(p.startswith(("add_", "change_", "delete_")) for p in perms["Auditor"])
