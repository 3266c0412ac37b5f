"""Staff enter lists, cases, orders and blocks; wardens too (and decide flagged numbers)."""

from django.db import migrations

from facilities.roles_setup import grant

EDIT = ("view", "add", "change")


def create_roles(apps, schema_editor):
    models = {
        "phonelistentry": EDIT, "entryfinding": ("view",), "entrytransition": ("view",),
        "courtcase": EDIT, "caseparty": EDIT, "partynumber": EDIT,
        "nocontactorder": EDIT, "protectednumber": EDIT, "blockednumber": EDIT,
    }
    grant(apps, "approvals", {"Staff": models, "Warden": models})


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_block_paperwork"),
        ("facilities", "0002_roles"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
