# Extended statistics on the entries' (facility, status): a review backlog concentrated at one facility
# is the usual case, and without them PostgreSQL multiplies the two selectivities as if independent
# (it expected ~7,000 pending entries at a facility holding 100,000 and chose a nested loop of
# 100,000 probes to count the queue filtered by a finding).

from django.db import migrations

from facilities.migration_operations import run_sql_on_postgres


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0005_entry_replaces'),
    ]

    operations = [
        run_sql_on_postgres(
            "CREATE STATISTICS IF NOT EXISTS phone_entry_facility_status (mcv, dependencies) "
            "ON facility_id, status FROM approvals_phonelistentry",
            "DROP STATISTICS IF EXISTS phone_entry_facility_status",
        ),
    ]
