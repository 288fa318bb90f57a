"""XML parts edited as text, so that every byte perfxl does not own stays as it was.

A DOM round trip cannot keep that promise (quotes, entities, namespace prefixes and empty tags
all come back rewritten), so a small tokenizer finds the byte span of each element, and a
:class:`Patch` splices new text in at those spans and remembers what it replaced, so the splice
can be undone exactly (:func:`undo`).  lxml is used only to read (:func:`parse_xml`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from perfxl.errors import UnreadableWorkbook

XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# No DTD, no entity expansion, no network: the settings defusedxml would insist on.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

# One markup token: comment, CDATA, PI, declaration, or a start/end/empty tag with its attributes
# (quoted values may hold '>' so they are matched as wholes).
_TOKEN = re.compile(
    rb"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|![^>]*>"
    rb"|(/)?([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)"
    rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/)?>)",
    re.S,
)
_ATTR_TEXT = re.compile(r"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.ASCII)
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_SPECIAL = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlError(UnreadableWorkbook):
    """A part perfxl must edit is not XML it can read."""

    def __init__(self, message: str, *, message_en: str | None = None):
        super().__init__(f"文件内部结构已损坏：{message}",
                         message_en=f"damaged workbook: {message_en or message}")


def parse_xml(data: bytes, part: str = ""):
    """Parse a part with lxml, refusing DTDs (entity bombs) outright."""
    if data.find(b"<!DOCTYPE", 0, 4096) >= 0 or data.find(b"<!ENTITY", 0, 4096) >= 0:
        raise XmlError(f"{part} 含有 DTD 声明，拒绝读取", message_en=f"{part} has a DTD")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"{part} 不是有效的 XML：{exc}", message_en=f"{part}: {exc}") from exc


def unescape(raw: bytes) -> str:
    return _unescape_text(raw.decode("utf-8"))


def _unescape_text(text: str) -> str:
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _entity(m) -> str:
    ent = m.group(1)
    if ent[0] == "#":
        return chr(int(ent[2:], 16) if ent[1] in "xX" else int(ent[1:]))
    return _NAMED[ent]


def esc(text: str, *, attr: bool = False) -> str:
    """XML-escape ``text`` and drop characters XML cannot carry at all."""
    if type(text) is not str:
        text = str(text)
    if text.isprintable():  # no control characters: only the markup ones to look for
        if "&" in text:
            text = text.replace("&", "&amp;")
        if "<" in text:
            text = text.replace("<", "&lt;")
        if ">" in text:
            text = text.replace(">", "&gt;")
        if attr and '"' in text:
            text = text.replace('"', "&quot;")
        return text
    if not _SPECIAL.search(text):
        return text
    text = _BAD_CHARS.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attr else text


class Span:
    """Where one element sits in a part: ``start``..``end`` whole, ``open_end`` ends its start
    tag and ``close_start`` begins its end tag (both equal ``end`` for an empty element)."""

    __slots__ = ("_attrs", "attrs_raw", "close_start", "end", "name", "open_end", "qname",
                 "start")

    def __init__(self, qname: bytes, start: int, open_end: int, attrs_raw: bytes):
        self.qname, self.start, self.open_end, self.attrs_raw = qname, start, open_end, attrs_raw
        self.close_start = self.end = open_end
        self.name = _local_name(qname)  # without the prefix
        self._attrs = None

    @property
    def prefix(self) -> bytes:
        """The namespace prefix with its colon (``b"x:"``), or ``b""``."""
        return self.qname[: len(self.qname) - len(self.name)]

    @property
    def empty(self) -> bool:
        return self.close_start == self.open_end and self.end == self.open_end

    @property
    def attrs(self) -> dict[str, str]:
        if self._attrs is None:  # decoded once, whole
            self._attrs = attributes(self.attrs_raw)
        return self._attrs

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute by name; a prefixed one (``r:id``, ``ns:id``) answers to its local name."""
        attrs = self.attrs
        if name in attrs:
            return attrs[name]
        for key, value in attrs.items():
            if ":" in key and key.rpartition(":")[2] == name:
                return value
        return default


def attributes(raw: bytes) -> dict[str, str]:
    """The attributes in a start tag's attribute text, by name as written; entities resolved
    only where there are any."""
    text = raw.decode("utf-8")
    pairs = _ATTR_TEXT.findall(text)
    if "&" in text:
        return {k: _unescape_text(d or s) for k, d, s in pairs}
    return {k: d or s for k, d, s in pairs}


@lru_cache(maxsize=512)
def _local_name(qname: bytes) -> str:
    return qname.rpartition(b":")[2].decode()


