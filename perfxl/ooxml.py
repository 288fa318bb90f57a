"""The OOXML package layer: open a workbook's zip, patch a few XML parts, copy the rest raw.

perfxl promises to leave everything it does not own untouched, down to the byte.  A DOM round
trip cannot keep that promise (quotes, entities, namespace prefixes and empty tags all come
back rewritten), so parts are edited as text: a small tokenizer finds the byte span of each
element, and a :class:`Patch` splices new text in at those spans and remembers what it
replaced, so the splice can be undone exactly.  Parts nobody edits are copied compressed, as
stored, without being inflated.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from .errors import UnreadableWorkbook, WriteError

MAX_PART = 256 * 1024 * 1024  # a part inflating beyond this is a zip bomb, not a form

# Transitional and Strict OOXML spell the same things with different URIs.
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
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
_ATTR = re.compile(rb"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")
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
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise XmlError(f"{part} 含有 DTD 声明，拒绝读取", message_en=f"{part} has a DTD")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"{part} 不是有效的 XML：{exc}", message_en=f"{part}: {exc}") from exc


def unescape(raw: bytes) -> str:
    text = raw.decode("utf-8")

    def one(m):
        ent = m.group(1)
        if ent[0] == "#":
            return chr(int(ent[2:], 16) if ent[1] in "xX" else int(ent[1:]))
        return _NAMED[ent]

    return _ENTITY.sub(one, text) if "&" in text else text


def esc(text: str, *, attr: bool = False) -> str:
    """XML-escape ``text`` and drop characters XML cannot carry at all."""
    text = str(text)
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
        if self._attrs is None:
            self._attrs = {
                m.group(1).decode(): unescape(m.group(2) if m.group(2) is not None else m.group(3))
                for m in _ATTR.finditer(self.attrs_raw)
            }
        return self._attrs

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute by name; a prefixed one (``r:id``, ``ns:id``) answers to its local name."""
        attrs = self.attrs
        if name in attrs:
            return attrs[name]
        for key, value in attrs.items():
            if key.rpartition(":")[2] == name and ":" in name + key:
                return value
        return default


@lru_cache(maxsize=512)
def _local_name(qname: bytes) -> str:
    return qname.rpartition(b":")[2].decode()


def children(data: bytes, start: int, end: int) -> list[Span]:
    """The elements directly inside ``data[start:end]``, in order.

    Only the children's own tags are tokenized: from each start tag the scan jumps to the
    matching end tag (counting nested elements of the same name only), so a worksheet's
    sheetData or a long comment costs one search, not a walk through every cell."""
    out: list[Span] = []
    pos = start
    search = _TOKEN.search
    while True:
        m = search(data, pos, end)
        if m is None:
            return out
        pos = m.end()
        qname = m.group(2)
        if qname is None:
            continue
        if m.group(1):
            raise XmlError("XML 结束标记不配对", message_en="unbalanced XML end tag")
        el = Span(qname, m.start(), pos, m.group(3))
        if not m.group(4):
            el.close_start = _close_of(data, qname, pos, end)
            pos = el.end = data.index(b">", el.close_start) + 1
        out.append(el)


_NAME_END = frozenset(b" \t\r\n/>")


def _close_of(data: bytes, qname: bytes, start: int, end: int) -> int:
    """Where the end tag of the element opened just before ``start`` begins.

    Plain substring searches (fast even across a large sheetData); an element of the same
    name nested inside is counted, unless it closes itself."""
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
    for m in _TOKEN.finditer(data):
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
    head = data[:100].lower()
    m = re.search(rb"encoding\s*=\s*[\"']([^\"']+)", head)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (m and m.group(1).startswith(b"utf-16")):
        raise XmlError("不支持 UTF-16 编码的部件", message_en="UTF-16 parts are not supported")
    if m is None or m.group(1) in (b"utf-8", b"utf8"):
        return lambda s: s.encode("utf-8")
    return lambda s: s.encode("ascii", "xmlcharrefreplace")


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


# ---------------------------------------------------------------- relationships and paths


