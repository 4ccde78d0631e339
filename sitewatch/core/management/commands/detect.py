import datetime as dt
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sitewatch.core.loops import run_loop
from sitewatch.enforcement.detection import detection_run

log = logging.getLogger("sitewatch.detection")


class Command(BaseCommand):
    help = ("违规自动检测循环：未接入监管平台、扬尘监测未联网、视频图像不可视、监控摄像头数量或部位不符合要求；"
            "自动复查数据已恢复正常的案件，逾期未整改的升级处理（可多副本同时运行）。")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只检测一次")
        parser.add_argument("--interval", type=float, default=settings.MONITOR_INTERVAL_SECONDS
                            * max(settings.ENFORCEMENT_DETECT_EVERY_PASSES, 1))
        parser.add_argument("--now", help="按此时间检测（ISO 8601，须带时区，如 2026-12-05T10:00+08:00；只与 --once 同用，"
                                          "用于补查或演示）")

    def handle(self, *args, once=False, interval=300.0, now=None, **options):
        step = detection_run
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now={now!r} 不是有效的时间：请用 ISO 8601 格式，如 2026-12-05T10:00+08:00。") from None
            if moment.tzinfo is None:
                raise CommandError("--now 须带时区，如 2026-12-05T10:00+08:00。")
            if not once:
                raise CommandError("--now 只能与 --once 同用。")
            step = lambda now: detection_run(now=moment)  # noqa: E731
        run_loop(name="违规检测循环", step=step, interval=interval, once=once, log=log,
                 report=lambda r: self.stdout.write(
                     f"新增违规 {r.get('opened', 0)} 起，自动结案 {r.get('closed', 0)} 起，"
                     f"逾期升级 {r.get('escalated', 0) + r.get('recheck_failed', 0)} 起，"
                     f"数据恢复 {r.get('cleared_marked', 0)} 起，再次异常 {r.get('cleared_reset', 0)} 起"))
