"""The workbook package as perfxl needs it beside calamine: names, properties, formula cells.

python-calamine gives cell values only.  Where each field is (the workbook's defined names),
which profile made the workbook (its custom properties), and whether a derived cell still holds
its formula or shows an error value come from the package itself, read here with as little
work as possible: the metadata parts are parsed once per distinct template (keyed by their
CRCs), and the sheet parts are scanned for ``<f>`` and ``t="e"`` rather than parsed.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from perfxl.errors import UnreadableWorkbook
from perfxl.ooxml.cells import parse_cell

from .guard import parse_xml


@dataclass
class Package:
    """What the workbook's XML says that calamine does not: names, properties, formulas."""

    names: dict[str, str] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)
    sheet_parts: dict[str, str] = field(default_factory=dict)
    zip: zipfile.ZipFile | None = None
    key: tuple | None = None  # identifies the metadata parts: equal keys, equal names and props
    parts: dict[str, bytes] = field(default_factory=dict)  # parts already inflated, by name
    legacy: dict | None = None  # an .xls: each sheet's formula cells (:mod:`.biff`), when known

    def formulas(self, sheet: str) -> tuple[set[str], set[str]] | None:
        """Cells holding a formula, and cells holding an error value, on ``sheet``."""
        if self.legacy is not None:
            found = self.legacy.get(sheet)
            return None if found is None else (found.formulas, found.errors)
        part = self.sheet_parts.get(sheet)
        if self.zip is None or part is None:
            return None
        data = self._inflate(part)
        prefixed = b"<x:" in data[:1000] or b":worksheet" in data[:1000]  # namespace-prefixed XML
        return _marked_cells(data, _F_TAG_PREFIXED if prefixed else _F_TAG), _marked_cells(data, _T_ERR)


    def cached_texts(self, sheet: str) -> dict[tuple[int, int], str]:
        """An .xls's formula results that are texts, by (row, col): calamine reads them as 0."""
        found = self.legacy.get(sheet) if self.legacy is not None else None
        return found.texts if found is not None else {}

    def _inflate(self, part: str) -> bytes:
        """A part's bytes, inflated straight from the file (calamine has read and checked it;
        going through zipfile costs more than the scan itself), unless the guard has already."""
        data = self.parts.get(part)
        if data is not None:
            return data
        info = self.zip.getinfo(part)
        fh = self.zip.fp
        if fh is not None and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                and not info.flag_bits & 0x1:
            fh.seek(info.header_offset)
            head = fh.read(30)
            if head[:4] == b"PK\x03\x04":
                name_len, extra_len = struct.unpack("<HH", head[26:30])
                fh.seek(info.header_offset + 30 + name_len + extra_len)
                raw = fh.read(info.compress_size)
                try:
                    return raw if info.compress_type == zipfile.ZIP_STORED else zlib.decompress(raw, -15)
                except zlib.error:
                    pass
        return self.zip.read(part)


def _marked_cells(data: bytes, needle: re.Pattern) -> set[str]:
    """The references of the cells in which a needle occurs (a <f> child, a t="e" attribute).

    Formula and error cells are few, so each hit looks back for its cell's opening tag rather
    than parsing the whole sheet (calamine has already read the values).
    """
    found = set()
    for hit in needle.finditer(data):
        at = hit.start()
        start = data.rfind(b"c ", 0, at)  # "<c " or, in prefixed XML, "<x:c "
        ref = _ATTR_R.search(data, start, data.find(b">", start) + 1) if start >= 0 else None
        if ref:
            found.add(ref.group(1).decode())
    return found


_ATTR_R = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_F_TAG = re.compile(rb"<f(?:[> ]|/>)")  # <f>, <f ...> or <f/>: one pass over the sheet
_F_TAG_PREFIXED = re.compile(rb"[<:]f(?:[> ]|/>)")  # and <x:f>, <x:f ...>, <x:f/>
_T_ERR = re.compile(rb' t="e"')


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file (.xls, .et)
_META_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml")
_META_CACHE: dict[tuple, tuple] = {}  # the parts' CRCs → what they say (a county shares one template)


