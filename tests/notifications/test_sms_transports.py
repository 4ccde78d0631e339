"""SMS through notifications_dispatch against local fakes of both providers that check the
signature and the timestamp as the providers do: what is kept (send time, the provider's
message id), what fails at once, what is retried and when, and what is never sent."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import socket

import pytest

from sitewatch.notifications.models import Notification
from sitewatch.notifications.services import Recipient, notification_queue, notifications_dispatch
from sitewatch.notifications.transports import Transport, TransportError, get_transport
from tests.notifications.conftest import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    SIGN_NAME,
    TENCENT_SECRET_ID,
    TENCENT_SECRET_KEY,
    aliyun_transport,
    queue_sms,
    tencent_transport,
)
from tests.notifications.fakes import Reply
from tests.test_alarms_helpers import at

pytestmark = pytest.mark.django_db
T = at(12, 5)
NOTHING = {"sent": 0, "failed": 0}


def reload(row: Notification) -> Notification:
    row.refresh_from_db()
    return row


# --- accepted ---

def test_accepted_sms_keeps_its_send_time_and_the_providers_message_id(provider):
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make()) == {"sent": 1, "failed": 0}
    row = reload(row)
    assert (row.status, row.channel, row.attempts, row.error, row.error_code) == ("sent", provider.name, 1, "", "")
    assert T <= row.sent_at <= T + dt.timedelta(seconds=5)
    pattern = r"9006197469364984\d\d\^0" if provider.name == "aliyun_sms" else r"2433:33700000\d\d"
    assert re.fullmatch(pattern, row.provider_message_id)
    assert len(provider.fake.accepted) == 1


def test_aliyun_request_names_the_number_signature_template_and_its_variables(aliyun_fake):
    # Spaces, "*" and "~" are where RFC 3986 and form encoding differ: the fake signs them its own way.
    row = queue_sms("+86 138-0000-0001", subject="扬尘报警：霞山区项目", body="PM10 超标 *2 ~ 请整改")
    notifications_dispatch(now=T, transport=aliyun_transport(aliyun_fake, param_names=("title", "detail")))
    (seen,) = aliyun_fake.accepted
    assert seen.params["PhoneNumbers"] == "13800000001" and seen.params["SignName"] == SIGN_NAME
    assert seen.params["TemplateCode"] == "SMS_480000001" and seen.params["OutId"] == str(row.pk)
    assert json.loads(seen.params["TemplateParam"]) == {"title": "扬尘报警：霞山区项目", "detail": "PM10 超标 *2 ~ 请整改"}
    assert seen.params["Format"] == "JSON" and seen.params["AccessKeyId"] == ALIYUN_KEY_ID


def test_tencent_request_names_the_number_app_signature_template_and_its_values(tencent_fake):
    row = queue_sms("13800000001", subject="扬尘报警：霞山区项目", body="PM10 超标")
    notifications_dispatch(now=T, transport=tencent_transport(tencent_fake))
    (seen,) = tencent_fake.accepted
    assert seen.body == {"PhoneNumberSet": ["+8613800000001"], "SmsSdkAppId": "1400006666", "SignName": SIGN_NAME,
                         "TemplateId": "2100001", "TemplateParamSet": ["扬尘报警：霞山区项目", "PM10 超标"],
                         "SessionContext": str(row.pk)}
    assert seen.headers["x-tc-region"] == "ap-guangzhou" and seen.headers["x-tc-version"] == "2021-01-11"
    assert "SignedHeaders=content-type;host;x-tc-action" in seen.headers["authorization"]


def test_long_content_is_cut_to_the_template_variable_limit(aliyun_fake):
    queue_sms(body="霞山区棚户区改造安置房项目 扬尘监测点\nPM10小时均值210 µg/m³，超过报警阈值200 µg/m³（第1版），"
                   "时段2026年11月25日 10:00—11:00。")
    notifications_dispatch(now=T, transport=aliyun_transport(aliyun_fake, param_max_chars=20))
    content = json.loads(aliyun_fake.accepted[0].params["TemplateParam"])["content"]
    assert content == "霞山区棚户区改造安置房项目 扬尘监测点…" and len(content) == 20


def test_configured_transport_is_built_from_the_settings(provider, settings):
    settings.NOTIFY_TRANSPORT = provider.name
    if provider.name == "aliyun_sms":
        settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_KEY_ID, ALIYUN_SECRET
        settings.ALIYUN_SMS_SIGN_NAME, settings.ALIYUN_SMS_TEMPLATE_CODE = SIGN_NAME, "SMS_480000001"
        settings.ALIYUN_SMS_ENDPOINT = provider.fake.url
    else:
        settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY = TENCENT_SECRET_ID, TENCENT_SECRET_KEY
        settings.TENCENT_SMS_SDK_APP_ID, settings.TENCENT_SMS_TEMPLATE_ID = "1400006666", "2100001"
        settings.TENCENT_SMS_SIGN_NAME, settings.TENCENT_SMS_ENDPOINT = SIGN_NAME, provider.fake.url
    row = queue_sms()
    assert row.channel == provider.name and get_transport().name == provider.name
    assert notifications_dispatch(now=T) == {"sent": 1, "failed": 0}
    assert reload(row).status == "sent" and len(provider.fake.accepted) == 1


# --- refused: signature and time ---

def test_request_signed_with_a_wrong_secret_is_refused_and_the_row_fails(provider):
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make(access_key_secret="not-the-secret")) == {
        "sent": 0, "failed": 1}
    row = reload(row)
    assert (row.status, row.error_code, row.attempts, row.sent_at) == ("failed", provider.signature_error, 1, None)
    assert provider.fake.accepted == [] and provider.fake.seen[0].refusal == provider.signature_error


def test_aliyun_refusal_does_not_store_the_request_it_echoes(aliyun_fake):
    row = queue_sms()
    notifications_dispatch(now=T, transport=aliyun_transport(aliyun_fake, access_key_secret="not-the-secret"))
    error = reload(row).error
    assert "SignatureDoesNotMatch" in error and "Specified signature is not matched" in error
    assert "string to sign" not in error and "13800000001" not in error and ALIYUN_KEY_ID not in error


def test_clock_outside_the_providers_window_is_refused(provider):
    late = provider.window + dt.timedelta(minutes=2)
    transport = provider.make(clock=lambda: dt.datetime.now(dt.UTC) - late)
    row = queue_sms()
    notifications_dispatch(now=T, transport=transport)
    assert (reload(row).status, row.error_code) == ("failed", provider.expired_error)
    assert provider.fake.accepted == []


def test_clock_within_the_providers_window_is_accepted(provider):
    transport = provider.make(clock=lambda: dt.datetime.now(dt.UTC) - provider.window + dt.timedelta(minutes=1))
    row = queue_sms()
    notifications_dispatch(now=T, transport=transport)
    assert reload(row).status == "sent"


# --- permanent errors fail at once ---

def test_permanent_error_fails_at_once_with_the_providers_code_and_message(provider):
    provider.fake.then(provider.permanent)
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make()) == {"sent": 0, "failed": 1}
    row = reload(row)
    assert (row.status, row.error_code, row.attempts) == ("failed", provider.permanent.code, 1)
    assert provider.permanent.code in row.error and provider.permanent.message in row.error
    assert notifications_dispatch(now=T + dt.timedelta(hours=1), transport=provider.make()) == NOTHING
    assert len(provider.fake.seen) == 1


def test_landline_is_not_sent_and_fails_with_the_reason(provider):
    row = queue_sms("0759-3100001")
    assert notifications_dispatch(now=T, transport=provider.make()) == {"sent": 0, "failed": 1}
    row = reload(row)
    assert row.status == "failed" and row.error_code == "sitewatch.NOT_A_MOBILE_NUMBER"
    assert "0759-3100001" in row.error and "不是中国大陆手机号" in row.error
    assert provider.fake.seen == []


# --- retryable errors: the next rounds, within the limit ---

def test_rate_limited_sms_waits_for_a_later_round_and_is_then_sent(provider):
    provider.fake.then(provider.rate_limited)
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make()) == NOTHING
    row = reload(row)
    assert (row.status, row.attempts, row.error_code) == ("pending", 1, provider.rate_limited.code)
    assert row.next_attempt_at == T + dt.timedelta(minutes=1) and "第1次发送未成功" in row.error and "重试" in row.error
    assert notifications_dispatch(now=T + dt.timedelta(seconds=30), transport=provider.make()) == NOTHING
    assert len(provider.fake.seen) == 1
    assert notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make()) == {"sent": 1, "failed": 0}
    row = reload(row)
    assert (row.status, row.attempts, row.error, row.error_code) == ("sent", 2, "", "")
    assert row.provider_message_id and row.sent_at >= T + dt.timedelta(minutes=1)


def test_retries_stop_at_the_attempt_limit_with_the_providers_code(provider, settings):
    settings.SMS_MAX_ATTEMPTS = 3
    provider.fake.then(provider.rate_limited, provider.rate_limited, provider.rate_limited)
    row = queue_sms()
    rounds = [notifications_dispatch(now=T + dt.timedelta(minutes=m), transport=provider.make()) for m in (0, 1, 3)]
    assert rounds == [NOTHING, NOTHING, {"sent": 0, "failed": 1}]
    row = reload(row)
    assert (row.status, row.attempts, row.error_code) == ("failed", 3, provider.rate_limited.code)
    assert "共尝试3次" in row.error and len(provider.fake.accepted) == 3
    assert notifications_dispatch(now=T + dt.timedelta(hours=2), transport=provider.make()) == NOTHING


def test_waits_between_attempts_double(provider, settings):
    settings.SMS_MAX_ATTEMPTS = 4
    provider.fake.then(provider.rate_limited, provider.rate_limited)
    row = queue_sms()
    notifications_dispatch(now=T, transport=provider.make())
    notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make())
    assert reload(row).next_attempt_at == T + dt.timedelta(minutes=3)


def test_server_error_is_retried_in_the_next_round(provider):
    provider.fake.then(Reply("http", status=500, message="<html><body>500 Internal Server Error</body></html>"))
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make()) == NOTHING
    assert (reload(row).status, row.error_code) == ("pending", "HTTP_500")
    assert notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make())["sent"] == 1


def test_answer_slower_than_the_timeout_is_retried(provider):
    provider.fake.then(Reply("slow", delay=3))
    row = queue_sms()
    assert notifications_dispatch(now=T, transport=provider.make(timeout=0.5)) == NOTHING
    row = reload(row)
    assert (row.status, row.error_code, row.attempts) == ("pending", "TIMEOUT", 1) and "0.5 秒内没有应答" in row.error
    assert notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make())["sent"] == 1
    # The timed-out request may have been accepted all the same: a timeout is the one case
    # where a phone can get the notice twice (口径 K-S3).
    assert len(provider.fake.accepted) == 2


def test_unreachable_provider_is_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = tencent_transport(type("Closed", (), {"url": f"http://127.0.0.1:{port}/"})())
    row = queue_sms()
    notifications_dispatch(now=T, transport=transport)
    assert (reload(row).status, row.error_code) == ("pending", "NETWORK") and "无法连接" in row.error


def test_provider_down_leaves_the_rest_of_the_round_for_the_next(provider, users):
    provider.fake.then(Reply("http", status=503, message="Service Unavailable"))
    rows = [queue_sms(f"1380000000{i}", now=at(12, i)) for i in range(1, 4)]
    (outbox_row,) = notification_queue(recipients=[Recipient(name="李明", user_id=users["contractor"].pk)],
                                       subject="测试", body="内容", related=None, now=at(12, 4))
    assert notifications_dispatch(now=T, transport=provider.make()) == {"sent": 1, "failed": 0}
    assert [(reload(r).status, r.attempts) for r in rows] == [("pending", 1), ("pending", 0), ("pending", 0)]
    assert reload(outbox_row).status == "sent" and len(provider.fake.seen) == 1
    assert notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make())["sent"] == 3


# --- what goes where, and only once ---

def test_row_without_a_phone_is_delivered_to_the_outbox_not_by_sms(provider, users):
    (row,) = notification_queue(recipients=[Recipient(name="李明", user_id=users["contractor"].pk)],
                                subject="测试", body="内容", related=None, now=at(12))
    assert notifications_dispatch(now=T, transport=provider.make()) == {"sent": 1, "failed": 0}
    row = reload(row)
    assert (row.status, row.channel, row.provider_message_id) == ("sent", "outbox", "")
    assert provider.fake.seen == []


def test_sms_is_sent_once_even_with_two_dispatchers(provider):
    row = queue_sms()
    nested: list[dict] = []
    sms = provider.make()

    class Interrupting(Transport):
        name = sms.name

        def send(self, notification):
            delivery = sms.send(notification)
            # A second copy of the loop runs while this one is still sending.
            nested.append(notifications_dispatch(now=T, transport=provider.make()))
            return delivery

    assert notifications_dispatch(now=T, transport=Interrupting()) == {"sent": 1, "failed": 0}
    assert nested == [NOTHING] and len(provider.fake.seen) == 1 and reload(row).attempts == 1


def test_row_left_sending_by_a_crash_is_not_sent_again(provider):
    row = queue_sms()
    Notification.objects.filter(pk=row.pk).update(status="sending", attempts=1)
    assert notifications_dispatch(now=T + dt.timedelta(hours=1), transport=provider.make()) == NOTHING
    assert provider.fake.seen == []


def test_secret_is_neither_stored_nor_logged(provider, caplog):
    caplog.set_level(logging.DEBUG)
    provider.fake.then(provider.rate_limited, provider.permanent)
    row = queue_sms()
    notifications_dispatch(now=T, transport=provider.make())
    notifications_dispatch(now=T + dt.timedelta(minutes=1), transport=provider.make())
    transport = provider.make()
    texts = [caplog.text, reload(row).error, repr(transport), str(vars(Notification.objects.get(pk=row.pk)))]
    assert row.status == "failed" and not any(provider.secret in text for text in texts)


def test_transport_error_defaults_to_permanent():
    error = TransportError("短信平台返回错误 40001")
    assert (error.retryable, error.unavailable, error.code) == (False, False, "")
