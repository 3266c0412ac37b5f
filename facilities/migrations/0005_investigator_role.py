"""The investigator role (domain §9): reads calls, lists and findings of its facilities, decides nothing."""

from django.db import migrations, models

from facilities.roles_setup import grant


def create_investigator_group(apps, schema_editor):
    grant(apps, "facilities")  # the Investigator group and its grants: facilities.roles_setup.ROLE_GRANTS


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0004_history_reason_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalroleassignment',
            name='role',
            field=models.CharField(choices=[('staff', 'Staff'), ('warden', 'Warden'), ('auditor', 'Auditor'), ('investigator', 'Investigator')], max_length=16),
        ),
        migrations.AlterField(
            model_name='roleassignment',
            name='role',
            field=models.CharField(choices=[('staff', 'Staff'), ('warden', 'Warden'), ('auditor', 'Auditor'), ('investigator', 'Investigator')], max_length=16),
        ),
        migrations.RunPython(create_investigator_group, migrations.RunPython.noop),
    ]
