#!/usr/bin/env python3
"""Before the tests (scripts/test-services runs this): are PostgreSQL and Redis reachable? Say clearly what is missing."""

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
        "DATABASE_URL / CELERY_BROKER_URL point at servers that do not answer. Unset them and `make test`\n"
        "(scripts/test-services) starts throwaway ones itself, or start those servers.",
        file=sys.stderr,
    )
    sys.exit(2)
print("PostgreSQL and Redis are reachable.")
