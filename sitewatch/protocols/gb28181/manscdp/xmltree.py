"""Text of a MANSCDP body to an element tree, tolerating what devices and the standard's own
examples get wrong, and refusing what could hurt us.

Refused (:class:`~.errors.ManscdpError`):

* any ``<!DOCTYPE``/``<!ENTITY``/``<!ELEMENT``/``<!ATTLIST``/``<!NOTATION``: MANSCDP never
  needs one, and a DTD is how entity-expansion ("billion laughs") and external-entity
  attacks get in. Without a DTD expat knows only the five predefined entities.

Repaired before parsing:

* control characters (wvp #1320: a NUL inside a catalogue), comments (the standard's
  schema excerpts write ``<! -- ... -->``), the XML declaration and other processing
  instructions (``<? xmlversion="1.0"?>`` in the OCR'd standard; the text is already
  decoded, so the declared encoding has done its job);
* a bare ``&`` that starts no entity becomes ``&amp;`` (Hikvision names such as "A&B";
  wvp drops such ampersands, we keep them as text);
* spaces inside tags around names (``</ Name >``, ``< Status>``) and unquoted attribute
  values (``<DeviceList Num=2>``), both in the standard's own M.11 example.

If expat still refuses the text, a small forgiving tree builder takes over: an end tag
with no open element of that name is ignored (wvp #1320's extra ``</Item>``), an end tag
closes every element opened after its match, a start tag repeating the name of the
element still open closes it first (the standard's example writes ``<Item>`` where
``</Item>`` is meant), and a ``<`` that starts no tag is text (wvp #903: a Hikvision
``<Address>`` holding garbled bytes with ``<`` in them). Recovery is refused for a body
whose root element is not explicitly closed at its very end: that is a truncated packet,
and a truncated catalogue must not pass for a short one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .errors import ManscdpError, ManscdpReason

__all__ = ["local_name", "parse_xml", "sanitise"]

_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
# Characters XML 1.0 forbids (everything below 0x20 but tab, LF, CR; and U+FFFE/U+FFFF).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Comments ("<! --" too) and processing instructions, as (opening, closing) pairs. They are
# removed by a scan, not one lazy regex: "<!--" repeated without a closing one would make
# such a regex rescan the rest of the body from every opening (quadratic).
_COMMENT = (re.compile(r"<!\s*--"), re.compile(r"--\s*>"))
_PI = (re.compile(r"<\?"), re.compile(r"\?>"))
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)")
_OPEN_SPACE = re.compile(r"<\s+(?=[A-Za-z_])")  # "< Status>" -> "<Status>"
_CLOSE_SPACE = re.compile(r"<\s*/\s*(?=[A-Za-z_])")  # "</ Name >" -> "</Name >"
_START_TAG = re.compile(r"<([A-Za-z_][\w.:\-]*)(\s[^<>]*?)(/?)>")
# Quoted values first, so that an "=" inside one is left alone.
_ATTRIBUTE_PART = re.compile(r"(\"[^\"]*\"|'[^']*')|([A-Za-z_][\w.:\-]*)\s*=\s*([^\s\"'=<>/]+)")

# The forgiving builder's view of a tag: "<", optional "/", a name, attributes without
# "<" or ">", optional "/", ">".
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:\-]*)((?:\s[^<>]*?)?)(/?)>")
_ATTR = re.compile(r"([A-Za-z_][\w.:\-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def local_name(tag: object) -> str:
    """Element name without namespace or prefix, lower case (MANSCDP names are compared
    case-insensitively: a few devices write ``<cmdtype>``)."""
    if not isinstance(tag, str):  # comments or PIs in a tree; we strip both, but be safe
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _remove(text: str, markers: tuple[re.Pattern[str], re.Pattern[str]]) -> str:
    """Cut every opening..closing span; an opening with no closing after it is left as is
    (and then the scan stops: no closing can follow later either). Linear in the text."""
    opening, closing = markers
    kept: list[str] = []
    position = 0
    while (start := opening.search(text, position)) and (end := closing.search(text, start.end())):
        kept.append(text[position : start.start()])
        position = end.end()
    kept.append(text[position:])
    return "".join(kept)


def _quote_one(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1)
    return f'{match.group(2)}="{match.group(3)}"'


def _quote_attributes(match: re.Match[str]) -> str:
    attributes = _ATTRIBUTE_PART.sub(_quote_one, match.group(2))
    return f"<{match.group(1)}{attributes}{match.group(3)}>"


def _refuse_dtd(text: str) -> None:
    if _DTD.search(text):
        raise ManscdpError(ManscdpReason.DOCTYPE_REFUSED, "DTD declarations are not accepted in MANSCDP")


def sanitise(text: str) -> str:
    """Apply the repairs listed in the module docstring; refuse DTDs. Returns text for expat."""
    _refuse_dtd(text)  # anywhere, even inside a comment: no MANSCDP body has a reason to
    text = _CONTROL.sub("", text)
    text = _remove(text, _COMMENT)
    text = _remove(text, _PI)
    text = _BARE_AMP.sub("&amp;", text)
    text = _OPEN_SPACE.sub("<", text)
    text = _CLOSE_SPACE.sub("</", text)
    text = _START_TAG.sub(_quote_attributes, text)
    # Again on what expat will see: removing a NUL or a comment can join "<!" and
    # "DOCTYPE" ("<!\x00DOCTYPE", "<!<!---->DOCTYPE") into a declaration.
    _refuse_dtd(text)
    return text.strip()


def _strict(text: str) -> ET.Element | None:
    try:
        return ET.fromstring(text)
    except (ET.ParseError, ValueError):
        return None


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _NAMED:
            return _NAMED[name]
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else ""
        except ValueError:
            return ""

    return _ENTITY.sub(one, text)


def _append_text(parent: ET.Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]  # not list(parent): that would be quadratic in the number of children
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _lenient(text: str) -> ET.Element | None:
    """The forgiving tree builder (rules in the module docstring). None when no element
    could be built or the root is not closed at the very end."""
    root: ET.Element | None = None
    stack: list[ET.Element] = []
    names: list[str] = []  # lower-case names along ``stack``
    # How many elements of each name are open: an end tag nobody opened is dropped in O(1),
    # so thousands of stray end tags under a deep stack cost no stack scans.
    open_count: dict[str, int] = {}

    def pop_to(depth: int) -> None:
        for name in names[depth:]:
            open_count[name] -= 1
        del stack[depth:], names[depth:]

    position = 0
    for match in _TAG.finditer(text):
        between = text[position : match.start()]
        position = match.end()
        closing, name, attributes, empty = match.groups()
        if stack:
            _append_text(stack[-1], _unescape(between))
        elif root is not None:
            return None  # markup after the root was closed: not one document
        lowered = name.lower()
        if closing:
            if open_count.get(lowered):
                # Every element scanned here is popped, so the scans add up to the pushes.
                pop_to(next(i for i in range(len(names) - 1, -1, -1) if names[i] == lowered))
            continue
        if len(names) > 1 and names[-1] == lowered:
            pop_to(len(names) - 1)  # "<Item>" written where "</Item>" was meant
        attrib = {m.group(1): _unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(attributes)}
        if not stack:
            if root is not None:
                return None
            element = root = ET.Element(name, attrib)
        else:
            element = ET.SubElement(stack[-1], name, attrib)
        if not empty:
            stack.append(element)
            names.append(lowered)
            open_count[lowered] = open_count.get(lowered, 0) + 1
    if root is None or stack or text[position:].strip():
        return None
    return root


def parse_xml(text: str) -> ET.Element:
    """Parse sanitised-or-not MANSCDP text into a tree; raises ManscdpError (bad_xml,
    doctype_refused) only."""
    cleaned = sanitise(text)
    if not cleaned:
        raise ManscdpError(ManscdpReason.BAD_XML, "empty body")
    element = _strict(cleaned)
    if element is None:
        element = _lenient(cleaned)
    if element is None:
        raise ManscdpError(ManscdpReason.BAD_XML, "not well-formed XML, and not repairable")
    return element
