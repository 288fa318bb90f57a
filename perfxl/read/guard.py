"""Guard: look at a submitted file before any reader touches it.

A county finance office reads whatever departments send — hundreds of files a batch — and one
bad file must never take the batch down.  Two layers do that: these static checks (cheap, from
the file's bytes, before any reader decompresses anything), and :mod:`perfxl.isolate`, which
runs the readers in worker processes for what no static check can see.

- :func:`sniff` tells the real kind of a file from its bytes, not its name (a PDF or an HTML
  page renamed ``.xls``, an encrypted workbook, a Word file sent by mistake…).
- :func:`check_package` looks only at a zip's central directory and refuses damaged or
  truncated packages, too many members, parts whose declared size or compression ratio marks
  a zip bomb, overlapping members and insane member names.  Declared sizes are trusted here;
  a lying header is caught by the worker's memory limit (:mod:`perfxl.isolate`).
- :func:`open_checked` is sniff + check_package + a scan of each XML part's first bytes for a
  DOCTYPE (entity bombs; OPC forbids DTDs), raising :class:`UnreadableWorkbook` with a plain
  Chinese reason, or returning the kind of a readable workbook; :func:`vetted` does the same
  and hands the reader the zip directory it read, so each file is opened and its directory
  read once.
- :func:`safe_xml_parser` / :func:`parse_xml` for code that parses workbook XML itself.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import itertools
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import olefile
from lxml import etree

from perfxl.errors import UnreadableWorkbook

KINDS = ("xlsx", "xlsm", "xlsb", "strict", "xls", "et", "encrypted", "ods", "empty", "zip",
         "pdf", "text", "unknown")
READABLE_KINDS = frozenset({"xlsx", "xlsm", "xlsb", "strict", "xls", "et", "ods"})
ZIP_KINDS = frozenset({"xlsx", "xlsm", "xlsb", "strict", "ods", "zip"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BIFF_BOFS = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # a bare BIFF2-8 stream
_SNIFF_MAX_MEMBERS = 100_000  # sniff alone never builds a bigger directory than this
_IN_MEMORY = 64 << 20  # files up to this size are read once, into memory, for every check
_WHOLE_PART = 1 << 20  # XML parts up to this size (declared) are inflated whole, once
_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a workbook package may hold before it counts as hostile (sizes in MB)."""

    max_members: int = 10_000
    max_part_mb: float = 200
    max_total_mb: float = 500
    max_ratio: float = 200  # uncompressed : compressed, for parts over ratio_min_part_mb
    ratio_min_part_mb: float = 1


