import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from sitewatch.core.loops import run_loop
from sitewatch.monitoring.loop import run_once

log = logging.getLogger("sitewatch.monitor")


class Command(BaseCommand):
    help = "在线状态巡检循环：超时无数据的设备判定离线（可多副本同时运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只巡检一次")
        parser.add_argument("--interval", type=float, default=settings.MONITOR_INTERVAL_SECONDS)

    def handle(self, *args, once=False, interval=30.0, **options):
        run_loop(name="巡检循环", step=run_once, interval=interval, once=once, log=log,
                 report=lambda result: self.stdout.write(f"离线 {result['offline']} 台"))
