"""Simulated GB/T 28181 cameras and NVRs for demos, tests and load.

Each device registers with digest (answering the 401 challenge), keeps alive, and answers
the platform's Catalog (in several packets when it has many channels), DeviceInfo and
ConfigDownload (BasicParam, and the 2022 VideoParamAttribute with its channels' main and
sub stream resolution). A device can be made to drop offline (stop keepalives), come
back, change a channel's resolution or status. Thousands of devices run in one process:
over UDP they share one socket (answers and queries are told apart by the device id in
the message), over TCP each has its own connection.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import secrets
from dataclasses import dataclass, field

from sitewatch.protocols.gb28181 import digest, manscdp
from sitewatch.protocols.gb28181 import sip as sipmsg
from sitewatch.protocols.gb28181.errors import SipError

log = logging.getLogger("sitewatch.simulators.camera")

MANSCDP = "Application/MANSCDP+xml"
ITEMS_PER_PACKET = 4  # catalogue items per MESSAGE (RFC 3428: keep a MESSAGE under 1300 bytes)


def channel_ids(device_id: str, count: int) -> list[str]:
    """Channel ids under a device: its first 10 digits, type 131 (camera), a serial."""
    base = device_id[:10]
    serial = int(device_id[14:]) if device_id[14:].isdigit() else 0
    return [f"{base}1317{(serial * 100 + i) % 1_000_000:06d}" for i in range(1, count + 1)]


@dataclass
class SimChannel:
    channel_id: str
    name: str
    status: str = "ON"
    main: manscdp.Resolution = field(default_factory=lambda: manscdp.Resolution(1920, 1080))
    sub: manscdp.Resolution = field(default_factory=lambda: manscdp.Resolution(704, 576))


@dataclass
class SimCamera:
    device_id: str
    password: str
    channels: list[SimChannel]
    manufacturer: str = "Hikvision"
    model: str = "DS-7808N-K2"
    firmware: str = "V4.30.085"
    transport: str = "udp"
    keepalive_interval: float = 60.0
    keepalive_misses: int = 3  # what it reports in BasicParam
    expires: int = 3600
    # state
    registered: bool = False
    silent: bool = False  # stopped keepalives (offline); it answers nothing
    keepalives: int = 0
    queries_answered: int = 0
    registered_event: asyncio.Event = field(default_factory=asyncio.Event)

    def go_offline(self) -> None:
        self.silent = True

    def come_back(self) -> None:
        self.silent = False

    def set_resolution(self, index: int, *, main: str | None = None, sub: str | None = None) -> None:
        channel = self.channels[index]
        if main:
            channel.main = manscdp.parse_resolution(main)
        if sub:
            channel.sub = manscdp.parse_resolution(sub)


class Fleet:
    """Devices driven against one gateway address: register, keep alive, answer queries."""

    def __init__(self, devices: list[SimCamera], *, host: str, port: int, domain: str, server_id: str,
                 spread: float = 5.0):
        self.devices = {d.device_id: d for d in devices}
        self.spread = spread  # seconds over which the devices' first REGISTERs are spread
        self.host, self.port = host, port
        self.domain, self.server_id = domain, server_id
        self._udp: asyncio.DatagramTransport | None = None
        self._local = ("127.0.0.1", 0)
        self._tcp: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        self._pending: dict[str, asyncio.Future] = {}  # Call-ID → future of the response
        self._cseq = itertools.count(1)
        self._sn = itertools.count(1)
        self._tasks: list[asyncio.Task] = []
        self.errors = 0

    # --- transport ----------------------------------------------------------------------
    async def start(self, *, lives: bool = True) -> None:
        """Open the sockets and (``lives``) start every device's register-and-keepalive life;
        without, the caller drives the devices (register(), keepalive())."""
        loop = asyncio.get_running_loop()
        if any(d.transport == "udp" for d in self.devices.values()):
            self._udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), local_addr=("127.0.0.1", 0),
                                                               remote_addr=(self.host, self.port))
            self._local = self._udp.get_extra_info("sockname")[:2]
        for device in self.devices.values():
            if not lives and device.transport == "tcp":
                await self._connect_tcp(device)
            elif lives:
                self._tasks.append(loop.create_task(self._life(device)))

    async def close(self) -> None:
        # Cancel until every life has ended: on Python 3.11 asyncio.wait_for can swallow a
        # cancellation that arrives as its answer does, and that life would go on for ever.
        while pending := [task for task in self._tasks if not task.done()]:
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1)
        if self._udp:
            self._udp.close()
        for _, writer in self._tcp.values():
            writer.close()

    def _send(self, device: SimCamera, data: bytes) -> None:
        if device.transport == "tcp":
            pair = self._tcp.get(device.device_id)
            if pair is not None and not pair[1].is_closing():
                pair[1].write(data)
        elif self._udp is not None:
            self._udp.sendto(data)

    async def _connect_tcp(self, device: SimCamera) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._tcp[device.device_id] = (reader, writer)
        self._tasks.append(asyncio.get_running_loop().create_task(self._read_tcp(device, reader)))

    async def _read_tcp(self, device: SimCamera, reader: asyncio.StreamReader) -> None:
        framer = sipmsg.StreamFramer()
        while True:
            data = await reader.read(65536)
            framer.receive_data(data)
            while True:
                event = framer.next_event()
                if event is sipmsg.NEED_DATA or isinstance(event, sipmsg.ConnectionClosed):
                    break
                if isinstance(event, sipmsg.BadMessage):
                    self.errors += 1
                    continue
                self.received(event)
            if not data:
                return

    # --- input ----------------------------------------------------------------------------
    def received(self, message) -> None:
        if isinstance(message, bytes | bytearray):
            try:
                message = sipmsg.parse_message(bytes(message))
            except SipError:
                self.errors += 1
                return
        if isinstance(message, sipmsg.Response):
            future = self._pending.pop(message.call_id, None)
            if future is not None and not future.done():
                future.set_result(message)
            return
        device = self.devices.get(message.to.user or "") or self.devices.get(
            message.uri.split(":", 1)[-1].split("@", 1)[0])
        if device is None or device.silent:
            return
        self._send(device, sipmsg.serialise(sipmsg.response_to(message, 200, to_tag=secrets.token_hex(4))))
        try:
            query = manscdp.parse_manscdp(message.body)
        except manscdp.ManscdpError:
            self.errors += 1
            return
        if isinstance(query, manscdp.Query):
            asyncio.get_running_loop().create_task(self._answer(device, query))

    async def _answer(self, device: SimCamera, query: manscdp.Query) -> None:
        device.queries_answered += 1
        sn = query.sn or 0
        if query.cmd_type == "Catalog":
            items = [manscdp.CatalogItem(device_id=c.channel_id, name=c.name, manufacturer=device.manufacturer,
                                         model="DS-2DE4423IW", parent_id=device.device_id, status=c.status,
                                         parental=0) for c in device.channels]
            for start in range(0, max(1, len(items)), ITEMS_PER_PACKET):
                body = manscdp.build_catalog_response(device.device_id, sn, len(items),
                                                      items[start:start + ITEMS_PER_PACKET])
                await self._message(device, body, wait=False)
        elif query.cmd_type == "DeviceInfo":
            await self._message(device, manscdp.build_device_info_response(
                device.device_id, sn, device_name=device.device_id, manufacturer=device.manufacturer,
                model=device.model, firmware=device.firmware, channel=len(device.channels)), wait=False)
        elif query.cmd_type == "ConfigDownload":
            target = query.device_id
            kinds = set(query.config_types)
            basic = manscdp.BasicParam(name=device.device_id, expiration=device.expires,
                                       heart_beat_interval=max(1, round(device.keepalive_interval)),
                                       heart_beat_count=device.keepalive_misses) \
                if "BasicParam" in kinds else None
            streams = ()
            channel = next((c for c in device.channels if c.channel_id == target), None)
            if "VideoParamAttribute" in kinds and channel is not None:
                streams = (manscdp.StreamAttribute(stream_number=0, video_format="2", resolution=channel.main,
                                                   frame_rate=25, bit_rate_type="1", video_bit_rate=4096),
                           manscdp.StreamAttribute(stream_number=1, video_format="2", resolution=channel.sub,
                                                   frame_rate=25, bit_rate_type="1", video_bit_rate=1024))
            await self._message(device, manscdp.build_config_download_response(
                target, sn, basic_param=basic, video_param_attribute=streams), wait=False)

    # --- requests -------------------------------------------------------------------------
    def _request(self, device: SimCamera, method: str, *, call_id: str, cseq: int, body: bytes = b"",
                 headers=None, to_user: str | None = None) -> bytes:
        if device.transport == "udp":
            host, port = self._local
        else:
            pair = self._tcp.get(device.device_id)
            host, port = pair[1].get_extra_info("sockname")[:2] if pair else ("127.0.0.1", 0)
        request = sipmsg.build_request(
            method, uri=f"sip:{self.server_id}@{self.domain}",
            from_uri=f"sip:{device.device_id}@{self.domain}", from_tag=f"t{device.device_id[-6:]}",
            to_uri=f"sip:{to_user or device.device_id}@{self.domain}", call_id=call_id, cseq=cseq,
            via_host=host, via_port=port, transport=device.transport.upper(), branch=sipmsg.new_branch(),
            contact=f"<sip:{device.device_id}@{host}:{port}>", body=body,
            content_type=MANSCDP if body else None, extra_headers=headers, user_agent="sitewatch-sim",
        )
        return sipmsg.serialise(request)

    async def _exchange(self, device: SimCamera, data: bytes, call_id: str, timeout: float = 5.0):
        future = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        self._send(device, data)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._pending.pop(call_id, None)
            return None

    async def _message(self, device: SimCamera, body: bytes, *, wait: bool = True):
        call_id = f"{secrets.token_hex(8)}@sim"
        data = self._request(device, "MESSAGE", call_id=call_id, cseq=next(self._cseq), body=body,
                             to_user=self.server_id)
        if not wait:
            self._send(device, data)
            return None
        return await self._exchange(device, data, call_id)

    async def register(self, device: SimCamera, *, expires: int | None = None) -> bool:
        expires = device.expires if expires is None else expires
        call_id = f"reg-{device.device_id}-{secrets.token_hex(4)}"
        headers = [("Expires", str(expires))]
        answer = await self._exchange(device, self._request(device, "REGISTER", call_id=call_id, cseq=1,
                                                            headers=headers), call_id)
        if answer is None or answer.status != 401:
            return False
        challenge = digest.parse_digest(answer.headers.get("WWW-Authenticate") or "")
        uri = f"sip:{self.server_id}@{self.domain}"
        cnonce, nc = secrets.token_hex(8), "00000001"
        response = digest.expected_response(username=device.device_id, realm=challenge.get("realm", ""),
                                            password=device.password, method="REGISTER", uri=uri,
                                            nonce=challenge.get("nonce", ""), nc=nc, cnonce=cnonce, qop="auth")
        authorization = (f'Digest username="{device.device_id}", realm="{challenge.get("realm", "")}", '
                         f'nonce="{challenge.get("nonce", "")}", uri="{uri}", response="{response}", '
                         f'algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={nc}')
        answer = await self._exchange(device, self._request(
            device, "REGISTER", call_id=call_id, cseq=2, headers=[*headers, ("Authorization", authorization)]),
            call_id)
        device.registered = answer is not None and answer.status == 200 and expires > 0
        if device.registered:
            device.registered_event.set()
        return answer is not None and answer.status == 200

    async def keepalive(self, device: SimCamera) -> bool:
        answer = await self._message(device, manscdp.build_keepalive(device.device_id, next(self._sn)))
        if answer is not None and answer.status == 200:
            device.keepalives += 1
            return True
        return False

    async def _life(self, device: SimCamera) -> None:
        """Register (retrying after 60 s as the standard asks, sooner at first), then keep alive."""
        try:
            if device.transport == "tcp":
                await self._connect_tcp(device)
            # Devices power up at different moments; a whole fleet registering in the same
            # millisecond is a load test, not a demo.
            await asyncio.sleep(random.uniform(0, min(device.keepalive_interval, self.spread)))
            delay = 1.0
            while not await self.register(device):
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
            while True:
                await asyncio.sleep(device.keepalive_interval)
                if device.silent:
                    continue
                if not await self.keepalive(device):
                    # Refused (the platform lost us) or no answer: register again.
                    device.registered = False
                    await self.register(device)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("模拟摄像机 %s 出错", device.device_id)
            self.errors += 1


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, fleet: Fleet):
        self.fleet = fleet

    def datagram_received(self, data: bytes, addr) -> None:
        self.fleet.received(data)

    def error_received(self, exc) -> None:
        self.fleet.errors += 1
