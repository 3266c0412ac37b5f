"""Start a real Celery worker on Redis against the test database (for tests marked ``worker``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    auth = f"{user}:{s['PASSWORD']}" if s.get("PASSWORD") else user
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextlib.contextmanager
def celery_worker(*, beat: bool = False, extra_env: dict | None = None, queue: str | None = None):
    """A worker process consuming ``queue`` (a fresh one by default) until the block ends.

    Yields the queue name; send tasks there with ``app.send_task(name, queue=queue)`` or
    ``task.apply_async(queue=queue)``.
    """
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(extra_env or {}),
    }
    celery = str(Path(sys.executable).with_name("celery"))
    cmd = [celery, "-A", "config", "worker", "-Q", queue, "--pool", "solo", "--without-mingle",
           "--without-gossip", "--without-heartbeat", "--loglevel", "INFO"]
    if beat:
        cmd.append("--beat")
    log = open(ROOT / "var" / f"worker-{queue}.log", "w") if (ROOT / "var").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not subprocess.DEVNULL:
            log.close()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
