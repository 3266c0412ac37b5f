"""Local development: SQLite unless DATABASE_URL says otherwise, an embedded Celery broker."""

from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import DATABASES, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# kombu's filesystem transport: a worker with beat runs with no broker server installed.
# PORTAL_VAR_DIR moves the broker's folders (the demo-tier tests run a stack of their own in a temp dir).
_broker_dir = Path(env("PORTAL_VAR_DIR", default=str(VAR_DIR))) / "broker"
for _sub in ("out", "processed", "control"):
    (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_broker_dir / "out"),
    "data_folder_out": str(_broker_dir / "out"),
    "processed_folder": str(_broker_dir / "processed"),
    "control_folder": str(_broker_dir / "control"),
    "store_processed": False,
    "polling_interval": 0.5,
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver, the worker's two processes and beat write at once: each transaction takes the write lock when
    # it begins (IMMEDIATE) and waits up to 20 s for it, instead of failing at once with "database is locked"
    # when a read lock cannot be upgraded; WAL lets readers go on while one process writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20, init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )

# SQLite ignores the INCLUDE columns of PostgreSQL's covering indexes; the indexes still work.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
