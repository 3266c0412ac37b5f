"""The two stacks the journeys run on, each started once per test session.

- ``production_stack``: what is deployed. A fresh PostgreSQL database migrated with
  ``config.settings.production``, ``collectstatic``, gunicorn (2 workers) with the production settings
  behind a stand-in for the documented TLS proxy, and a real Celery worker on Redis (beat off).
- ``demo_stack``: what ``make run`` starts. The Makefile's run target's commands (migrate, seed_demo) and then
  ``scripts/run-local`` itself (runserver, a Celery worker with beat on kombu's filesystem broker), with SQLite
  and the broker's folders in a temp directory and a free port.

The demo stack loads ``seed_demo``; the production stack the same facilities and users without the demo
inmates (setup_data.py: seed_demo takes half a minute); both create a platform client with
``manage.py create_platform_client``. Nothing is written to either database except through the portal's
own services, commands and HTTP. Their logs are kept in ``var/test-stacks/<name>/`` after the run.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import requests

ROOT = Path(__file__).resolve().parents[2]
PY = str(Path(sys.executable))
CELERY = str(Path(sys.executable).with_name("celery"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEMO_PASSWORD = "demo-portal-2026"  # facilities/management/commands/seed_demo.py
# Variables of the outer test run that must not leak into a stack's processes.
_SCRUB = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER",
          "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PORTAL_VAR_DIR", "PORT", "PYTEST_CURRENT_TEST",
          "PYTEST_XDIST_WORKER", "DJANGO_DEBUG", "DJANGO_CACHE_URL", "PORTAL_BASE_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    """A running portal: where to reach it and how to talk to it like its users do."""

    name: str
    base_url: str  # what users type: https:// behind the (stand-in) TLS proxy in production
    token: str  # the platform client's token (every facility of seed_demo)
    password: str  # every user's (staff, warden, auditor, county-staff, admin)
    logs: dict[str, Path] = field(default_factory=dict)
    behind_tls_proxy: bool = False
    sessions: dict = field(default_factory=dict)  # a logged-in browser per user, shared by the journeys

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def log_text(self) -> dict[str, str]:
        return {name: path.read_text(errors="replace") if path.exists() else "" for name, path in self.logs.items()}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], *, what: str, timeout: float = 300) -> str:
    started = time.monotonic()
    done = subprocess.run(args, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise StackError(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if os.environ.get("PORTAL_STACK_TIMINGS"):  # e.g. PORTAL_STACK_TIMINGS=1 pytest -s tests/live
        print(f"{what}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return done.stdout


def _append(log: Path, text: str) -> None:
    with log.open("a") as out:
        out.write(text)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen | None, *, timeout: float = 20, ctrl_c: bool = False) -> None:
    """Stop a process this module started (and its own process group: gunicorn's and celery's children).

    ``ctrl_c``: as a user stops ``make run`` (SIGINT to every process of the group); else SIGTERM to the main
    process, as a service manager does (gunicorn and celery stop their children)."""
    if proc is None or proc.poll() is not None:
        return
    if ctrl_c:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    # children that outlived their parent (same group, which only this module's processes are in)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _wait_http(url: str, procs: dict[str, subprocess.Popen], logs: dict[str, Path], *, headers=None,
               timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise StackError(f"{name} exited ({proc.returncode}):\n{logs[name].read_text()[-4000:]}")
        try:
            if requests.get(url, headers=headers or {}, timeout=2, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise StackError(f"nothing answered at {url} within {timeout:.0f} s")


def _wait_log(path: Path, pattern: str, proc: subprocess.Popen, *, timeout: float = 120) -> None:
    """Wait for a line in a log (e.g. celery's "ready."), or for the process to die."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and re.search(pattern, path.read_text(errors="replace")):
            return
        if proc.poll() is not None:
            raise StackError(f"{path.name}: the process exited ({proc.returncode}):\n{path.read_text()[-4000:]}")
        time.sleep(0.2)
    raise StackError(f"{path} never said {pattern!r} within {timeout:.0f} s:\n{path.read_text()[-4000:]}")


def _keep_logs(name: str, logs: dict[str, Path]) -> None:
    keep = ROOT / "var" / "test-stacks" / name
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True, exist_ok=True)
    for path in logs.values():
        if path.exists():
            shutil.copy(path, keep / path.name)


@dataclass
class Prepared:
    """A stack's database, data and environment, ready for its servers (made before they start)."""

    env: dict[str, str]
    tmp: Path
    port: int
    token: str
    password: str
    logs: dict[str, Path]
    cleanup: callable
    used: bool = False


_futures: dict[str, Future] = {}
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stack-set-up")
_lock = threading.Lock()


def prepare_in_background(name: str) -> Future:
    """Start setting a stack up ("production" or "demo": migrations, data) in a thread, once per session.

    The fixtures call it for the stacks the session will use as soon as collection ends (conftest.py), so the
    two set-ups overlap each other and the rest of the suite; each fixture then waits for its own."""
    with _lock:
        if name not in _futures:
            _futures[name] = _pool.submit({"production": _prepare_production, "demo": _prepare_demo}[name])
            atexit.register(_discard_unused, name)
        return _futures[name]


def _discard_unused(name: str) -> None:
    """At exit: a stack set up but never served (its tests deselected or the session stopped early)."""
    try:
        prepared = _futures[name].result(timeout=300)
    except Exception:  # noqa: BLE001 - the set-up's error was reported to the tests that used it
        return
    if not prepared.used:
        prepared.cleanup()


