"""Re-screening on make run's database, SQLite (issue 8, defect 9).

Re-screening wrote its results with PostgreSQL-only SQL (``UPDATE … FROM unnest(%s::bigint[] …)``), so on
the demo a new block or victim crashed the re-screen task and left the numbers live and served to the
platform. Each test runs in a subprocess on an SQLite file of its own:

- the service tests of screening (the one statement, list leaves, the number library), re-screening,
  decisions and transfers, with the test settings;
- make run's own settings (``config.settings.local``): migrate, seed the demo, block a live number and add
  a victim's number to a case, the re-screen task running eagerly as the transaction commits.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_TESTS = [
    "tests/approvals/test_rescreen.py",
    "tests/approvals/test_rescreen_bulk.py",
    "tests/approvals/test_services.py",
    "tests/approvals/test_shared_pending.py",
    "tests/approvals/test_transfer_rescreen.py",
    "tests/approvals/test_block_page.py",
    "tests/approvals/test_screening_statement.py",  # every branch of the one screening statement (issue 13)
    "tests/approvals/test_list_leaves.py",
    "tests/approvals/test_library.py",
]

pytestmark = pytest.mark.sqlite


def _env(tmp_path, settings: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "CELERY_TASK_ALWAYS_EAGER": "true"}
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return env


def test_screening_service_tests_pass_on_sqlite(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-m", "not browser and not worker",
         *SERVICE_TESTS],
        cwd=ROOT, env=_env(tmp_path, "config.settings.test"), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]


def test_on_the_demo_stack_a_block_or_a_victim_takes_the_number_off_the_platform_list(tmp_path):
    result = subprocess.run(
        [sys.executable, "tests/approvals/sqlite_demo_scenario.py"],
        cwd=ROOT, env=_env(tmp_path, "config.settings.local"), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert (seen["vendor"], seen["settings"]) == ("sqlite", "config.settings.local")
    assert seen["before"] == {"block": True, "victim": True}  # both numbers live and served at first
    assert seen["after"] == {"block": False, "victim": False}  # the platform no longer gets either
    assert seen["blocked_status"] == "suspended" and seen["blocked_has_block"]
    assert seen["victim_status"] == "pending" and seen["victim_has_review"]
    # Lifting the block re-screens too: back to review, never live by itself; each step logged by screening.
    assert seen["lifted"] and seen["status_after_lift"] == "pending"
    assert seen["blocked_transition"] == [["suspended", "screening"], ["pending", "screening"]]
