"""What :func:`.parse_manscdp` returns: one frozen dataclass per message kind we use.

Text fields hold the device's text stripped of surrounding whitespace, None when the
element is missing or empty. Numbers are ints/floats when the text is numeric, else None
(the raw text then stays in ``extra`` where there is one). Children we do not model are
kept in ``extra`` as ``{"Path/To/Leaf": text}``, so nothing a device says is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .resolution import Resolution, format_resolutions, parse_resolution, parse_resolutions

__all__ = [
    "CATALOG_EVENTS",
    "AlarmNotify",
    "BasicParam",
    "CatalogItem",
    "CatalogNotify",
    "CatalogResponse",
    "ConfigDownloadResponse",
    "DeviceInfoResponse",
    "DeviceStatusResponse",
    "Keepalive",
    "ManscdpMessage",
    "Query",
    "StreamAttribute",
    "Unknown",
    "VideoParamOpt",
    "normalise_status",
]

# Catalogue subscription NOTIFY events ([wvp] CatalogEvent): channel on/off, video lost,
# fault, and catalogue changes.
CATALOG_EVENTS = frozenset({"ON", "OFF", "VLOST", "DEFECT", "ADD", "DEL", "UPDATE"})

# The standard says ON/OFF; devices also write ONLINE/OFFLINE and OK (wvp's catalogue
# parser accepts the same set). Anything else is unknown (None): the caller keeps what it
# knew rather than guessing.
_ON = frozenset({"ON", "ONLINE", "OK"})
_OFF = frozenset({"OFF", "OFFLINE"})


def normalise_status(text: str | None) -> str | None:
    """"ON", "OFF" or None for a catalogue ``Status``."""
    if not text:
        return None
    value = text.strip().upper()
    if value in _ON:
        return "ON"
    if value in _OFF:
        return "OFF"
    return None


@dataclass(frozen=True, slots=True)
class Keepalive:
    """``<Notify><CmdType>Keepalive</CmdType>`` (2016 §9.6, A.2.5).

    ``status`` is the top-level ``Status``; ``info_status`` the ``Info/Status`` some
    cameras send instead (gowvp/owl PR #64: a parser insisting on the top-level one marks
    such a camera offline at every keepalive). ``faulty_ids`` are the ``Info/DeviceID``s an
    NVR lists for its faulty channels ("SIP设备宜在状态信息中携带故障子设备描述信息").
    """

    device_id: str
    sn: int | None
    status: str | None = None
    info_status: str | None = None
    faulty_ids: tuple[str, ...] = ()

    @property
    def effective_status(self) -> str | None:
        return self.status or self.info_status

    @property
    def is_ok(self) -> bool:
        """False only when a status is given and is not OK. A keepalive without one still
        proves the device is alive, and that is what a keepalive is for."""
        status = self.effective_status
        return status is None or status.upper() in ("OK", "ON", "ONLINE")


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One ``DeviceList/Item`` of a catalogue response or NOTIFY.

    ``status`` is normalised to "ON"/"OFF" (None when missing or unrecognised);
    ``status_raw`` keeps the text. ``resolution`` comes from ``Info/Resolution`` (the
    *supported* resolutions, not the configured one); ``resolution_raw`` keeps its text.
    ``event`` is set on NOTIFY items only (upper case; see :data:`CATALOG_EVENTS`).
    Constructing an item by hand, give either the normalised or the raw field; the other
    is derived.
    """

    device_id: str
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    owner: str | None = None
    civil_code: str | None = None
    address: str | None = None
    parent_id: str | None = None
    parental: int | None = None
    status: str | None = None
    status_raw: str | None = None
    event: str | None = None
    ip_address: str | None = None
    port: int | None = None
    longitude: float | None = None
    latitude: float | None = None
    resolution: tuple[Resolution, ...] = ()
    resolution_raw: str | None = None
    ptz_type: int | None = None
    business_group_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status_raw is None and self.status is not None:
            object.__setattr__(self, "status_raw", self.status)
        elif self.status_raw is not None and self.status is None:
            object.__setattr__(self, "status", normalise_status(self.status_raw))
        if self.resolution_raw is None and self.resolution:
            object.__setattr__(self, "resolution_raw", format_resolutions(self.resolution))
        elif self.resolution_raw is not None and not self.resolution:
            object.__setattr__(self, "resolution", parse_resolutions(self.resolution_raw))


@dataclass(frozen=True, slots=True)
class CatalogResponse:
    """``<Response><CmdType>Catalog</CmdType>``: one packet of a possibly multi-packet
    answer. ``sum_num`` is the total over all packets (None when missing), ``list_num``
    the ``DeviceList Num`` attribute (this packet's count, as the device claims it)."""

    device_id: str
    sn: int | None
    sum_num: int | None
    items: tuple[CatalogItem, ...] = ()
    list_num: int | None = None


