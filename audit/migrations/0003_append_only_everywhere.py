"""Every append-only table refuses UPDATE, DELETE and TRUNCATE in the database (audit/append_only.py).

Replaces 0002's trigger on the audit trail (which let TRUNCATE through) with the shared guard, and puts the
guard on the ledger, entry transitions, emergency request events, custody events, entry findings (only
``cleared_at`` may be set, once) and every simple-history table. On SQLite (the demo) the same triggers,
without TRUNCATE, which SQLite does not have.
"""

import importlib

from django.db import migrations

from audit import append_only

OLD = importlib.import_module("audit.migrations.0002_append_only")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD.DROP)
    append_only.install(schema_editor, append_only.protected_models(apps))


def backwards(apps, schema_editor):
    append_only.uninstall(schema_editor, append_only.protected_models(apps))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD.TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("api", "0002_roles"),
        ("approvals", "0006_entry_facility_status_statistics"),
        ("calls", "0003_ledger_indexes"),
        ("emergencies", "0002_roles"),
        ("facilities", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
