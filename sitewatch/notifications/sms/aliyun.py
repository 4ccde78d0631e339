"""Alibaba Cloud SMS `SendSms` (dysmsapi, API version 2017-05-25), RPC style.

The signature (Alibaba Cloud "HTTP协议及签名" / "签名机制", SignatureVersion 1.0):

    CanonicalizedQueryString = "&".join(percentEncode(k) + "=" + percentEncode(v)) sorted by k
    StringToSign = "GET" + "&" + percentEncode("/") + "&" + percentEncode(CanonicalizedQueryString)
    Signature    = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

percentEncode is RFC 3986 on the UTF-8 bytes: only A–Z a–z 0–9 - _ . ~ stay as they are; the
documents single out a space as %20 (not "+"), "*" as %2A and "~" left alone (not %7E), which is
where form encoding (application/x-www-form-urlencoded) differs.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import quote

from sitewatch.notifications.sms.common import SendOutcome, clean_message, require_aware

API_VERSION = "2017-05-25"
ACTION = "SendSms"
REGION = "cn-hangzhou"
SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"

# Codes after which sending the same request again later can succeed: flow control
# (isv.BUSINESS_LIMIT_CONTROL: per-number limits such as 1 a minute, 5 an hour), gateway
# throttling, and the platform's own faults. Everything else (a bad number, a template missing
# a variable, an unapproved signature, a wrong key, no balance…) fails the same way every time.
RETRYABLE_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "InternalError",
    "ServiceUnavailable",
    "SignatureNonceUsed",  # a fresh nonce makes the next request valid
})
RETRYABLE_PREFIXES = ("Throttling",)


def percent_encode(value: str) -> str:
    # quote() keeps only RFC 3986 unreserved characters when `safe` is empty, encodes a space
    # as %20 and "*" as %2A and leaves "~" alone: exactly the rule the documents give.
    return quote(str(value), safe="")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params) if k != "Signature")


def string_to_sign(params: Mapping[str, str], *, method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def sign(params: Mapping[str, str], access_key_secret: str, *, method: str = "GET") -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(params, method=method).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def timestamp(now: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second (the form the API accepts)."""
    return require_aware(now).strftime("%Y-%m-%dT%H:%M:%SZ")


def send_sms_params(*, access_key_id: str, phone: str, sign_name: str, template_code: str,
                    template_param: Mapping[str, str], now: dt.datetime, nonce: str,
                    out_id: str = "") -> dict[str, str]:
    """The unsigned parameters of one SendSms call to one mainland number."""
    params = {
        "AccessKeyId": access_key_id,
        "Action": ACTION,
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": REGION,
        "SignName": sign_name,
        "SignatureMethod": SIGNATURE_METHOD,
        "SignatureNonce": nonce,
        "SignatureVersion": SIGNATURE_VERSION,
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(template_param), ensure_ascii=False, separators=(",", ":")),
        "Timestamp": timestamp(now),
        "Version": API_VERSION,
    }
    if out_id:
        params["OutId"] = out_id
    return params


def signed_query(params: Mapping[str, str], access_key_secret: str) -> str:
    """The query string of the GET request: the parameters and their Signature, percent-encoded."""
    signature = sign(params, access_key_secret)
    return f"Signature={percent_encode(signature)}&{canonicalized_query(params)}"


def is_retryable(code: str) -> bool:
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES)


def parse_response(status: int, body: bytes) -> SendOutcome:
    """Read a SendSms answer: {"Code": "OK", "BizId": …} is accepted; any other Code is an error.

    The gateway answers signature, timestamp and key errors with HTTP 4xx and the same JSON
    shape; HTTP 5xx, or a body that is not that JSON, is a fault on the way and retryable."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or not data.get("Code"):
        return SendOutcome(error_code=f"HTTP_{status}", error_message="短信平台返回的内容无法识别", retryable=True)
    code = str(data["Code"])
    if code == "OK" and status < 400:
        return SendOutcome(message_id=str(data.get("BizId") or ""))
    return SendOutcome(error_code=code, error_message=clean_message(data.get("Message", "")),
                       retryable=status >= 500 or is_retryable(code))
