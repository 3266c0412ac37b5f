"""Auditors read the watch lists, their alerts and the reviews (view only, in the admin); investigators keep their
own watch entries and read their alerts and the reviews; wardens read the reviews. The grants are in
facilities.roles_setup.ROLE_GRANTS, like every app's."""

from django.db import migrations

from facilities.roles_setup import grant


def roles(apps, schema_editor):
    grant(apps, "investigations")  # the grants are in facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_watch_lists"), ("facilities", "0005_investigator_role")]
    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
