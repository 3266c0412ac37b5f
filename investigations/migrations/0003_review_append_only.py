"""A review is append-only (audit/append_only.py, ``APPEND_ONLY``): the database refuses UPDATE, DELETE and
TRUNCATE on it, like the audit trail. (``migrate`` would also put the guard on after the fact, audit.apps; here
it is put on in order.)"""

from django.db import migrations

from audit import append_only


def _table(apps) -> dict[str, None]:
    return {apps.get_model("investigations", "Review")._meta.db_table: None}


def forwards(apps, schema_editor):
    append_only.install(schema_editor, _table(apps))


def backwards(apps, schema_editor):
    append_only.uninstall(schema_editor, _table(apps))


class Migration(migrations.Migration):
    dependencies = [("investigations", "0002_roles"), ("audit", "0003_append_only_everywhere")]
    operations = [migrations.RunPython(forwards, backwards)]
