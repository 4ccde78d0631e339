"""The `sitewatch` console script as an operator runs it, against a database of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("sitewatch")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "cli-test", "DEBUG": "False",
                "DJANGO_SETTINGS_MODULE": "sitewatch.settings"})
    subprocess.run([SCRIPT, "migrate", "-v0"], env=env, check=True, timeout=300)
    return env


def _run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=300)


def test_workdays_add_prints_the_iso_date(cli_env):
    result = _run(cli_env, "workdays", "add", "2026-02-13", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-02-14"


def test_workdays_add_into_an_unknown_year_exits_non_zero_in_chinese(cli_env):
    result = _run(cli_env, "workdays", "add", "2026-12-30", "5")
    assert result.returncode != 0
    assert "2027年放假安排尚未录入" in result.stderr


def test_demo_is_idempotent_and_prints_the_logins(cli_env):
    first = _run(cli_env, "demo")
    second = _run(cli_env, "demo")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    for username in ("city", "chikan", "xiashan", "contractor", "integrator", "operator"):
        assert username in second.stdout
    counts = _run(cli_env, "shell", "-c",
                  "from sitewatch.registry.models import Project, Device; print(Project.objects.count(), Device.objects.count())")
    assert counts.stdout.split()[-2:] == ["30", "180"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_starts_every_component_and_stops_on_ctrl_c(tmp_path):
    import signal
    import socket
    import time
    import urllib.request

    web_port, hj_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3", "SECRET_KEY": "run-test", "DEBUG": "False",
                "DJANGO_SETTINGS_MODULE": "sitewatch.settings", "SITEWATCH_VAR_DIR": str(tmp_path),
                "WEB_PORT": str(web_port), "HJ212_PORT": str(hj_port), "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen([SCRIPT, "run", "--no-simulators"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/login/", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None and "湛江市智慧渣土综合服务监管平台" in page
        # The components start side by side: the gateway may listen a moment after the web.
        accepted = False
        while time.monotonic() < deadline and not accepted:
            try:
                with socket.create_connection(("127.0.0.1", hj_port), timeout=5):
                    accepted = True  # the HJ 212 gateway accepts devices
            except OSError:
                time.sleep(0.5)
        assert accepted, "HJ 212 网关未在端口上接受连接"
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{web_port}/" in output and "city" in output and "平台已停止" in output
