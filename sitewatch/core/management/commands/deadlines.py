import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from sitewatch.assessment.weekly import assessments_due
from sitewatch.core.loops import run_loop
from sitewatch.onboarding.reminders import deadlines_run

log = logging.getLogger("sitewatch.deadlines")


class Command(BaseCommand):
    help = ("期限循环：依据实时数据判定安装接入完成；测试、安装接入期限到期前一个工作日提醒、逾期通知；"
            "不能接入说明逾期转为违规记录；到周考核时间后对系统集成商进行周考核（可多副本同时运行）。")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只执行一次")
        parser.add_argument("--interval", type=float, default=settings.DEADLINES_INTERVAL_SECONDS)

    def handle(self, *args, once=False, interval=300.0, **options):
        run_loop(name="期限循环", step=step, interval=interval, once=once, log=log,
                 report=lambda r: self.stdout.write(
                     f"已接入 {r['applications_connected']} 项，提醒 {r['notifications_queued']} 条，"
                     f"不能接入说明逾期 {r['statements_overdue']} 份，周考核 {r['assessments']} 家"))


def step(*, now) -> dict[str, int]:
    """Deadlines of the procedures, then the weekly check once its moment has passed."""
    result = deadlines_run(now=now)
    result["assessments"] = len(assessments_due(now=now))
    return result