def children(data: bytes, start: int, end: int) -> list[Span]:
    """The elements directly inside ``data[start:end]``, in order.

    Only the children's own tags are tokenized: from each start tag the scan jumps to the
    matching end tag (counting nested elements of the same name only), so a worksheet's
    sheetData or a long comment costs one search, not a walk through every cell.  A start tag
    with an ASCII name is matched by :data:`_START`; comments, processing instructions and
    anything unusual go through the full pattern."""
    out: list[Span] = []
    pos = start
    find, start_tag = data.find, _START.match
    while True:
        lt = find(b"<", pos, end)
        if lt < 0:
            return out
        m = start_tag(data, lt, end)
        if m is not None:
            el, empty = _started(m)
            pos = el.open_end
        else:  # a comment, PI, CDATA, end tag, or a name the quick pattern does not take
            m = _TOKEN.search(data, lt, end)
            if m is None:
                return out
            pos = m.end()
            qname = m.group(2)
            if qname is None:
                continue
            if m.group(1):
                raise XmlError("XML 结束标记不配对", message_en="unbalanced XML end tag")
            empty = bool(m.group(4))
            el = Span(qname, m.start(), pos, m.group(3))
        if not empty:
            el.close_start = _close_of(data, el.qname, pos, end, el.name in _FLAT)
            pos = el.end = data.index(b">", el.close_start) + 1
        out.append(el)


# A start tag: an ASCII name that ends where the name must, then attributes whose quoted values
# may hold '>' (an unclosed quote makes it fail, and the full pattern decides)
_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(?=[\s/>])"
                    rb"([^>\"']*(?:\"[^\"]*\"[^>\"']*|'[^']*'[^>\"']*)*)>")


def _started(m) -> tuple[Span, bool]:
    """The element a :data:`_START` match opens, and whether it is empty (``<x/>``)."""
    qname, attrs = m.group(1, 2)
    empty = attrs.endswith(b"/")
    return Span(qname, m.start(), m.end(), (attrs[:-1] if empty else attrs).rstrip()), empty


_NAME_END = frozenset(b" \t\r\n/>")
# Elements the SpreadsheetML schema never nests inside themselves: their end tag is the first
# one found (no counting of inner ones, which costs a search through, say, every definedName).
_FLAT = frozenset({"sheetData", "definedNames", "sheets", "bookViews", "dataValidations",
                   "mergeCells", "hyperlinks", "cols", "dxfs", "cellXfs", "cellStyleXfs",
                   "cellStyles", "fonts", "fills", "borders", "numFmts", "commentList",
                   "authors", "conditionalFormatting", "sheetViews", "pageSetup", "sheetPr"})


def _close_of(data: bytes, qname: bytes, start: int, end: int, flat: bool = False) -> int:
    """Where the end tag of the element opened just before ``start`` begins.

    Plain substring searches (fast even across a large sheetData); an element of the same
    name nested inside is counted, unless it closes itself (or the element is ``flat``: one
    that never holds its own kind)."""
    opening, closing = b"<" + qname, b"</" + qname
    depth, pos = 1, start
    while True:
        close = data.find(closing, pos, end)
        if close < 0:
            raise XmlError("XML 元素未闭合", message_en="unclosed XML element")
        after = close + len(closing)
        if after < end and data[after] not in _NAME_END:
            pos = after  # </sheetDataX: another name
            continue
        if flat:
            return close
        inner = data.find(opening, pos, close)
        while inner >= 0:
            tail = inner + len(opening)
            if data[tail] in _NAME_END:
                gt = data.find(b">", tail, close)
                if gt > 0 and data[gt - 1] != 0x2F:  # not <name .../>
                    depth += 1
            inner = data.find(opening, tail, close)
        depth -= 1
        if not depth:
            return close
        pos = after


def _last_close(data: bytes, qname: bytes, start: int, end: int) -> int:
    pat = _end_tag(qname)
    close = data.rfind(b"</" + qname, start, end)
    while close >= 0 and not pat.match(data, close):
        close = data.rfind(b"</" + qname, start, close)
    if close < 0:
        raise XmlError("XML 元素未闭合", message_en="unclosed XML element")
    return close


@lru_cache(maxsize=64)
def _end_tag(qname: bytes):
    return re.compile(rb"</" + re.escape(qname) + rb"\s*>")


def root(data: bytes) -> Span:
    """The document element of a part (refusing a DTD before it)."""
    pos = data.find(b"?>", 0, 200) + 2 if data.startswith(b"<?xml") else 0
    while data[pos: pos + 1] in b" \t\r\n" and pos < len(data):
        pos += 1
    m = _START.match(data, pos)  # the usual part: the XML declaration, then the root
    if m is not None:
        el, empty = _started(m)
        if not empty:
            el.close_start = _last_close(data, el.qname, el.open_end, len(data))
            el.end = data.index(b">", el.close_start) + 1
        return el
    for m in _TOKEN.finditer(data):  # comments, a DTD (refused) or anything else first
        if m.group(2) is None:
            if m.group(0).startswith(b"<!DOCTYPE"):
                raise XmlError("部件含有 DTD 声明，拒绝读取", message_en="part has a DTD")
            continue
        el = Span(m.group(2), m.start(), m.end(), m.group(3))
        if not m.group(4):
            el.close_start = _last_close(data, el.qname, el.open_end, len(data))
            el.end = data.index(b">", el.close_start) + 1
        return el
    raise XmlError("部件不含 XML 元素", message_en="part holds no XML element")