def _take(name: str) -> Prepared:
    prepared = prepare_in_background(name).result()
    prepared.used = True
    return prepared


# --------------------------------------------------------------------------- production


def _server_url(database_url: str, dbname: str) -> str:
    parts = urlparse(database_url)
    return urlunparse(parts._replace(path=f"/{dbname}"))


def _admin_sql(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url(server_url, "postgres"), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def _next_redis_db(url: str) -> str:
    """The test run's Redis server, the next database: the live worker consumes Celery's default queue, which
    the suite's own workers (tests/worker.py: a queue per test) and their beat must not share with it."""
    parts = urlparse(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunparse(parts._replace(path=f"/{(db + 1) % 16}"))


def _prepare_production() -> Prepared:
    """A fresh PostgreSQL database migrated with the production settings, collectstatic, the live data."""
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    broker = os.environ.get("PORTAL_LIVE_BROKER_URL") or _next_redis_db(
        os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
    dbname = f"portal_live_{uuid.uuid4().hex[:10]}"
    tmp = Path(tempfile.mkdtemp(prefix="portal-live-"))
    port = free_port()
    env = _env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=f"live-tier-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        DATABASE_URL=_server_url(server, dbname),
        CELERY_BROKER_URL=broker,
        # Mail to wardens goes to the worker's log instead of an SMTP server nobody runs here.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    logs = {"gunicorn": tmp / "gunicorn.log", "worker": tmp / "worker.log", "setup": tmp / "setup.log"}

    def cleanup():
        with contextlib.suppress(Exception):
            _admin_sql(server, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)

    _admin_sql(server, f'CREATE DATABASE "{dbname}"')
    try:
        # the build's collectstatic (into STATIC_ROOT, as deployed) while the release's migrate runs
        with ThreadPoolExecutor(2) as pool:
            steps = [
                pool.submit(_run, [PY, "manage.py", "migrate", "--noinput"], env, what="manage.py migrate"),
                pool.submit(_run, [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env,
                            what="manage.py collectstatic"),
            ]
            for step in steps:
                _append(logs["setup"], step.result())
        password = f"live-{uuid.uuid4().hex}"
        output = _run([PY, "-m", "tests.live.setup_data", password], env, what="tests/live/setup_data.py")
    except BaseException:
        cleanup()
        raise
    return Prepared(env=env, tmp=tmp, port=port, token=output.strip().splitlines()[-1], password=password,
                    logs=logs, cleanup=cleanup)


@contextlib.contextmanager
def production_stack():
    """gunicorn + a Celery worker with ``config.settings.production`` on a fresh PostgreSQL database."""
    prepared = _take("production")
    env, logs, port = prepared.env, prepared.logs, prepared.port
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["worker"] = _start([CELERY, "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2",
                                  "--without-mingle", "--without-gossip", "--hostname", f"live-{port}@%h"],
                                 env, logs["worker"])
        procs["gunicorn"] = _start([GUNICORN, "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                    "--access-logfile", "-", "--error-logfile", "-", "--timeout", "60"],
                                   env, logs["gunicorn"])
        _wait_http(f"http://127.0.0.1:{port}/login/", procs, logs, headers={"X-Forwarded-Proto": "https"})
        _wait_log(logs["worker"], r"\bready\.", procs["worker"])
        yield Stack(name="production", base_url=f"https://127.0.0.1:{port}", token=prepared.token,
                    password=prepared.password, logs=logs, behind_tls_proxy=True)
    finally:
        for proc in procs.values():
            _stop(proc)
        _keep_logs("production", logs)
        prepared.cleanup()


# --------------------------------------------------------------------------- demo (make run)


def _prepare_demo() -> Prepared:
    """``make run``'s first two commands: migrate SQLite and seed_demo (then a platform client)."""
    tmp = Path(tempfile.mkdtemp(prefix="portal-demo-"))
    port = free_port()
    env = _env(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        PORTAL_VAR_DIR=str(tmp),
        PORT=str(port),
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    logs = {"run-local": tmp / "run-local.log", "celery": tmp / "celery.log", "setup": tmp / "setup.log"}
    try:
        _append(logs["setup"], _run([PY, "manage.py", "migrate", "--noinput"], env, what="manage.py migrate"))
        output = _run([PY, "-m", "tests.live.setup_data", "--seed-demo"], env, what="manage.py seed_demo")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _append(logs["setup"], output)
    return Prepared(env=env, tmp=tmp, port=port, token=output.strip().splitlines()[-1], password=DEMO_PASSWORD,
                    logs=logs, cleanup=lambda: shutil.rmtree(tmp, ignore_errors=True))


@contextlib.contextmanager
def demo_stack():
    """``make run``: migrate SQLite, seed_demo, then ``scripts/run-local`` (runserver, worker with beat)."""
    prepared = _take("demo")
    env, logs, port = prepared.env, prepared.logs, prepared.port
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["run-local"] = _start([str(ROOT / "scripts" / "run-local")], env, logs["run-local"])
        _wait_http(f"http://127.0.0.1:{port}/login/", procs, logs)
        _wait_log(logs["celery"], r"\bready\.", procs["run-local"])
        yield Stack(name="demo", base_url=f"http://127.0.0.1:{port}", token=prepared.token,
                    password=prepared.password, logs=logs)
    finally:
        for proc in procs.values():
            _stop(proc, ctrl_c=True)
        _keep_logs("demo", logs)
        prepared.cleanup()
