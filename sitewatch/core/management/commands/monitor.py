import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from sitewatch.monitoring.loop import run_once

log = logging.getLogger("sitewatch.monitor")


class Command(BaseCommand):
    help = "在线状态巡检循环：超时无数据的设备判定离线（可多副本同时运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只巡检一次")
        parser.add_argument("--interval", type=float, default=settings.MONITOR_INTERVAL_SECONDS)

    def handle(self, *args, once=False, interval=30.0, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("巡检循环启动，间隔 %s 秒", interval)
        first = True
        while not stopping:
            if not first:
                # A long-running loop must not keep a connection the server dropped.
                close_old_connections()
            first = False
            try:
                result = run_once(now=timezone.now())
                if once:
                    self.stdout.write(f"离线 {result['offline']} 台")
            except Exception:  # one failed pass (e.g. a locked database) must not end the loop
                log.exception("巡检失败，稍后重试")
                if once:
                    raise
            if once:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, interval))
        log.info("巡检循环停止")
