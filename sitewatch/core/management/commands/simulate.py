import asyncio
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

log = logging.getLogger("sitewatch.simulators")


class Command(BaseCommand):
    help = ("设备模拟器：simulate dust —— 以登记的扬尘监测仪身份连接 HJ 212 网关并上报数据；"
            "simulate camera —— 以登记的国标摄像机、NVR 身份向 SIP 网关注册、发送心跳并应答目录等查询。")

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

        camera = sub.add_parser("camera", help="国标摄像机、NVR（GB/T 28181）")
        camera.add_argument("--devices", default="all",
                            help="模拟的设备数：all 为全部已登记的摄像机和NVR；超出登记数的部分以未登记编码注册")
        camera.add_argument("--channels", type=int, default=4, help="每台 NVR 的通道数（摄像机为 1）")
        camera.add_argument("--resolution", default="1920x1080", help="主码流分辨率，如 1920x1080")
        camera.add_argument("--sub", default="704x576", help="子码流分辨率，如 704x576")
        camera.add_argument("--transport", choices=("udp", "tcp"), default="udp")
        camera.add_argument("--interval", type=float, default=None, help="心跳间隔（秒），默认取 SIP_KEEPALIVE_INTERVAL")
        camera.add_argument("--host", default=None)
        camera.add_argument("--port", type=int, default=None)
        camera.add_argument("--offline-after", type=float, default=None,
                            help="运行若干秒后让 --offline-count 台设备停止心跳（演示离线）")
        camera.add_argument("--offline-count", type=int, default=1)
        camera.add_argument("--change-after", type=float, default=None,
                            help="运行若干秒后把 --change-count 台设备全部通道的码流分辨率改为 --change-main / --change-sub"
                                 "（平台下次查询时记录变化）")
        camera.add_argument("--change-count", type=int, default=1)
        camera.add_argument("--change-main", default=None, help="改后的主码流分辨率，如 1280x720")
        camera.add_argument("--change-sub", default=None, help="改后的子码流分辨率，如 640x480")
        camera.add_argument("--duration", type=float, default=None, help="运行若干秒后自动停止")

    def handle(self, *args, kind, **options):
        if kind == "camera":
            return self._camera(**options)
        return self._dust(**options)

    def _camera(self, *, devices, channels, resolution, sub, transport, interval, host, port, offline_after,
                offline_count, duration, change_after=None, change_count=1, change_main=None, change_sub=None,
                **options):
        from sitewatch.protocols.gb28181 import manscdp
        from sitewatch.registry.models import GB28181_KINDS, Device, DeviceKind
        from sitewatch.simulators.camera import SimCamera, SimChannel, channel_ids

        main_res, sub_res = manscdp.parse_resolution(resolution), manscdp.parse_resolution(sub)
        if main_res is None or sub_res is None:
            raise CommandError("--resolution、--sub 须为分辨率，如 1920x1080、704x576。")
        if channels < 1:
            raise CommandError("--channels 须至少为 1。")
        for option, value in (("--change-main", change_main), ("--change-sub", change_sub)):
            if value is not None and manscdp.parse_resolution(value) is None:
                raise CommandError(f"{option} 须为分辨率，如 1280x720。")
        change = (change_after, change_count, change_main, change_sub) if change_after is not None else None
        interval = interval or float(settings.SIP_KEEPALIVE_INTERVAL)
        if interval <= 0:
            raise CommandError("--interval 须大于 0。")
        registered = list(Device.objects.filter(kind__in=GB28181_KINDS).exclude(gb_device_id=None)
                          .order_by("id").values_list("gb_device_id", "gb_password", "kind"))
        count = self._count(devices, len(registered))
        sims = []
        for index in range(count):
            if index < len(registered):
                gb_id, password, device_kind = registered[index]
            else:  # not registered on the platform: refused, listed as 未登记设备
                gb_id, password, device_kind = f"4408000000132{index:07d}", "12345678", DeviceKind.CAMERA
            n = channels if device_kind == DeviceKind.NVR else 1
            sims.append(SimCamera(
                device_id=gb_id, password=password or settings.SIP_PASSWORD, transport=transport,
                keepalive_interval=interval, keepalive_misses=settings.SIP_KEEPALIVE_MISSES,
                channels=[SimChannel(cid, f"通道{i}", main=main_res, sub=sub_res)
                          for i, cid in enumerate(channel_ids(gb_id, n), 1)]))
        host = host or ("127.0.0.1" if settings.SIP_HOST in ("0.0.0.0", "::") else settings.SIP_HOST)
        port = port or settings.SIP_PORT
        self.stdout.write(f"模拟 {len(sims)} 台国标设备（{transport.upper()}）→ {host}:{port}，每 {interval:g} 秒心跳")
        self.stdout.flush()
        fleet = asyncio.run(self._run_cameras(sims, host, port, offline_after, offline_count, duration, change))
        registered_now = sum(1 for d in sims if d.registered)
        self.stdout.write(f"已注册 {registered_now} 台，心跳 {sum(d.keepalives for d in sims)} 次，"
                          f"应答查询 {sum(d.queries_answered for d in sims)} 次，错误 {fleet.errors} 次")

    async def _run_cameras(self, sims, host, port, offline_after, offline_count, duration, change=None):
        from sitewatch.simulators.camera import Fleet

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        fleet = Fleet(sims, host=host, port=port, domain=settings.SIP_DOMAIN, server_id=settings.SIP_SERVER_ID)
        await fleet.start()
        if offline_after is not None:
            def drop():
                for device in sims[:offline_count]:
                    device.go_offline()
                self.stdout.write(f"{min(offline_count, len(sims))} 台设备已停止心跳")
                self.stdout.flush()
            loop.call_later(offline_after, drop)
        if change is not None:
            after, count, main, sub = change

            def change_resolution():
                for device in sims[:count]:
                    for index in range(len(device.channels)):
                        device.set_resolution(index, main=main, sub=sub)
                self.stdout.write(f"{min(count, len(sims))} 台设备的码流分辨率已改变")
                self.stdout.flush()
            loop.call_later(after, change_resolution)
        if duration is not None:
            loop.call_later(duration, stop.set)
        await stop.wait()
        try:
            # Closing only cancels the devices' tasks; bounded all the same, so that a device
            # stuck in a send never keeps the command (or a test waiting on it) from ending.
            await asyncio.wait_for(fleet.close(), 10)
        except TimeoutError:
            log.warning("模拟设备未能在 10 秒内全部停止，强制退出。")
        return fleet

    @staticmethod
    def _count(devices: str, registered: int) -> int:
        if devices == "all":
            return registered
        try:
            return int(devices)
        except ValueError:
            raise CommandError("--devices 须为整数或 all。") from None

    def _dust(self, *, devices, interval, host, port, backfill_hours, duration, **options):
        from sitewatch.registry.models import Device, DeviceKind
        from sitewatch.simulators.dust import SimDevice, styles_for

        registered = list(Device.objects.filter(kind=DeviceKind.DUST_MONITOR).exclude(hj212_mn=None)
                          .order_by("id").values_list("hj212_mn", "hj212_password"))
        count = self._count(devices, len(registered))
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
