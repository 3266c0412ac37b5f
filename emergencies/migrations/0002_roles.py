from django.db import migrations

from facilities.roles_setup import grant


def roles(apps, schema_editor):
    grant(apps, "emergencies")  # the grants are in facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):
    dependencies = [("emergencies", "0001_initial"), ("facilities", "0002_roles")]
    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
