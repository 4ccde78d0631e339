"""The pure SMS functions: both signatures against the providers' published worked examples,
the encodings around them, and how answers are read and classified."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

import pytest

from sitewatch.notifications.sms import aliyun, tencent
from sitewatch.notifications.sms.common import clean_message, mainland_mobile, shorten, template_values

SH = ZoneInfo("Asia/Shanghai")

# --- Alibaba Cloud: published vectors ---

# Alibaba Cloud SMS "HTTP协议及签名" (help.aliyun.com/document_detail/56189.html, reproduced in
# the SMS "请求签名" page help.aliyun.com/document_detail/101343.htm and the developer Q&A
# developer.aliyun.com/ask/218522): AccessKeyId testId, AccessKeySecret testSecret.
SMS_DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
SMS_DOC_QUERY = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z"
    "&Version=2017-05-25"
)
SMS_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    "%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4"
    "%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp"
    "%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)
SMS_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="

# Alibaba Cloud "签名机制" (RPC, ECS DescribeRegions; e.g. help.aliyun.com/document_detail/25492.html):
# AccessKeyId testid, AccessKeySecret testsecret.
RPC_DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26", "SignatureVersion": "1.0",
}
RPC_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
    "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
)
RPC_DOC_SIGNATURE = "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_canonicalized_query_matches_the_sms_document():
    assert aliyun.canonicalized_query(SMS_DOC_PARAMS) == SMS_DOC_QUERY


def test_aliyun_string_to_sign_matches_the_sms_document():
    assert aliyun.string_to_sign(SMS_DOC_PARAMS) == SMS_DOC_STRING_TO_SIGN


def test_aliyun_signature_matches_the_sms_document():
    assert aliyun.sign(SMS_DOC_PARAMS, "testSecret") == SMS_DOC_SIGNATURE


def test_aliyun_signature_matches_the_rpc_signature_document():
    assert aliyun.string_to_sign(RPC_DOC_PARAMS) == RPC_DOC_STRING_TO_SIGN
    assert aliyun.sign(RPC_DOC_PARAMS, "testsecret") == RPC_DOC_SIGNATURE


def test_aliyun_signature_depends_on_the_secret_and_every_parameter():
    assert aliyun.sign(SMS_DOC_PARAMS, "testsecret") != SMS_DOC_SIGNATURE  # the key is case-sensitive
    assert aliyun.sign({**SMS_DOC_PARAMS, "PhoneNumbers": "15300000002"}, "testSecret") != SMS_DOC_SIGNATURE


def test_aliyun_signature_ignores_a_signature_parameter():
    assert aliyun.sign({**SMS_DOC_PARAMS, "Signature": "x"}, "testSecret") == SMS_DOC_SIGNATURE


def test_aliyun_signed_query_is_the_documents_request_url():
    # The document's signed GET URL, its parameters in canonical order after the Signature.
    assert aliyun.signed_query(SMS_DOC_PARAMS, "testSecret") == "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&" + SMS_DOC_QUERY


@pytest.mark.parametrize(("text", "encoded"), [
    ("a b", "a%20b"),          # a space is %20, never "+"
    ("a*b", "a%2Ab"),          # "*" is encoded
    ("a~b", "a~b"),            # "~" is not
    ("AZaz09-_.", "AZaz09-_."),
    ("/=&+:", "%2F%3D%26%2B%3A"),
    ("派", "%E6%B4%BE"),        # UTF-8 bytes, upper-case hex
])
def test_aliyun_percent_encoding_follows_the_documents_rules(text, encoded):
    assert aliyun.percent_encode(text) == encoded


def test_aliyun_timestamp_is_utc_with_a_z():
    assert aliyun.timestamp(dt.datetime(2026, 11, 25, 8, 30, 5, 900000, tzinfo=SH)) == "2026-11-25T00:30:05Z"


def test_aliyun_refuses_a_naive_time():
    with pytest.raises(ValueError, match="无时区"):
        aliyun.timestamp(dt.datetime(2026, 11, 25, 8, 30))  # noqa: DTZ001 - the point of the test


def test_aliyun_send_sms_params_are_the_documented_set():
    params = aliyun.send_sms_params(access_key_id="LTAI", phone="13800000001", sign_name="湛江市住建局",
                                    template_code="SMS_1", template_param={"subject": "扬尘报警", "content": "超标"},
                                    now=dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC), nonce="n-1", out_id="42")
    assert params == {
        "AccessKeyId": "LTAI", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13800000001",
        "RegionId": "cn-hangzhou", "SignName": "湛江市住建局", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "n-1",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_1", "TemplateParam": '{"subject":"扬尘报警","content":"超标"}',
        "Timestamp": "2026-11-25T04:00:00Z", "Version": "2017-05-25", "OutId": "42",
    }


# --- Alibaba Cloud: answers ---

def aliyun_answer(status: int, **fields) -> aliyun.SendOutcome:
    return aliyun.parse_response(status, json.dumps(fields).encode())


def test_aliyun_ok_answer_gives_the_biz_id():
    outcome = aliyun_answer(200, Message="OK", RequestId="F655A8D5", Code="OK", BizId="900619746936498440^0")
    assert outcome.ok and outcome.message_id == "900619746936498440^0"


@pytest.mark.parametrize("code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                                  "isv.SMS_SIGNATURE_ILLEGAL", "isv.AMOUNT_NOT_ENOUGH", "InvalidAccessKeyId.NotFound",
                                  "SignatureDoesNotMatch", "InvalidTimeStamp.Expired", "isv.DAY_LIMIT_CONTROL"])
def test_aliyun_permanent_codes(code):
    outcome = aliyun_answer(200 if code.startswith("isv") else 400, Code=code, Message="…")
    assert (outcome.ok, outcome.error_code, outcome.retryable) == (False, code, False)


@pytest.mark.parametrize("code", ["isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling.Api",
                                  "isp.SYSTEM_ERROR", "ServiceUnavailable"])
def test_aliyun_retryable_codes(code):
    assert aliyun_answer(200, Code=code, Message="…").retryable


def test_aliyun_server_error_or_unreadable_answer_is_retryable():
    assert aliyun_answer(503, Code="SomethingNew", Message="…").retryable
    outcome = aliyun.parse_response(502, b"<html>502 Bad Gateway</html>")
    assert (outcome.error_code, outcome.retryable) == ("HTTP_502", True)


# --- Tencent Cloud: published vectors ---

# Tencent Cloud API 3.0 "签名方法 v3" (cloud.tencent.com/document/api/213/30654; the same page
# for SMS at cloud.tencent.com/document/api/382/52072): CVM DescribeInstances, X-TC-Timestamp
# 1551113065, SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******, SecretKey
# Gu5t9xGARNpq86cd98joQYCN3******* (the document's placeholders, used as the key as printed).
TC_DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
TC_DOC_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com",
                  "X-TC-Action": "DescribeInstances"}
TC_DOC_ID, TC_DOC_KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******"
TC_DOC_PAYLOAD_HASH = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
# The current revision signs content-type;host;x-tc-action:
TC_DOC_CANONICAL = (
    "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n"
    "x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n" + TC_DOC_PAYLOAD_HASH
)
TC_DOC_CANONICAL_HASH = "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
TC_DOC_STRING_TO_SIGN = f"TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n{TC_DOC_CANONICAL_HASH}"
TC_DOC_SIGNATURE = "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3"
# An earlier revision of the same page signed content-type;host only:
TC_DOC_V1_CANONICAL_HASH = "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
TC_DOC_V1_SIGNATURE = "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
# The English page (tencentcloud.com/document/api/213/33224) redacts the key entirely; only its
# key-independent intermediate hashes can be checked (payload with "unnamed").
TC_INTL_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}'
TC_INTL_PAYLOAD_HASH = "99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"
TC_INTL_CANONICAL_HASH = "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"


def tc_canonical(signed=("content-type", "host", "x-tc-action"), payload=TC_DOC_PAYLOAD) -> str:
    return tencent.canonical_request(method="POST", headers=TC_DOC_HEADERS, signed_headers=signed, payload=payload)


def test_tencent_payload_hash_matches_the_document():
    assert tencent.sha256_hex(TC_DOC_PAYLOAD) == TC_DOC_PAYLOAD_HASH


def test_tencent_canonical_request_matches_the_document():
    assert tc_canonical() == TC_DOC_CANONICAL
    assert hashlib.sha256(tc_canonical().encode()).hexdigest() == TC_DOC_CANONICAL_HASH


def test_tencent_string_to_sign_matches_the_document():
    assert tencent.string_to_sign(timestamp=1551113065, service="cvm", canonical=tc_canonical()) == TC_DOC_STRING_TO_SIGN


def test_tencent_signature_and_authorization_match_the_document():
    assert tencent.signature(secret_key=TC_DOC_KEY, timestamp=1551113065, service="cvm",
                             canonical=tc_canonical()) == TC_DOC_SIGNATURE
    assert tencent.authorization(secret_id=TC_DOC_ID, secret_key=TC_DOC_KEY, timestamp=1551113065, service="cvm",
                                 canonical=tc_canonical(), signed_headers=("content-type", "host", "x-tc-action")) == (
        f"TC3-HMAC-SHA256 Credential={TC_DOC_ID}/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={TC_DOC_SIGNATURE}")


def test_tencent_signature_matches_the_documents_earlier_revision():
    canonical = tc_canonical(signed=("content-type", "host"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == TC_DOC_V1_CANONICAL_HASH
    assert tencent.signature(secret_key=TC_DOC_KEY, timestamp=1551113065, service="cvm",
                             canonical=canonical) == TC_DOC_V1_SIGNATURE


def test_tencent_canonical_request_matches_the_english_documents_hashes():
    canonical = tc_canonical(signed=("content-type", "host"), payload=TC_INTL_PAYLOAD)
    assert tencent.sha256_hex(TC_INTL_PAYLOAD) == TC_INTL_PAYLOAD_HASH
    assert hashlib.sha256(canonical.encode()).hexdigest() == TC_INTL_CANONICAL_HASH


def test_tencent_signature_depends_on_the_key():
    assert tencent.signature(secret_key=TC_DOC_KEY + "x", timestamp=1551113065, service="cvm",
                             canonical=tc_canonical()) != TC_DOC_SIGNATURE


def test_tencent_signed_headers_are_sorted_whatever_order_they_are_given():
    assert tc_canonical(signed=("x-tc-action", "host", "content-type")) == TC_DOC_CANONICAL


def test_tencent_credential_date_is_the_utc_date():
    # 2019-02-26 00:44:25 in Beijing is still the 25th in UTC (the document's own warning).
    stamp = int(dt.datetime(2019, 2, 26, 0, 44, 25, tzinfo=SH).timestamp())
    assert stamp == 1551113065 and tencent.credential_scope(stamp, "sms") == "2019-02-25/sms/tc3_request"


def test_tencent_send_sms_request_is_signed_over_its_exact_body():
    payload = tencent.send_sms_payload(phone_e164="+8613800000001", sdk_app_id="1400006666", sign_name="湛江市住建局",
                                       template_id="2100001", template_params=["扬尘报警", "超标"], session_context="7")
    assert json.loads(payload) == {"PhoneNumberSet": ["+8613800000001"], "SmsSdkAppId": "1400006666",
                                   "SignName": "湛江市住建局", "TemplateId": "2100001",
                                   "TemplateParamSet": ["扬尘报警", "超标"], "SessionContext": "7"}
    now = dt.datetime(2026, 11, 25, 8, 0, tzinfo=SH)
    headers = tencent.send_sms_headers(secret_id="AKIDx", secret_key="k", host="sms.tencentcloudapi.com",
                                       region="ap-guangzhou", payload=payload, now=now)
    assert headers["X-TC-Timestamp"] == str(int(now.timestamp())) and headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Region"] == "ap-guangzhou"
    canonical = tencent.canonical_request(method="POST", headers=headers, signed_headers=tencent.SIGNED_HEADERS,
                                          payload=payload)
    expected = tencent.signature(secret_key="k", timestamp=int(now.timestamp()), service="sms", canonical=canonical)
    assert headers["Authorization"].endswith(f"Signature={expected}")
    assert "Credential=AKIDx/2026-11-25/sms/tc3_request" in headers["Authorization"]


# --- Tencent Cloud: answers ---

def tencent_answer(response: dict, status: int = 200) -> tencent.SendOutcome:
    return tencent.parse_response(status, json.dumps({"Response": response}).encode())


def test_tencent_ok_answer_gives_the_serial_no():
    outcome = tencent_answer({"SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619",
                                                 "PhoneNumber": "+8618511122233", "Fee": 1, "Code": "Ok",
                                                 "Message": "send success", "IsoCode": "CN"}],
                              "RequestId": "a0aabda6"})
    assert outcome.ok and outcome.message_id == "5000:1045710669157053657849499619"


@pytest.mark.parametrize("code", ["AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound",
                                  "InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
                                  "FailedOperation.TemplateIncorrectOrUnapproved", "InternalError.SigVerificationFail"])
def test_tencent_permanent_codes(code):
    outcome = tencent_answer({"Error": {"Code": code, "Message": "…"}, "RequestId": "r"})
    assert (outcome.ok, outcome.error_code, outcome.retryable) == (False, code, False)


@pytest.mark.parametrize("code", ["LimitExceeded.PhoneNumberOneHourLimit", "LimitExceeded.DeliveryFrequencyLimit",
                                  "RequestLimitExceeded", "InternalError.Timeout", "InternalError"])
def test_tencent_retryable_codes(code):
    assert tencent_answer({"Error": {"Code": code, "Message": "…"}, "RequestId": "r"}).retryable


def test_tencent_per_number_error_is_read_from_the_send_status():
    outcome = tencent_answer({"SendStatusSet": [{"SerialNo": "", "PhoneNumber": "+8613800000001", "Fee": 0,
                                                 "Code": "LimitExceeded.PhoneNumberDailyLimit",
                                                 "Message": "单个手机号日下发短信条数超过设定的上限"}]})
    assert (outcome.error_code, outcome.retryable) == ("LimitExceeded.PhoneNumberDailyLimit", True)
    assert outcome.error_message == "单个手机号日下发短信条数超过设定的上限"


def test_tencent_unreadable_answer_is_retryable():
    outcome = tencent.parse_response(502, b"Bad Gateway")
    assert (outcome.error_code, outcome.retryable) == ("HTTP_502", True)


# --- common ---

@pytest.mark.parametrize(("phone", "mobile"), [
    ("13800000001", "13800000001"), ("+86 138 0000 0001", "13800000001"), ("0086-13800000001", "13800000001"),
    ("8613800000001", "13800000001"), ("0759-3100001", None), ("12345678901", None), ("1380000000", None), ("", None),
])
def test_mainland_mobile_numbers(phone, mobile):
    assert mainland_mobile(phone) == mobile


def test_template_values_are_one_line_and_bounded():
    assert template_values(subject="扬尘报警", body="第一行\n第二行  第三行", max_chars=35) == ("扬尘报警", "第一行 第二行 第三行")
    assert shorten("一二三四五六七八", 6) == "一二三四五…"


def test_clean_message_drops_an_echoed_request():
    message = "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3D"
    assert clean_message(message) == "Specified signature is not matched with our calculation"
