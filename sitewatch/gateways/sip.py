"""The GB/T 28181 (SIP) gateway: asyncio glue between UDP/TCP sockets, the pure SIP,
digest, MANSCDP and registrar modules, and the services of monitoring.gb28181.

It decodes, authenticates, answers and hands off. Database work runs on one worker thread
(Batcher.run_sync). REGISTER is answered 200 only after the registration is stored.
Keepalives are answered at once and their times written once a second, coalesced per
device: a keepalive carries no data, and a device keeping alive 60 times an hour would
otherwise cost a database write each (口径说明 K-G1).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hashlib
import itertools
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass

from django.conf import settings

from sitewatch.gateways.batcher import Batcher
from sitewatch.protocols.gb28181 import digest, manscdp
from sitewatch.protocols.gb28181 import sip as sipmsg
from sitewatch.protocols.gb28181.errors import SipError
from sitewatch.protocols.gb28181.registrar import QueryRetry, QueryTracker, Registrar

log = logging.getLogger("sitewatch.gateway.sip")

MANSCDP = "Application/MANSCDP+xml"
UDP_BUFFER_BYTES = 8 << 20
CLOSE_ON = frozenset({"too_large", "bad_content_length"})  # TCP errors after which the stream is closed
UDP_READS_PER_WAKE = 256  # then back to the event loop, so TCP and timers are served
MESSAGE_METHODS = ("MESSAGE", "NOTIFY")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Known:
    """A registered GB/T 28181 device as the gateway needs it."""

    pk: int
    gb_id: str
    password: str
    district_id: int | None


def load_directory() -> dict[str, Known]:
    from sitewatch.registry.models import GB28181_KINDS, Device

    rows = Device.objects.filter(kind__in=GB28181_KINDS, gb_device_id__isnull=False).values_list(
        "pk", "gb_device_id", "gb_password", "project__district_id")
    return {gb_id: Known(pk, gb_id, password, district) for pk, gb_id, password, district in rows}


def load_online() -> list[tuple[str, dt.datetime | None]]:
    """Devices registered and online when the gateway stopped: (gb id, registration expiry)."""
    from sitewatch.monitoring.models import GbRegistration

    rows = GbRegistration.objects.filter(registered=True, device__state__online=True).values_list(
        "device__gb_device_id", "expires_at")
    return [(gb_id, expires) for gb_id, expires in rows if gb_id]


class RateLimit:
    """A token bucket per source address: a flood from one address is dropped (and counted)
    without slowing anyone else."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = burst or 2 * rate
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, address: str, now: float) -> bool:
        tokens, last = self._buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return False
        self._buckets[address] = (tokens - 1, now)
        if len(self._buckets) > 100_000:  # forget addresses that have been quiet (a scan)
            self._buckets = {a: v for a, v in self._buckets.items() if now - v[1] < 60}
        return True


