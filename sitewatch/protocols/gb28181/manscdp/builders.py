"""MANSCDP bodies we send: the platform's queries, and the device side's answers for the
simulator. Every answer builder writes what :func:`.parse_manscdp` reads back as the same
dataclass (the tests hold them to that round trip).

Bodies declare ``GB2312`` by default, as 2016 devices expect (§6.10), but are encoded
with GB18030: identical for every GB2312 character, and a rare character (生僻字) in a
name still gets through to a device that decodes GBK/GB18030 instead of raising here.
``encoding="UTF-8"`` declares and encodes UTF-8; ``"GB18030"`` declares it (2022).
Lines end in CRLF, as devices write them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .messages import BasicParam, CatalogItem, StreamAttribute, VideoParamOpt

__all__ = [
    "QUERY_CMD_TYPES",
    "build_catalog_notify",
    "build_catalog_response",
    "build_config_download_response",
    "build_device_info_response",
    "build_device_status_response",
    "build_keepalive",
    "build_query",
]

QUERY_CMD_TYPES = ("Catalog", "DeviceInfo", "DeviceStatus", "ConfigDownload")
_CODECS = {"GB2312": "gb18030", "GB18030": "gb18030", "UTF-8": "utf-8"}
_CRLF = "\r\n"


def _escape(value: object) -> str:
    text = str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _element(name: str, value: object) -> str:
    return f"<{name}>{_escape(value)}</{name}>"


def _optional(lines: list[str], name: str, value: object) -> None:
    if value is not None:
        lines.append(_element(name, value))


def _nest(lines: list[str], values: Mapping[str, str]) -> None:
    """Write {"A/B": text} back as <A><B>text</B></A>, grouping consecutive paths that
    share a first segment (the inverse of the parser's flattening)."""
    groups: dict[str, dict[str, str]] = {}
    order: list[tuple[str, str | None]] = []
    for path, value in values.items():
        head, _, rest = path.partition("/")
        if rest:
            if head not in groups:
                groups[head] = {}
                order.append((head, None))
            groups[head][rest] = value
        else:
            order.append((head, value))
    for head, value in order:
        if value is None:
            lines.append(f"<{head}>")
            _nest(lines, groups[head])
            lines.append(f"</{head}>")
        else:
            lines.append(_element(head, value))


def _document(root: str, cmd_type: str, sn: int, device_id: str, body: list[str], encoding: str) -> bytes:
    declared = encoding.upper().replace("UTF8", "UTF-8")
    codec = _CODECS.get(declared)
    if codec is None:
        raise ValueError(f"unsupported encoding {encoding!r}: use GB2312, GB18030 or UTF-8")
    if not device_id or not str(device_id).strip():
        raise ValueError("device_id is required")
    lines = [f'<?xml version="1.0" encoding="{declared}"?>', f"<{root}>", _element("CmdType", cmd_type),
             _element("SN", int(sn)), _element("DeviceID", device_id), *body, f"</{root}>"]
    return (_CRLF.join(lines) + _CRLF).encode(codec)


def build_query(cmd_type: str, *, sn: int, device_id: str, config_type: str | Sequence[str] | None = None,
                encoding: str = "GB2312") -> bytes:
    """A platform query: Catalog, DeviceInfo, DeviceStatus or ConfigDownload. For
    ConfigDownload, ``config_type`` names one type ("BasicParam") or several (a sequence,
    or a "/"-joined string; 2016 A.2.4.7 allows several in one query)."""
    if cmd_type not in QUERY_CMD_TYPES:
        raise ValueError(f"unsupported query {cmd_type!r}; one of {', '.join(QUERY_CMD_TYPES)}")
    body: list[str] = []
    if cmd_type == "ConfigDownload":
        if not config_type:
            raise ValueError("ConfigDownload needs a config_type")
        joined = config_type if isinstance(config_type, str) else "/".join(config_type)
        body.append(_element("ConfigType", joined))
    elif config_type is not None:
        raise ValueError("config_type belongs to ConfigDownload only")
    return _document("Query", cmd_type, sn, device_id, body, encoding)


def build_keepalive(device_id: str, sn: int, status: str = "OK", info: Iterable[str] = (), *,
                    encoding: str = "GB2312") -> bytes:
    """A device keepalive; ``info`` lists faulty sub-device ids, written in ``<Info>`` as
    Hikvision NVRs do."""
    body = [_element("Status", status)]
    faulty = list(info)
    if faulty:
        body += ["<Info>", *(_element("DeviceID", item) for item in faulty), "</Info>"]
    return _document("Notify", "Keepalive", sn, device_id, body, encoding)


def _item_lines(item: CatalogItem) -> list[str]:
    lines = ["<Item>", _element("DeviceID", item.device_id)]
    for name, value in (
        ("Name", item.name), ("Manufacturer", item.manufacturer), ("Model", item.model), ("Owner", item.owner),
        ("CivilCode", item.civil_code), ("Address", item.address), ("Parental", item.parental),
        ("ParentID", item.parent_id), ("Status", item.status_raw), ("IPAddress", item.ip_address),
        ("Port", item.port), ("Longitude", item.longitude), ("Latitude", item.latitude),
        ("BusinessGroupID", item.business_group_id), ("Event", item.event),
    ):
        _optional(lines, name, value)
    plain = {k: v for k, v in item.extra.items() if not k.startswith("Info/")}
    info = {k[5:]: v for k, v in item.extra.items() if k.startswith("Info/")}
    _nest(lines, plain)
    if item.ptz_type is not None or item.resolution_raw is not None or info:
        lines.append("<Info>")
        _optional(lines, "PTZType", item.ptz_type)
        _optional(lines, "Resolution", item.resolution_raw)
        _nest(lines, info)
        lines.append("</Info>")
    lines.append("</Item>")
    return lines


def _catalog(root: str, device_id: str, sn: int, sum_num: int, items: Sequence[CatalogItem], encoding: str) -> bytes:
    body = [_element("SumNum", int(sum_num)), f'<DeviceList Num="{len(items)}">']
    for item in items:
        body += _item_lines(item)
    body.append("</DeviceList>")
    return _document(root, "Catalog", sn, device_id, body, encoding)


def build_catalog_response(device_id: str, sn: int, sum_num: int, items: Sequence[CatalogItem], *,
                           encoding: str = "GB2312") -> bytes:
    """One catalogue packet: ``sum_num`` is the total over all packets of the answer, the
    ``DeviceList Num`` this packet's count (2016 Appendix N). Split large catalogues into
    several calls with the same SN: a MESSAGE should stay under 1300 bytes (RFC 3428)."""
    return _catalog("Response", device_id, sn, sum_num, items, encoding)


def build_catalog_notify(device_id: str, sn: int, sum_num: int, items: Sequence[CatalogItem], *,
                         encoding: str = "GB2312") -> bytes:
    """A catalogue subscription NOTIFY body; give each item its ``event``."""
    return _catalog("Notify", device_id, sn, sum_num, items, encoding)


def build_device_info_response(device_id: str, sn: int, *, device_name: str | None = None,
                               manufacturer: str | None = None, model: str | None = None,
                               firmware: str | None = None, channel: int | None = None, result: str = "OK",
                               extra: Mapping[str, str] | None = None, encoding: str = "GB2312") -> bytes:
    body = [_element("Result", result)]
    for name, value in (("DeviceName", device_name), ("Manufacturer", manufacturer), ("Model", model),
                        ("Firmware", firmware), ("Channel", channel)):
        _optional(body, name, value)
    _nest(body, dict(extra or {}))
    return _document("Response", "DeviceInfo", sn, device_id, body, encoding)


def build_device_status_response(device_id: str, sn: int, *, online: str = "ONLINE", status: str = "OK",
                                 result: str = "OK", reason: str | None = None, encode: str | None = None,
                                 record: str | None = None, device_time: str | None = None,
                                 encoding: str = "GB2312") -> bytes:
    body = [_element("Result", result), _element("Online", online), _element("Status", status)]
    for name, value in (("Reason", reason), ("Encode", encode), ("Record", record), ("DeviceTime", device_time)):
        _optional(body, name, value)
    return _document("Response", "DeviceStatus", sn, device_id, body, encoding)


def _basic_param_lines(param: BasicParam) -> list[str]:
    lines = ["<BasicParam>"]
    for name, value in (("Name", param.name), ("Expiration", param.expiration),
                        ("HeartBeatInterval", param.heart_beat_interval), ("HeartBeatCount", param.heart_beat_count)):
        _optional(lines, name, value)
    _nest(lines, param.extra)
    return [*lines, "</BasicParam>"]


def _video_param_opt_lines(opt: VideoParamOpt) -> list[str]:
    lines = ["<VideoParamOpt>"]
    _optional(lines, "DownloadSpeed", opt.download_speed)
    _optional(lines, "Resolution", opt.resolution_raw)
    _nest(lines, opt.extra)
    return [*lines, "</VideoParamOpt>"]


def _stream_lines(stream: StreamAttribute) -> list[str]:
    lines = ["<Item>"]
    for name, value in (("StreamNumber", stream.stream_number), ("VideoFormat", stream.video_format),
                        ("Resolution", stream.resolution_raw), ("FrameRate", stream.frame_rate),
                        ("BitRateType", stream.bit_rate_type), ("VideoBitRate", stream.video_bit_rate)):
        _optional(lines, name, value)
    return [*lines, "</Item>"]


def build_config_download_response(device_id: str, sn: int, *, basic_param: BasicParam | None = None,
                                   video_param_opt: VideoParamOpt | None = None,
                                   video_param_attribute: Sequence[StreamAttribute] = (), result: str = "OK",
                                   encoding: str = "GB2312") -> bytes:
    """A ConfigDownload answer with whichever blocks are given. ``VideoParamAttribute``'s
    ``Num`` is an attribute of the block, not an element (2022 p. 64)."""
    body = [_element("Result", result)]
    if basic_param is not None:
        body += _basic_param_lines(basic_param)
    if video_param_opt is not None:
        body += _video_param_opt_lines(video_param_opt)
    if video_param_attribute:
        body.append(f'<VideoParamAttribute Num="{len(video_param_attribute)}">')
        for stream in video_param_attribute:
            body += _stream_lines(stream)
        body.append("</VideoParamAttribute>")
    return _document("Response", "ConfigDownload", sn, device_id, body, encoding)
