"""History keeps the whole reason for each change (SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD).

On SQLite each history table is rebuilt, which drops its append-only triggers; ``migrate`` puts them back when it
ends (audit/append_only.py, ``ensure_guards``). On PostgreSQL the column's type changes in place, guards untouched.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0006_entry_facility_status_statistics"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalblockednumber",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalcaseparty",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalcourtcase",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalnocontactorder",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalpartynumber",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalphonelistentry",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalprotectednumber",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
    ]
