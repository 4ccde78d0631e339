"""Tencent Cloud SMS `SendSms` (sms.tencentcloudapi.com, Version 2021-01-11), API 3.0 with the
TC3-HMAC-SHA256 signature ("签名方法 v3"):

    CanonicalRequest = Method \\n URI \\n Query \\n CanonicalHeaders \\n SignedHeaders \\n hex(SHA256(payload))
        CanonicalHeaders: "name:value\\n" per signed header, both lower-cased and trimmed, sorted
    StringToSign     = "TC3-HMAC-SHA256" \\n Timestamp \\n Date/service/tc3_request \\n hex(SHA256(CanonicalRequest))
        Date is the UTC date of Timestamp: a request sent at 00:30 Beijing time is dated the day before.
    SecretSigning    = HMAC(HMAC(HMAC("TC3" + SecretKey, Date), service), "tc3_request")
    Signature        = hex(HMAC(SecretSigning, StringToSign))
    Authorization    = "TC3-HMAC-SHA256 Credential=SecretId/Date/service/tc3_request, SignedHeaders=…, Signature=…"
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence

from sitewatch.notifications.sms.common import SendOutcome, clean_message, require_aware

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
# content-type and host are the minimum; signing the action too (as the current document's
# example does) stops a captured request from being replayed as another action.
SIGNED_HEADERS = ("content-type", "host", "x-tc-action")

# Codes after which the same request can succeed later: frequency and quota limits
# (LimitExceeded.*, RequestLimitExceeded*), the platform's internal faults and timeouts.
# The InternalError codes listed apart describe a malformed or mis-timed request.
RETRYABLE_PREFIXES = ("LimitExceeded", "RequestLimitExceeded", "InternalError")
PERMANENT_CODES = frozenset({
    "InternalError.SigFieldMissing",
    "InternalError.SigVerificationFail",
    "InternalError.RestApiInterfaceNotExist",
    "InternalError.RequestTimeException",
    "LimitExceeded.PhoneNumberCountLimit",
})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(*, method: str, headers: Mapping[str, str], signed_headers: Sequence[str], payload: bytes,
                      uri: str = "/", query: str = "") -> str:
    values = {name.lower(): str(value).strip().lower() for name, value in headers.items()}
    names = sorted(name.lower() for name in signed_headers)
    canonical_headers = "".join(f"{name}:{values[name]}\n" for name in names)
    return "\n".join([method.upper(), uri, query, canonical_headers, ";".join(names), sha256_hex(payload)])


def utc_date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")


def credential_scope(timestamp: int, service: str) -> str:
    return f"{utc_date(timestamp)}/{service}/tc3_request"


def string_to_sign(*, timestamp: int, service: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, str(timestamp), credential_scope(timestamp, service),
                      sha256_hex(canonical.encode("utf-8"))])


def signing_key(secret_key: str, date: str, service: str) -> bytes:
    return _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")


def signature(*, secret_key: str, timestamp: int, service: str, canonical: str) -> str:
    key = signing_key(secret_key, utc_date(timestamp), service)
    return hmac.new(key, string_to_sign(timestamp=timestamp, service=service, canonical=canonical).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def authorization(*, secret_id: str, secret_key: str, timestamp: int, service: str, canonical: str,
                  signed_headers: Sequence[str]) -> str:
    sig = signature(secret_key=secret_key, timestamp=timestamp, service=service, canonical=canonical)
    return (f"{ALGORITHM} Credential={secret_id}/{credential_scope(timestamp, service)}, "
            f"SignedHeaders={';'.join(sorted(h.lower() for h in signed_headers))}, Signature={sig}")


def send_sms_payload(*, phone_e164: str, sdk_app_id: str, sign_name: str, template_id: str,
                     template_params: Sequence[str], session_context: str = "") -> bytes:
    body = {
        "PhoneNumberSet": [phone_e164],
        "SmsSdkAppId": sdk_app_id,
        "SignName": sign_name,
        "TemplateId": template_id,
        "TemplateParamSet": list(template_params),
    }
    if session_context:
        body["SessionContext"] = session_context
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_sms_headers(*, secret_id: str, secret_key: str, host: str, region: str, payload: bytes,
                     now: dt.datetime) -> dict[str, str]:
    """The headers of one signed SendSms POST whose body is `payload`, sent to `host`."""
    timestamp = int(require_aware(now).timestamp())
    headers = {"Content-Type": CONTENT_TYPE, "Host": host, "X-TC-Action": ACTION}
    canonical = canonical_request(method="POST", headers=headers, signed_headers=SIGNED_HEADERS, payload=payload)
    headers["Authorization"] = authorization(secret_id=secret_id, secret_key=secret_key, timestamp=timestamp,
                                             service=SERVICE, canonical=canonical, signed_headers=SIGNED_HEADERS)
    headers.update({"X-TC-Timestamp": str(timestamp), "X-TC-Version": VERSION, "X-TC-Region": region})
    return headers


def is_retryable(code: str) -> bool:
    return code not in PERMANENT_CODES and code.startswith(RETRYABLE_PREFIXES)


def parse_response(status: int, body: bytes) -> SendOutcome:
    """Read a SendSms answer. A request the API refused carries Response.Error (AuthFailure.*,
    InvalidParameterValue.*, LimitExceeded.*…); an accepted one lists one SendStatus per number,
    whose Code is "Ok" with a SerialNo, or the reason that number was not sent."""
    try:
        data = json.loads(body.decode("utf-8"))
        response = data["Response"]
    except (UnicodeDecodeError, ValueError, TypeError, KeyError):
        response = None
    if not isinstance(response, dict):
        return SendOutcome(error_code=f"HTTP_{status}", error_message="短信平台返回的内容无法识别", retryable=True)
    error = response.get("Error")
    if isinstance(error, dict) and error.get("Code"):
        code = str(error["Code"])
        return SendOutcome(error_code=code, error_message=clean_message(error.get("Message", "")),
                           retryable=status >= 500 or is_retryable(code))
    statuses = response.get("SendStatusSet") or []
    first = statuses[0] if statuses and isinstance(statuses[0], dict) else None
    if first is None:
        return SendOutcome(error_code=f"HTTP_{status}", error_message="短信平台未返回发送结果", retryable=status >= 500)
    code = str(first.get("Code") or "")
    if code == "Ok":
        return SendOutcome(message_id=str(first.get("SerialNo") or ""))
    return SendOutcome(error_code=code or "UnknownError", error_message=clean_message(first.get("Message", "")),
                       retryable=is_retryable(code))