def size_text(n: float) -> str:
    """A byte count as people read it: 12 KB, 340 MB, 1.5 GB."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n / 1024:.0f} KB"


def _fail(zh: str, en: str, path: Path | str) -> UnreadableWorkbook:
    return UnreadableWorkbook(zh, path=str(path), message_en=en)


_DAMAGED = ("压缩包已损坏或不完整（文件可能未保存完或传输中断）",
            "the zip package is damaged or incomplete (the file may not have been fully saved "
            "or transferred)")
_ENCRYPTED = ("文件已加密（设有打开密码），请去掉密码后重新报送（或用 --password 提供密码）",
              "the file is encrypted (it has an opening password); remove the password and "
              "submit it again (or give it with --password)")
_RESAVE = ("，请用 Excel 或 WPS 打开后另存为 .xlsx 再报送",
           "; open it in Excel or WPS, save it as .xlsx and submit that")
_UNZIP = ("，请解压后报送其中的 Excel 文件", "; unpack it and submit the Excel file inside")


def _not_workbook(zh: str, en: str, hint: tuple[str, str] = ("", "")) -> tuple[str, str]:
    space = " " if zh[:1].isascii() else ""  # 看起来是 PDF 文件 / 看起来是网页
    return (f"不是 Excel 工作簿（看起来是{space}{zh}）{hint[0]}",
            f"not an Excel workbook (it looks like {en}){hint[1]}")


# ----------------------------------------------------------------------------- sniff


def sniff(path: str | os.PathLike) -> str:
    """The real kind of a file from its bytes: one of :data:`KINDS`.

    Raises UnreadableWorkbook only when the file cannot be opened at all (missing, a folder,
    no permission).  '.et' (WPS) is the same BIFF8 compound file as an '.xls' WPS writes, so
    it is told apart by its name; encryption wins over every other kind.
    """
    with _open(Path(path)) as f:
        return _sniff(f)[0]


class _Opened:
    """A file opened once for every check: its size and head, and for a zip its end record and
    central directory, each read at most once (a county's files are checked by the thousand,
    and reading a directory again costs as much as the checks on it).  What a read raised is
    raised again to every later caller, as if each had read it afresh."""

    def __init__(self, p: Path):
        self.p = p
        self.fh = open(p, "rb")  # noqa: SIM115 (closed by close())
        self.data: bytes | None = None  # the whole file, when it was read into memory
        try:
            self.size = os.fstat(self.fh.fileno()).st_size
            if self.size <= _IN_MEMORY:  # a workbook as submitted: one read, then from memory
                data = self.fh.read()
                if len(data) == self.size:
                    self.fh.close()
                    self.fh, self.data = _Memory(data), data
                else:  # it changed under us: read it as a file, as it is now
                    self.fh.seek(0)
            self.head = self.fh.read(8192)
        except BaseException:
            self.fh.close()
            raise
        self._entries: tuple | None = None
        self._zip: tuple | None = None
        self.parts: dict[str, bytes] = {}  # XML parts inflated whole by the DTD scan, by name
        self.sound: dict[zipfile.ZipInfo, bytes | None] = {}  # members read whole, see _member

    def entries(self) -> int | None:
        """The member count of the end-of-central-directory record (see :func:`_eocd_entries`)."""
        if self._entries is None:
            if self.data is not None and b"PK\x06\x07" in self.data[-(22 + 0xFFFF + 20):]:
                # A zip64 locator points anywhere: the file itself answers (how far a file may be
                # sought is up to its file system, which memory cannot say).
                with open(self.p, "rb") as fh:
                    self._entries = _attempt(_eocd_entries, fh, self.size)
            else:
                self._entries = _attempt(_eocd_entries, self.fh, self.size)
        return _outcome(self._entries)

    def zip(self) -> zipfile.ZipFile:
        """The central directory as :mod:`zipfile` reads it."""
        if self._zip is None:
            self._zip = _attempt(zipfile.ZipFile, self.fh)
        return _outcome(self._zip)

    def opened_zip(self) -> zipfile.ZipFile | None:
        """The directory if it was read (and read soundly), else None."""
        return self._zip[0] if self._zip is not None and self._zip[1] is None else None

    def close(self) -> None:
        zf = self.opened_zip()
        if zf is not None:
            zf.close()
        self.fh.close()

    def __enter__(self) -> _Opened:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Memory(io.BytesIO):
    """A file's bytes read once, sought and read as the file would be: a negative position is the
    same OSError, one past what an offset holds the same ValueError."""

    def seek(self, pos: int, whence: int = 0) -> int:
        target = pos if whence == 0 else (self.tell() if whence == 1 else len(self.getbuffer())) + pos
        if target < 0:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        if target >= 1 << 63:
            raise ValueError("cannot fit 'int' into an offset-sized integer")
        return super().seek(pos, whence)


def _attempt(func, *args) -> tuple:
    try:
        return func(*args), None
    except Exception as exc:
        return None, exc


def _outcome(got: tuple):
    value, exc = got
    if exc is not None:
        raise exc
    return value


def _open(p: Path) -> _Opened:
    """The file opened for sniffing, or UnreadableWorkbook saying plainly why it cannot be."""
    try:
        return _Opened(p)
    except IsADirectoryError:
        raise _folder(p) from None
    except FileNotFoundError:
        raise _fail("文件不存在", "the file does not exist", p) from None
    except PermissionError:
        if p.is_dir():  # a folder, when opening it is refused rather than named (Windows)
            raise _folder(p) from None
        raise _fail("没有读取该文件的权限（文件可能正被 Excel、WPS 等程序打开或锁定，请关闭后重试）",
                    "no permission to read the file (another program such as Excel may hold it)", p) from None
    except OSError as exc:
        if p.is_dir():
            raise _folder(p) from None
        raise _fail(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc}",
                    p) from None


def _folder(p: Path) -> UnreadableWorkbook:
    return _fail("不是文件（是一个文件夹）", "not a file (it is a folder)", p)


def _sniff(f: _Opened) -> tuple[str, str, str]:
    """(kind, reason_zh, reason_en); a reason is given when the file cannot be read."""
    p, size, head = f.p, f.size, f.head
    if size == 0:
        return "empty", "文件为空（0 字节）", "the file is empty (0 bytes)"
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(p)
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(f)
    if b"%PDF-" in head[:1024]:
        return "pdf", *_not_workbook("PDF 文件", "a PDF file")
    if head[:2] in _BIFF_BOFS and len(head) >= 8:
        return ("xls", "Excel 4.0 或更早版本的旧格式，无法读取" + _RESAVE[0],
                "an Excel 4.0 (or older) file, which cannot be read" + _RESAVE[1])
    text = _as_text(head)
    if text is not None:
        return "text", *_describe_text(text)
    return "unknown", *_describe_binary(head)


def _sniff_ole(p: Path) -> tuple[str, str, str]:
    try:
        with olefile.OleFileIO(str(p)) as ole:
            streams = {e[0].lower(): e[0] for e in ole.listdir() if len(e) == 1}
            if "encryptedpackage" in streams or "encryptioninfo" in streams:
                return "encrypted", *_ENCRYPTED
            book = streams.get("workbook") or streams.get("book")
            if book is None:
                if "worddocument" in streams:
                    return "unknown", *_not_workbook("Word 97-2003 文档", "a Word 97-2003 file")
                if "powerpoint document" in streams:
                    return "unknown", *_not_workbook("PowerPoint 97-2003 演示文稿",
                                                     "a PowerPoint 97-2003 file")
                return "unknown", *_not_workbook("不含表格数据的 OLE 复合文档",
                                                 "an OLE compound file without a workbook")
            head = _stream_head(ole, p, book)
    except Exception:  # olefile raises OSError and its own errors on damaged files
        return ("unknown", "文件已损坏或不完整（Excel 97-2003 复合文档结构无法解析）",
                "the file is damaged or incomplete (its OLE compound structure cannot be read)")
    # BIFF8 puts FILEPASS (0x2F) right after the BOF record of the globals substream.
    if len(head) >= 8:
        bof_len = struct.unpack_from("<H", head, 2)[0]
        nxt = head[4 + bof_len: 6 + bof_len]
        if nxt == b"\x2f\x00":
            return "encrypted", *_ENCRYPTED
    return ("et" if p.suffix.lower() in (".et", ".ett") else "xls"), "", ""


def _stream_head(ole: olefile.OleFileIO, p: Path, name: str, n: int = 256) -> bytes:
    """The first bytes of a root-level stream, without olefile reading the whole stream."""
    entry = next(e for e in ole.root.kids if e.name == name)
    if entry.size >= ole.minisectorcutoff:  # a regular stream: its first sector is contiguous
        with open(p, "rb") as fh:
            fh.seek((entry.isectStart + 1) * ole.sectorsize)
            return fh.read(min(n, entry.size, ole.sectorsize))
    with ole.openstream(name) as stream:  # a small stream inside the mini stream
        return stream.read(n)


def _norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _read_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, n: int) -> bytes:
    """At most n decompressed bytes of a member (bounded whatever its headers say)."""
    if info is None:
        return b""
    try:
        with zf.open(info) as fh:
            return fh.read(n)
    except Exception:  # encrypted, unsupported method, damaged data: nothing to learn here
        return b""


def _member(f: _Opened, info: zipfile.ZipInfo | None, n: int) -> bytes:
    """Exactly what ``_read_head(f.zip(), info, n)`` gives, read straight from the member's bytes
    when it is a sound stored or deflated one (the common case, several times cheaper than a
    zipfile stream); through zipfile otherwise."""
    if info is None:
        return b""
    whole = _sound(f, info)
    return whole[:n] if whole is not None else _read_head(f.zip(), info, n)


def _sound(f: _Opened, info: zipfile.ZipInfo) -> bytes | None:
    """The member's whole content when zipfile would read all of it without complaint: a local
    header that agrees with the directory (signature, name), no flag zipfile refuses without a
    password, stored or deflated data that ends where and as the directory says (size, CRC).
    None when any of that does not hold (or the member is large): ask zipfile then."""
    if info not in f.sound:
        f.sound[info] = None
        if info.file_size <= _WHOLE_PART and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                and not info.flag_bits & 0x61:  # encrypted, compressed patch, strong encryption
            with contextlib.suppress(Exception):
                f.sound[info] = _sound_data(f, info)
    return f.sound[info]


def _sound_data(f: _Opened, info: zipfile.ZipInfo) -> bytes | None:
    fh = f.fh
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return None
    (flags,) = struct.unpack("<H", local[6:8])
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    encoding = "utf-8" if flags & 0x800 else (getattr(f.zip(), "metadata_encoding", None) or "cp437")
    if fh.read(name_len).decode(encoding) != info.orig_filename:
        return None
    fh.seek(extra_len, os.SEEK_CUR)
    raw = fh.read(info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw if len(raw) == info.compress_size == info.file_size else None
    else:
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(raw, info.file_size + 1)
        if not inflater.eof or len(data) != info.file_size:
            return None
    return data if data is not None and zlib.crc32(data) == info.CRC else None


_OVERRIDE = re.compile(rb"<Override\b[^>]*>", re.I)
_PART = re.compile(rb'PartName\s*=\s*["\']([^"\']+)', re.I)
_CTYPE = re.compile(rb'ContentType\s*=\s*["\']([^"\']+)', re.I)


def _main_part(ct: bytes, names: dict[str, zipfile.ZipInfo]) -> tuple[str | None, bytes]:
    """The workbook part (normalised name) and its content type, from [Content_Types].xml."""
    for m in _OVERRIDE.finditer(ct):
        part, ctype = _PART.search(m.group()), _CTYPE.search(m.group())
        if part and ctype:
            t = ctype.group(1).lower()
            if (b"spreadsheetml." in t or b"ms-excel." in t) and b".main" in t:
                name = _norm(part.group(1).decode("utf-8", "replace"))
                if name in names:
                    return name, t
    for name in ("xl/workbook.xml", "workbook.xml", "xl/workbook.bin"):
        if name in names:
            return name, b""
    return next(((n, b"") for n in names if n.endswith(("/workbook.xml", "/workbook.bin"))),
                (None, b""))


def _sniff_zip(f: _Opened) -> tuple[str, str, str]:
    try:
        count = f.entries()
        if count is None:
            return "zip", *_DAMAGED
        if count > _SNIFF_MAX_MEMBERS:
            return "zip", f"压缩包内文件数过多（{count} 个）", f"too many zip members ({count})"
        zf = f.zip()  # kept open: check_package and the reader use the same directory
        names = {_norm(i.filename): i for i in zf.infolist()}
        if "mimetype" in names:
            mime = _member(f, names["mimetype"], 100)
            if mime.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return "ods", "", ""
            if mime.startswith(b"application/vnd.oasis.opendocument.text"):
                return "zip", *_not_workbook("OpenDocument 文本文档", "an OpenDocument text")
        ct = _member(f, names.get("[content_types].xml"), 256 * 1024)
        main, ctype = _main_part(ct, names)
        if main is None:
            return "zip", *_describe_zip(names)
        if main.endswith(".bin"):
            return "xlsb", "", ""
        if b"purl.oclc.org/ooxml/spreadsheetml/main" in _member(f, names[main], 4096):
            return "strict", "", ""
        if b"macroenabled" in ctype or any(n.endswith("vbaproject.bin") for n in names):
            return "xlsm", "", ""
        return "xlsx", "", ""
    except Exception:  # BadZipFile, struct.error, ValueError… on damaged packages
        return "zip", *_DAMAGED


def _describe_zip(names: dict[str, zipfile.ZipInfo]) -> tuple[str, str]:
    if not names:
        return _not_workbook("空的压缩包", "an empty zip archive")
    if "word/document.xml" in names:
        return _not_workbook("Word 文档", "a Word document")
    if "ppt/presentation.xml" in names:
        return _not_workbook("PowerPoint 演示文稿", "a PowerPoint presentation")
    if "ofd.xml" in names:
        return _not_workbook("OFD 版式文件", "an OFD document")
    return _not_workbook("普通的 ZIP 压缩包", "a plain zip archive", _UNZIP)


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or None when it looks binary."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                     (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            data, encodings = head[len(bom):], (enc,)
            break
    else:
        if b"\x00" in head:
            return None
        data, encodings = head, ("utf-8", "gb18030")
    for enc in encodings:
        try:
            text = codecs.getincrementaldecoder(enc)().decode(data, final=False)
        except UnicodeDecodeError:
            continue
        printable = sum(c.isprintable() or c in "\t\r\n\f" for c in text)
        return text if text and printable >= 0.95 * len(text) else None
    return None


def _describe_text(text: str) -> tuple[str, str]:
    t = text.lstrip("\ufeff \t\r\n").lower()
    if "<html" in t or t.startswith("<!doctype html") or "<table" in t:
        return _not_workbook("网页（HTML）文件，常见于从业务系统导出的“xls”",
                             "a web page (HTML), as many systems export 'xls' files", _RESAVE)
    if "urn:schemas-microsoft-com:office:spreadsheet" in t:
        return _not_workbook("Excel 2003 XML 表格", "an Excel 2003 XML spreadsheet", _RESAVE)
    if t.startswith("{\\rtf"):
        return _not_workbook("RTF 文档", "an RTF document")
    if t.startswith("<"):
        return _not_workbook("XML 文本文件", "an XML text file")
    return _not_workbook("纯文本或 CSV 文件", "plain text or CSV", _RESAVE)


_MAGIC = ((b"\x89PNG", "PNG 图片", "a PNG image"), (b"\xff\xd8\xff", "JPEG 图片", "a JPEG image"),
          (b"GIF8", "GIF 图片", "a GIF image"), (b"Rar!", "RAR 压缩包", "a RAR archive"),
          (b"7z\xbc\xaf\x27\x1c", "7z 压缩包", "a 7z archive"),
          (b"\x1f\x8b", "gzip 压缩文件", "a gzip file"))


def _describe_binary(head: bytes) -> tuple[str, str]:
    for magic, zh, en in _MAGIC:
        if head.startswith(magic):
            return _not_workbook(zh, en)
    return ("不是 Excel 工作簿（无法识别的文件类型，文件可能已损坏）",
            "not an Excel workbook (unrecognised file type; the file may be damaged)")


# ----------------------------------------------------------------------------- packages


def _eocd_entries(fh, size: int) -> int | None:
    """Member count from the end-of-central-directory record (zip64 aware), or None."""
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return None
    entries, cd_size, cd_offset = struct.unpack_from("<HLL", tail, pos + 10)
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        loc = pos - 20
        if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
            fh.seek(struct.unpack_from("<Q", tail, loc + 8)[0])
            rec = fh.read(56)
            if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
                entries = struct.unpack_from("<Q", rec, 32)[0]
    return entries


def _bad_name(name: str) -> bool:
    n = name.replace("\\", "/")
    return (n.startswith("/") or _DRIVE.match(n) is not None
            or ".." in n.split("/") or len(n) > 1024 or _CONTROL.search(n) is not None)


_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f]")


def check_package(path: str | os.PathLike, limits: Limits | None = None) -> list[zipfile.ZipInfo]:
    """Refuse a damaged or hostile zip package, reading only its central directory.

    Returns the members it vetted (empty for a file that is not a zip: OLE streams cannot
    expand beyond the file), so a caller need not read the directory again.
    """
    p = Path(path)
    try:
        f = _Opened(p)
    except OSError as exc:
        raise _fail(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc}",
                    p) from None
    with f:
        return _check_package(f, limits or Limits())


def _check_package(f: _Opened, lim: Limits) -> list[zipfile.ZipInfo]:
    p, size = f.p, f.size
    if not f.head[:4].startswith(_ZIP_MAGICS):
        return []
    try:
        count = f.entries()
    except OSError as exc:
        raise _fail(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc}",
                    p) from None
    if count is None:
        raise _fail(*_DAMAGED, p)
    if count > lim.max_members:
        raise _fail(f"压缩包内文件数过多（{count} 个，超过上限 {lim.max_members} 个）",
                    f"too many zip members ({count}, limit {lim.max_members})", p)
    try:
        infos = f.zip().infolist()
    except Exception:  # BadZipFile, struct.error, OverflowError… on damaged directories
        raise _fail(*_DAMAGED, p) from None
    total, seen = 0, set()
    for info in infos:
        name = info.filename
        if _bad_name(name):
            raise _fail(f"压缩包内有异常的文件名 {name!r}（绝对路径或“..”），疑似恶意构造",
                        f"suspicious member name {name!r} (absolute or '..')", p)
        if _norm(name) in seen:
            raise _fail(f"压缩包结构异常：部件 {name} 出现了两次", f"duplicate part {name}", p)
        seen.add(_norm(name))
        if info.flag_bits & 0x1:
            raise _fail(*_ENCRYPTED, p)
        if info.file_size > lim.max_part_mb * _MB:
            raise _fail(f"疑似压缩炸弹：{name} 解压后 {size_text(info.file_size)}，"
                        f"超过上限 {size_text(lim.max_part_mb * _MB)}",
                        f"suspected zip bomb: {name} expands to {size_text(info.file_size)}, "
                        f"over the {size_text(lim.max_part_mb * _MB)} limit", p)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > lim.ratio_min_part_mb * _MB and ratio > lim.max_ratio:
            raise _fail(f"疑似压缩炸弹：{name} 压缩比 {ratio:.0f}:1，超过上限 {lim.max_ratio:g}:1",
                        f"suspected zip bomb: {name} has a compression ratio of {ratio:.0f}:1, "
                        f"over the {lim.max_ratio:g}:1 limit", p)
        if info.header_offset + info.compress_size > size:
            raise _fail(*_DAMAGED, p)
        total += info.file_size
    if total > lim.max_total_mb * _MB:
        raise _fail(f"疑似压缩炸弹：全部内容解压后共 {size_text(total)}，"
                    f"超过上限 {size_text(lim.max_total_mb * _MB)}",
                    f"suspected zip bomb: the package expands to {size_text(total)}, "
                    f"over the {size_text(lim.max_total_mb * _MB)} limit", p)
    spans = sorted((i.header_offset, i.compress_size) for i in infos)
    if any(a + n > b for (a, n), (b, _) in itertools.pairwise(spans)):
        raise _fail("疑似压缩炸弹：压缩包内的部件相互重叠", "suspected zip bomb: members overlap", p)
    return infos


def open_checked(path: str | os.PathLike, limits: Limits | None = None, *,
                 encrypted_ok: bool = False) -> str:
    """The kind of a readable workbook, or UnreadableWorkbook naming the cause plainly.

    With ``encrypted_ok`` a password-protected workbook is returned as "encrypted" for the
    caller to decrypt rather than refused."""
    with vetted(path, limits, encrypted_ok=encrypted_ok) as found:
        return found.kind


class Vetted(NamedTuple):
    """What :func:`vetted` found and read, for the reader."""

    kind: str
    zip: zipfile.ZipFile | None  # the package's directory, as vetted
    parts: dict[str, bytes]  # XML parts inflated whole by the DTD scan, by name
    data: bytes | None  # the whole file, when it was read into memory


@contextlib.contextmanager
def vetted(path: str | os.PathLike, limits: Limits | None = None, *,
           encrypted_ok: bool = False) -> Iterator[Vetted]:
    """:func:`open_checked`, keeping what it read for the reader (see :class:`Vetted`), so that
    each file is opened, and its directory and parts read, once.  Valid inside the ``with``
    only."""
    p = Path(path)
    with _open(p) as f:
        kind, zh, en = _sniff(f)
        if kind == "encrypted" and encrypted_ok:
            yield Vetted(kind, None, {}, None)
            return
        if kind in ZIP_KINDS:
            members = _check_package(f, limits or Limits())
            if kind != "zip":
                _scan_dtd(f, members)
        if zh:
            raise _fail(zh, en, p)
        yield Vetted(kind, f.opened_zip(), f.parts, f.data)


def _scan_dtd(f: _Opened, members: list[zipfile.ZipInfo]) -> None:
    """Refuse XML parts that declare a DOCTYPE (entity bombs); looks at the first 4 KB of each.

    The parts are inflated straight from each member's bytes (a DTD can only stand before the
    root element), which costs a fraction of opening every member through zipfile; the
    directory is the one check_package already vetted.  A small worksheet is inflated whole and
    kept for the reader (its first 4 KB are exactly what inflating the head alone gives).
    """
    for info in members:
        name = info.filename.lower()
        if name.endswith((".xml", ".rels", ".vml")):  # as _norm(name) would end
            # Whole: a worksheet, which the reader inflates anyway, or a part no longer than its head.
            known = f.sound.get(info) if info.compress_size <= 4096 + 1024 else None  # read by the sniff
            if known is not None:  # the same bytes _whole gives (and, up to 4 KB, _raw_head)
                whole = known
            else:
                whole = _whole(f.fh, info) if info.file_size <= 4096 or "worksheets/" in name else None
            if whole is not None:
                f.parts[info.filename] = whole
                head = whole[:4096]
            else:
                head = _raw_head(f.fh, info, 4096)
            if head is None:  # a compression zipfile knows and we do not inflate by hand
                head = _read_head(f.zip(), info, 4096)
            if _has_dtd(head):
                raise _fail(*_entity_bomb(info.filename), f.p)


def _whole(fh, info: zipfile.ZipInfo) -> bytes | None:
    """A small stored or deflated member inflated whole, when that is exactly what its
    declared size says and :func:`_raw_head` would see the same first 4 KB (all of its data
    within the bytes the head is inflated from); else None."""
    if info.file_size > _WHOLE_PART or info.compress_size > 4096 + 1024:
        return None
    raw = _raw_data(fh, info)
    if raw is None:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        return raw if len(raw) == info.file_size else None
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(raw, info.file_size + 1)
    except zlib.error:
        return None
    return data if inflater.eof and len(data) == info.file_size else None


def _seek_data(fh, info: zipfile.ZipInfo) -> bool:
    """Put ``fh`` at a stored or deflated member's data, past its local header; False (to ask
    zipfile) for anything else."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return False
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    return True


