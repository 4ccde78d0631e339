"""MANSCDP body bytes to one of the dataclasses of :mod:`.messages`.

Element names are matched case-insensitively and without namespaces; values are stripped
of surrounding whitespace (the standard's own examples write ``<CmdType> Catalog
</CmdType>``). Only a missing ``CmdType`` or ``DeviceID`` makes a well-formed body
unusable: everything else is optional, because devices leave out what the standard calls
mandatory (the SRS NVR capture has no ``ParentID``, the standard's M.11 example no
``SumNum``).

Keepalives arrive every minute from every device, so the plain ones take a fast path
(:func:`_keepalive_fast`): one regular expression over the bytes recognises a small,
printable-ASCII ``<Notify>`` holding only ``CmdType``/``SN``/``DeviceID``/``Status``
leaves (each at most once) and empty ``<Info>`` elements, after an optional XML
declaration, and builds the :class:`Keepalive` the full path would build from it.
Anything else (a DTD, an entity or any ``&``, a comment, a non-ASCII byte, an ``Info``
with children, another element, attributes, a prefix, other casing …) goes through
decoding, :func:`.xmltree.parse_xml` and the readers below, which also produce every
error.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from .charset import decode_body
from .errors import ManscdpError, ManscdpReason
from .messages import (
    AlarmNotify,
    BasicParam,
    CatalogItem,
    CatalogNotify,
    CatalogResponse,
    ConfigDownloadResponse,
    DeviceInfoResponse,
    DeviceStatusResponse,
    Keepalive,
    ManscdpMessage,
    Query,
    StreamAttribute,
    Unknown,
    VideoParamOpt,
)
from .resolution import parse_resolution, parse_resolutions
from .xmltree import local_name, parse_xml

__all__ = ["DEFAULT_MAX_SIZE", "parse_manscdp"]

# A MESSAGE outside a media session should stay under 1300 bytes (RFC 3428) and a UDP
# datagram under 64 KiB, but one IP-fragmented catalogue of a large NVR can be big
# (wvp #853); 256 KiB leaves room for that and still bounds what one packet costs us.
DEFAULT_MAX_SIZE = 256 * 1024

_ROOTS = {"query": "Query", "response": "Response", "notify": "Notify", "control": "Control"}
_CMD_TYPES = {
    name.lower(): name
    for name in ("Keepalive", "Catalog", "DeviceInfo", "DeviceStatus", "ConfigDownload", "Alarm")
}
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
_SPACE = re.compile(r"\s+")
# The fast keepalive's shape. Leaf text: printable ASCII without space, "&", "<", ">" (so
# no entity, no markup, nothing to strip or decode: every charset reads it the same). The
# declaration holds no "<", ">" or "?", so the sanitiser removes exactly it. XML
# whitespace only between elements. One leaf per name is checked after the match.
_KEEPALIVE = re.compile(
    rb"[ \t\r\n]*(?:<\?xml[ \t][\t\x20-\x3b\x3d\x40-\x7e]*\?>[ \t\r\n]*)?<Notify>[ \t\r\n]*"
    rb"((?:(?:<(CmdType|SN|DeviceID|Status)>[\x21-\x25\x27-\x3b\x3d\x3f-\x7e]*</\2>"
    rb"|<Info>[ \t\r\n]*</Info>|<Info/>)[ \t\r\n]*){1,8})</Notify>[ \t\r\n]*"
)
_KEEPALIVE_LEAF = re.compile(rb"<(CmdType|SN|DeviceID|Status)>([^<]*)<")
# Deeper than this, a body is an attack or garbage; extra fields stop there.
_MAX_DEPTH = 8


# --- small readers -------------------------------------------------------------------


def _tag(element: ET.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _find(parent: ET.Element | None, name: str) -> ET.Element | None:
    if parent is None:
        return None
    wanted = name.lower()
    return next((child for child in parent if local_name(child.tag) == wanted), None)


def _find_all(parent: ET.Element | None, name: str) -> list[ET.Element]:
    if parent is None:
        return []
    wanted = name.lower()
    return [child for child in parent if local_name(child.tag) == wanted]


def _text_of(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _get(parent: ET.Element | dict[str, ET.Element] | None, *names: str) -> str | None:
    """Text of the first child with one of ``names`` (later names are misspellings or
    older names devices use). ``parent`` may be an :func:`_index` of the children."""
    for name in names:
        child = parent.get(name.lower()) if isinstance(parent, dict) else _find(parent, name)
        text = _text_of(child)
        if text is not None:
            return text
    return None


def _index(parent: ET.Element | None) -> dict[str, ET.Element]:
    """First child by lower-case name: one pass instead of one per field, for the
    catalogue items a large NVR sends by the thousand."""
    index: dict[str, ET.Element] = {}
    for child in parent if parent is not None else ():
        index.setdefault(local_name(child.tag), child)
    return index


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    value = _SPACE.sub("", text)
    return int(value) if _INT.fullmatch(value) else None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    value = _SPACE.sub("", text)  # the OCR'd standard writes "34 .2"
    if not _FLOAT.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _flatten(parent: ET.Element, skip: frozenset[str], prefix: str = "", depth: int = 0) -> dict[str, str]:
    """Children not in ``skip`` (lower-case names) as {"Path/Leaf": text}; first one wins.
    At the depth limit an element counts as a leaf (its own text only)."""
    out: dict[str, str] = {}
    for child in parent:
        if local_name(child.tag) in skip:
            continue
        path = prefix + _tag(child)
        if len(child) and depth + 1 < _MAX_DEPTH:
            for key, value in _flatten(child, frozenset(), path + "/", depth + 1).items():
                out.setdefault(key, value)
        else:
            out.setdefault(path, (child.text or "").strip())
    return out


# --- catalogue ---------------------------------------------------------------------

_ITEM_FIELDS = frozenset(
    name.lower()
    for name in (
        "DeviceID", "Name", "Manufacturer", "Model", "Owner", "CivilCode", "Address", "ParentID",
        "Parental", "Status", "Event", "IPAddress", "IPAddres", "Port", "Longitude", "Latitude",
        "PTZType", "Resolution", "BusinessGroupID", "Info",
    )
)
_INFO_FIELDS = frozenset({"ptztype", "resolution", "businessgroupid"})


def _catalog_item(element: ET.Element) -> CatalogItem | None:
    fields = _index(element)
    device_id = _get(fields, "DeviceID")
    if device_id is None:
        return None  # an empty <Item> (the standard's example writes <Item> for </Item>)
    info_element = fields.get("info")
    info = _index(info_element)
    event = _get(fields, "Event")
    resolution_raw = _get(info, "Resolution") or _get(fields, "Resolution")
    extra = _flatten(element, _ITEM_FIELDS)
    if info_element is not None:
        extra.update(_flatten(info_element, _INFO_FIELDS, "Info/"))
    return CatalogItem(
        device_id=device_id,
        name=_get(fields, "Name"),
        manufacturer=_get(fields, "Manufacturer"),
        model=_get(fields, "Model"),
        owner=_get(fields, "Owner"),
        civil_code=_get(fields, "CivilCode"),
        address=_get(fields, "Address"),
        parent_id=_get(fields, "ParentID"),
        parental=_int(_get(fields, "Parental")),
        status_raw=_get(fields, "Status"),
        event=event.upper() if event else None,
        # "IPAddres" is how the OCR'd 2016 text (and code copied from it) spells it.
        ip_address=_get(fields, "IPAddress", "IPAddres"),
        port=_int(_get(fields, "Port")),
        longitude=_float(_get(fields, "Longitude")),
        latitude=_float(_get(fields, "Latitude")),
        resolution=parse_resolutions(resolution_raw),
        resolution_raw=resolution_raw,
        # Some devices put the Info fields directly in the Item.
        ptz_type=_int(_get(info, "PTZType") or _get(fields, "PTZType")),
        business_group_id=_get(fields, "BusinessGroupID") or _get(info, "BusinessGroupID"),
        extra=extra,
    )


def _catalog_items(root: ET.Element) -> tuple[tuple[CatalogItem, ...], int | None]:
    device_list = _find(root, "DeviceList")
    # Some senders put the Items straight under the root, without a DeviceList.
    elements = _find_all(device_list, "Item") if device_list is not None else _find_all(root, "Item")
    items = tuple(item for item in (_catalog_item(e) for e in elements) if item is not None)
    list_num = None
    if device_list is not None:
        list_num = _int(next((v for k, v in device_list.attrib.items() if local_name(k) == "num"), None))
    return items, list_num


# --- configuration -----------------------------------------------------------------


def _basic_param(element: ET.Element) -> BasicParam:
    numbers = {"expiration": "Expiration", "heartbeatinterval": "HeartBeatInterval", "heartbeatcount": "HeartBeatCount"}
    values = {key: _int(_get(element, name)) for key, name in numbers.items()}
    extra = _flatten(element, frozenset({"name"}) | {k for k, v in values.items() if v is not None})
    return BasicParam(
        name=_get(element, "Name"),
        expiration=values["expiration"],
        heart_beat_interval=values["heartbeatinterval"],
        heart_beat_count=values["heartbeatcount"],
        extra=extra,
    )


def _video_param_opt(element: ET.Element) -> VideoParamOpt:
    # 2011-era firmware answers ResolutionOpt instead of Resolution.
    raw = _get(element, "Resolution", "ResolutionOpt")
    return VideoParamOpt(
        download_speed=_get(element, "DownloadSpeed"),
        resolutions=parse_resolutions(raw),
        resolution_raw=raw,
        extra=_flatten(element, frozenset({"downloadspeed", "resolution", "resolutionopt"})),
    )


def _stream_attribute(element: ET.Element) -> StreamAttribute:
    raw = _get(element, "Resolution")
    return StreamAttribute(
        stream_number=_int(_get(element, "StreamNumber")),
        video_format=_get(element, "VideoFormat"),
        resolution=parse_resolution(raw),
        resolution_raw=raw,
        frame_rate=_int(_get(element, "FrameRate")),
        bit_rate_type=_get(element, "BitRateType"),
        video_bit_rate=_int(_get(element, "VideoBitRate")),
    )


_ENVELOPE = frozenset({"cmdtype", "sn", "deviceid"})


def _config_download(root: ET.Element, device_id: str, sn: int | None) -> ConfigDownloadResponse:
    basic = _find(root, "BasicParam")
    opt = _find(root, "VideoParamOpt")
    attribute = _find(root, "VideoParamAttribute")
    known = _ENVELOPE | {"result", "basicparam", "videoparamopt", "videoparamattribute"}
    return ConfigDownloadResponse(
        device_id=device_id,
        sn=sn,
        result=_get(root, "Result"),
        basic_param=_basic_param(basic) if basic is not None else None,
        video_param_opt=_video_param_opt(opt) if opt is not None else None,
        video_param_attribute=tuple(_stream_attribute(e) for e in _find_all(attribute, "Item")),
        extra=_flatten(root, known),
    )


# --- dispatch ----------------------------------------------------------------------


def _keepalive(root: ET.Element, device_id: str, sn: int | None) -> Keepalive:
    info = _find(root, "Info")
    faulty = tuple(text for text in (_text_of(e) for e in _find_all(info, "DeviceID")) if text)
    return Keepalive(device_id, sn, _get(root, "Status"), _get(info, "Status"), faulty)


def _build(root: ET.Element, root_name: str, cmd_type: str, device_id: str, sn: int | None) -> ManscdpMessage:
    if root_name == "Query":
        config = _get(root, "ConfigType") or ""
        return Query(
            cmd_type=cmd_type,
            device_id=device_id,
            sn=sn,
            config_types=tuple(part.strip() for part in config.split("/") if part.strip()),
            extra=_flatten(root, _ENVELOPE | {"configtype"}),
        )
    key = (root_name, cmd_type)
    if key == ("Notify", "Keepalive"):
        return _keepalive(root, device_id, sn)
    if cmd_type == "Catalog" and root_name in ("Response", "Notify"):
        items, list_num = _catalog_items(root)
        kind = CatalogResponse if root_name == "Response" else CatalogNotify
        return kind(device_id, sn, _int(_get(root, "SumNum")), items, list_num)
    if key == ("Response", "DeviceInfo"):
        return DeviceInfoResponse(
            device_id=device_id,
            sn=sn,
            result=_get(root, "Result"),
            device_name=_get(root, "DeviceName"),
            manufacturer=_get(root, "Manufacturer"),
            model=_get(root, "Model"),
            firmware=_get(root, "Firmware"),
            channel=_int(_get(root, "Channel")),
            extra=_flatten(root, _ENVELOPE | {"result", "devicename", "manufacturer", "model", "firmware", "channel"}),
        )
    if key == ("Response", "DeviceStatus"):
        fields = ("Result", "Online", "Status", "Reason", "Encode", "Record", "DeviceTime")
        values = [_get(root, name) for name in fields]
        extra = _flatten(root, _ENVELOPE | {name.lower() for name in fields})
        return DeviceStatusResponse(device_id, sn, *values, extra=extra)
    if key == ("Response", "ConfigDownload"):
        return _config_download(root, device_id, sn)
    if key == ("Notify", "Alarm"):
        fields = ("AlarmPriority", "AlarmMethod", "AlarmTime", "AlarmDescription")
        values = [_get(root, name) for name in fields]
        extra = _flatten(root, _ENVELOPE | {name.lower() for name in fields})
        return AlarmNotify(device_id, sn, *values, extra=extra)
    return Unknown(root_name, cmd_type, device_id, sn)


def parse_manscdp(body: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> ManscdpMessage:
    """Parse one MANSCDP body (the bytes after the SIP headers).

    Raises :class:`ManscdpError` for anything unusable and nothing else: too_large (over
    ``max_size`` bytes), doctype_refused, bad_xml, unknown_root, missing_field.
    """
    raw = bytes(body)
    if len(raw) > max_size:
        raise ManscdpError(ManscdpReason.TOO_LARGE, f"{len(raw)} bytes, limit {max_size}", raw)
    return _keepalive_fast(raw) or _parse_tree(raw)


def _keepalive_fast(raw: bytes) -> Keepalive | None:
    """The :class:`Keepalive` of a body of the shape :data:`_KEEPALIVE` matches, exactly as
    the full path would read it; None for any other body (the full path then decides)."""
    if len(raw) > 1024 or not (match := _KEEPALIVE.fullmatch(raw)):
        return None
    fields: dict[bytes, bytes] = {}
    for name, text in _KEEPALIVE_LEAF.findall(match[1]):
        if name in fields:
            return None  # the full path reads the first of each; let it
        fields[name] = text
    device_id, sn, status = fields.get(b"DeviceID"), fields.get(b"SN"), fields.get(b"Status")
    if fields.get(b"CmdType") != b"Keepalive" or not device_id:
        return None
    if sn and not (sn.isdigit() and len(sn) <= 18):
        return None  # "+5", "x": _int's business
    return Keepalive(device_id.decode("ascii"), int(sn) if sn else None, status.decode("ascii") if status else None)


def _parse_tree(raw: bytes) -> ManscdpMessage:
    """:func:`parse_manscdp` for any body within the size limit: decode, repair, parse."""
    try:
        root = parse_xml(decode_body(raw))
    except ManscdpError as error:
        raise ManscdpError(error.reason, error.detail, raw) from None
    root_name = _ROOTS.get(local_name(root.tag))
    if root_name is None:
        raise ManscdpError(ManscdpReason.UNKNOWN_ROOT, f"root element <{_tag(root)[:40]}>", raw)
    cmd_text = _get(root, "CmdType")
    if cmd_text is None:
        raise ManscdpError(ManscdpReason.MISSING_FIELD, "no CmdType", raw)
    device_id = _get(root, "DeviceID")
    if device_id is None:
        raise ManscdpError(ManscdpReason.MISSING_FIELD, "no DeviceID", raw)
    cmd_type = _CMD_TYPES.get(cmd_text.lower(), cmd_text)
    return _build(root, root_name, cmd_type, device_id, _int(_get(root, "SN")))
