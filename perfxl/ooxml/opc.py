"""A workbook's zip as an OPC package: parts read on demand, edited in memory, written back.

Parts nobody edits are copied compressed, as stored, without being inflated, in their original
order; the parts perfxl writes are deflated once.  Part names are matched case-insensitively,
as OPC wants, and each part's relationships are read (and cached) here.
"""

from __future__ import annotations

import base64
import binascii
import io
import mmap
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache

from perfxl.errors import UnreadableWorkbook, WriteError

from .atomic import Fingerprint
from .xmlspan import attributes, declares_utf8, parse_xml

try:  # ISA-L's fastest level deflates ~20x faster than zlib's level 1 (parts ~20% larger),
    # and it inflates about twice as fast
    from isal.isal_zlib import compress as _compress
    from isal.isal_zlib import crc32 as _crc32
    from isal.isal_zlib import decompressobj as _decompressobj
    from isal.isal_zlib import error as _InflateError

    _LEVEL = 0
except ImportError:  # pragma: no cover - isal is a dependency; zlib reads and writes the same
    from zlib import compress as _compress
    from zlib import crc32 as _crc32
    from zlib import decompressobj as _decompressobj
    from zlib import error as _InflateError

    _LEVEL = 1

# A part perfxl adds that is smaller than this is stored: deflating a note's few hundred bytes
# saves little (a fast deflate keeps ~70% of them) and costs a deflate set-up each time.
_SMALL = 2048
MAX_PART = 256 * 1024 * 1024  # a part inflating beyond this is a zip bomb, not a form


def _zlib_deflate(data: bytes, level: int) -> bytes:
    """Raw deflate as Python's zipfile writes it (zlib, default memory and strategy)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


# ---------------------------------------------------------------- relationships and paths


@dataclass(slots=True)
class Rel:
    id: str
    type: str
    target: str  # the resolved part name, or the raw target when external
    external: bool


def rels_part(part: str) -> str:
    folder, slash, base = part.rpartition("/")
    return f"{folder}{slash}_rels/{base}.rels"


@lru_cache(maxsize=1024)
def resolve(source: str, target: str) -> str:
    target = target.replace("\\", "/")
    if not target.startswith("/") and "." not in target.rpartition("/")[0]:
        folder = source.rpartition("/")[0]  # the common case, without posixpath's cost
        return f"{folder}/{target}" if folder else target
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


@lru_cache(maxsize=1024)
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
_OFFSET = struct.Struct("<L")  # a central record's local-header offset, at byte 42
_FIXED_DOS = (0, 1 << 5 | 1)  # parts perfxl creates carry no wall-clock time: 1980-01-01 00:00


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    # OPC part names are case-insensitive; some writers use backslashes (calamine #530)
    return name.replace("\\", "/").lstrip("/").lower()


class _Entry:
    """One central-directory record: the fields perfxl uses, named as :class:`zipfile.ZipInfo`
    names them (so either can stand for a part), plus where the record lies in the file and its
    DOS time and date as stored."""

    __slots__ = ("CRC", "compress_size", "compress_type", "dos", "file_size", "filename",
                 "flag_bits", "header_offset", "name_bytes", "orig_filename", "span")

    @property
    def date_time(self) -> tuple:
        dostime, dosdate = self.dos
        return ((dosdate >> 9) + 1980, (dosdate >> 5) & 0xF, dosdate & 0x1F,
                dostime >> 11, (dostime >> 5) & 0x3F, (dostime & 0x1F) * 2)


def _directory(data) -> list:
    """The zip's central directory.  A plain zip (every workbook writer's) is read here in one
    pass over the bytes; anything else — zip64 records, bytes before the zip, a directory that
    does not add up — goes to :mod:`zipfile`, which knows every variant (and every way to fail)."""
    end = data.rfind(b"PK\5\6", max(0, len(data) - _END.size - 0xFFFF))
    if end >= 0 and end + _END.size <= len(data):
        _sig, disk, cd_disk, n_here, n, cd_size, cd_offset, clen = _END.unpack_from(data, end)
        if (disk == cd_disk == 0 and n_here == n < 0xFFFF and cd_offset + cd_size == end
                and end + _END.size + clen == len(data)):  # not a look-alike inside the comment
            try:
                return _plain_directory(data, cd_offset, n, end)
            except (struct.error, ValueError):
                pass  # let zipfile say what is wrong
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as zf:
        return zf.infolist()


def _plain_directory(data, pos: int, n: int, end: int) -> list:
    entries = []
    unpack, fixed = _CENTRAL.unpack_from, _CENTRAL.size
    for _ in range(n):
        (sig, _made, _need, flags, method, dostime, dosdate, crc, csize, usize, name_len,
         extra_len, comment_len, _disk, _iattr, _eattr, offset) = unpack(data, pos)
        if sig != b"PK\1\2" or 0xFFFFFFFF in (csize, usize, offset):
            raise ValueError("not a plain central directory record")
        raw = data[pos + fixed: pos + fixed + name_len]
        codec = "utf-8" if flags & 0x800 else "cp437"
        try:  # part names are ASCII, nearly always: the same in UTF-8 and in cp437
            name = raw.decode("ascii")
        except UnicodeDecodeError:
            name = raw.decode(codec)
        if "\0" in name:
            name = name.split("\0", 1)[0]
            raw = name.encode(codec)
        e = _Entry()
        e.name_bytes = raw  # the name as stored, written back as it was
        e.filename = e.orig_filename = name
        e.flag_bits, e.compress_type, e.CRC = flags, method, crc
        e.compress_size, e.file_size, e.header_offset = csize, usize, offset
        e.dos = (dostime, dosdate)
        after = pos + fixed + name_len + extra_len + comment_len
        e.span = (pos, after)
        entries.append(e)
        pos = after
    if pos != end:
        raise ValueError("central directory size does not add up")
    return entries


def _spelled(info) -> tuple[bytes, int, tuple[int, int]]:
    """An entry's name as bytes, the flags kept (UTF-8 name; sizes are known up front, so no
    data descriptor) and its DOS time and date."""
    flags = info.flag_bits & 0x800
    if isinstance(info, _Entry):
        return info.name_bytes, flags, info.dos
    name = info.orig_filename.encode("utf-8" if flags else "cp437")
    y, mo, d, h, mi, sec = info.date_time
    return name, flags, (h << 11 | mi << 5 | sec // 2, max(y - 1980, 0) << 9 | mo << 5 | d)


def digest_of(data: bytes) -> str:
    """Bytes' CRC-32 and size ("crc/size"), as :meth:`Package.digest` gives them for a part."""
    return f"{_crc32(data):08x}/{len(data)}"


