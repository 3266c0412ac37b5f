"""Fewer index writes per call decision (issue 13).

- ``Call.facility`` and ``Call.inmate`` lose their single-column indexes: the (facility, -requested_at) and
  (inmate, -requested_at) indexes serve every look-up by either (their first column).
- ``MinuteBalance.open_call`` loses its index: every allowed call sets it and its report clears it, and the
  index made each of those updates a non-HOT update (a new entry in both of the table's indexes).

Only the indexes are dropped: Django's AlterField would also drop and re-add the foreign keys, and re-adding one
checks every row of the table (millions of calls) under a lock that stops the call decisions meanwhile. On SQLite
the index is dropped in place too (no table rebuild).
"""

import django.db.models.deletion
from django.db import migrations, models

# The single-column indexes that go (Django's names, the same on every backend): (index, table, column).
INDEXES = [
    ("calls_call_facility_id_27be2152", "calls_call", "facility_id"),
    ("calls_call_inmate_id_493d33a3", "calls_call", "inmate_id"),
    ("calls_minutebalance_open_call_id_6493e510", "calls_minutebalance", "open_call_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0008_call_decision_guard'),
        ('facilities', '0006_policy_staff_two_factor'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='call',
                    name='facility',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='facilities.facility'),
                ),
                migrations.AlterField(
                    model_name='call',
                    name='inmate',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='facilities.inmate'),
                ),
                migrations.AlterField(
                    model_name='minutebalance',
                    name='open_call',
                    field=models.ForeignKey(blank=True, db_index=False, help_text='An authorised call not yet reported complete.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='calls.call'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in INDEXES
            ],
        ),
    ]
