"""`sitewatch run`: set up the database and start every component of the platform.

Each component is also a command of its own (`sitewatch web`, and the gateways and
loops later issues add), so a larger deployment starts them separately. Here they run as
child processes; Ctrl-C (or SIGTERM) stops them all.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# (label, argv after `sitewatch`): every long-running component of the platform.
COMPONENTS: list[tuple[str, list[str]]] = [
    ("网页与接口服务", ["web"]),
    ("HJ 212 扬尘监测网关", ["gateway", "hj212"]),
    ("国标 GB/T 28181 视频网关", ["gateway", "sip"]),
    ("在线状态巡检", ["monitor"]),
    ("期限循环", ["deadlines"]),
]
# Started too unless --no-simulators: the demo's devices, so that a fresh platform shows data.
SIMULATORS: list[tuple[str, list[str]]] = [
    ("扬尘监测仪模拟器", ["simulate", "dust", "--devices", "all", "--interval", "30", "--backfill-hours", "24"]),
    ("国标摄像机模拟器", ["simulate", "camera", "--devices", "all", "--channels", "4"]),
]


class Command(BaseCommand):
    help = "初始化数据库（首次启动载入演示数据）并启动平台全部组件；Ctrl-C 全部停止。"

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="首次启动时不载入演示数据")
        parser.add_argument("--no-simulators", action="store_true", help="不启动设备模拟器")

    def handle(self, *args, no_demo=False, no_simulators=False, **options):
        from sitewatch.accounts.models import User
        from sitewatch.core.demo import DEMO_PASSWORD, build_demo

        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo and not User.objects.exists():
            self.stdout.write("首次启动：载入演示数据……")
            build_demo()
            from django.utils import timezone

            from sitewatch.assessment.demo import demo_assessments

            demo_assessments(now=timezone.now())
        children = self._start(COMPONENTS + ([] if no_simulators else SIMULATORS))
        url = f"http://{settings.WEB_HOST}:{settings.WEB_PORT}/"
        self.stdout.write("")
        self.stdout.write(f"{settings.PLATFORM_TITLE} 已启动：{url}")
        self.stdout.write(f"接口文档：{url}api/v1/docs    管理后台：{url}admin/")
        self.stdout.write(f"HJ 212 扬尘监测网关：{settings.HJ212_HOST}:{settings.HJ212_PORT}")
        self.stdout.write(f"国标 SIP 网关：{settings.SIP_HOST}:{settings.SIP_PORT}（UDP、TCP；"
                          f"平台编码 {settings.SIP_SERVER_ID}，域 {settings.SIP_DOMAIN}）")
        demo_users = list(User.objects.filter(username__in=["city", "chikan", "xiashan", "builder", "contractor",
                                                            "supervisor", "integrator", "operator"])
                          .select_related("organisation").order_by("id"))
        if demo_users:
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for user in demo_users:
                org = user.organisation
                self.stdout.write(f"  {user.username:<11}{org.get_role_display() if org else ''}  {org.name if org else ''}")
        self.stdout.write("按 Ctrl-C 停止。")
        self.stdout.flush()
        self._supervise(children)

    def _start(self, components) -> list[tuple[str, subprocess.Popen]]:
        children = []
        for label, argv in components:
            # Own session: Ctrl-C reaches only this supervisor, which stops the children in order.
            proc = subprocess.Popen([sys.executable, "-m", "sitewatch.manage", *argv], start_new_session=True)
            children.append((label, proc))
        return children

    def _supervise(self, children) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                for label, proc in children:
                    if proc.poll() is not None:
                        self.stderr.write(f"组件“{label}”已退出（退出码 {proc.returncode}），平台停止。")
                        stopping = True
                time.sleep(0.5)
        finally:
            for _, proc in children:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 10
            for _, proc in children:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("平台已停止。")
        if any(proc.returncode not in (0, -signal.SIGTERM, -signal.SIGINT) for _, proc in children):
            sys.exit(1)
