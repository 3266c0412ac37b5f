"""core.db.prepared_cursor: the one cursor of the prepared statements (the call decision's, the screening's)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import prepared_cursor

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %s::int + 1 AS prepared_cursor_probe"


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%prepared_cursor_probe%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_statement_is_prepared_on_the_connection_at_its_first_run():
    assert _prepared_here() == []
    with prepared_cursor() as cursor:
        cursor.execute(STATEMENT, [41])
        assert cursor.fetchone() == (42,)
    assert len(_prepared_here()) == 1
    with prepared_cursor() as cursor:  # run again: the same prepared statement, not a second one
        cursor.execute(STATEMENT, [1])
        assert cursor.fetchone() == (2,)
    assert len(_prepared_here()) == 1


def test_statement_is_counted_and_shown_in_the_query_log():
    sql = STATEMENT if connection.vendor == "postgresql" else "SELECT %s + 1 AS prepared_cursor_probe"
    with CaptureQueriesContext(connection) as captured, prepared_cursor() as cursor:
        cursor.execute(sql, [1])
        assert cursor.fetchone()[0] == 2
    assert len(captured) == 1
    assert "prepared_cursor_probe" in captured[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_threshold_named_in_the_options_is_followed(monkeypatch):
    """OPTIONS {"prepare_threshold": None} (a transaction-mode pooler): nothing is prepared."""
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict.get("OPTIONS", {}),
                                                               "prepare_threshold": None})
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    for value in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(STATEMENT, [value])
    assert _prepared_here() == []
