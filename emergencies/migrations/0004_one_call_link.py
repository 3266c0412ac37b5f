"""One link between an emergency request and its call: ``Call.emergency_request`` (calls -> emergencies, the
direction of the apps). ``EmergencyRequest.used_call_id`` stored the same link a second time and goes.

Before it goes, any call a request names that does not point back at it is made to (none should exist: both were
written in the same authorisation transaction). On SQLite the history table is rebuilt, which drops its
append-only triggers; ``migrate`` puts them back when it ends (audit/append_only.py, ``ensure_guards``).
"""

from django.db import migrations


def calls_point_at_their_request(apps, schema_editor):
    EmergencyRequest = apps.get_model("emergencies", "EmergencyRequest")
    Call = apps.get_model("calls", "Call")
    used = EmergencyRequest.objects.filter(used_call_id__isnull=False).values_list("pk", "used_call_id")
    for request_id, call_id in used.iterator():
        Call.objects.filter(pk=call_id, emergency_request__isnull=True).update(emergency_request_id=request_id)


class Migration(migrations.Migration):
    dependencies = [
        ("emergencies", "0003_history_reason_text"),
        ("calls", "0005_history_reason_text"),
    ]

    operations = [
        migrations.RunPython(calls_point_at_their_request, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="emergencyrequest", name="emergency_one_request_per_call"),
        migrations.RemoveField(model_name="emergencyrequest", name="used_call_id"),
        migrations.RemoveField(model_name="historicalemergencyrequest", name="used_call_id"),
    ]
