"""A call's decision never changes (audit/append_only.py, ``DECIDED_ONCE``): the call row is the decision's audit
record since the call decision stopped writing an AuditEvent for it (issue 13). Only the outcome columns move,
while the call is authorised, to completed or expired; no DELETE, no TRUNCATE. PostgreSQL and SQLite."""

from django.db import migrations

from audit import append_only


def forwards(apps, schema_editor):
    append_only.install_decided(schema_editor, append_only.decided_models(apps))


def backwards(apps, schema_editor):
    append_only.uninstall_decided(schema_editor, append_only.decided_models(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0007_ledger_extra_grants"),
        ("audit", "0003_append_only_everywhere"),
        ("emergencies", "0004_one_call_link"),  # its data migration writes calls.emergency_request: before the guard
    ]
    operations = [migrations.RunPython(forwards, backwards)]
