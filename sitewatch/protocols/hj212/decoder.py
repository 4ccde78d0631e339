"""From a CRC-valid frame to a typed event: decode, parse, choose the class by CN."""

from __future__ import annotations

from datetime import tzinfo

from .errors import Reason
from .events import (
    UPLOAD_KINDS,
    BadFrame,
    BadPacket,
    DataAnswer,
    DataUpload,
    DeviceTime,
    ExecutionResult,
    Heartbeat,
    Login,
    NotifyAnswer,
    Packet,
    RequestAnswer,
    RestartUpload,
    TimeCalibrationRequest,
)
from .framing import RawFrame
from .segment import CpData, Segment, parse_segment
from .times import parse_hj_time

__all__ = ["decode_frame", "packet_from_parts"]

_ANSWERS = {"9011": RequestAnswer, "9012": ExecutionResult, "9013": NotifyAnswer, "9014": DataAnswer}
# Commands whose CP must carry a DataTime (uploads of readings and states).
_NEEDS_DATATIME = frozenset({"2011", "2051", "2061", "2031", "2041", "2021"})


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() and text.isascii() else None


def _decode(segment: bytes) -> tuple[str, str] | None:
    if segment.isascii():
        return segment.decode("ascii"), "ascii"
    # HJ 212-2017 §6.3 requires UTF-8 for Chinese; old DAS software sends GBK.
    for encoding in ("utf-8", "gbk"):
        try:
            return segment.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def decode_frame(frame: RawFrame, zone: tzinfo) -> Packet | BadFrame | BadPacket:
    """Build the event for one CRC-valid frame (never raises)."""
    decoded = _decode(frame.segment)
    if decoded is None:
        return BadFrame(Reason.NOT_ASCII, frame.raw, "segment is neither UTF-8 nor GBK", size=len(frame.raw))
    text, encoding = decoded
    seg = parse_segment(text)
    header = seg.header
    cn = header.get("CN")
    mn = header.get("MN")
    if not cn or not mn:
        missing = "CN" if not cn else "MN"
        return BadFrame(
            Reason.BAD_SEGMENT,
            frame.raw,
            f"no {missing} in the data segment",
            mn=mn or None,
            size=len(frame.raw),
        )
    return _build(frame, text, encoding, seg, cn, mn, zone)


def _build(
    frame: RawFrame, text: str, encoding: str, seg: Segment, cn: str, mn: str, zone: tzinfo
) -> Packet | BadPacket:
    header = seg.header
    cp = seg.cp
    fields = cp.fields
    raw_time = fields.get("DataTime")
    data_time = parse_hj_time(raw_time, zone) if raw_time is not None else None
    base = (
        frame.raw,
        text,
        header,
        header.get("QN"),
        header.get("ST"),
        cn,
        header.get("PW"),
        mn,
        _int_or_none(header.get("Flag")),
        _int_or_none(header.get("PNUM")),
        _int_or_none(header.get("PNO")),
        cp,
        data_time,
        frame.crc_variant,
        frame.declared_length,
        len(frame.segment),
        encoding,
        (),
    )
    packet = _typed(base, cn, fields, zone)
    if raw_time is not None and data_time is None:
        return BadPacket(Reason.BAD_DATATIME, f"DataTime={raw_time!r} is not YYYYMMDDhhmmss", packet)
    if raw_time is None and cn in _NEEDS_DATATIME and seg.has_cp:
        return BadPacket(Reason.MISSING_DATATIME, f"CN={cn} upload without DataTime", packet)
    return packet


def _typed(base: tuple, cn: str, fields: dict[str, str], zone: tzinfo) -> Packet:
    kind = UPLOAD_KINDS.get(cn)
    if kind is not None:
        return DataUpload(*base, kind=kind)
    answer = _ANSWERS.get(cn)
    if answer is not None:
        # 2017 answers repeat the request's QN in the header; 2005 ones put it in CP.
        request_qn = base[3] if base[3] is not None else fields.get("QN")
        if answer is RequestAnswer:
            return RequestAnswer(*base, request_qn=request_qn, qn_rtn=_int_or_none(fields.get("QnRtn")))
        if answer is ExecutionResult:
            return ExecutionResult(*base, request_qn=request_qn, exe_rtn=_int_or_none(fields.get("ExeRtn")))
        return answer(*base, request_qn=request_qn)
    if cn == "2081":
        restart = fields.get("RestartTime")
        return RestartUpload(*base, restart_time=parse_hj_time(restart, zone) if restart else None)
    if cn == "1013":
        return TimeCalibrationRequest(*base, pol_id=fields.get("PolId"))
    if cn == "1011" and "SystemTime" in fields:
        return DeviceTime(*base, system_time=parse_hj_time(fields["SystemTime"], zone))
    if cn == "9021":
        return Login(*base)
    if cn == "9015":
        return Heartbeat(*base)
    return Packet(*base)


def packet_from_parts(parts: tuple[Packet, ...], zone: tzinfo) -> Packet:
    """One packet from a complete, PNO-ordered set of subpackets.

    Header fields come from the first part; CP areas are merged in PNO order (later
    values win); ``raw`` is the parts' frames joined by CR LF; ``parts`` keeps them all.
    """
    first = parts[0]
    cp: CpData = first.cp
    for part in parts[1:]:
        cp = cp.merged_with(part.cp)
    base = (
        b"\r\n".join(p.raw for p in parts),
        ";".join(p.segment for p in parts),
        dict(first.header),
        first.qn,
        first.st,
        first.cn,
        first.pw,
        first.mn,
        first.flag,
        first.pnum,
        None,
        cp,
        first.data_time,
        first.crc_variant,
        None,
        sum(p.length for p in parts),
        first.encoding,
        parts,
    )
    return _typed(base, first.cn, cp.fields, zone)