@dataclass(frozen=True, slots=True)
class CatalogNotify:
    """``<Notify><CmdType>Catalog</CmdType>``: catalogue subscription changes, each item
    with its ``event``."""

    device_id: str
    sn: int | None
    sum_num: int | None
    items: tuple[CatalogItem, ...] = ()
    list_num: int | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfoResponse:
    device_id: str
    sn: int | None
    result: str | None = None
    device_name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    firmware: str | None = None
    channel: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # e.g. DeviceType, MaxCamera (Hikvision NVRs)


@dataclass(frozen=True, slots=True)
class DeviceStatusResponse:
    """An active probe's answer. Says nothing about per-channel video."""

    device_id: str
    sn: int | None
    result: str | None = None
    online: str | None = None  # ONLINE / OFFLINE as sent
    status: str | None = None  # OK / ERROR as sent
    reason: str | None = None
    encode: str | None = None  # ON / OFF
    record: str | None = None  # ON / OFF
    device_time: str | None = None  # no zone in the standard; the caller interprets it
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BasicParam:
    """``BasicParam``: all optional, units unstated by the standard (seconds in practice)."""

    name: str | None = None
    expiration: int | None = None
    heart_beat_interval: int | None = None
    heart_beat_count: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VideoParamOpt:
    """``VideoParamOpt``: the *supported* resolutions (and download speeds), not the
    configured ones."""

    download_speed: str | None = None  # e.g. "1/2/4"
    resolutions: tuple[Resolution, ...] = ()
    resolution_raw: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.resolution_raw is None and self.resolutions:
            object.__setattr__(self, "resolution_raw", format_resolutions(self.resolutions))
        elif self.resolution_raw is not None and not self.resolutions:
            object.__setattr__(self, "resolutions", parse_resolutions(self.resolution_raw))


_VIDEO_FORMATS = {"1": "MPEG-4", "2": "H.264", "3": "SVAC", "4": "3GP", "5": "H.265"}


@dataclass(frozen=True, slots=True)
class StreamAttribute:
    """One ``VideoParamAttribute/Item`` (2022): the configured parameters of one stream.
    ``stream_number`` 0 is the main stream, 1 and 2 the sub-streams."""

    stream_number: int | None
    video_format: str | None = None  # Appendix G code: 1 MPEG-4, 2 H.264, 3 SVAC, 4 3GP, 5 H.265
    resolution: Resolution | None = None
    resolution_raw: str | None = None
    frame_rate: int | None = None
    bit_rate_type: str | None = None  # 1 CBR, 2 VBR
    video_bit_rate: int | None = None  # kb/s; absent for VBR, which is not the same as 0

    def __post_init__(self) -> None:
        if self.resolution_raw is None and self.resolution is not None:
            object.__setattr__(self, "resolution_raw", format_resolutions((self.resolution,)))
        elif self.resolution_raw is not None and self.resolution is None:
            object.__setattr__(self, "resolution", parse_resolution(self.resolution_raw))

    @property
    def video_format_name(self) -> str | None:
        return _VIDEO_FORMATS.get(self.video_format or "")


@dataclass(frozen=True, slots=True)
class ConfigDownloadResponse:
    """``<Response><CmdType>ConfigDownload</CmdType>``. A device may answer a query for
    several ConfigTypes with several responses of the same SN, one per type; each carries
    the blocks it has. "Not supported" and "empty" look the same (Result OK, no block)."""

    device_id: str
    sn: int | None
    result: str | None = None
    basic_param: BasicParam | None = None
    video_param_opt: VideoParamOpt | None = None
    video_param_attribute: tuple[StreamAttribute, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)  # other blocks, flattened


@dataclass(frozen=True, slots=True)
class AlarmNotify:
    device_id: str
    sn: int | None
    priority: str | None = None
    method: str | None = None
    time: str | None = None  # as sent, no zone
    description: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Query:
    """A ``<Query>`` (the device simulator receives these). ``config_types`` splits a
    ConfigDownload's ``ConfigType`` on ``/``."""

    cmd_type: str
    device_id: str
    sn: int | None
    config_types: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A well-formed MANSCDP message we do not model (a Control, a RecordInfo ...)."""

    root: str
    cmd_type: str
    device_id: str
    sn: int | None


ManscdpMessage = (
    Keepalive
    | CatalogResponse
    | CatalogNotify
    | DeviceInfoResponse
    | DeviceStatusResponse
    | ConfigDownloadResponse
    | AlarmNotify
    | Query
    | Unknown
)
