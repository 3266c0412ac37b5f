"""History keeps the whole reason for each change (SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD).

On SQLite each history table is rebuilt, which drops its append-only triggers; ``migrate`` puts them back when it
ends (audit/append_only.py, ``ensure_guards``). On PostgreSQL the column's type changes in place, guards untouched.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0003_policy_reset_day_change"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalcallingpolicy",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalfacility",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalinmate",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="historicalroleassignment",
            name="history_change_reason",
            field=models.TextField(null=True),
        ),
    ]