def kids(data: bytes, el: Span) -> list[Span]:
    return [] if el.empty else children(data, el.open_end, el.close_start)


def kids_from(data: bytes, el: Span, name: str) -> list[Span]:
    """``el``'s children from its first ``name`` child on: the ones before it are passed over
    with one search (a worksheet's head before sheetData, say).  All of them when there is no
    such child."""
    q = b"<" + el.prefix + name.encode()
    pos = data.find(q, el.open_end, el.close_start)
    while pos >= 0 and data[pos + len(q)] not in _NAME_END:
        pos = data.find(q, pos + len(q), el.close_start)
    return kids(data, el) if pos < 0 else children(data, pos, el.close_start)


def find(spans, name: str) -> Span | None:
    return next((s for s in spans if s.name == name), None)


def prefix_for(data: bytes, root_el: Span, uri: str) -> bytes | None:
    """The prefix (with colon) the root binds to ``uri``; ``b""`` for the default namespace."""
    for key, value in root_el.attrs.items():
        if value == uri:
            if key == "xmlns":
                return b""
            if key.startswith("xmlns:"):
                return key[6:].encode() + b":"
    return None


def attr_value_span(data: bytes, el: Span, name: str) -> tuple[int, int] | None:
    """Byte span of attribute ``name``'s value inside ``el``'s start tag."""
    m = _attr_pattern(name).search(data, el.start, el.open_end)
    return (m.start(2), m.end(2)) if m else None


@lru_cache(maxsize=64)
def _attr_pattern(name: str):
    return re.compile(rb"\s" + re.escape(name.encode()) + rb"\s*=\s*([\"'])(.*?)\1", re.S)


def encoder(data: bytes):
    """How to encode text spliced into this part: UTF-8, or ASCII with character references
    when the part declares another (ASCII-compatible) encoding."""
    if declares_utf8(data):
        return _utf8
    m = re.search(rb"encoding\s*=\s*[\"']([^\"']+)", data[:100].lower())
    if data[:2] in _BOMS16 or (m and m.group(1).startswith(b"utf-16")):
        raise XmlError("不支持 UTF-16 编码的部件", message_en="UTF-16 parts are not supported")
    if m is None or m.group(1) in (b"utf-8", b"utf8"):
        return _utf8
    return _ascii


_BOMS16 = (b"\xff\xfe", b"\xfe\xff")


def declares_utf8(data: bytes) -> bool:
    """Whether a part is UTF-8 the way every workbook writer says so: ``encoding="UTF-8"`` in
    its declaration, or no encoding declared and no UTF-16 byte-order mark (UTF-8 by default).
    False means "look closer", not "not UTF-8"."""
    head = data[:100]
    return b'encoding="UTF-8"' in head or (b"encoding" not in head and data[:2] not in _BOMS16)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _ascii(text: str) -> bytes:
    return text.encode("ascii", "xmlcharrefreplace")


class Patch:
    """Edits to one part, made against its original bytes and applied at once."""

    def __init__(self, data: bytes):
        self.data = data
        self.edits: list[tuple[int, int, int, bytes]] = []

    def replace(self, start: int, end: int, new: bytes) -> None:
        self.edits.append((start, len(self.edits), end, new))

    def insert(self, pos: int, new: bytes) -> None:
        self.replace(pos, pos, new)

    def apply(self) -> tuple[bytes, list[list]]:
        """The new bytes, and the undo list: ``[pos, length, original]`` in new coordinates."""
        out, undo, last, shift = [], [], 0, 0
        for start, _seq, end, new in sorted(self.edits):
            if start < last:
                raise ValueError("overlapping edits")
            out += (self.data[last:start], new)
            old = self.data[start:end]
            if old != new:
                # latin-1 carries any bytes through JSON unchanged, whatever the part's encoding
                undo.append([start + shift, len(new), old.decode("latin-1")])
            shift += len(new) - (end - start)
            last = end
        out.append(self.data[last:])
        return b"".join(out), undo


def undo(data: bytes, entries: list[list]) -> bytes:
    out, last = [], 0
    for pos, length, old in entries:
        out += (data[last:pos], old.encode("latin-1"))
        last = pos + length
    out.append(data[last:])
    return b"".join(out)


def prefixed(xml: str, prefix: bytes) -> str:
    """Give perfxl's unprefixed markup the prefix the host part uses for its namespace."""
    if not prefix:
        return xml
    p = prefix.decode()
    return re.sub(r"<(/?)(?=[A-Za-z])", lambda m: f"<{m.group(1)}{p}", xml)
