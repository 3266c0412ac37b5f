from django.db import migrations

from facilities.roles_setup import grant

VIEW = ("view",)


def roles(apps, schema_editor):
    grant(
        apps,
        "calls",
        {
            "Staff": {"call": VIEW, "ledgerentry": VIEW, "minutebalance": VIEW, "phonerestriction": VIEW},
            "Warden": {
                "call": VIEW, "ledgerentry": ("view", "add"), "minutebalance": VIEW,
                "phonerestriction": ("view", "add", "change"), "monthlyreset": VIEW,
            },
        },
    )


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial"), ("facilities", "0002_roles")]
    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
