"""Staff enter lists, cases, orders and blocks; wardens too (and decide flagged numbers)."""

from django.db import migrations

from facilities.roles_setup import grant


def create_roles(apps, schema_editor):
    grant(apps, "approvals")  # the grants are in facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_block_paperwork"),
        ("facilities", "0002_roles"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