class Gateway:
    def __init__(self):
        self.directory: dict[str, Known] = {}
        self.registrar = Registrar(interval=settings.SIP_KEEPALIVE_INTERVAL, misses=settings.SIP_KEEPALIVE_MISSES)
        self.queries = QueryTracker(timeout=10, retries=2)
        self.catalogs = manscdp.CatalogAssembler()
        # Derived, so any SECRET_KEY gives a 32-byte key; the same on every gateway process of
        # a deployment, so a nonce one issued is accepted by another.
        secret = hashlib.sha256(f"sitewatch-sip-nonce:{settings.SIP_NONCE_SECRET}".encode()).digest()
        self.nonces = digest.NonceIssuer(secret, lifetime_seconds=300)
        self.rate = RateLimit(settings.SIP_RATE_PER_ADDRESS)
        self.db = Batcher(lambda items: [None] * len(items))
        self.counters: collections.Counter[str] = collections.Counter()
        self.contacts: dict[str, tuple[str, tuple[str, int], object]] = {}  # gb id → (transport, address, tcp conn)
        self.keepalives: dict[int, dt.datetime] = {}  # device pk → last keepalive, not yet written
        self.udp: socket.socket | None = None
        self.tcp: asyncio.base_events.Server | None = None
        self.host = settings.SIP_HOST
        self.port = 0
        self._tasks: list[asyncio.Task] = []
        self._cseq = 0
        self._last_query: dict[str, float] = {}
        self._tag_prefix = secrets.token_hex(3)
        self._tags = itertools.count(1)

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.db.start()
        self.directory = await self.db.run_sync(load_directory)
        now, wall = time.monotonic(), utcnow()
        for gb_id, expires in await self.db.run_sync(load_online):
            expires_in = (expires - wall).total_seconds() if expires else settings.SIP_REGISTER_EXPIRES_MAX
            self.registrar.restored(gb_id, now, expires_in=expires_in)
        # Port 0 (tests, benchmarks): the kernel picks a free UDP port, which a TCP socket
        # may hold already; then another port is picked.
        for attempt in range(1 if port else 20):
            self.udp = self._bind_udp(host, port)
            self.port = self.udp.getsockname()[1]
            try:
                self.tcp = await loop.create_server(lambda: TcpConnection(self), host, self.port, backlog=1024)
                break
            except OSError:
                self.udp.close()
                self.udp = None
                if port or attempt == 19:
                    raise
        # The socket is read directly: asyncio's datagram transport takes one datagram per
        # trip through the event loop (an epoll_wait each), which was most of a keepalive's cost.
        loop.add_reader(self.udp, self._udp_readable)
        self.host = host
        self._tasks.append(loop.create_task(self._tick()))
        self._tasks.append(loop.create_task(self._reload()))
        log.info("国标 SIP 网关监听 %s:%s（UDP、TCP），恢复在线设备 %d 台", host, self.port, len(self.registrar))

    @staticmethod
    def _bind_udp(host: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        # A burst (every device answering a catalogue query, thousands of keepalives after a
        # network outage) must not overflow the default ~200 KB receive buffer, which holds
        # only about a hundred datagrams (wvp #853); the kernel caps this at net.core.rmem_max.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_BUFFER_BYTES)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self.udp:
            asyncio.get_running_loop().remove_reader(self.udp)
            self.udp.close()
            self.udp = None
        if self.tcp:
            self.tcp.close()
        await self._flush_keepalives()
        await self.db.close()
        log.info("sip counters %s", json.dumps(self.snapshot(), ensure_ascii=False, sort_keys=True))

    def snapshot(self) -> dict[str, int]:
        return {**self.counters, "registered": len(self.registrar), "open_queries": len(self.queries)}

    async def _reload(self) -> None:
        while True:
            await asyncio.sleep(60)
            try:
                self.directory = await self.db.run_sync(load_directory)
            except Exception:
                log.exception("读取国标设备目录失败")
            log.info("sip counters %s", json.dumps(self.snapshot(), ensure_ascii=False, sort_keys=True))

    async def _tick(self) -> None:
        """Four times a second: lost devices, finished or timed-out catalogues, query retries
        (so a device is seen offline well within a second of its deadline); once a second:
        keepalive times written, periodic queries."""
        for tick in itertools.count():
            await asyncio.sleep(0.25)
            try:
                await self._timers(time.monotonic(), utcnow())
                if tick % 4 == 0:
                    await self._flush_keepalives()
                    now = time.monotonic()
                    for gb_id in list(self.contacts):
                        if gb_id in self.registrar and \
                                now - self._last_query.get(gb_id, 0) >= settings.SIP_QUERY_INTERVAL:
                            self._query_device(gb_id, now)
            except Exception:
                log.exception("SIP 网关定时任务出错")

    async def _timers(self, now: float, wall: dt.datetime) -> None:
        from sitewatch.monitoring import gb28181 as services

        lost = self.registrar.handle_timer(now)
        if lost:
            self.counters["devices_lost"] += len(lost)
            by_reason = collections.defaultdict(list)
            for item in lost:
                known = self.directory.get(item.device_id)
                if known:
                    by_reason[item.reason].append(known.pk)
                self.queries.forget_device(item.device_id)
            for reason, pks in by_reason.items():
                await self.db.run_sync(lambda r=reason, p=pks: services.gb_devices_lost(device_ids=p, at=wall, reason=r))
        for result in self.catalogs.handle_timer(now):
            await self._catalog_done(result, wall)
        for item in self.queries.handle_timer(now):
            if isinstance(item, QueryRetry):
                self.counters["query_retries"] += 1
                self._send_query_bytes(item.device_id, item.payload)
            else:
                self.counters["query_timeouts"] += 1

    async def _flush_keepalives(self) -> None:
        from sitewatch.monitoring import gb28181 as services

        if not self.keepalives:
            return
        seen, self.keepalives = self.keepalives, {}
        try:
            await self.db.run_sync(lambda: services.gb_keepalives(seen=seen))
        except Exception:
            log.exception("写入心跳时间失败（%d 台）", len(seen))
            for pk, at in seen.items():  # kept for the next second's write
                self.keepalives.setdefault(pk, at)

    # --- input ---------------------------------------------------------------------------
    def received(self, data: bytes | sipmsg.Request | sipmsg.Response, address: tuple[str, int], conn) -> None:
        """One datagram (bytes) or one framed TCP message, from ``address``."""
        now = time.monotonic()
        if not self.rate.allow(address[0], now):
            self.counters["rate_limited"] += 1
            return
        if isinstance(data, bytes | bytearray):
            try:
                message = sipmsg.parse_message(bytes(data))
            except SipError as exc:
                self.counters[f"bad_{exc.reason}"] += 1
                log.warning("SIP 报文错误 %s:%s %s：%r", address[0], address[1], exc, bytes(data[:120]))
                return
        else:
            message = data
        self.counters["messages"] += 1
        if isinstance(message, sipmsg.Response):
            self.counters["responses"] += 1
            return  # a device's 200 to our MESSAGE: the answer itself comes as a new MESSAGE
        try:
            self._request(message, address, conn, now)
        except SipError as exc:
            self.counters[f"bad_{exc.reason}"] += 1
            log.warning("SIP 请求无法处理 %s:%s %s", address[0], address[1], exc)
            self._reply(message, 400, address, conn)
        except manscdp.ManscdpError as exc:
            self.counters[f"bad_xml_{exc.reason}"] += 1
            log.warning("MANSCDP 内容错误 %s:%s %s", address[0], address[1], exc)
            self._reply(message, 400, address, conn)

    def _request(self, request: sipmsg.Request, address, conn, now: float) -> None:
        method = request.method.upper()
        if method == "REGISTER":
            asyncio.get_running_loop().create_task(self._register(request, address, conn))
        elif method in MESSAGE_METHODS:
            self._message(request, address, conn, now)
        elif method in ("ACK", "BYE", "CANCEL"):
            if method != "ACK":
                self._reply(request, 200, address, conn)
        elif method == "OPTIONS":
            self._reply(request, 200, address, conn)
        else:
            self.counters["not_implemented"] += 1
            self._reply(request, 501, address, conn)

    # --- REGISTER ------------------------------------------------------------------------
    async def _register(self, request: sipmsg.Request, address, conn) -> None:
        from sitewatch.monitoring import gb28181 as services
        from sitewatch.monitoring.models import Protocol, UnregisteredReason
        from sitewatch.monitoring.services import unregistered_seen

        realm = settings.SIP_DOMAIN
        gb_id = (request.from_.user or request.to.user or "").strip()
        header = request.headers.get("Authorization")
        wall = utcnow()
        if not header:
            self.counters["register_challenged"] += 1
            self._challenge(request, address, conn, stale=False)
            return
        auth = digest.parse_digest(header)
        state = self.nonces.check(auth.get("nonce", ""), time.time())
        if state != digest.NonceState.VALID:
            self.counters[f"register_nonce_{state}"] += 1
            self._challenge(request, address, conn, stale=state == digest.NonceState.STALE)
            return
        known = self.directory.get(gb_id)
        if known is None:
            known = (await self.db.run_sync(load_directory)).get(gb_id)
            if known is not None:
                self.directory[gb_id] = known
        password = (known.password or settings.SIP_PASSWORD) if known else ""
        if known is None or not password or not digest.verify(auth, method="REGISTER", password=password,
                                                               realm=realm):
            reason = UnregisteredReason.UNKNOWN if known is None else UnregisteredReason.BAD_PASSWORD
            self.counters[f"register_refused_{reason}"] += 1
            sample = sipmsg.serialise(request).decode("utf-8", "backslashreplace")[:2000]
            await self.db.run_sync(lambda: unregistered_seen(
                protocol=Protocol.GB28181, identifier=gb_id or "(无编码)", reason=reason,
                remote_address=f"{address[0]}:{address[1]}", at=wall, sample=sample,
                district_id=known.district_id if known else _district_from_id(gb_id)))
            self._reply(request, 403, address, conn)
            return
        expires = request.expires
        if expires is None:
            expires = 3600
        expires = min(max(expires, 0), settings.SIP_REGISTER_EXPIRES_MAX)
        transport = "tcp" if conn is not None else "udp"
        contact = f"{address[0]}:{address[1]}"
        if expires == 0:
            self.registrar.unregistered(gb_id)
            self.contacts.pop(gb_id, None)
            self.queries.forget_device(gb_id)
            await self.db.run_sync(lambda: services.gb_device_unregistered(device_id=known.pk, at=wall))
            self.counters["unregistered"] += 1
            self._reply(request, 200, address, conn, extra=[("Expires", "0")])
            return
        refresh = gb_id in self.registrar
        await self.db.run_sync(lambda: services.gb_device_registered(
            device_id=known.pk, at=wall, transport=transport, contact_address=contact,
            expires_at=wall + dt.timedelta(seconds=expires), user_agent=request.headers.get("User-Agent") or "",
            gb_version=request.headers.get("X-GB-Ver") or ""))
        now = time.monotonic()
        self.registrar.registered(gb_id, now, expires=expires)
        self.contacts[gb_id] = (transport, address, conn)
        self.counters["registered_refresh" if refresh else "registered"] += 1
        extra = [("Expires", str(expires)), ("Date", _sip_date(wall))]
        if request.headers.get("Contact"):
            extra.append(("Contact", request.headers.get("Contact")))
        self._reply(request, 200, address, conn, extra=extra)
        if not refresh:
            self._query_device(gb_id, now)

    def _challenge(self, request, address, conn, *, stale: bool) -> None:
        nonce = self.nonces.issue(time.time())
        header = digest.challenge_header(settings.SIP_DOMAIN, nonce, stale=stale)
        self._reply(request, 401, address, conn, extra=[("WWW-Authenticate", header)])

    # --- MESSAGE / NOTIFY ----------------------------------------------------------------
    def _message(self, request: sipmsg.Request, address, conn, now: float) -> None:
        gb_id = (request.from_.user or "").strip()
        if gb_id not in self.registrar:
            self.counters["message_unregistered"] += 1
            self._reply(request, 403, address, conn)
            return
        body = manscdp.parse_manscdp(request.body)
        self._reply(request, 200, address, conn)
        self.registrar.keepalive(gb_id, now)  # any MESSAGE shows the device is alive
        known = self.directory.get(gb_id)
        if known is None:
            return
        wall = utcnow()
        self.keepalives[known.pk] = wall
        transport, old, _ = self.contacts.get(gb_id, (None, None, None))
        if old != address:  # NAT rebinding: requests go to where the device is now
            self.contacts[gb_id] = ("tcp" if conn is not None else "udp", address, conn)
        self._dispatch(body, known, gb_id, wall, now)

    def _dispatch(self, body, known: Known, gb_id: str, wall: dt.datetime, now: float) -> None:
        from sitewatch.monitoring import gb28181 as services

        counters = self.counters
        if isinstance(body, manscdp.Keepalive):
            counters["keepalives"] += 1
            if body.faulty_ids:
                self._db_soon(lambda: services.gb_faulty_channels(device_id=known.pk, at=wall,
                                                                  channel_ids=body.faulty_ids))
        elif isinstance(body, manscdp.CatalogResponse):
            counters["catalog_packets"] += 1
            self.queries.progress(gb_id, "Catalog", body.sn, now)
            result = self.catalogs.add(body, now)
            if result is not None:
                asyncio.get_running_loop().create_task(self._catalog_done(result, wall))
        elif isinstance(body, manscdp.CatalogNotify):
            counters["catalog_notifies"] += 1
            items = [_report(item) for item in body.items]
            self._db_soon(lambda: services.gb_catalog_notified(device_id=known.pk, at=wall, items=items))
        elif isinstance(body, manscdp.DeviceInfoResponse):
            counters["device_info"] += 1
            self.queries.answered(gb_id, "DeviceInfo", body.sn)
            self._db_soon(lambda: services.gb_device_facts(
                device_id=known.pk, at=wall, manufacturer=body.manufacturer or "", model=body.model or "",
                firmware=body.firmware or "", channel_count=body.channel))
        elif isinstance(body, manscdp.ConfigDownloadResponse):
            counters["config_download"] += 1
            self._config(body, known, gb_id, wall)
        elif isinstance(body, manscdp.AlarmNotify):
            # Answered and logged; alarms are not yet a case of their own on the platform.
            counters["alarm_notifies"] += 1
            log.info("设备 %s 报警：级别 %s 方式 %s 时间 %s %s", gb_id, body.priority, body.method, body.time,
                     body.description or "")
        else:
            counters["message_other"] += 1

    def _config(self, body, known: Known, gb_id: str, wall: dt.datetime) -> None:
        from sitewatch.monitoring import gb28181 as services

        self.queries.answered(gb_id, "ConfigDownload", body.sn)
        basic = body.basic_param
        if basic is not None:
            self.registrar.set_keepalive(gb_id, interval=basic.heart_beat_interval, misses=basic.heart_beat_count)
            self._db_soon(lambda: services.gb_device_facts(
                device_id=known.pk, at=wall, keepalive_interval=basic.heart_beat_interval,
                keepalive_misses=basic.heart_beat_count))
        streams = {s.stream_number: s.resolution for s in body.video_param_attribute if s.resolution is not None}
        if streams:
            main, sub = streams.get(0), streams.get(1)
            self._db_soon(lambda: services.gb_stream_resolution(
                device_id=known.pk, gb_channel_id=body.device_id, at=wall,
                main=(main.width, main.height) if main else None, sub=(sub.width, sub.height) if sub else None))

    async def _catalog_done(self, result, wall: dt.datetime) -> None:
        from sitewatch.monitoring import gb28181 as services

        known = self.directory.get(result.device_id)
        if known is None:
            return
        self.queries.answered(result.device_id, "Catalog", result.sn)
        self.counters["catalogs_complete" if result.complete else "catalogs_partial"] += 1
        items = [_report(item) for item in result.items]
        if items or result.may_replace:
            # Only a complete answer to our own query may mark unlisted channels as gone.
            await self.db.run_sync(lambda: services.gb_catalog_received(
                device_id=known.pk, at=wall, items=items, complete=result.may_replace))
        # Each channel's stream parameters (2022 VideoParamAttribute; older devices answer
        # without it, which leaves the resolution unknown rather than wrong).
        now = time.monotonic()
        for item in result.items:
            self._send_query(result.device_id, "ConfigDownload", now, target=item.device_id,
                             config_type="VideoParamAttribute")

    def _db_soon(self, fn) -> None:
        task = asyncio.get_running_loop().create_task(self.db.run_sync(fn))
        task.add_done_callback(_log_failure)

    # --- output --------------------------------------------------------------------------
    def _query_device(self, gb_id: str, now: float) -> None:
        self._last_query[gb_id] = now
        sn = self._send_query(gb_id, "Catalog", now)
        if sn is not None:
            self.catalogs.expect(gb_id, sn, now)
        self._send_query(gb_id, "DeviceInfo", now)
        self._send_query(gb_id, "ConfigDownload", now, config_type="BasicParam")

    def _send_query(self, gb_id: str, cmd_type: str, now: float, *, target: str | None = None,
                    config_type: str | None = None) -> int | None:
        if gb_id not in self.contacts:
            return None
        sn = self.queries.next_sn(gb_id)
        body = manscdp.build_query(cmd_type, sn=sn, device_id=target or gb_id, config_type=config_type)
        payload = (cmd_type, body)
        self.queries.open(gb_id, cmd_type, sn, now, payload)
        self._send_query_bytes(gb_id, payload)
        return sn

    def _send_query_bytes(self, gb_id: str, payload) -> None:
        contact = self.contacts.get(gb_id)
        if contact is None:
            return
        transport, address, conn = contact
        self._cseq += 1
        request = sipmsg.build_request(
            "MESSAGE", uri=f"sip:{gb_id}@{address[0]}:{address[1]}",
            from_uri=f"sip:{settings.SIP_SERVER_ID}@{settings.SIP_DOMAIN}", from_tag=sipmsg.new_tag(),
            to_uri=f"sip:{gb_id}@{settings.SIP_DOMAIN}", call_id=f"{secrets.token_hex(8)}@{self.host}",
            cseq=self._cseq, via_host=self.host, via_port=self.port, transport=transport.upper(),
            branch=sipmsg.new_branch(), body=payload[1], content_type=MANSCDP,
        )
        self._send(sipmsg.serialise(request), address, conn)
        self.counters["queries_sent"] += 1

    def _reply(self, request, status: int, address, conn, *, extra=None) -> None:
        try:
            response = sipmsg.response_to(request, status, source=address, to_tag=self._next_tag(),
                                          headers=extra)
        except SipError as exc:  # no Via or From: nothing a device could match an answer to
            self.counters[f"unanswerable_{exc.reason}"] += 1
            return
        self._send(sipmsg.serialise(response), address, conn)

    def _next_tag(self) -> str:
        """A To tag: unique per answer, a random prefix per gateway run and a counter (a
        random token per keepalive answer was a measurable share of the keepalive path)."""
        return f"{self._tag_prefix}{next(self._tags):x}"

    def _send(self, data: bytes, address, conn) -> None:
        if conn is not None:
            if not conn.closed:
                conn.transport.write(data)
        elif self.udp is not None:
            try:
                self.udp.sendto(data, address)
            except (BlockingIOError, InterruptedError):
                # The send buffer is full: UDP may drop, and the device retransmits.
                self.counters["udp_send_dropped"] += 1
            except OSError as exc:
                self.counters["udp_errors"] += 1
                log.debug("UDP 发送到 %s 失败：%s", address, exc)

    def _udp_readable(self) -> None:
        sock = self.udp
        for _ in range(UDP_READS_PER_WAKE):
            if sock is None:
                return
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. an ICMP port unreachable reported on a later read
                self.counters["udp_errors"] += 1
                continue
            try:
                self.received(data, (addr[0], addr[1]), None)
            except Exception:  # one bad datagram must never stop the reader
                self.counters["internal_errors"] += 1
                log.exception("处理 UDP 报文出错 %s:%s", addr[0], addr[1])
            sock = self.udp


def _report(item):
    from sitewatch.monitoring.gb28181 import ChannelReport

    return ChannelReport(gb_channel_id=item.device_id, name=item.name or "", manufacturer=item.manufacturer or "",
                         model=item.model or "", parent_id=item.parent_id or "", status=item.status or "",
                         event=getattr(item, "event", None) or "")


def _district_from_id(gb_id: str) -> int | None:
    """The district an unknown device claims by its id's centre code (GB/T 2260), if it is ours."""
    from sitewatch.registry.models import District

    if len(gb_id) < 6 or not gb_id[:6].isdigit():
        return None
    return District.objects.filter(code=gb_id[:6]).values_list("pk", flat=True).first()


def _sip_date(at: dt.datetime) -> str:
    """The REGISTER 200's Date as GB/T 28181 devices read it for time sync: local time,
    ``YYYY-MM-DDThh:mm:ss.SSS`` (wvp's GbSipDate)."""
    from sitewatch.lib.dates import SHANGHAI

    local = at.astimezone(SHANGHAI)
    return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}"


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("国标数据写入失败", exc_info=task.exception())


