"""Auditors read the trail; on PostgreSQL a trigger refuses any UPDATE or DELETE of it."""

from django.db import migrations

from facilities.roles_setup import grant

TRIGGER = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def roles(apps, schema_editor):
    grant(apps, "audit")  # the grants are in facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("facilities", "0002_roles")]
    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
