"""Fixtures for the SMS tests: a fake provider per test, transports pointed at it, and a
queued notification to a phone number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sitewatch.notifications.models import Notification
from sitewatch.notifications.services import Recipient, notification_queue
from sitewatch.notifications.transports import AliyunSmsTransport, SmsTransport, TencentSmsTransport
from tests.notifications.fakes import FakeAliyunSms, FakeTencentSms, Reply, _FakeServer

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI5tSitewatchTest01", "aliyun-secret-never-logged"
TENCENT_SECRET_ID, TENCENT_SECRET_KEY = "AKIDsitewatchTest0000000000000000001", "tencent-secret-never-logged"
SIGN_NAME = "湛江市住建局"


@dataclass
class Provider:
    """One SMS provider under test: its fake, a factory of transports aimed at it, and the
    provider's own codes for the cases the tests script."""

    name: str
    fake: _FakeServer
    make: Callable[..., SmsTransport]
    secret: str
    signature_error: str
    expired_error: str
    permanent: Reply
    rate_limited: Reply
    window: dt.timedelta


@pytest.fixture
def aliyun_fake():
    fake = FakeAliyunSms({ALIYUN_KEY_ID: ALIYUN_SECRET}).start()
    yield fake
    fake.stop()


@pytest.fixture
def tencent_fake():
    fake = FakeTencentSms({TENCENT_SECRET_ID: TENCENT_SECRET_KEY}).start()
    yield fake
    fake.stop()


def aliyun_transport(fake: _FakeServer, **overrides) -> AliyunSmsTransport:
    options = dict(access_key_id=ALIYUN_KEY_ID, access_key_secret=ALIYUN_SECRET, sign_name=SIGN_NAME,
                   template_code="SMS_480000001", endpoint=fake.url, timeout=5, param_max_chars=35)
    options.update(overrides)
    return AliyunSmsTransport(**options)


def tencent_transport(fake: _FakeServer, **overrides) -> TencentSmsTransport:
    options = dict(secret_id=TENCENT_SECRET_ID, secret_key=TENCENT_SECRET_KEY, sdk_app_id="1400006666",
                   sign_name=SIGN_NAME, template_id="2100001", region="ap-guangzhou", endpoint=fake.url,
                   timeout=5, param_max_chars=35)
    if "access_key_secret" in overrides:
        overrides["secret_key"] = overrides.pop("access_key_secret")
    options.update(overrides)
    return TencentSmsTransport(**options)


@pytest.fixture(params=["aliyun_sms", "tencent_sms"])
def provider(request) -> Provider:
    if request.param == "aliyun_sms":
        fake = request.getfixturevalue("aliyun_fake")
        return Provider(
            name="aliyun_sms", fake=fake, secret=ALIYUN_SECRET,
            make=lambda **kw: aliyun_transport(fake, **kw),
            signature_error="SignatureDoesNotMatch", expired_error="InvalidTimeStamp.Expired",
            permanent=Reply("error", "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
            rate_limited=Reply("error", "isv.BUSINESS_LIMIT_CONTROL", "触发号码分钟级流控Permits:1"),
            window=dt.timedelta(minutes=15),
        )
    fake = request.getfixturevalue("tencent_fake")
    return Provider(
        name="tencent_sms", fake=fake, secret=TENCENT_SECRET_KEY,
        make=lambda **kw: tencent_transport(fake, **kw),
        signature_error="AuthFailure.SignatureFailure", expired_error="AuthFailure.SignatureExpire",
        permanent=Reply("status_error", "FailedOperation.PhoneNumberInBlacklist",
                        "手机号在免打扰名单库中，通常是用户退订或者命中运营商免打扰名单导致的"),
        rate_limited=Reply("status_error", "LimitExceeded.PhoneNumberOneHourLimit",
                           "单个手机号1小时内下发短信条数超过设定的上限"),
        window=dt.timedelta(minutes=5),
    )


def queue_sms(phone: str = "13800000001", *, subject: str = "扬尘报警：霞山区棚户区改造安置房项目",
              body: str = "PM10小时均值210 µg/m³，超过报警阈值200 µg/m³。", now: dt.datetime | None = None,
              name: str = "李明") -> Notification:
    from tests.test_alarms_helpers import at

    (row,) = notification_queue(recipients=[Recipient(name=name, phone=phone)], subject=subject, body=body,
                                related=None, now=now or at(12))
    return row
