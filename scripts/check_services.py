#!/usr/bin/env python3
"""Before the tests: are PostgreSQL and Redis reachable? Say clearly what is missing."""

import os
import socket
import sys
from urllib.parse import urlparse

checks = {
    "PostgreSQL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"),
    "Redis": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
}
missing = []
for name, url in checks.items():
    parts = urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or (5432 if name == "PostgreSQL" else 6379)
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        missing.append(f"{name} is not reachable at {host}:{port} ({exc}).")
if missing:
    print("The tests need PostgreSQL and Redis running:", *missing, sep="\n  ", file=sys.stderr)
    print(
        "Start them, for example:\n"
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "or point DATABASE_URL / CELERY_BROKER_URL at running servers.",
        file=sys.stderr,
    )
    sys.exit(2)
print("PostgreSQL and Redis are reachable.")
