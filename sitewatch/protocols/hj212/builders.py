"""Frames the platform sends: the frame wrapper and the answers to device packets.

Answer rules (HJ 212-2017 §6.5 and Appendix C; reference hj212.md §4):

* an upload (2011, 2021, 2031, 2041, 2051, 2061, 2081) whose Flag has bit A set gets a
  **9014** data answer; each subpacket is answered by its own QN (Table C.50), so call
  ``build_answer(event.packet)`` for every :class:`SubpacketReceived`, and nothing for
  the reassembled packet;
* a notification - 1013, and the 9015 heartbeat of 2025-era devices - gets **9013**
  (after a 1013, also send a 1012 "set time" request);
* a 9021 login gets **9022** ``Logon=1``;
* answers (9011-9014) get nothing.

Form of an answer. For a 2017 (or later) device, as in Appendix C:
``QN=<the packet's QN>;ST=91;CN=9014;PW=…;MN=…;Flag=4;CP=&&&&`` - the QN in the header,
an empty CP, and Flag carrying the device's own version bits with A and D cleared
(``flag & 0xFC``: 4 for 2017, 8 for 2025). ``qn_in_cp=True`` also repeats the QN in CP
(``CP=&&QN=…&&``) for platforms profiles that expect it there.
For a 2005 device (version bits 0 or no Flag) the 2005-era form puts the QN in CP
instead of the header: ``ST=91;CN=9014;PW=…;MN=…;Flag=0;CP=&&QN=<QN>&&``. A 2005 packet
that carried no QN at all is answered without one (``CP=&&&&``): there is nothing to
echo, and such devices match the answer by CN alone.

Every answer uses the CRC variant the device's packet used (``NONE`` answers with the
standard CRC), because a device that computes MODBUS checks our answer with MODBUS.
"""

from __future__ import annotations

from .crc import CrcVariant, crc_for, format_crc
from .errors import LocalProtocolError
from .events import Packet

__all__ = [
    "UPLOAD_CNS",
    "answer_flag",
    "build_answer",
    "build_data_answer",
    "build_frame",
    "build_login_answer",
    "build_notify_answer",
]

UPLOAD_CNS = frozenset({"2011", "2021", "2031", "2041", "2051", "2061", "2081"})
NOTIFY_CNS = frozenset({"1013", "9015"})


def build_frame(segment: str, crc_variant: CrcVariant = CrcVariant.STANDARD) -> bytes:
    """``##`` + length + segment + CRC + CR LF; length and CRC over the UTF-8 bytes."""
    data = segment.encode("utf-8")
    if len(data) > 9999:
        raise LocalProtocolError(f"data segment of {len(data)} bytes does not fit a 4-digit length")
    crc = format_crc(crc_for(data, crc_variant))
    return b"##%04d%b%s\r\n" % (len(data), data, crc.encode("ascii"))


def answer_flag(packet: Packet) -> int:
    """The device's version bits, A and D cleared (0 for 2005 or a missing Flag)."""
    return 0 if packet.flag is None else packet.flag & 0xFC


def _answer(packet: Packet, cn: str, cp_items: list[str], *, qn_in_cp: bool = False) -> bytes:
    flag = answer_flag(packet)
    pw = packet.pw or ""
    qn = packet.qn
    if flag >> 2 >= 1:
        head = f"QN={qn};" if qn is not None else ""
        items = ([f"QN={qn}"] if qn_in_cp and qn is not None else []) + cp_items
    else:
        head = ""
        items = ([f"QN={qn}"] if qn is not None else []) + cp_items
    segment = f"{head}ST=91;CN={cn};PW={pw};MN={packet.mn};Flag={flag};CP=&&{';'.join(items)}&&"
    return build_frame(segment, packet.crc_variant)


def build_data_answer(packet: Packet, *, qn_in_cp: bool = False) -> bytes:
    """9014 for an upload (or one subpacket of it)."""
    return _answer(packet, "9014", [], qn_in_cp=qn_in_cp)


def build_notify_answer(packet: Packet) -> bytes:
    """9013 for a notification (1013 time calibration request, 9015 heartbeat)."""
    return _answer(packet, "9013", [])


def build_login_answer(packet: Packet, *, logon: int = 1) -> bytes:
    """9022 for a 9021 login: ``CP=&&QN=<login QN>;Logon=1&&`` (the extension's form)."""
    return _answer(packet, "9022", [f"Logon={logon}"], qn_in_cp=True)


def build_answer(packet: Packet, *, qn_in_cp: bool = False) -> bytes | None:
    """The answer ``packet`` calls for, or None (see the module docstring)."""
    if packet.parts:
        return None  # reassembled: every part was answered when it arrived
    cn = packet.cn
    if cn in UPLOAD_CNS:
        return build_data_answer(packet, qn_in_cp=qn_in_cp) if packet.needs_answer else None
    if cn in NOTIFY_CNS:
        return build_notify_answer(packet)
    if cn == "9021":
        return build_login_answer(packet)
    return None
