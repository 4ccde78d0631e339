"""SIP for GB/T 28181: the RFC 3261 subset cameras, NVRs and platforms use.

* :mod:`.headers`: header names, :class:`Headers`, :class:`NameAddr`, :class:`Via`;
* :mod:`.message`: :class:`Request`, :class:`Response`, :func:`parse_message` (one UDP
  datagram), :func:`serialise`;
* :mod:`.framing`: :class:`StreamFramer` for TCP (sans-IO, h11 style);
* :mod:`.build`: :func:`response_to` (UAS answers) and :func:`build_request`.

Everything a peer sent either parses or raises / yields a
:class:`~sitewatch.protocols.gb28181.errors.SipError`; nothing else escapes.
"""

from .build import BRANCH_MAGIC, build_request, new_branch, new_tag, response_to
from .framing import NEED_DATA, BadMessage, ConnectionClosed, NeedData, StreamFramer
from .headers import Headers, NameAddr, Via, canonical_name, parse_name_addr, parse_via
from .message import MAX_DATAGRAM, Request, Response, parse_message, serialise

__all__ = [
    "BRANCH_MAGIC",
    "MAX_DATAGRAM",
    "NEED_DATA",
    "BadMessage",
    "ConnectionClosed",
    "Headers",
    "NameAddr",
    "NeedData",
    "Request",
    "Response",
    "StreamFramer",
    "Via",
    "build_request",
    "canonical_name",
    "new_branch",
    "new_tag",
    "parse_message",
    "parse_name_addr",
    "parse_via",
    "response_to",
    "serialise",
]
