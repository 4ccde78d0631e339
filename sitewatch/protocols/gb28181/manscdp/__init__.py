"""MANSCDP, the XML bodies of GB/T 28181 MESSAGE/NOTIFY requests, as a pure codec.

Stdlib only: no Django, asyncio, sockets or clocks. The pieces:

* :func:`parse_manscdp` - body bytes to a message dataclass (:mod:`.messages`), raising
  :class:`ManscdpError` (typed by :class:`ManscdpReason`) and nothing else;
* :func:`decode_body` - the charset rules (GB18030 for GB-family or no declaration);
* :mod:`.xmltree` - the tolerated repairs and the DTD refusal;
* :mod:`.builders` - queries we send, and device answers for the simulator;
* :class:`Resolution` and :func:`parse_resolution` - f-codes and ``WxH``;
* :class:`CatalogAssembler` - multi-packet catalogues keyed by (device, SN), with
  ``get_timer``/``handle_timer(now)``.
"""

from .builders import (
    QUERY_CMD_TYPES,
    build_catalog_notify,
    build_catalog_response,
    build_config_download_response,
    build_device_info_response,
    build_device_status_response,
    build_keepalive,
    build_query,
)
from .catalog import CatalogAssembler, CatalogOutcome, CatalogResult
from .charset import DecodedBody, declared_encoding, decode_body, decode_body_detail
from .errors import ManscdpError, ManscdpReason
from .messages import (
    CATALOG_EVENTS,
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
    normalise_status,
)
from .parser import DEFAULT_MAX_SIZE, parse_manscdp
from .resolution import RESOLUTION_CODES, Resolution, format_resolutions, parse_resolution, parse_resolutions

__all__ = [
    "CATALOG_EVENTS",
    "DEFAULT_MAX_SIZE",
    "QUERY_CMD_TYPES",
    "RESOLUTION_CODES",
    "AlarmNotify",
    "BasicParam",
    "CatalogAssembler",
    "CatalogItem",
    "CatalogNotify",
    "CatalogOutcome",
    "CatalogResponse",
    "CatalogResult",
    "ConfigDownloadResponse",
    "DecodedBody",
    "DeviceInfoResponse",
    "DeviceStatusResponse",
    "Keepalive",
    "ManscdpError",
    "ManscdpMessage",
    "ManscdpReason",
    "Query",
    "Resolution",
    "StreamAttribute",
    "Unknown",
    "VideoParamOpt",
    "build_catalog_notify",
    "build_catalog_response",
    "build_config_download_response",
    "build_device_info_response",
    "build_device_status_response",
    "build_keepalive",
    "build_query",
    "decode_body",
    "decode_body_detail",
    "declared_encoding",
    "format_resolutions",
    "normalise_status",
    "parse_manscdp",
    "parse_resolution",
    "parse_resolutions",
]
