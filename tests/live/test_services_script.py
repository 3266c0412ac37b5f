"""scripts/test-services (what `make test` and CI run): where nothing answers on the ports, it starts a
throwaway PostgreSQL and Redis, hands their URLs to the command, keeps the command's exit status, and stops
them after, whatever the outcome."""

import glob
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .stacks import ROOT, free_port

pytestmark = pytest.mark.live

SCRIPT = ROOT / "scripts" / "test-services"
CAN_START = (bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or os.getuid() == 0)

PROBE = textwrap.dedent("""
    import os, sys, psycopg, redis
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).ping()
    print("URLS", os.environ["DATABASE_URL"], os.environ["CELERY_BROKER_URL"])
    sys.exit(int(sys.argv[1]))
""")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _run(pg: int, rd: int, *command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(PORTAL_TEST_PG_PORT=str(pg), PORTAL_TEST_REDIS_PORT=str(rd), TMPDIR=env.get("TMPDIR", "/tmp"))
    return subprocess.run([str(SCRIPT), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.skipif(not CAN_START, reason="no PostgreSQL binaries to start a throwaway cluster from")
def test_starts_its_own_servers_hands_them_over_and_stops_them_whatever_the_outcome():
    pg, rd = free_port(), free_port()
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    before = set(tmp.glob("portal-test-services.*"))

    # the command ends as pytest does when it collected nothing (5): the status is kept, and said out loud
    done = _run(pg, rd, sys.executable, "-c", PROBE, "5")

    assert done.returncode == 5, done.stderr
    assert f"URLS postgres://postgres@127.0.0.1:{pg}/portal redis://127.0.0.1:{rd}/0" in done.stdout, done.stderr
    assert "starting a throwaway PostgreSQL" in done.stderr and "starting a throwaway Redis" in done.stderr
    assert "pytest collected no tests (exit 5)" in done.stderr
    assert not _answers(pg) and not _answers(rd), "the throwaway servers were left running"
    assert set(tmp.glob("portal-test-services.*")) == before, "the servers' temp directory was left behind"
