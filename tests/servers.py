"""Real server subprocesses for tests and benchmarks: a database of their own, their
environment, and a `sitewatch gateway hj212` started, stopped or killed.

The database is a temp SQLite file, or — when the given URL is PostgreSQL — a throwaway
database created on that server and dropped afterwards (as tests/browser/conftest.py
does for the web server), so nothing the subprocess writes touches the test database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(POSTGRES_SCHEMES)


@contextlib.contextmanager
def throwaway_database(tmp: Path, database_url: str | None, *, label: str) -> Iterator[str]:
    """A DATABASE_URL for a subprocess alone: on the PostgreSQL server of `database_url`
    when it is one (a new database, dropped afterwards), else a SQLite file in `tmp`."""
    if not is_postgres(database_url):
        yield f"sqlite:///{tmp / f'{label}.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = f"sitewatch_{label}_{os.getpid()}"
    admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_env(database_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        SECRET_KEY="test", DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="sitewatch.settings",
        SITEWATCH_VAR_DIR=str(tmp), PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, "-m", "sitewatch.manage", *args]


def run_manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(manage(*args), cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"sitewatch {' '.join(args)} 失败：\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_gateway(env: dict[str, str], *, port: int, log: Path, argv: Sequence[str] | None = None,
                  preexec_fn: Callable[[], None] | None = None, timeout: float = 60) -> subprocess.Popen:
    """`sitewatch gateway hj212 --port PORT` (or `argv`), returned once it listens."""
    command = list(argv) if argv is not None else manage("gateway", "hj212", "--host", "127.0.0.1",
                                                          "--port", str(port))
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=preexec_fn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"网关启动失败（退出码 {process.returncode}）：\n{log.read_text()[-3000:]}")
        if "网关已启动" in log.read_text(errors="replace"):
            return process
        time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"网关 {timeout} 秒内未启动：\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM (the gateway stores what it holds, then exits), SIGKILL after `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def query(database_url: str, statement: str, params: Sequence = ()) -> list[tuple]:
    """Rows from the subprocess's database, over a connection of our own ("%s" placeholders)."""
    if is_postgres(database_url):
        import psycopg

        parts = urlsplit(database_url)
        with psycopg.connect(parts._replace(scheme="postgresql").geturl()) as conn:
            return conn.execute(statement, params).fetchall()
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(f"/{path}" if not path.startswith("/") else path)) as conn:
        return conn.execute(statement.replace("%s", "?"), params).fetchall()


def as_utc(value: dt.datetime | str) -> dt.datetime:
    """A datetime column as an aware UTC datetime (SQLite gives Django's naive-UTC text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
