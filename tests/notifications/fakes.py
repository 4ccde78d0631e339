"""Local stand-ins for the two SMS APIs, on 127.0.0.1 (port 0), one thread each.

Each verifies a request the way the provider does, with its own signing code written from the
providers' documents (it imports nothing from sitewatch, so a signing mistake in the platform is
not mirrored here), and refuses with the provider's real error code and answer shape: a wrong
signature, a timestamp outside the provider's window, an unknown key, a reused nonce. A request
that passes gets the next scripted reply (success with a message id when the script is empty).
"""

from __future__ import annotations

import abc
import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def rfc3986(text: str) -> str:
    """Byte by byte, as the Alibaba Cloud document describes percentEncode."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


@dataclass
class Reply:
    """A scripted answer. kind: ok | error (provider error code) | status_error (Tencent per-number
    error) | http (raw status and body) | slow (answer ok after `delay` seconds)."""

    kind: str = "ok"
    code: str = ""
    message: str = ""
    status: int = 200
    delay: float = 0.0


@dataclass
class Seen:
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)
    accepted: bool = False
    refusal: str = ""


class _FakeServer(abc.ABC):
    window = dt.timedelta(minutes=15)

    def __init__(self, credentials: dict[str, str]):
        self.credentials = dict(credentials)
        self.script: deque[Reply] = deque()
        self.seen: list[Seen] = []
        self.release = threading.Event()  # ends a slow reply early at shutdown
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.handle(self)

            def do_POST(self):
                fake.handle(self)

            def log_message(self, *args):
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> _FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def then(self, *replies: Reply) -> None:
        self.script.extend(replies)

    @property
    def accepted(self) -> list[Seen]:
        return [s for s in self.seen if s.accepted]

    def next_reply(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else Reply()

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def answer(self, handler: BaseHTTPRequestHandler, status: int, payload, *, delay: float = 0.0) -> None:
        if delay:
            self.release.wait(delay)
        raw = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json;charset=utf-8")
            handler.send_header("Content-Length", str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout tests)

    @abc.abstractmethod
    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request as the provider would."""


