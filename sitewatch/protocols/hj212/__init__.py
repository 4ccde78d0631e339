"""HJ 212 (HJ 212-2017, HJ/T 212-2005, 2025 devices) as a pure sans-IO codec.

Stdlib only: no Django, asyncio, sockets or clocks; everything time-dependent takes
``now``. The pieces the gateway uses:

* :class:`Connection` - bytes in (``receive_data``), events out (``next_event``),
  ``get_timer``/``handle_timer`` for subpacket and idle-frame timeouts;
* events (:mod:`.events`): :class:`DataUpload` and the other :class:`Packet` classes,
  :class:`SubpacketReceived`, :class:`BadFrame`/:class:`BadPacket` for what the device
  got wrong, :class:`ConnectionClosed`;
* answers (:mod:`.builders`): :func:`build_answer` and friends, in the packet's CRC variant;
* requests (:mod:`.requests`) and their :class:`RequestTracker` (:mod:`.tracker`);
* :mod:`.crc`: the standard's CRC16 and the vendor variants.
"""

from .builders import (
    answer_flag,
    build_answer,
    build_data_answer,
    build_frame,
    build_login_answer,
    build_notify_answer,
)
from .connection import Connection, ConnectionState
from .crc import CrcVariant, crc_for, format_crc, hj212_crc16, modbus_crc16
from .errors import LocalProtocolError, Reason
from .events import (
    NEED_DATA,
    UPLOAD_KINDS,
    BadFrame,
    BadPacket,
    ConnectionClosed,
    DataAnswer,
    DataUpload,
    DeviceTime,
    Event,
    ExecutionResult,
    Heartbeat,
    Login,
    NeedData,
    NotifyAnswer,
    Packet,
    RequestAnswer,
    RestartUpload,
    SubpacketReceived,
    SubpacketsTimedOut,
    TimeCalibrationRequest,
)
from .framing import DEFAULT_MAX_SEGMENT, Framer, RawFrame
from .requests import (
    QnSource,
    Request,
    build_get_time_request,
    build_history_request,
    build_set_min_interval_request,
    build_set_rtd_interval_request,
    build_set_time_request,
)
from .segment import CpData, Factor, parse_segment
from .times import format_hj_time, format_qn, parse_hj_time
from .tracker import (
    PendingRequest,
    RequestAccepted,
    RequestCompleted,
    RequestData,
    RequestRefused,
    RequestTimedOut,
    RequestTracker,
    Resend,
)

__all__ = [
    "DEFAULT_MAX_SEGMENT",
    "NEED_DATA",
    "UPLOAD_KINDS",
    "BadFrame",
    "BadPacket",
    "Connection",
    "ConnectionClosed",
    "ConnectionState",
    "CpData",
    "CrcVariant",
    "DataAnswer",
    "DataUpload",
    "DeviceTime",
    "Event",
    "ExecutionResult",
    "Factor",
    "Framer",
    "Heartbeat",
    "LocalProtocolError",
    "Login",
    "NeedData",
    "NotifyAnswer",
    "Packet",
    "PendingRequest",
    "QnSource",
    "RawFrame",
    "Reason",
    "Request",
    "RequestAccepted",
    "RequestAnswer",
    "RequestCompleted",
    "RequestData",
    "RequestRefused",
    "RequestTimedOut",
    "RequestTracker",
    "Resend",
    "RestartUpload",
    "SubpacketReceived",
    "SubpacketsTimedOut",
    "TimeCalibrationRequest",
    "answer_flag",
    "build_answer",
    "build_data_answer",
    "build_frame",
    "build_get_time_request",
    "build_history_request",
    "build_login_answer",
    "build_notify_answer",
    "build_set_min_interval_request",
    "build_set_rtd_interval_request",
    "build_set_time_request",
    "crc_for",
    "format_crc",
    "format_hj_time",
    "format_qn",
    "hj212_crc16",
    "modbus_crc16",
    "parse_hj_time",
    "parse_segment",
]
