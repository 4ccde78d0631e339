"""What the database benchmarks share: run a function against a throwaway database — a new
SQLite file, or (``--postgres URL``) a database created on that server and dropped
afterwards — with Django set up and migrated. Not a figure of its own."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def on_throwaway_database(postgres_url: str | None, body: Callable[[], None]) -> None:
    if not postgres_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='sw-bench-')}/bench.sqlite3"
        _setup()
        body()
        return
    import psycopg

    name = f"sitewatch_bench_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + "/" + name
    try:
        _setup()
        body()
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _setup() -> None:
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sitewatch.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