class TcpConnection(asyncio.Protocol):
    """A device's TCP signalling connection (GB/T 28181-2022 §9.1.1: devices behind NAT
    register over TCP and keep the connection; requests to it go over the same one)."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.framer = sipmsg.StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.address = ("", 0)
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.address = (str(peer[0]), int(peer[1]))
        self.gateway.counters["tcp_opened"] += 1

    def data_received(self, data: bytes) -> None:
        self.framer.receive_data(data)
        self._drain()

    def eof_received(self):
        self.framer.receive_data(b"")
        self._drain()
        return False

    def _drain(self) -> None:
        while not self.closed:
            event = self.framer.next_event()
            if event is sipmsg.NEED_DATA or isinstance(event, sipmsg.ConnectionClosed):
                break
            if isinstance(event, sipmsg.BadMessage):
                reason = event.error.reason
                self.gateway.counters[f"bad_{reason}"] += 1
                log.warning("SIP TCP 报文错误 %s:%s %s", *self.address, event.error)
                if reason in CLOSE_ON:  # the stream's framing cannot be trusted any more
                    self.gateway.counters["tcp_closed_bad_framing"] += 1
                    self.closed = True
                    self.transport.close()
                    return
                continue
            self.gateway.received(event, self.address, self)

    def connection_lost(self, exc) -> None:
        self.closed = True
        self.gateway.counters["tcp_closed"] += 1
