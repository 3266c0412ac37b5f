"""One cursor for the few statements worth preparing on the server (the call decision's, the screening statement).

Django's cursors bind parameters on the client and never prepare. A statement whose planning costs more than its
running (the screening union: 4-5 ms of planning for under 1 ms of work; the call decision's gather: 0.9 ms for
0.2 ms) is better prepared once per connection, which Django keeps (``CONN_MAX_AGE``): ``prepared_cursor`` gives a
PostgreSQL cursor that binds on the server and prepares every statement it runs at its first run. It is counted and
logged like any Django cursor (its SQL shows in the query log). Elsewhere (SQLite, the demo) it is Django's own
cursor.

Django leaves psycopg's ``prepare_threshold`` unset (None), which stops psycopg preparing anything, even when asked;
it is therefore set so high on the connection that only these cursors' statements are prepared. A database whose
``OPTIONS`` name a ``prepare_threshold`` keeps it, and these cursors follow it (psycopg decides): None there (behind a
transaction-mode pooler without prepared-statement support) prepares nothing. Production connects directly.
"""

from __future__ import annotations

import functools

from django.db import connections

# psycopg prepares a statement run this many times by itself: never, in effect; only these cursors ask.
NEVER_BY_ITSELF = 2**31 - 1


def prepared_cursor(using: str = "default"):
    """A cursor whose statements are prepared on the connection (PostgreSQL), else Django's cursor."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    prepare: bool | None = None  # the database's OPTIONS name a threshold: psycopg follows it
    if "prepare_threshold" not in connection.settings_dict.get("OPTIONS", {}):
        prepare = True
        if raw.prepare_threshold is None:
            raw.prepare_threshold = NEVER_BY_ITSELF
    cursor = _preparing_cursor_class()(raw, prepare=prepare)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


class _Shown:
    """What Django's query log reads (``last_executed_query``) where psycopg keeps no query."""

    def __init__(self, query: bytes):
        self.query = query


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Executes with ``prepare`` (True: prepared at its first run; None: psycopg's threshold decides)."""

        def __init__(self, *args, prepare: bool | None, **kwargs):
            super().__init__(*args, **kwargs)
            self.prepare = prepare

        def execute(self, query, params=None, **kwargs):
            kwargs.setdefault("prepare", self.prepare)
            result = super().execute(query, params, **kwargs)
            if self._query is None or self._query.query is None:
                self._query = _Shown(query.encode() if isinstance(query, str) else query)
            return result

    return PreparingCursor


__all__ = ["NEVER_BY_ITSELF", "prepared_cursor"]