def _raw_data(fh, info: zipfile.ZipInfo) -> bytes | None:
    """The compressed bytes of a stored or deflated member, or None to ask zipfile."""
    return fh.read(info.compress_size) if _seek_data(fh, info) else None


def _raw_head(fh, info: zipfile.ZipInfo, n: int) -> bytes | None:
    """At most n inflated bytes of a stored or deflated member, or None to ask zipfile."""
    if not _seek_data(fh, info):
        return None
    raw = fh.read(min(info.compress_size, n + 1024))
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[:n]
    try:
        return zlib.decompressobj(-15).decompress(raw, n)
    except zlib.error:
        return b""


# ----------------------------------------------------------------------------- XML


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that never expands entities, loads a DTD or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False)


def _has_dtd(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        enc = "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00<")) else "utf-16-le"
        head = head.decode(enc, "replace").encode("utf-8", "replace")
    return _DTD.search(head) is not None


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _entity_bomb(part: str) -> tuple[str, str]:
    part = part or "XML"
    return (f"疑似 XML 实体炸弹：{part} 含有 DOCTYPE/ENTITY 声明（正常的 Excel 文件不会有），已拒绝读取",
            f"suspected XML entity bomb: {part} declares a DOCTYPE/ENTITY (real Excel files "
            "never do); refused")


def parse_xml(data: bytes, *, part: str = "", path: str | None = None) -> etree._Element:
    """Parse one workbook part safely; DOCTYPE/ENTITY declarations are refused outright."""
    bomb_zh, bomb_en = _entity_bomb(part)
    if _has_dtd(data):
        raise UnreadableWorkbook(bomb_zh, path=path, message_en=bomb_en)
    try:
        root = etree.fromstring(data, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        where = part or "XML"
        raise UnreadableWorkbook(f"{where} 格式错误，无法解析（{exc}）", path=path,
                                 message_en=f"{where} is not well-formed XML ({exc})") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnreadableWorkbook(bomb_zh, path=path, message_en=bomb_en)
    return root
