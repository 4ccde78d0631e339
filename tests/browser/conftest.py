"""Browser tests: Debian's chromium driven by Playwright against a real server.

One browser and one server for the whole run. The server is `sitewatch web` in a
subprocess on its own database (a temp SQLite file, or a throwaway PostgreSQL database
when the run's DATABASE_URL is PostgreSQL), migrated and loaded with the demo cast, so
the in-process tests' transactions and pytest-django's flushes never touch it. Each test
gets a fresh browser context; a failing test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sitewatch.core.demo import DEMO_PASSWORD
from tests.servers import free_port, manage, run_manage, server_env, stop, throwaway_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT = 60
_reports = pytest.StashKey[dict]()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser against a real server (tests/browser)")


def pytest_collection_modifyitems(config, items):
    # Browser tests last: they share one slow-to-start server, and the in-process tests
    # then run before any Playwright event loop exists in this process.
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser_items
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium 软件包（make deb）。")
        for item in browser_items:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


# --- the server ---

def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"网页服务启动失败（退出码 {process.returncode}）：\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"网页服务 {START_TIMEOUT} 秒内未响应：\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory) -> tuple[str, dict[str, str]]:
    """(URL, environment) of the one web server; the environment lets a test run
    `sitewatch` commands against the server's own database."""
    tmp = tmp_path_factory.mktemp("browser-server")
    with throwaway_database(tmp, os.environ.get("DATABASE_URL"), label="browser") as database_url:
        env = server_env(database_url, tmp, ALLOWED_HOSTS="127.0.0.1")
        for command in (("migrate", "--noinput", "-v", "0"), ("collectstatic", "--noinput", "-v", "0"), ("demo",)):
            run_manage(env, *command)
        url = f"http://127.0.0.1:{free_port()}"
        log = tmp / "server.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                manage("web", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]),
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(url, process, log)
            yield url, env
        finally:
            stop(process)


@pytest.fixture(scope="session")
def server_url(browser_server) -> str:
    return browser_server[0]


# --- the browser ---

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, server_url, request):
    """new_page(viewport=PHONE) -> a page in a fresh context; screenshots on failure."""
    pages = []

    def make(viewport: dict = LAPTOP):
        context = browser.new_context(base_url=server_url, viewport=viewport, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    call = request.node.stash.get(_reports, {}).get("call")
    for index, page in enumerate(pages):
        if call is not None and call.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
        page.context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
