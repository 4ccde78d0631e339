"""SMS configuration from the environment: switched on but incomplete stops the start with a
message naming exactly the variables to set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sitewatch.lib.env import ConfigError
from sitewatch.notifications.services import Recipient, notification_queue
from sitewatch.notifications.transports import (
    REQUIRED,
    AliyunSmsTransport,
    OutboxTransport,
    TencentSmsTransport,
    check_configuration,
    get_transport,
)
from tests.test_alarms_helpers import at

ALIYUN = {"ALIYUN_SMS_ACCESS_KEY_ID": "LTAI5t", "ALIYUN_SMS_ACCESS_KEY_SECRET": "s3cret",
          "ALIYUN_SMS_SIGN_NAME": "湛江市住建局", "ALIYUN_SMS_TEMPLATE_CODE": "SMS_480000001"}
TENCENT = {"TENCENT_SMS_SECRET_ID": "AKIDx", "TENCENT_SMS_SECRET_KEY": "s3cret", "TENCENT_SMS_SDK_APP_ID": "1400006666",
           "TENCENT_SMS_SIGN_NAME": "湛江市住建局", "TENCENT_SMS_TEMPLATE_ID": "2100001"}
COMPLETE = {"aliyun_sms": ALIYUN, "tencent_sms": TENCENT}


def configure(settings, name: str, **values) -> None:
    settings.NOTIFY_TRANSPORT = name
    for variable, value in {**COMPLETE.get(name, {}), **values}.items():
        setattr(settings, variable, value)


def refusal(settings) -> str:
    with pytest.raises(ConfigError) as error:
        check_configuration()
    return str(error.value)


@pytest.mark.parametrize(("name", "variable"), [(n, v) for n in REQUIRED for v in REQUIRED[n]])
def test_missing_variable_is_named_and_only_it(settings, name, variable):
    configure(settings, name, **{variable: ""})
    message = refusal(settings)
    assert f"NOTIFY_TRANSPORT={name}" in message and variable in message
    assert [v for v in REQUIRED[name] if v in message] == [variable]


@pytest.mark.parametrize("name", ["aliyun_sms", "tencent_sms"])
def test_every_missing_variable_is_named(settings, name):
    configure(settings, name, **dict.fromkeys(REQUIRED[name], ""))
    message = refusal(settings)
    assert all(variable in message for variable in REQUIRED[name]) and "重新启动" in message


def test_blank_value_counts_as_missing(settings):
    configure(settings, "aliyun_sms", ALIYUN_SMS_SIGN_NAME="   ")
    assert "ALIYUN_SMS_SIGN_NAME" in refusal(settings)


@pytest.mark.parametrize(("name", "cls"), [("aliyun_sms", AliyunSmsTransport), ("tencent_sms", TencentSmsTransport),
                                           ("outbox", OutboxTransport)])
def test_complete_configuration_gives_its_transport(settings, name, cls):
    configure(settings, name)
    check_configuration()
    assert type(get_transport()) is cls


def test_transport_takes_its_settings(settings):
    configure(settings, "tencent_sms", TENCENT_SMS_REGION="ap-beijing", SMS_TIMEOUT_SECONDS=7,
              TENCENT_SMS_ENDPOINT="https://sms.tencentcloudapi.com")
    transport = get_transport()
    assert (transport.region, transport.timeout, transport.endpoint) == ("ap-beijing", 7, "https://sms.tencentcloudapi.com/")
    assert "s3cret" not in repr(transport)


def test_unknown_transport_lists_the_choices(settings):
    settings.NOTIFY_TRANSPORT = "aliyun"
    message = refusal(settings)
    assert "NOTIFY_TRANSPORT='aliyun' 无效" in message
    assert all(choice in message for choice in ("outbox", "aliyun_sms", "tencent_sms"))


@pytest.mark.parametrize("endpoint", ["http://dysmsapi.aliyuncs.com/", "dysmsapi.aliyuncs.com", "ftp://127.0.0.1/"])
def test_endpoint_must_be_https(settings, endpoint):
    configure(settings, "aliyun_sms", ALIYUN_SMS_ENDPOINT=endpoint)
    message = refusal(settings)
    assert "ALIYUN_SMS_ENDPOINT" in message and "https://" in message


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8081/", "http://localhost:8081/", "http://[::1]:8081/"])
def test_plain_http_is_allowed_to_this_machine_only(settings, endpoint):
    configure(settings, "tencent_sms", TENCENT_SMS_ENDPOINT=endpoint)
    check_configuration()


@pytest.mark.parametrize("names", [["subject"], ["subject", "subject"], ["a", "b", "c"]])
def test_aliyun_template_needs_two_distinct_variable_names(settings, names):
    configure(settings, "aliyun_sms", ALIYUN_SMS_TEMPLATE_PARAM_NAMES=names)
    assert "ALIYUN_SMS_TEMPLATE_PARAM_NAMES" in refusal(settings)


@pytest.mark.parametrize("variable", ["TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_TEMPLATE_ID"])
def test_tencent_ids_are_numbers(settings, variable):
    configure(settings, "tencent_sms", **{variable: "SMS_1"})
    assert variable in refusal(settings)


@pytest.mark.django_db
def test_rows_with_a_phone_are_queued_for_sms_and_the_others_for_the_outbox(settings, users):
    configure(settings, "aliyun_sms")
    phone, user = notification_queue(
        recipients=[Recipient(name="李明", phone="13800000001"), Recipient(name="李明", user_id=users["contractor"].pk)],
        subject="测试", body="内容", related=None, now=at(12))
    assert (phone.channel, user.channel) == ("aliyun_sms", "outbox")


def test_sms_switched_on_without_its_keys_stops_the_platform_at_start():
    env = {k: v for k, v in os.environ.items()
           if k != "DJANGO_SETTINGS_MODULE" and not k.startswith(("ALIYUN_SMS_", "TENCENT_SMS_", "SMS_"))}
    env.update(SECRET_KEY="test", NOTIFY_TRANSPORT="tencent_sms", TENCENT_SMS_SECRET_ID="AKIDx",
               TENCENT_SMS_SIGN_NAME="湛江市住建局", DJANGO_SETTINGS_MODULE="sitewatch.settings")
    done = subprocess.run([sys.executable, "-m", "sitewatch.manage", "check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "NOTIFY_TRANSPORT=tencent_sms" in done.stderr
    for variable in ("TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_TEMPLATE_ID"):
        assert variable in done.stderr
    assert "TENCENT_SMS_SECRET_ID（" not in done.stderr and "TENCENT_SMS_SIGN_NAME（" not in done.stderr
