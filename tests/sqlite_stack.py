"""make run's database for tests that run a script on it in a subprocess (the test settings are PostgreSQL's).

Migrating an SQLite file with ``config.settings.local`` costs about 12 s of CPU, so it is done once per pytest
process (each xdist worker is one): the ``sqlite_template`` fixture of tests/conftest.py migrates a template file
and each test's ``sqlite_env`` gets a copy of it in its own ``tmp_path``. A test may rebuild tables, migrate back
and forth or flush its copy: no other test sees it, and the template itself is never opened by a test.

- ``local_env(directory)``: the environment of make run's settings on ``directory/portal.sqlite3``;
- ``subprocess_env(**settings)``: this process's environment with ``settings`` over it, for any database;
- ``migrate(env)``: ``manage.py migrate`` on ``env``'s database (a PostgreSQL database created by the test);
- ``run_script(env, script, marker)``: runs ``script`` with ``python -c`` and checks that it ends well.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "portal.sqlite3"
LOCAL_SETTINGS = "config.settings.local"
TIMEOUT = 300
TAIL = 4000


def subprocess_env(**settings: str) -> dict:
    """This process's environment with ``settings`` over it, the repository on the path, and without
    ``DJANGO_ALLOW_ASYNC_UNSAFE`` (the browser tests may have set it here; make run never does)."""
    env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def local_env(directory: Path) -> dict:
    """make run's settings on ``directory/portal.sqlite3``, the broker's folders in ``directory`` too."""
    return subprocess_env(DJANGO_SETTINGS_MODULE=LOCAL_SETTINGS, DATABASE_URL=f"sqlite:///{directory / DB_NAME}",
                          PORTAL_VAR_DIR=str(directory), CELERY_BROKER_URL="filesystem://")


def _tail(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr)[-TAIL:]


def migrate(env: dict) -> None:
    """``manage.py migrate`` on ``env``'s database; fails the test with the tail of its output if it fails."""
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], check=False, cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, _tail(result)


def run_script(env: dict, script: str, marker: str) -> None:
    """Runs ``script`` with ``python -c`` on ``env``; it must exit 0 and print ``marker`` (which the scripts print
    at their end, so one that stops early without an error still fails). The tail of its output is the failure's
    message."""
    result = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=TIMEOUT)
    assert result.returncode == 0 and marker in result.stdout, _tail(result)


def migrated_template(directory: Path) -> Path:
    """Migrates ``directory/portal.sqlite3`` with make run's settings and returns its path.

    The settings put the file in WAL mode: what the migration wrote may still sit in ``portal.sqlite3-wal`` when
    the process ends, so it is checkpointed into the file itself here, and a plain copy of the file is whole.
    """
    migrate(local_env(directory))
    template = directory / DB_NAME
    with sqlite3.connect(template) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    conn.close()
    assert busy == 0, "the template's WAL could not be checkpointed"
    wal = template.with_name(f"{DB_NAME}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, wal
    return template


def fresh_copy(template: Path, directory: Path) -> dict:
    """A copy of the migrated ``template`` in ``directory``, and make run's environment on it."""
    shutil.copy(template, directory / DB_NAME)
    return local_env(directory)
