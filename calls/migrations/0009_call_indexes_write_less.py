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

# (model, column) whose own single-column index goes.
INDEXES = [("call", "facility_id"), ("call", "inmate_id"), ("minutebalance", "open_call_id")]


def _single_column_indexes(schema_editor, model, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def drop_indexes(apps, schema_editor):
    for model_name, column in INDEXES:
        model = apps.get_model("calls", model_name)
        for name in _single_column_indexes(schema_editor, model, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_indexes(apps, schema_editor):
    for model_name, column in INDEXES:
        model = apps.get_model("calls", model_name)
        if not _single_column_indexes(schema_editor, model, column):
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


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
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