def _headers(name: bytes, flags: int, method: int, when: tuple[int, int], crc: int, csize: int,
             usize: int, offset: int) -> tuple[bytes, bytes]:
    """An entry's local header and its central-directory record (whose local header is at
    ``offset``), from the same fields: sizes up front, no extra fields, version 2.0."""
    local = _LOCAL.pack(b"PK\3\4", 20, flags, method, *when, crc, csize, usize, len(name), 0)
    central = _CENTRAL.pack(b"PK\1\2", 20, 20, flags, method, *when, crc, csize, usize,
                            len(name), 0, 0, 0, 0, 0, offset)
    return local + name, central + name


_MAPPED = 64 * 1024 * 1024  # larger files are mapped rather than read into memory
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class Package:
    """A workbook's zip: parts read on demand, edited in memory, written back in order."""

    def __init__(self, path):
        self.path = path
        self._map = None
        try:
            self._data = self._load(path)
            entries = _directory(self._data)
        except PermissionError as exc:
            raise UnreadableWorkbook(
                "文件正被其他程序（如 Excel/WPS）打开或锁定，或没有读取权限，请关闭后重试",
                path=str(path), message_en="the file is locked or not readable",
            ) from exc
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            self.close()
            raise UnreadableWorkbook(
                "不是有效的 xlsx/xlsm 文件（可能已损坏、被加密或并非 Excel 文件）",
                path=str(path), message_en="not a valid xlsx/xlsm file (damaged or encrypted?)",
            ) from exc
        self.infos = infos = {}
        for info in entries:
            key = _key(info.filename)
            problem = ("文件内容已加密" if info.flag_bits & 1 else
                       f"部件 {info.filename} 重复出现，文件已损坏"  # OPC forbids it
                       if key in infos else "")
            if problem:
                self.close()
                raise UnreadableWorkbook(problem, path=str(path),
                                         message_en="encrypted or duplicate part")
            infos[key] = info
        self.order: list[str] = list(infos)
        self._read: dict[str, bytes] = {}
        self.new: dict[str, bytes] = {}  # parts edited or created, by key
        self.spelled: dict[str, str] = {}  # how a created part's name is written
        self.deleted: set[str] = set()
        self._rels: dict[str, tuple] = {}  # parsed relationships, by rels part
        # parts given back as they were before perfxl edited them, with the records of their
        # zip entries then (see :meth:`entry_record`), so they are written back byte for byte
        self.exact: dict[str, dict] = {}

    def _load(self, path) -> bytes:
        """The file's bytes: read whole (one read: every part is copied or inflated from
        memory), or mapped when large."""
        fd = os.open(path, _READ_FLAGS)
        try:
            self.stat = os.fstat(fd)
            size = self.stat.st_size
            if size > _MAPPED:
                self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
                return self._map
            chunks = [os.read(fd, size + 1)]
            if len(chunks[0]) == size:  # the whole file, as fstat said
                return chunks[0]
            while chunks[-1]:  # it changed meanwhile, or the read came back short: to the end
                chunks.append(os.read(fd, 1 << 20))
            return b"".join(chunks)
        finally:
            os.close(fd)

    def fingerprint(self) -> Fingerprint:
        """The file as it was read: size, modification time, digest of its bytes."""
        return Fingerprint.of(self._data, self.stat)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        self._data = b""

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
        data = self._read.get(key)
        if data is not None:
            return data
        info = self.infos[key]
        if info.file_size > MAX_PART:
            raise UnreadableWorkbook(f"部件 {info.filename} 过大（疑似压缩炸弹）",
                                     path=str(self.path), message_en="part too large")
        blob = self._blob(info)
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                data = blob
            elif info.compress_type == zipfile.ZIP_DEFLATED:
                # never more than the directory says (plus one byte, to tell a lie from the truth)
                data = _decompressobj(-15).decompress(blob, info.file_size + 1)
            else:
                raise zipfile.BadZipFile(f"compression method {info.compress_type}")
        except (_InflateError, zlib.error, zipfile.BadZipFile) as exc:
            raise self._damaged(info) from exc
        if len(data) != info.file_size or _crc32(data) != info.CRC:
            raise self._damaged(info)
        self._read[key] = data
        return data

    def _damaged(self, info) -> UnreadableWorkbook:
        return UnreadableWorkbook(f"部件 {info.filename} 已损坏", path=str(self.path),
                                  message_en=f"damaged part {info.filename}")

    def _data_start(self, info) -> int:
        """Where an entry's stored bytes begin: after its local header, which must be there."""
        at, data = info.header_offset, self._data
        if data[at: at + 4] != b"PK\3\4" or at + _LOCAL.size > len(data):
            raise self._damaged(info)
        name_len, extra_len = struct.unpack_from("<2H", data, at + 26)
        return at + _LOCAL.size + name_len + extra_len

    def _blob(self, info: zipfile.ZipInfo) -> bytes:
        """The stored (compressed) bytes of an entry, read straight from the file."""
        start = self._data_start(info)
        blob = self._data[start: start + info.compress_size]
        if len(blob) != info.compress_size:
            raise self._damaged(info)
        return blob

    def read(self, part: str) -> bytes:
        key = _key(part)
        data = self.new.get(key)  # a part written is never in ``deleted`` (and vice versa)
        if data is not None:
            return data
        if key in self.deleted:
            raise KeyError(part)
        data = self._read.get(key)
        return data if data is not None else self.original(key)

    def digest(self, part: str) -> str:
        """A part's CRC-32 and size ("crc/size"): enough to tell whether anyone rewrote it since.
        For a part as stored, the zip's directory already says, without inflating it."""
        key = _key(part)
        info = self.infos.get(key)
        if info is not None and key not in self.new and key not in self.deleted:
            return f"{info.CRC:08x}/{info.file_size}"
        return digest_of(self.read(part))

    def entry_record(self, part: str) -> dict | None:
        """The zip entry a part has in the file as read, enough to write it again byte for
        byte once its content is back (see :meth:`save`): the local header, the data
        descriptor and the central record (offset zeroed), as stored, and the CRC-32 and size
        of the compressed bytes (which are not kept: they are deflated again to match).  For a
        part given back already, the record it came with; None for a part this run rewrote."""
        key = _key(part)
        if key in self.exact:
            return self.exact[key]
        info = self.infos.get(key)
        if key in self.new or key in self.deleted or not isinstance(info, _Entry):
            return None
        start = self._data_start(info)
        whole = self._record(info)
        if whole is None:
            return None
        head = self._data[info.header_offset: start]
        blob = self._data[start: start + info.compress_size]
        at, after = info.span
        central = self._data[at: at + 42] + b"\0\0\0\0" + self._data[at + 46: after]

        def b64(raw) -> str:
            return binascii.b2a_base64(raw, newline=False).decode("ascii")

        return {"h": b64(head), "d": b64(whole[len(head) + info.compress_size:]), "c": b64(central),
                "crc": _crc32(blob) & 0xFFFFFFFF, "n": info.compress_size}

    def restore_entry(self, part: str, record: dict) -> None:
        """Write ``part`` (its content given back) under ``record``, its zip entry before."""
        self.exact[_key(part)] = record

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

    def to_bytes(self) -> bytes:
        """The whole package, written to memory (so the source can be closed before the target
        is replaced: Windows will not replace a file that is still open)."""
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    def save(self, out) -> None:
        """Write the package to a binary file: unchanged parts copied raw, in their order."""
        entries, offset = [], 0
        for key in self.parts():
            info = self.infos.get(key)
            exact = self._exact(key, offset) if key in self.exact and key in self.new else None
            if exact is not None:
                head, blob, central = exact
            elif info is not None and (key not in self.new or self.new[key] == self.original(key)):
                local = self._record(info)
                if local is not None:  # the whole record, byte for byte, moved
                    out.write(local)
                    at, after = info.span
                    entries.append(self._data[at: at + 42] + _OFFSET.pack(offset)
                                   + self._data[at + 46: after])
                    offset += len(local)
                    continue
                head, blob, central = self._raw(info, offset)
            else:
                head, blob, central = self._packed(key, info, offset)
            out.write(head)
            out.write(blob)
            entries.append(central)
            offset += len(head) + len(blob)
        central = b"".join(entries)
        if len(entries) > 0xFFFF or offset > 0xFFFFFFFF:  # would need zip64 records
            raise WriteError("文件过大（超过 4 GB 或 65535 个部件），无法写入",
                             message_en="too large to write (zip64)")
        out.write(central)
        out.write(_END.pack(b"PK\5\6", 0, 0, len(entries), len(entries),
                            len(central), offset, 0))

    def _record(self, info) -> bytes | None:
        """An entry's local header, data and data descriptor, exactly as stored; None when its
        end cannot be told for sure (it is then written afresh from the directory's fields)."""
        if not isinstance(info, _Entry):
            return None
        at, data = info.header_offset, self._data
        end = self._data_start(info) + info.compress_size
        # a data descriptor (sizes given after the data) is 12 to 24 bytes: the one that ends
        # where the next record or the directory begins
        for size in (0,) if not info.flag_bits & 0x08 else (16, 12, 24, 20):
            if data[end + size: end + size + 4] in (b"PK\3\4", b"PK\1\2"):
                return data[at: end + size]
        return None

    def _exact(self, key: str, offset: int) -> tuple[bytes, bytes, bytes] | None:
        """A part given back, under the zip entry it had before perfxl edited it, when its
        compressed bytes can be made again exactly: stored, or deflated by zlib at one of its
        levels (what Python's zipfile, xlsxwriter, openpyxl and LibreOffice write).  None
        otherwise (Excel deflates with its own code): the part is then compressed afresh."""
        rec, data = self.exact[key], self.new[key]
        try:
            head, tail, central = (base64.b64decode(rec[k]) for k in ("h", "d", "c"))
            crc, size = int(rec["crc"]), int(rec["n"])
        except (KeyError, TypeError, ValueError):
            return None
        if len(central) < 46 or len(head) < 30:
            return None
        method, data_crc, usize = struct.unpack_from("<H", central, 10)[0], *struct.unpack_from(
            "<L4xL", central, 16)
        if usize != len(data) or data_crc != _crc32(data) & 0xFFFFFFFF:
            return None  # not the content it had then
        if method == zipfile.ZIP_STORED:
            blobs = iter([data])
        elif method == zipfile.ZIP_DEFLATED:
            blobs = (_zlib_deflate(data, level) for level in (6, 9, 1, 5, 4, 3, 2, 7, 8))
        else:
            return None
        for blob in blobs:
            if len(blob) == size and zlib.crc32(blob) == crc:
                return head, blob + tail, central[:42] + _OFFSET.pack(offset) + central[46:]
        return None

    def _raw(self, info: zipfile.ZipInfo, offset: int) -> tuple[bytes, bytes, bytes]:
        """An entry's data as stored, under headers written afresh from the directory: its
        local header, data and central record (for a local header at ``offset``)."""
        blob = self._blob(info)
        name, flags, when = _spelled(info)
        local, central = _headers(name, flags, info.compress_type, when, info.CRC, len(blob),
                                  info.file_size, offset)
        return local, blob, central

    def _packed(self, key: str, info: zipfile.ZipInfo | None,
                offset: int) -> tuple[bytes, bytes, bytes]:
        """A part perfxl wrote, deflated (stored stays stored) under fresh headers."""
        data = self.new[key]
        if info is None:  # a part perfxl adds: fixed time, UTF-8 name
            name, flags, when = self.spelled.get(key, key).encode(), 0x800, _FIXED_DOS
            method = 8 if len(data) > _SMALL else 0
        else:
            name, flags, when = _spelled(info)
            method = 0 if info.compress_type == zipfile.ZIP_STORED else 8
        if method and key in self.exact:  # a part given back, but not to the byte: not larger
            blob = _zlib_deflate(data, 6)
        else:
            blob = _compress(data, _LEVEL, -15) if method else data
        local, central = _headers(name, flags, method, when, _crc32(data) & 0xFFFFFFFF,
                                  len(blob), len(data), offset)
        return local, blob, central

    # ------------------------------------------------------------ package-level helpers

    def main_part(self) -> str:
        """The workbook part the package's root relationships point to."""
        for rel in self.rels(""):  # read once for each version of _rels/.rels
            if rel.type.endswith("/officeDocument") and not rel.external:
                return rel.target
        raise UnreadableWorkbook("找不到工作簿主部件", path=str(self.path),
                                 message_en="no workbook part")

    def rels(self, part: str) -> list[Rel]:
        """The relationships of ``part`` ("" for the package's own); do not modify.

        Read as :func:`_relationships` reads them (nothing here is spliced:
        :func:`perfxl.ooxml.drop_rels` finds the byte spans of the few it removes)."""
        name = "_rels/.rels" if part == "" else rels_part(part)
        if not self.has(name):
            return []
        data = self.read(name)
        cached = self._rels.get(name)
        if cached is not None and cached[0] is data:
            return cached[1]
        out = []
        source = part or "/"
        for attrs in _relationships(data, name):
            get = attrs.get  # unprefixed attributes, always, in a relationships part
            target = get("Target", "")
            external = get("TargetMode", "") == "External"
            out.append(Rel(get("Id", ""), get("Type", ""),
                           target if external else resolve(source, target), external))
        self._rels[name] = (data, out)
        return out


# A relationship tag (any prefix), its attributes whole: quoted values may hold '>'
_REL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?Relationship((?:\s+[^\s=/>]+\s*=\s*"
                      rb"(?:\"[^\"]*\"|'[^']*'))*)\s*/?>")


def _relationships(data: bytes, name: str) -> list[dict[str, str]]:
    """The attributes of each relationship in a rels part.

    The usual part (UTF-8, a declaration, the root, one empty tag a relationship, nothing else:
    every '<' in it accounted for) is read by one pattern; anything else — comments, other elements,
    markup the pattern does not take — is parsed with lxml, which also refuses what is not XML.
    lxml stays out of the usual case because, called once a workbook between file operations,
    its first parse costs several times what it does in a loop."""
    tags = _REL_TAG.findall(data)
    declared = data.startswith(b"<?xml")
    usual = (data.count(b"<") == len(tags) + 2 + declared and data.find(b"<!") < 0
             and data.count(b"<?") == declared  # no processing instruction but the declaration
             and declares_utf8(data))
    if usual:
        return [attributes(raw) for raw in tags]
    return [dict(el.attrib) for el in parse_xml(data, name)
            if type(el.tag) is str and el.tag.rpartition("}")[2] == "Relationship"]
