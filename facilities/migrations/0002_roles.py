"""The three roles as Groups with model permissions (auditors: view only)."""

from django.db import migrations

from facilities.roles_setup import grant


def create_roles(apps, schema_editor):
    grant(apps, "facilities")  # the grants are in facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
