import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "设备模拟器：simulate dust —— 以登记的扬尘监测仪身份连接 HJ 212 网关并上报数据。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        dust = sub.add_parser("dust", help="扬尘监测仪")
        dust.add_argument("--devices", default="all",
                          help="模拟的设备数：all 为全部已登记的扬尘监测仪；超出登记数的部分以未登记 MN 连接")
        dust.add_argument("--interval", type=float, default=30.0, help="实时数据上报间隔（秒）")
        dust.add_argument("--host", default=None)
        dust.add_argument("--port", type=int, default=None)
        dust.add_argument("--backfill-hours", type=float, default=0,
                          help="连接后先补传过去若干小时的数据（每分钟一条），演示曲线用")
        dust.add_argument("--duration", type=float, default=None, help="运行若干秒后自动停止")

    def handle(self, *args, kind, devices, interval, host, port, backfill_hours, duration, **options):
        from sitewatch.registry.models import Device, DeviceKind
        from sitewatch.simulators.dust import SimDevice, styles_for

        registered = list(Device.objects.filter(kind=DeviceKind.DUST_MONITOR).exclude(hj212_mn=None)
                          .order_by("id").values_list("hj212_mn", "hj212_password"))
        if devices == "all":
            count = len(registered)
        else:
            try:
                count = int(devices)
            except ValueError:
                raise CommandError("--devices 须为整数或 all。") from None
        if interval <= 0:
            raise CommandError("--interval 须大于 0。")
        sims = []
        for index in range(count):
            mn, pw = registered[index] if index < len(registered) else (f"SIMUNREG{index:08d}", "123456")
            style, variant = styles_for(index)
            sims.append(SimDevice(mn=mn, pw=pw or "123456", style=style, crc_variant=variant))
        host = host or ("127.0.0.1" if settings.HJ212_HOST in ("0.0.0.0", "::") else settings.HJ212_HOST)
        port = port or settings.HJ212_PORT
        self.stdout.write(f"模拟 {len(sims)} 台扬尘监测仪 → {host}:{port}，每 {interval:g} 秒上报")
        self.stdout.flush()
        monitors = asyncio.run(self._run(sims, host, port, interval, backfill_hours, duration))
        sent = sum(m.sent for m in monitors)
        answered = sum(m.answered for m in monitors)
        self.stdout.write(f"已发送 {sent} 条，收到应答 {answered} 条")

    async def _run(self, sims, host, port, interval, backfill_hours, duration):
        from sitewatch.simulators.dust import run_devices

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_devices(sims, host=host, port=port, interval=interval, backfill_hours=backfill_hours,
                                 stop=stop, duration=duration)
