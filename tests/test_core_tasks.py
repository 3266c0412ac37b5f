"""core.tasks.enqueue_on_commit: services queue work by task name after the commit, and never import tasks."""

import ast
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.tasks import enqueue_on_commit

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "audit", "facilities", "api", "approvals", "calls", "emergencies", "investigations")


@pytest.mark.django_db
def test_the_task_runs_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    expired = Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - dt.timedelta(1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit("facilities.clear_expired_sessions")
    assert Session.objects.filter(pk=expired.pk).exists()  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert not Session.objects.filter(pk=expired.pk).exists()


def test_a_name_no_task_has_fails_at_once_inside_the_transaction():
    with pytest.raises(KeyError):
        enqueue_on_commit("approvals.no_such_task", source="order", source_id=1)


def test_a_fresh_web_process_finds_every_queued_task_by_name():
    """No tasks module is imported in a web process until something asks for one by name."""
    code = (
        "import sys, django; django.setup(); from core.tasks import task_named;"
        "assert not {'approvals.tasks', 'calls.tasks', 'emergencies.tasks'} & set(sys.modules), 'imported already';"
        "names = ['approvals.tasks.rescreen_source', 'calls.facility_reset_run', 'emergencies.notify_new',"
        " 'emergencies.notify_escalated'];"
        "print([task_named(n).name for n in names] == names)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert out.stdout.strip() == "True", out.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found |= {f"{base}.{a.name}" if not node.module else base for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_module_but_the_celery_config_imports_a_tasks_module(app):
    """The tasks import the services; the services queue tasks by name (no services <-> tasks circle)."""
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if path.name == "tasks.py" or "migrations" in path.parts:
            continue
        if any(name.split(".")[-1] == "tasks" and name not in ("core.tasks",) for name in _imports(path)):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
