"""How a notification leaves the platform. One small class per channel (healthchecks'
transports); `NOTIFY_TRANSPORT` picks one:

- ``outbox`` (default): the Notification row is the message, read on /notifications/;
- ``aliyun_sms`` / ``tencent_sms``: rows with a phone number are also sent as text messages
  through Alibaba Cloud or Tencent Cloud SMS (口径 K-S1…K-S4); rows without one stay in the
  outbox only.

A transport makes one attempt and reports it: a `Delivery` with the provider's message id, or
a `TransportError` saying whether a later attempt can succeed. Retrying is the dispatcher's
business (services.notifications_dispatch), so that no loop sleeps and a retry survives a restart.
"""

from __future__ import annotations

import abc
import datetime as dt
import http.client
import ipaddress
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from sitewatch.lib.env import ConfigError
from sitewatch.notifications.sms import aliyun, tencent
from sitewatch.notifications.sms.common import SendOutcome, mainland_mobile, template_values

MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Delivery:
    """A message the channel accepted; `message_id` is the provider's receipt ("" for the outbox)."""

    message_id: str = ""


class TransportError(Exception):
    """Sending failed; the message is recorded on the notification.

    `code` is the provider's error code (or the platform's own, e.g. TIMEOUT); `retryable`
    says a later attempt can succeed; `unavailable` says the provider could not be reached
    at all, so the rest of this round's messages wait for the next round."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False, unavailable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.unavailable = unavailable


class Transport(abc.ABC):
    name = ""
    label = ""

    @abc.abstractmethod
    def send(self, notification) -> Delivery | None:
        """Deliver one notification or raise TransportError."""


class OutboxTransport(Transport):
    """The message stays in the platform's outbox: the Notification row is the message, read
    on /notifications/ by its recipients and by the city bureau and the operator."""

    name = "outbox"
    label = "站内信箱"

    def send(self, notification) -> Delivery | None:
        return None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SmsTransport(Transport):
    """One HTTPS request per message, signed with the current time (both providers reject a
    request whose time is off by more than a few minutes: keep the server's clock synchronised)."""

    def __init__(self, *, endpoint: str, timeout: float, param_max_chars: int,
                 clock: Callable[[], dt.datetime] = _utcnow):
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.timeout = timeout
        self.param_max_chars = param_max_chars
        self.clock = clock

    @classmethod
    @abc.abstractmethod
    def provider_settings(cls) -> dict:
        """The provider's own options from the environment (keys, signature, template, endpoint)."""

    @classmethod
    def from_settings(cls, **overrides) -> SmsTransport:
        options = {**cls.provider_settings(), "timeout": settings.SMS_TIMEOUT_SECONDS,
                   "param_max_chars": settings.SMS_TEMPLATE_PARAM_MAX_CHARS}
        options.update(overrides)
        return cls(**options)

    def send(self, notification) -> Delivery:
        phone = mainland_mobile(notification.recipient_phone)
        if phone is None:
            raise TransportError(f"手机号 {notification.recipient_phone} 不是中国大陆手机号（固定电话无法接收短信），"
                                 f"未发送短信；请更正联系电话。", code="sitewatch.NOT_A_MOBILE_NUMBER")
        values = template_values(subject=notification.subject, body=notification.body,
                                 max_chars=self.param_max_chars)
        status, body = self.exchange(phone=phone, values=values, notification=notification, now=self.clock())
        outcome = self.parse(status, body)
        if not outcome.ok:
            raise self.error(outcome, unavailable=status >= 500)
        return Delivery(message_id=outcome.message_id)

    @abc.abstractmethod
    def exchange(self, *, phone: str, values: tuple[str, str], notification, now: dt.datetime) -> tuple[int, bytes]:
        """Send the signed request; the HTTP status and body of the answer."""

    @abc.abstractmethod
    def parse(self, status: int, body: bytes) -> SendOutcome:
        """The provider's verdict on the answer."""

    def error(self, outcome: SendOutcome, *, unavailable: bool) -> TransportError:
        text = f"{self.label}返回错误 {outcome.error_code}"
        if outcome.error_message:
            text += f"：{outcome.error_message}"
        return TransportError(text, code=outcome.error_code, retryable=outcome.retryable or unavailable,
                              unavailable=unavailable)

    def request(self, url: str, *, method: str, headers: dict[str, str], data: bytes | None = None) -> tuple[int, bytes]:
        """One HTTP exchange; 4xx and 5xx answers are returned (their JSON carries the error
        code), a network failure or timeout raises a retryable TransportError."""
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return response.status, response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read(MAX_RESPONSE_BYTES)
        except TimeoutError as exc:
            raise self._unreachable("TIMEOUT", f"{self.timeout:g} 秒内没有应答") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._unreachable("TIMEOUT", f"{self.timeout:g} 秒内没有应答") from exc
            raise self._unreachable("NETWORK", f"无法连接（{exc.reason}）") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise self._unreachable("NETWORK", f"连接中断（{type(exc).__name__}）") from exc

    def _unreachable(self, code: str, detail: str) -> TransportError:
        return TransportError(f"{self.label}{detail}", code=code, retryable=True, unavailable=True)


class AliyunSmsTransport(SmsTransport):
    """Alibaba Cloud SMS, SendSms by signed GET (sms/aliyun.py)."""

    name = "aliyun_sms"
    label = "阿里云短信"

    def __init__(self, *, access_key_id: str, access_key_secret: str, sign_name: str, template_code: str,
                 param_names: tuple[str, str] = ("subject", "content"), **kwargs):
        super().__init__(**kwargs)
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.param_names = param_names

    def __repr__(self) -> str:  # never the secret
        return f"AliyunSmsTransport(endpoint={self.endpoint!r}, access_key_id={self.access_key_id!r})"

    @classmethod
    def provider_settings(cls) -> dict:
        return dict(
            access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID, access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
            sign_name=settings.ALIYUN_SMS_SIGN_NAME, template_code=settings.ALIYUN_SMS_TEMPLATE_CODE,
            param_names=tuple(settings.ALIYUN_SMS_TEMPLATE_PARAM_NAMES), endpoint=settings.ALIYUN_SMS_ENDPOINT,
        )

    def exchange(self, *, phone, values, notification, now):
        params = aliyun.send_sms_params(
            access_key_id=self.access_key_id, phone=phone, sign_name=self.sign_name,
            template_code=self.template_code, template_param=dict(zip(self.param_names, values, strict=True)),
            now=now, nonce=uuid.uuid4().hex, out_id=str(notification.pk or ""),
        )
        url = f"{self.endpoint}?{aliyun.signed_query(params, self._secret)}"
        return self.request(url, method="GET", headers={"Accept": "application/json"})

    def parse(self, status, body):
        return aliyun.parse_response(status, body)


class TencentSmsTransport(SmsTransport):
    """Tencent Cloud SMS, SendSms by a TC3-HMAC-SHA256 signed POST (sms/tencent.py). The SMS
    template takes the subject as {1} and the content as {2}."""

    name = "tencent_sms"
    label = "腾讯云短信"

    def __init__(self, *, secret_id: str, secret_key: str, sdk_app_id: str, sign_name: str, template_id: str,
                 region: str = "ap-guangzhou", **kwargs):
        super().__init__(**kwargs)
        self.secret_id = secret_id
        self._secret = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.template_id = template_id
        self.region = region

    def __repr__(self) -> str:  # never the secret
        return f"TencentSmsTransport(endpoint={self.endpoint!r}, secret_id={self.secret_id!r})"

    @classmethod
    def provider_settings(cls) -> dict:
        return dict(
            secret_id=settings.TENCENT_SMS_SECRET_ID, secret_key=settings.TENCENT_SMS_SECRET_KEY,
            sdk_app_id=settings.TENCENT_SMS_SDK_APP_ID, sign_name=settings.TENCENT_SMS_SIGN_NAME,
            template_id=settings.TENCENT_SMS_TEMPLATE_ID, region=settings.TENCENT_SMS_REGION,
            endpoint=settings.TENCENT_SMS_ENDPOINT,
        )

    def exchange(self, *, phone, values, notification, now):
        payload = tencent.send_sms_payload(
            phone_e164=f"+86{phone}", sdk_app_id=self.sdk_app_id, sign_name=self.sign_name,
            template_id=self.template_id, template_params=values, session_context=str(notification.pk or ""),
        )
        headers = tencent.send_sms_headers(secret_id=self.secret_id, secret_key=self._secret,
                                           host=urlsplit(self.endpoint).netloc, region=self.region,
                                           payload=payload, now=now)
        return self.request(self.endpoint, method="POST", headers=headers, data=payload)

    def parse(self, status, body):
        return tencent.parse_response(status, body)


TRANSPORTS: dict[str, type[Transport]] = {
    OutboxTransport.name: OutboxTransport,
    AliyunSmsTransport.name: AliyunSmsTransport,
    TencentSmsTransport.name: TencentSmsTransport,
}

# What each SMS transport cannot start without, with what to set it to.
REQUIRED = {
    AliyunSmsTransport.name: {
        "ALIYUN_SMS_ACCESS_KEY_ID": "AccessKey ID",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "AccessKey Secret",
        "ALIYUN_SMS_SIGN_NAME": "已审核通过的短信签名",
        "ALIYUN_SMS_TEMPLATE_CODE": "已审核通过的短信模板 CODE，如 SMS_123456789",
    },
    TencentSmsTransport.name: {
        "TENCENT_SMS_SECRET_ID": "SecretId",
        "TENCENT_SMS_SECRET_KEY": "SecretKey",
        "TENCENT_SMS_SDK_APP_ID": "短信应用 SdkAppId，如 1400006666",
        "TENCENT_SMS_SIGN_NAME": "已审核通过的短信签名",
        "TENCENT_SMS_TEMPLATE_ID": "已审核通过的正文模板 ID",
    },
}
ENDPOINTS = {AliyunSmsTransport.name: "ALIYUN_SMS_ENDPOINT", TencentSmsTransport.name: "TENCENT_SMS_ENDPOINT"}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_endpoint(variable: str) -> None:
    value = getattr(settings, variable, "") or ""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return  # a local test double: signed requests never leave the machine in clear text
    raise ConfigError(f"环境变量 {variable}={value!r} 无效：须为 https:// 开头的地址（只有本机测试地址可用 http://）。"
                      f"一般无需设置，删除该变量即使用短信平台的正式地址。")


def check_configuration() -> None:
    name = getattr(settings, "NOTIFY_TRANSPORT", "outbox")
    if name not in TRANSPORTS:
        raise ConfigError(
            f"环境变量 NOTIFY_TRANSPORT={name!r} 无效：可选 outbox（通知保存在平台站内信箱，收件人登录后在“通知”页查看）、"
            f"aliyun_sms（另经阿里云短信发送）、tencent_sms（另经腾讯云短信发送）。"
            f"请设置为其中之一，例如 NOTIFY_TRANSPORT=outbox，或删除该变量。"
        )
    if name == OutboxTransport.name:
        return
    label = TRANSPORTS[name].label
    missing = [variable for variable in REQUIRED[name] if not (getattr(settings, variable, "") or "").strip()]
    if missing:
        wanted = "；".join(f"{variable}（{REQUIRED[name][variable]}）" for variable in missing)
        raise ConfigError(f"已设置 NOTIFY_TRANSPORT={name}（{label}），但缺少环境变量：{wanted}。"
                          f"请设置后重新启动；暂不发短信请设置 NOTIFY_TRANSPORT=outbox。")
    _check_endpoint(ENDPOINTS[name])
    if name == AliyunSmsTransport.name:
        names = list(getattr(settings, "ALIYUN_SMS_TEMPLATE_PARAM_NAMES", []))
        if len(names) != 2 or len(set(names)) != 2:
            raise ConfigError(f"环境变量 ALIYUN_SMS_TEMPLATE_PARAM_NAMES={','.join(names)!r} 无效：须为短信模板中接收"
                              f"“标题”和“内容”的两个不同变量名，用英文逗号分隔，例如 subject,content。")
    if name == TencentSmsTransport.name:
        for variable in ("TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_TEMPLATE_ID"):
            value = str(getattr(settings, variable)).strip()
            if not value.isdigit():
                raise ConfigError(f"环境变量 {variable}={value!r} 无效：应为腾讯云短信控制台中显示的数字编号。")


def get_transport() -> Transport:
    check_configuration()
    cls = TRANSPORTS[settings.NOTIFY_TRANSPORT]
    return cls.from_settings() if issubclass(cls, SmsTransport) else cls()
