"""The demo's SQLite refuses UPDATE and DELETE on the append-only tables too (issue 8, defect 6), its
``flush`` still empties them, and a table rebuilt by a migration (SQLite's way of altering a table, which
drops its triggers) gets its guard back at the end of ``migrate``.

Runs ``make run``'s settings in a subprocess on a fresh SQLite file of its own, a copy of the migrated template
(tests/sqlite_stack.py; the test settings are PostgreSQL's): the rebuilt table and the flush stay in the copy.
"""

from tests.sqlite_stack import run_script

SCRIPT = r'''
import django
django.setup()

import datetime as dt
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.apps import apps

from audit import append_only
from audit.models import AuditEvent
from audit.services import audit_record
from approvals.models import EntryFinding
from calls import services as calls
from calls.models import LedgerEntry
from facilities import services as roster
from facilities.models import CustodyEvent
from tests.factories import FacilityFactory
from tests.approvals.factories import PhoneListEntryFactory

tables = append_only.protected_models(apps)
assert append_only.missing_guards(connection, tables) == [], append_only.missing_guards(connection, tables)

def refused(sql):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as exc:
        assert "append-only" in str(exc), exc
        return True
    return False

home = FacilityFactory(code="home")
inmate = roster.inmate_book(facility=home, register_number="55555-001", first_name="Grace", last_name="Hopper",
                            date_of_birth=dt.date(1980, 1, 1), admitted_on=timezone.localdate(timezone=home.tz))
calls.minutes_grant_on_booking(inmate=inmate)
audit_record(action="note", reason="why")
entry = PhoneListEntryFactory(inmate=inmate)
finding = EntryFinding.objects.create(entry=entry, kind="shared_number", severity="review", message="m")
assert LedgerEntry.objects.exists() and CustodyEvent.objects.exists() and AuditEvent.objects.exists()

filled = [t for t in tables if connection.cursor().execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]]
assert len(filled) >= 7, filled
for table in filled:
    assert refused(f'UPDATE "{table}" SET rowid = rowid'), table
    assert refused(f'DELETE FROM "{table}"'), table

# An entry finding: cleared once, as the code does it; nothing else.
assert EntryFinding.objects.filter(pk=finding.pk).update(cleared_at=timezone.now()) == 1
assert refused(f"UPDATE approvals_entryfinding SET cleared_at = NULL WHERE id = {finding.pk}")
assert refused(f"UPDATE approvals_entryfinding SET message = 'x' WHERE id = {finding.pk}")

# A migration that alters a table rebuilds it on SQLite, dropping its triggers: migrate puts them back.
with connection.schema_editor() as editor:
    editor._remake_table(LedgerEntry)
assert append_only.missing_guards(connection, tables) == ["calls_ledgerentry"]
call_command("migrate", verbosity=0)
assert append_only.missing_guards(connection, tables) == []
assert refused("DELETE FROM calls_ledgerentry")

# flush (the maintenance command) empties everything and leaves the guards in place.
call_command("flush", interactive=False, verbosity=0)
assert not AuditEvent.objects.exists() and not LedgerEntry.objects.exists()
assert append_only.missing_guards(connection, tables) == []
audit_record(action="note", reason="after the flush")
assert refused("DELETE FROM audit_auditevent")
print("GUARDED")
'''


def test_sqlite_guards_refuse_update_and_delete_and_let_flush_through(sqlite_env):
    run_script(sqlite_env, SCRIPT, "GUARDED")