def read_package(path: Path, zf: zipfile.ZipFile | None = None,
                 parts: dict[str, bytes] | None = None, data: bytes | None = None) -> Package:
    """The package of the workbook at ``path``; ``zf``, when given, is its directory already
    read and ``parts`` the parts already inflated (by :func:`perfxl.guard.vetted`); the zip
    stays the caller's to close.  A legacy .xls has no package: what its records say about
    formulas is read instead (``data``: its bytes, when at hand)."""
    pkg = Package(parts=parts or {})
    fh = zf.fp if zf is not None else None
    if fh is not None:
        fh.seek(0)
        magic = fh.read(4)
    else:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    if magic == _OLE[:4]:  # legacy .xls/.et: no package, but its formula records
        from . import biff

        pkg.legacy = biff.scan(data if data is not None and data[:8] == _OLE else str(path))
        return pkg
    if magic != b"PK\x03\x04":  # anything else: no package
        return pkg
    try:
        if zf is None:
            zf = zipfile.ZipFile(path)
        infos = {i.filename: i for i in zf.infolist()}
        key = tuple((infos[n].CRC, infos[n].file_size) if n in infos else None for n in _META_PARTS)
        meta = _META_CACHE.get(key)
        if meta is None:
            meta = _read_meta(zf, set(infos), str(path))
            if len(_META_CACHE) > 256:
                _META_CACHE.clear()
            _META_CACHE[key] = meta
    except KeyError as exc:  # a part where every Excel file has it is missing (or named otherwise)
        part = exc.args[0] if exc.args else ""
        missing = re.search(r"named '([^']+)'", str(part))
        part = missing.group(1) if missing else part
        raise UnreadableWorkbook(
            f"工作簿结构不完整：缺少 {part}（文件可能已损坏，或由不标准的程序导出），"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送",
            message_en=f"broken package: {part} is missing (a damaged file, or one written by a "
                       "non-standard program); open it in Excel or WPS and save it again as .xlsx") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableWorkbook(f"工作簿结构不完整：{exc}", message_en=f"broken package: {exc}") \
            from exc
    pkg.names, pkg.sheet_parts, pkg.props = (dict(m) for m in meta)
    pkg.zip, pkg.key = zf, key
    return pkg


def _read_meta(zf: zipfile.ZipFile, names: set[str], path: str) -> tuple[dict, dict, dict]:
    """Defined names, sheet parts and custom properties, from the package's XML."""
    book = parse_xml(zf.read("xl/workbook.xml"), part="xl/workbook.xml", path=path)
    rels = parse_xml(zf.read("xl/_rels/workbook.xml.rels"), part="workbook.xml.rels", path=path)
    defined, parts, props = {}, {}, {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        targets[rel.get("Id")] = _normalise(target[1:] if target.startswith("/") else "xl/" + target)
    ns = book.tag[: book.tag.index("}") + 1] if book.tag.startswith("{") else ""
    for sheet in book.iterfind(f"{ns}sheets/{ns}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        if rid in targets and targets[rid] in names:
            parts[sheet.get("name")] = targets[rid]
    for el in book.iterfind(f"{ns}definedNames/{ns}definedName"):
        if el.get("localSheetId") is None:
            defined[el.get("name")] = (el.text or "").strip()
    if "docProps/custom.xml" in names:
        for prop in parse_xml(zf.read("docProps/custom.xml"), part="docProps/custom.xml", path=path):
            value = next(iter(prop), None)
            if value is not None:
                props[prop.get("name")] = (value.text or "").strip()
    return defined, parts, props


def _normalise(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


_REF = re.compile(r"^=?'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


@lru_cache(maxsize=4096)
def resolve(ref: str) -> tuple[str, int, int, int | None] | None:
    """``'项目概况'!$B$19:$B$22`` → (sheet, row, col, last_row), zero-based."""
    m = _REF.match(ref)
    if not m:
        return None
    sheet = m.group(1).replace("''", "'")
    cell = parse_cell(m.group(2) + m.group(3))
    if cell is None:  # beyond the sheet: no place to read
        return None
    row, col = cell
    last = int(m.group(5)) - 1 if m.group(5) else None
    return sheet, row, col, last


# ----------------------------------------------------------------------------- reading
