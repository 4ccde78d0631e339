"""Building messages: a UAS's answer (:func:`response_to`) and a platform → device
request (:func:`build_request`), plus the random tokens they need."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import replace

from ..errors import LocalProtocolError, Reason, SipError
from .headers import _TOKEN, Headers, NameAddr, Via, parse_via
from .message import Request, Response

__all__ = ["BRANCH_MAGIC", "build_request", "new_branch", "new_tag", "response_to"]

BRANCH_MAGIC = "z9hG4bK"  # RFC 3261 8.1.1.7: marks a branch as globally unique

_PHRASES = {
    100: "Trying", 180: "Ringing", 200: "OK", 302: "Moved Temporarily", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 415: "Unsupported Media Type", 423: "Interval Too Brief",
    481: "Call/Transaction Does Not Exist", 486: "Busy Here", 488: "Not Acceptable Here",
    500: "Server Internal Error", 501: "Not Implemented", 503: "Service Unavailable",
}  # fmt: skip

HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]


def _stamp_params(via: Via, source: tuple[str, int]) -> dict[str, str | None]:
    """RFC 3261 18.2.1 / RFC 3581 4: record where the request really came from, so the
    answer (and later requests) go back through the device's NAT binding."""
    host, port = source
    params = dict(via.params)
    if "rport" in params:
        params["rport"] = str(port)
        params["received"] = host  # RFC 3581: MUST be added when rport is, even if equal
    elif host != via.host.strip("[]"):
        params["received"] = host
    return params


def _stamp_via(via: Via, source: tuple[str, int]) -> Via:
    return replace(via, params=_stamp_params(via, source))


def _stamped_via_text(via: Via, source: tuple[str, int]) -> str:
    """``str(_stamp_via(via, source))``, without dataclasses.replace (slow)."""
    return str(Via(via.transport, via.host, via.port, _stamp_params(via, source)))


def _with_tag_text(address: NameAddr, tag: str) -> str:
    """``str(address.with_tag(tag))``, without dataclasses.replace (slow)."""
    return str(NameAddr(address.uri, address.display_name, {**address.params, "tag": tag}))


def response_to(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    source: tuple[str, int] | None = None,
    to_tag: str | None = None,
    headers: HeaderItems | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """A response copying Via, From, To, Call-ID and CSeq (RFC 3261 8.2.6.2).

    ``source`` (the packet's address) fills ``received``/``rport`` on the top Via;
    ``to_tag`` is added to To unless it has one (never for 100 Trying).
    """
    given = request.headers
    hops = given.get_all("Via")
    if not hops:
        raise SipError(Reason.MISSING_HEADER, "no Via header")
    if source is not None:
        # The hops parse_message validated are cached; a hand-built request's top hop is
        # parsed here (and may raise). Only the top hop is read: the others go back as sent.
        parsed = given._cache.get("Via")
        top = parsed[0] if parsed else parse_via(hops[0])  # type: ignore[index]
        hops = [_stamped_via_text(top, source), *hops[1:]]
    items = [("Via", hop) for hop in hops]
    request.from_  # noqa: B018 - validates before copying verbatim
    items.append(("From", given.get("From") or ""))
    to = request.to
    items.append(("To", _with_tag_text(to, to_tag) if to_tag and to.tag is None else given.get("To") or ""))
    items.append(("Call-ID", request.call_id))
    seq, method = request.cseq
    items.append(("CSeq", f"{seq} {method}"))
    out = Headers._trusted(items)
    for name, value in _items(headers):
        out.add(name, value)
    if content_type:
        out.set("Content-Type", content_type)
    return Response(status, _PHRASES.get(status, "") if reason is None else reason, out, bytes(body))


def _items(headers: HeaderItems | None) -> Iterable[tuple[str, str]]:
    if headers is None:
        return ()
    return headers.items() if isinstance(headers, Mapping) else headers


def build_request(
    method: str,
    *,
    uri: str,
    from_uri: str,
    from_tag: str,
    to_uri: str,
    call_id: str,
    cseq: int,
    via_host: str,
    via_port: int,
    transport: str = "UDP",
    branch: str,
    to_tag: str | None = None,
    contact: str | None = None,
    body: bytes = b"",
    content_type: str | None = None,
    extra_headers: HeaderItems | None = None,
    max_forwards: int = 70,
    user_agent: str | None = None,
) -> Request:
    """A platform → device request (MESSAGE queries, INVITE, BYE, SUBSCRIBE …).

    The Via asks for ``rport`` so a device behind NAT answers to the port we sent from.
    """
    transport = transport.upper()
    if transport not in ("UDP", "TCP"):
        raise LocalProtocolError(f"transport {transport!r}: UDP or TCP")
    if not _TOKEN.fullmatch(method) or not 0 <= cseq < 2**31:
        raise LocalProtocolError(f"bad method or CSeq: {method!r} {cseq!r}")
    host = f"[{via_host}]" if ":" in via_host and not via_host.startswith("[") else via_host
    headers = Headers()
    headers.add("Via", f"SIP/2.0/{transport} {host}:{via_port};rport;branch={branch}")
    headers.add("From", str(NameAddr(from_uri, params={"tag": from_tag})))
    headers.add("To", str(NameAddr(to_uri, params={"tag": to_tag} if to_tag else {})))
    headers.add("Call-ID", call_id)
    headers.add("CSeq", f"{cseq} {method}")
    if contact:
        headers.add("Contact", contact if "<" in contact else f"<{contact}>")
    if content_type:
        headers.add("Content-Type", content_type)
    headers.add("Max-Forwards", str(max_forwards))
    if user_agent:
        headers.add("User-Agent", user_agent)
    for name, value in _items(extra_headers):
        headers.add(name, value)
    return Request(method, uri, headers, bytes(body))


def new_branch(token: str | None = None) -> str:
    """A Via branch with the RFC 3261 magic cookie; random unless ``token`` is given."""
    return BRANCH_MAGIC + (token if token is not None else secrets.token_hex(8))


def new_tag() -> str:
    """A random From/To tag (also fine as a Call-ID)."""
    return secrets.token_hex(8)
