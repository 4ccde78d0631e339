"""The shape every periodic loop command shares (`sitewatch monitor`, `sitewatch deadlines`):
run a pass, survive a failed one, sleep in short steps so SIGTERM/Ctrl-C stop it promptly,
drop database connections the server closed between passes."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from django.db import close_old_connections
from django.utils import timezone


def run_loop(*, name: str, step: Callable, interval: float, once: bool, log: logging.Logger,
             report: Callable[[dict], None] | None = None) -> None:
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("%s启动，间隔 %s 秒", name, interval)
    first = True
    while not stopping:
        if not first:
            # A long-running loop must not keep a connection the server dropped.
            close_old_connections()
        first = False
        try:
            result = step(now=timezone.now())
            if once and report is not None:
                report(result)
        except Exception:  # one failed pass (e.g. a locked database) must not end the loop
            log.exception("%s失败，稍后重试", name)
            if once:
                raise
        if once:
            return
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, interval))
    log.info("%s停止", name)