class FakeAliyunSms(_FakeServer):
    """dysmsapi.aliyuncs.com: RPC GET, SignatureVersion 1.0, Timestamp within 15 minutes."""

    def __init__(self, credentials: dict[str, str]):
        super().__init__(credentials)
        self.nonces: set[str] = set()

    def refuse(self, handler, seen: Seen, status: int, code: str, message: str) -> None:
        seen.refusal = code
        self.answer(handler, status, {"RequestId": str(uuid.uuid4()).upper(), "HostId": "dysmsapi.aliyuncs.com",
                                      "Code": code, "Message": message,
                                      "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}"})

    def handle(self, handler):
        raw_query = urlsplit(handler.path).query
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        seen = Seen(params=dict(params), headers=dict(handler.headers))
        self.seen.append(seen)
        signature = params.pop("Signature", "")
        secret = self.credentials.get(params.get("AccessKeyId", ""))
        if handler.command != "GET":
            return self.refuse(handler, seen, 400, "UnsupportedHTTPMethod", "This http method is not supported.")
        if secret is None:
            return self.refuse(handler, seen, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        canonical = "&".join(f"{rfc3986(k)}={rfc3986(params[k])}" for k in sorted(params))
        to_sign = "GET&%2F&" + rfc3986(canonical)
        expected = base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            return self.refuse(handler, seen, 400, "SignatureDoesNotMatch",
                               f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}")
        try:
            stamp = dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return self.refuse(handler, seen, 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        if abs(dt.datetime.now(dt.UTC) - stamp) > self.window:
            return self.refuse(handler, seen, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self.nonces:
            return self.refuse(handler, seen, 400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        if (params.get("Action"), params.get("Version"), params.get("SignatureMethod"),
                params.get("SignatureVersion")) != ("SendSms", "2017-05-25", "HMAC-SHA1", "1.0"):
            return self.refuse(handler, seen, 400, "InvalidParameter", "The specified parameter is not valid.")
        seen.accepted = True
        reply = self.next_reply()
        request_id = str(uuid.uuid4()).upper()
        if reply.kind == "http":
            return self.answer(handler, reply.status, reply.message.encode("utf-8"))
        if reply.kind == "error":
            return self.answer(handler, reply.status, {"Message": reply.message, "RequestId": request_id, "Code": reply.code})
        self.answer(handler, 200, {"Message": "OK", "RequestId": request_id, "Code": "OK",
                                   "BizId": f"{900619746936498400 + self.next_id()}^0"}, delay=reply.delay)


class FakeTencentSms(_FakeServer):
    """sms.tencentcloudapi.com: POST JSON, TC3-HMAC-SHA256, X-TC-Timestamp within 5 minutes."""

    window = dt.timedelta(minutes=5)

    def refuse(self, handler, seen: Seen, code: str, message: str) -> None:
        seen.refusal = code
        # API 3.0 answers HTTP 200 with Response.Error for refused requests too.
        self.answer(handler, 200, {"Response": {"Error": {"Code": code, "Message": message},
                                                "RequestId": str(uuid.uuid4())}})

    def handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        payload = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            body = json.loads(payload.decode("utf-8"))
        except ValueError:
            body = {}
        seen = Seen(headers=headers, body=body)
        self.seen.append(seen)
        authorization = headers.get("authorization", "")
        try:
            algorithm, rest = authorization.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, date, service, terminator = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            claimed = fields["Signature"]
            stamp = int(headers["x-tc-timestamp"])
        except (ValueError, KeyError):
            return self.refuse(handler, seen, "AuthFailure.InvalidAuthorization",
                               "Authorization不符合腾讯云API标准。")
        if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request" or not {"content-type", "host"} <= set(signed):
            return self.refuse(handler, seen, "AuthFailure.InvalidAuthorization", "Authorization不符合腾讯云API标准。")
        if abs(time.time() - stamp) > self.window.total_seconds():
            return self.refuse(handler, seen, "AuthFailure.SignatureExpire",
                               "签名过期。Timestamp 和服务器时间相差不得超过五分钟。")
        secret = self.credentials.get(secret_id)
        if secret is None:
            return self.refuse(handler, seen, "AuthFailure.SecretIdNotFound", "密钥不存在。")
        if date != dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d") or service != "sms":
            return self.refuse(handler, seen, "AuthFailure.SignatureFailure", "签名错误。Credential 日期或服务名不符。")
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed), hashlib.sha256(payload).hexdigest()])
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(stamp), f"{date}/{service}/tc3_request",
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("TC3" + secret).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if handler.command != "POST" or not hmac.compare_digest(expected, claimed):
            return self.refuse(handler, seen, "AuthFailure.SignatureFailure",
                               "The provided credentials could not be validated. Please check your signature is correct.")
        if (headers.get("x-tc-action"), headers.get("x-tc-version")) != ("SendSms", "2021-01-11") or not headers.get("x-tc-region"):
            return self.refuse(handler, seen, "InvalidAction", "接口不存在。")
        seen.accepted = True
        reply = self.next_reply()
        request_id = str(uuid.uuid4())
        phone = (body.get("PhoneNumberSet") or [""])[0]
        if reply.kind == "http":
            return self.answer(handler, reply.status, reply.message.encode("utf-8"))
        if reply.kind == "error":
            return self.answer(handler, 200, {"Response": {"Error": {"Code": reply.code, "Message": reply.message},
                                                           "RequestId": request_id}})
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": body.get("SessionContext", ""),
                  "Code": reply.code, "Message": reply.message, "IsoCode": "CN"}
        if reply.kind != "status_error":
            status.update(SerialNo=f"2433:{3370000000 + self.next_id()}", Fee=1, Code="Ok", Message="send success")
        self.answer(handler, 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}, delay=reply.delay)
