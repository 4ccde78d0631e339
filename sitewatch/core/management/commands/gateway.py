import asyncio
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

log = logging.getLogger("sitewatch.gateway")

DEFAULTS = {"hj212": ("HJ212_HOST", "HJ212_PORT"), "sip": ("SIP_HOST", "SIP_PORT")}


class Command(BaseCommand):
    help = "启动设备接入网关：hj212（扬尘监测仪，TCP）；sip（国标 GB/T 28181 摄像机、NVR，UDP 与 TCP 同一端口）。"

    def add_arguments(self, parser):
        parser.add_argument("protocol", choices=sorted(DEFAULTS))
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        parser.add_argument("--reuse-port", action="store_true",
                            help="SO_REUSEPORT：同一主机可启动多个网关进程共用端口")

    def handle(self, *args, protocol, host=None, port=None, reuse_port=False, **options):
        host_setting, port_setting = DEFAULTS[protocol]
        host = host or getattr(settings, host_setting)
        port = port if port is not None else getattr(settings, port_setting)
        try:
            asyncio.run(self._serve(protocol, host, port, reuse_port))
        except OSError as exc:
            raise CommandError(f"网关无法监听 {host}:{port}：{exc.strerror or exc}") from None

    async def _serve(self, protocol: str, host: str, port: int, reuse_port: bool) -> None:
        from sitewatch.gateways import hj212, sip

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if protocol == "sip":
            if reuse_port:
                raise CommandError("国标 SIP 网关按设备保存注册状态，不支持 --reuse-port 多进程共用端口。")
            gateway = sip.Gateway()
            await gateway.start(host, port)
            self.stdout.write(f"国标 SIP 网关已启动：{host}:{gateway.port}（UDP、TCP）")
        else:
            gateway = hj212.Gateway()
            await gateway.start(host, port, reuse_port=reuse_port)
            self.stdout.write(f"HJ 212 网关已启动：{host}:{gateway.port}")
        self.stdout.flush()
        await stop.wait()
        log.info("网关停止中，写完已收到的数据……")
        await gateway.close()
