"""What every benchmark shares: its own PostgreSQL database, created (or kept) and migrated."""

from __future__ import annotations

import os

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def database_url(name: str) -> str:
    return f"{SERVER}/{name}"


def prepare_database(name: str, *, keep: bool) -> None:
    """Create database ``name`` (dropping it first unless ``keep``), set up Django on it and migrate.

    ``DJANGO_SETTINGS_MODULE`` and the rest of the environment are the caller's; ``DATABASE_URL``
    is set here.
    """
    import psycopg

    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