@dataclass
class Rel:
    id: str
    type: str
    target: str  # the resolved part name, or the raw target when external
    external: bool
    span: Span


def rels_part(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source: str, target: str) -> str:
    target = target.replace("\\", "/")
    if not target.startswith("/") and "." not in target.rpartition("/")[0]:
        folder = source.rpartition("/")[0]  # the common case, without posixpath's cost
        return f"{folder}/{target}" if folder else target
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


def relative(source: str, target: str) -> str:
    """``target``'s path relative to ``source``'s folder (both part names)."""
    here = source.split("/")[:-1]
    there = target.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


# ---------------------------------------------------------------- the zip package

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # parts perfxl creates carry no wall-clock time


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    # OPC part names are case-insensitive; some writers use backslashes (calamine #530)
    return name.replace("\\", "/").lstrip("/").lower()


class Package:
    """A workbook's zip: parts read on demand, edited in memory, written back in order."""

    def __init__(self, path):
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except PermissionError as exc:
            raise UnreadableWorkbook(
                "文件正被其他程序（如 Excel/WPS）打开或锁定，或没有读取权限，请关闭后重试",
                path=str(path), message_en="the file is locked or not readable",
            ) from exc
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableWorkbook(
                "不是有效的 xlsx/xlsm 文件（可能已损坏、被加密或并非 Excel 文件）",
                path=str(path), message_en="not a valid xlsx/xlsm file (damaged or encrypted?)",
            ) from exc
        self.infos = {}
        self.order: list[str] = []
        for info in self._zip.infolist():
            problem = ("文件内容已加密" if info.flag_bits & 1 else
                       f"部件 {info.filename} 重复出现，文件已损坏"  # OPC forbids it
                       if _key(info.filename) in self.infos else "")
            if problem:
                self._zip.close()
                raise UnreadableWorkbook(problem, path=str(path),
                                         message_en="encrypted or duplicate part")
            self.infos[_key(info.filename)] = info
            self.order.append(_key(info.filename))
        self._fp = open(path, "rb")  # noqa: SIM115 - held for raw copying, closed in close()
        self._read: dict[str, bytes] = {}
        self.new: dict[str, bytes] = {}  # parts edited or created, by key
        self.spelled: dict[str, str] = {}  # how a created part's name is written
        self.deleted: set[str] = set()
        self._rels: dict[str, tuple] = {}  # parsed relationships, by rels part

    def close(self) -> None:
        self._zip.close()
        self._fp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def has(self, part: str) -> bool:
        key = _key(part)
        return key not in self.deleted and (key in self.new or key in self.infos)

    def parts(self) -> list[str]:
        names = [k for k in self.order if k not in self.deleted]
        return names + sorted(k for k in self.new if k not in self.infos and k not in self.deleted)

    def original(self, part: str) -> bytes:
        """A part as stored in the file, inflated (at most MAX_PART bytes: no zip bombs)."""
        key = _key(part)
        if key not in self._read:
            info = self.infos[key]
            blob = self._blob(info)
            try:
                if info.compress_type == zipfile.ZIP_STORED:
                    data = blob
                elif info.compress_type == zipfile.ZIP_DEFLATED:
                    data = zlib.decompressobj(-15).decompress(blob, MAX_PART + 1)
                else:
                    raise zipfile.BadZipFile(f"compression method {info.compress_type}")
            except (zlib.error, zipfile.BadZipFile) as exc:
                raise self._damaged(info) from exc
            if len(data) > MAX_PART:
                raise UnreadableWorkbook(f"部件 {info.filename} 过大（疑似压缩炸弹）",
                                         path=str(self.path), message_en="part too large")
            if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
                raise self._damaged(info)
            self._read[key] = data
        return self._read[key]

    def _damaged(self, info) -> UnreadableWorkbook:
        return UnreadableWorkbook(f"部件 {info.filename} 已损坏", path=str(self.path),
                                  message_en=f"damaged part {info.filename}")

    def _blob(self, info: zipfile.ZipInfo) -> bytes:
        """The stored (compressed) bytes of an entry, read straight from the file."""
        self._fp.seek(info.header_offset)
        local = self._fp.read(_LOCAL.size)
        if len(local) < _LOCAL.size or local[:4] != b"PK\3\4":
            raise self._damaged(info)
        name_len, extra_len = struct.unpack("<2H", local[26:30])
        self._fp.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
        blob = self._fp.read(info.compress_size)
        if len(blob) != info.compress_size:
            raise self._damaged(info)
        return blob

    def read(self, part: str) -> bytes:
        key = _key(part)
        if key in self.deleted:
            raise KeyError(part)
        return self.new[key] if key in self.new else self.original(key)

    def write(self, part: str, data: bytes) -> None:
        key = _key(part)
        self.deleted.discard(key)
        self.new[key] = data
        if key not in self.infos:
            self.spelled[key] = part.lstrip("/")

    def delete(self, part: str) -> None:
        key = _key(part)
        self.new.pop(key, None)
        if key in self.infos:
            self.deleted.add(key)

    @property
    def changed(self) -> bool:
        if self.deleted or any(k not in self.infos for k in self.new):
            return True
        return any(self.original(k) != v for k, v in self.new.items())

    def save(self, dest) -> None:
        """Write the package: unchanged parts copied raw, in their original order."""
        entries, offset = [], 0
        with open(dest, "wb") as out:
            for key in self.parts():
                info = self.infos.get(key)
                if info is not None and (key not in self.new or self.new[key] == self.original(key)):
                    head, blob = self._raw(info)
                else:
                    head, blob = self._packed(key, info)
                out.write(head)
                out.write(blob)
                entries.append((head, offset))
                offset += len(head) + len(blob)
            central = b"".join(self._central(head, off) for head, off in entries)
            if len(entries) > 0xFFFF or offset > 0xFFFFFFFF:  # would need zip64 records
                raise WriteError("文件过大（超过 4 GB 或 65535 个部件），无法写入",
                                 path=str(dest), message_en="too large to write (zip64)")
            out.write(central)
            out.write(_END.pack(b"PK\5\6", 0, 0, len(entries), len(entries),
                                len(central), offset, 0))

    def _raw(self, info: zipfile.ZipInfo) -> tuple[bytes, bytes]:
        blob = self._blob(info)
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        head = self._local(info, name, info.compress_type, info.CRC, len(blob), info.file_size)
        return head, blob

    def _packed(self, key: str, info: zipfile.ZipInfo | None) -> tuple[bytes, bytes]:
        data = self.new[key]
        if info is None:  # a part perfxl adds: fixed time, deflated, UTF-8 name
            info = zipfile.ZipInfo(self.spelled.get(key, key), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits = 0x800
            info.create_system = 0
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        # stored stays stored; anything else is deflated, one-shot at the fastest level (time
        # matters more than a few bytes here)
        method = info.compress_type if info.compress_type == zipfile.ZIP_STORED else (
            zipfile.ZIP_DEFLATED)
        blob = data if method == zipfile.ZIP_STORED else zlib.compress(data, 1, -15)
        return self._local(info, name, method, zlib.crc32(data), len(blob), len(data)), blob

    @staticmethod
    def _local(info, name, method, crc, csize, usize) -> bytes:
        y, mo, d, h, mi, s = info.date_time
        dostime = h << 11 | mi << 5 | s // 2
        dosdate = max(y - 1980, 0) << 9 | mo << 5 | d
        flags = info.flag_bits & 0x800  # sizes are known up front: no data descriptor
        version = 20
        head = _LOCAL.pack(b"PK\3\4", version, flags, method, dostime, dosdate,
                           crc & 0xFFFFFFFF, csize, usize, len(name), 0)
        return head + name

    @staticmethod
    def _central(local: bytes, offset: int) -> bytes:
        (_sig, version, flags, method, dostime, dosdate, crc, csize, usize, name_len,
         _extra) = _LOCAL.unpack(local[: _LOCAL.size])
        name = local[_LOCAL.size: _LOCAL.size + name_len]
        return _CENTRAL.pack(b"PK\1\2", version, version, flags, method, dostime, dosdate,
                             crc, csize, usize, name_len, 0, 0, 0, 0, 0, offset) + name

    # ------------------------------------------------------------ package-level helpers

    def main_part(self) -> str:
        """The workbook part the package's root relationships point to."""
        for rel in self.rels(""):
            if rel.type.endswith("/officeDocument") and not rel.external:
                return rel.target
        raise UnreadableWorkbook("找不到工作簿主部件", path=str(self.path),
                                 message_en="no workbook part")

    def rels(self, part: str) -> list[Rel]:
        """The relationships of ``part`` ("" for the package's own); do not modify."""
        name = "_rels/.rels" if part == "" else rels_part(part)
        if not self.has(name):
            return []
        data = self.read(name)
        cached = self._rels.get(name)
        if cached is not None and cached[0] is data:
            return cached[1]
        top = root(data)
        out = []
        for el in kids(data, top):
            if el.name != "Relationship":
                continue
            target = el.get("Target", "")
            external = el.get("TargetMode", "") == "External"
            out.append(Rel(el.get("Id", ""), el.get("Type", ""),
                           target if external else resolve(part or "/", target), external, el))
        self._rels[name] = (data, out)
        return out

    def name_of(self, part: str) -> str:
        """A part's name as stored in the zip (case and all)."""
        info = self.infos.get(_key(part))
        return info.filename if info is not None else _key(part)


# ---------------------------------------------------------------- cell references


@lru_cache(maxsize=4096)
def parse_cell(ref: str) -> tuple[int, int] | None:
    m = _CELL.match(ref or "")
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


@lru_cache(maxsize=4096)
def norm_range(cell: str) -> str | None:
    parts = (cell or "").replace("$", "").upper().split(":")
    if len(parts) > 2 or not all(parse_cell(p) for p in parts):
        return None
    return ":".join(parts) if len(parts) == 2 and parts[0] != parts[1] else parts[0]


def range_key(ref: str):
    row, col = parse_cell(ref.split(":")[0])
    return row, col


@lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


# ---------------------------------------------------------------- editing a package


def prefixed(xml: str, prefix: bytes) -> str:
    """Give perfxl's unprefixed markup the prefix the host part uses for its namespace."""
    if not prefix:
        return xml
    p = prefix.decode()
    return re.sub(r"<(/?)(?=[A-Za-z])", lambda m: f"<{m.group(1)}{p}", xml)


def free_id(used: set, stem: str) -> str:
    n = 1
    while f"{stem}{n}" in used:
        n += 1
    return f"{stem}{n}"


def free_part(pkg: Package, pattern: str) -> str:
    n = 1
    while pkg.has(pattern.format(n)):
        n += 1
    return pattern.format(n)


def drop_rels(pkg: Package, source: str, gone: list) -> None:
    """Remove relationships of ``source`` and the parts they point to (and their types)."""
    if not gone:
        return
    name = rels_part(source)
    data = pkg.read(name)
    patch = Patch(data)
    for rel in gone:
        patch.replace(rel.span.start, rel.span.end, b"")
        pkg.delete(rel.target)
    if len(gone) == len(pkg.rels(source)):
        pkg.delete(name)
    else:
        pkg.write(name, patch.apply()[0])
    drop_types(pkg, [rel.target for rel in gone])


def drop_types(pkg: Package, parts: list[str]) -> None:
    data = pkg.read("[Content_Types].xml")
    patch = Patch(data)
    want = {"/" + p.lower() for p in parts}
    for el in kids(data, root(data)):
        if el.name == "Override" and el.get("PartName", "").lower() in want:
            patch.replace(el.start, el.end, b"")
    if patch.edits:
        pkg.write("[Content_Types].xml", patch.apply()[0])


class Edits:
    """One run's edits to a package: patches to existing parts (applied together, each with
    the record that undoes it), parts created, their relationships and content types."""

    def __init__(self, pkg: Package):
        self.pkg, self.patches, self.created, self.types = pkg, {}, [], []
        self.ids: dict[str, set] = {}  # relationship ids taken, per rels part

    def patch(self, part: str) -> Patch:
        if part not in self.patches:
            self.patches[part] = Patch(self.pkg.read(part))
        return self.patches[part]

    def create(self, part: str, data: bytes, content_type: str | None) -> None:
        self.pkg.write(part, data)
        self.created.append(part)
        if content_type:
            self.types.append((part, content_type))

    def relate(self, source: str, kind: str, target: str, rel_ns: str) -> str:
        """Add a relationship from ``source``; return its id."""
        name = rels_part(source)
        taken = self.ids.setdefault(name, {r.id for r in self.pkg.rels(source)})
        rid = free_id(taken, "perfxl")
        taken.add(rid)
        xml = (f'<Relationship Id="{rid}" Type="{rel_ns}/{kind}" '
               f'Target="{esc(relative(source, target), attr=True)}"/>')
        if name in self.created:
            data = self.pkg.read(name)
            self.pkg.write(name, data.replace(b"</Relationships>", xml.encode() + b"</Relationships>"))
        elif self.pkg.has(name):
            data = self.pkg.read(name)
            top = root(data)
            self.patch(name).insert(top.close_start, encoder(data)(prefixed(xml, top.prefix)))
        else:
            self.create(name, XML_DECL + f'<Relationships xmlns="{NS_PKG_REL}">{xml}'
                        "</Relationships>".encode(), None)
        return rid

    def finish(self) -> dict:
        """Apply every patch; the state that undoes them."""
        if self.types:
            data = self.pkg.read("[Content_Types].xml")
            top = root(data)
            xml = "".join(f'<Override PartName="/{esc(p, attr=True)}" ContentType="{t}"/>'
                          for p, t in self.types)
            self.patch("[Content_Types].xml").insert(top.close_start,
                                                      encoder(data)(prefixed(xml, top.prefix)))
        parts = {}
        for part, patch in self.patches.items():
            data, undo = patch.apply()
            self.pkg.write(part, data)
            parts[part] = {"sha1": hashlib.sha1(data).hexdigest(), "undo": undo}
        # a digest of each created part too: one someone else has since written into is not
        # perfxl's alone any more (the caller's own part, written after this, has none)
        made = {part: hashlib.sha1(self.pkg.read(part)).hexdigest() if self.pkg.has(part)
                else "" for part in self.created}
        return {"v": 2, "parts": parts, "created": made}


# ---------------------------------------------------------------- reading a sheet's text


def sheet_texts(pkg: Package, part: str, sst_part: str | None) -> dict[int, dict[int, str]]:
    """A sheet's cell texts, {row: {col: text}} (zero-based), whoever wrote it (inline or
    shared strings)."""
    tree = parse_xml(pkg.read(part), part)
    ns = f"{{{etree.QName(tree).namespace}}}"
    sst = None
    out: dict[int, dict[int, str]] = {}
    for r_index, row in enumerate(tree.iter(ns + "row")):
        r = int(row.get("r", r_index + 1)) - 1
        line = out.setdefault(r, {})
        for c_index, cell in enumerate(row.iter(ns + "c")):
            ref = parse_cell(cell.get("r", ""))
            col = ref[1] if ref else c_index
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(ns + "t")
                               if t.getparent().tag != ns + "rPh")
            else:
                v = cell.find(ns + "v")
                text = v.text or "" if v is not None else ""
                if kind == "s" and text:
                    sst = shared_strings(pkg, sst_part) if sst is None else sst
                    text = sst[int(text)] if int(text) < len(sst) else ""
            line[col] = text
    return out


def shared_strings(pkg: Package, part: str | None) -> list[str]:
    if not part or not pkg.has(part):
        return []
    tree = parse_xml(pkg.read(part), part)
    ns = f"{{{etree.QName(tree).namespace}}}"
    return ["".join(t.text or "" for t in si.iter(ns + "t") if t.getparent().tag != ns + "rPh")
            for si in tree.iter(ns + "si")]
