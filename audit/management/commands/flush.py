"""``manage.py flush``, able to empty the append-only tables (their guards refuse TRUNCATE and DELETE).

The one sanctioned way to empty them, and only for the migration role: on PostgreSQL it sets
``session_replication_role = replica`` for the purge, which a superuser or a role granted
``SET ON PARAMETER session_replication_role`` may do and the application role may not; on SQLite (the
demo) it lifts the triggers and puts them back in the same transaction. pytest-django's teardown of
``transaction=True`` tests flushes the test database through this command. See audit/append_only.py.
"""

from contextlib import nullcontext

from django.core.management.commands import flush
from django.db import connections, transaction

from audit.append_only import purge_allowed


class Command(flush.Command):
    help = flush.Command.help + " The append-only tables are emptied too (migration role only)."

    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        # SQLite: the triggers come back even if the purge fails (one transaction). PostgreSQL: the setting
        # is the session's, reset after the purge's own transaction.
        outer = transaction.atomic(using=database) if connection.vendor == "sqlite" else nullcontext()
        with outer, purge_allowed(connection):
            return super().handle(**options)
