"""The audit trail is append-only: no one edits or deletes it, superusers included."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from tests.auth import signed_in

from ..factories import UserFactory


@pytest.fixture
def event(home, warden):
    return audit_record(action="policy_changed", actor=warden, facility=home, reason="why", data={"a": 1})


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_record_keeps_who_when_why(event, warden, home):
    assert (event.actor, event.actor_label, event.facility, event.reason) == (warden, "warden", home, "why")
    assert event.occurred_at is not None


def test_model_refuses_change_and_delete(event):
    event.reason = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "why"


def test_database_refuses_update_and_delete(event):
    for sql in ("UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).reason == "why"


def test_superuser_cannot_change_or_delete_in_the_admin(client, superuser, event):
    signed_in(client, superuser)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(change, {"reason": "rewritten"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    response = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302)


def test_auditor_reads_the_trail_of_their_facility_only(client, auditor, event, other, other_warden):
    audit_record(action="policy_changed", actor=other_warden, facility=other, reason="elsewhere")
    signed_in(client, auditor)
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 200
    shown = {e.reason for e in response.context["cl"].result_list}
    assert "why" in shown and "elsewhere" not in shown


def test_role_changes_are_audited(home, staff):
    event = AuditEvent.objects.filter(action="role_granted", target_id=str(staff.pk)).get()
    assert event.facility == home and event.data["role"] == "staff"
