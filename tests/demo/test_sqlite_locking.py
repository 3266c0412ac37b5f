"""make run's SQLite under concurrent writers (runserver, the worker's processes, beat): two transactions that
read and then write at the same moment both succeed, one after the other. With SQLite's default (DEFERRED)
transactions the second fails at once with "database is locked": the demo's re-screening tasks did."""

import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from tests.live.stacks import ROOT

pytestmark = pytest.mark.demo

WRITER = textwrap.dedent("""
    import sys, time
    import django
    django.setup()
    from django.db import connection, transaction
    start_at = float(sys.argv[1])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            (n,) = cursor.fetchone()
            time.sleep(max(0.0, start_at - time.time()) + 0.5)  # both have read before either writes
            cursor.execute("UPDATE counter SET n = %s", [n + 1])
    print("committed")
""")


def test_two_writers_at_once_both_commit(tmp_path):
    db = tmp_path / "portal.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=f"sqlite:///{db}",
               PORTAL_VAR_DIR=str(tmp_path), CELERY_BROKER_URL="filesystem://")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE counter (n integer)")
        conn.execute("INSERT INTO counter VALUES (0)")
        conn.commit()
    start_at = time.time() + 6  # past both processes' Django start-up
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(start_at)], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [w.communicate(timeout=90) for w in writers]

    for (out, err), writer in zip(results, writers, strict=True):
        assert writer.returncode == 0 and "committed" in out, err[-2000:]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT n FROM counter").fetchone() == (2,)  # neither update was lost
