"""Builders of hostile files for the guard tests, and module-level tasks for map_isolated.

Everything is built from scratch in a test's tmp_path, small and fast: a minimal OOXML package
(with any part swapped for a hostile one), a minimal OLE compound file (to stand for encrypted
workbooks and .xls/.et files), streamed zip bombs and patched central directories.
"""

from __future__ import annotations

import os
import struct
import time
import zipfile
from pathlib import Path

from perfxl.errors import PerfxlError, UnreadableWorkbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
       'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<workbook xmlns="{ns}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
       'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
       '</workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<worksheet xmlns="' + MAIN + '"><sheetData>'
         '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c><c r="B1"><v>1</v></c>'
         '</row></sheetData></worksheet>')
# One value in the very last cell: calamine allocates the whole A1:XFD1048576 range (512 GB).
FAR_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="' + MAIN + '"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>')
BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE sst [\n'
    b'<!ENTITY a0 "lollollollollollollollollollol">\n'
    + b"".join(b'<!ENTITY a%d "%s">\n' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
    + b']>\n<sst xmlns="' + MAIN.encode() + b'" count="1" uniqueCount="1"><si><t>&a9;</t></si>'
    b"</sst>")


def xlsx(path: Path, *, sheet: str = SHEET, ns: str = MAIN, main: str = XLSX_MAIN,
         extra: dict[str, bytes | str] | None = None, zeros_mb: int = 0) -> Path:
    """A minimal workbook package; ``extra`` adds or replaces parts.

    With ``zeros_mb`` the sheet part is that many MB of zeros, streamed (never in memory):
    a zip bomb of ~1000:1.
    """
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": _CT.format(main=main), "_rels/.rels": _RELS,
        "xl/workbook.xml": _WB.format(ns=ns), "xl/_rels/workbook.xml.rels": _WB_RELS,
        "xl/worksheets/sheet1.xml": sheet}
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            if zeros_mb and name == "xl/worksheets/sheet1.xml":
                chunk = bytes(1 << 20)
                with zf.open(name, "w", force_zip64=True) as fh:
                    for _ in range(zeros_mb):
                        fh.write(chunk)
            else:
                zf.writestr(name, data)
    return path


def declare_size(path: Path, part: str, size: int) -> Path:
    """Make the central directory claim ``part`` expands to ``size`` bytes (a lying header)."""
    data = bytearray(path.read_bytes())
    i = 0
    while (i := data.find(b"PK\x01\x02", i)) >= 0:
        n = struct.unpack_from("<H", data, i + 28)[0]
        if data[i + 46:i + 46 + n] == part.encode():
            struct.pack_into("<L", data, i + 24, size)
        i += 4
    path.write_bytes(bytes(data))
    return path


def cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """A minimal OLE2 compound file (v3, 512-byte sectors) holding ``streams`` at the root.

    Every stream is padded to 4096 bytes so none lives in the mini stream.
    """
    sec, end, free, fatsect = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    datas = [d.ljust(max(4096, -(-len(d) // sec) * sec), b"\0") for d in streams.values()]
    n_dir = -(-(len(streams) + 1) // 4)
    fat = [fatsect] + [i + 2 if i + 1 < n_dir else end for i in range(n_dir)]
    starts = []
    for d in datas:
        first, count = len(fat), len(d) // sec
        starts.append(first)
        fat += [first + k + 1 if k + 1 < count else end for k in range(count)]
    assert len(fat) <= 128, "one FAT sector only"
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return struct.pack("<64sHBBLLL16sLQQLQ", raw, len(raw), kind, 1, free, right, child,
                           b"\0" * 16, 0, 0, 0, start, size)

    names = list(streams)
    dirs = [entry("Root Entry", 5, end, 0, 1 if names else free, free)]
    for k, (name, d) in enumerate(zip(names, datas, strict=True)):
        nxt = k + 2 if k + 1 < len(names) else free  # a chain of right siblings
        dirs.append(entry(name, 2, starts[k], len(d), free, nxt))
    directory = b"".join(dirs).ljust(n_dir * sec, b"\0")  # unused entries: all zero
    header = struct.pack("<8s16sHHHHH6sLLLLLLLLL", bytes.fromhex("d0cf11e0a1b11ae1"), b"\0" * 16,
                         0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109L", 0, *([free] * 108))
    body = struct.pack("<128L", *fat) + directory + b"".join(datas)
    path.write_bytes(header + body)
    return path


def biff(*, encrypted: bool = False) -> bytes:
    """A BIFF8 globals substream: BOF, [FILEPASS], EOF."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHLL", 0x0600, 0x0005, 0, 0, 0, 0)
    filepass = struct.pack("<HHHHH", 0x002F, 6, 0, 0x1234, 0x5678) if encrypted else b""
    return bof + filepass + struct.pack("<HH", 0x000A, 0)


def encrypted_xlsx(path: Path) -> Path:
    """How Excel stores a password-protected .xlsx: an OLE file, not a zip."""
    return cfb(path, {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>",
                      "EncryptedPackage": os.urandom(2048)})


# ----------------------------------------------------------------------------- tasks


def hostile_task(item: str):
    """What one item of a batch does, by name: return, crash, hog memory, hang or raise."""
    kind = item.split("-")[0]
    if kind == "abort":
        os.abort()
    if kind == "segv":
        import ctypes
        ctypes.string_at(0)
    if kind == "oom":
        return len(bytearray(8 << 30))  # 8 GB: far past any memory_mb used in the tests
    if kind == "sleep":
        time.sleep(60)
    if kind == "perfxl":
        raise UnreadableWorkbook("文件为空（0 字节）", message_en="the file is empty (0 bytes)")
    if kind == "boom":
        raise ValueError("unexpected")
    if kind == "bug":
        raise TypeError("unexpected")
    if kind == "multiline":
        raise ValueError("第一行\n第二行")
    if kind == "exit":
        os._exit(3)
    return f"ok:{item}", os.getpid()


def read_workbook(path: str):
    """The reader's path, reduced: check the file, then let calamine read every sheet."""
    from python_calamine import CalamineWorkbook

    from perfxl.read.guard import open_checked

    kind = open_checked(path)
    try:
        with open(path, "rb") as fh:
            book = CalamineWorkbook.from_filelike(fh)
            sizes = [(name, len(book.get_sheet_by_name(name).to_python()))
                     for name in book.sheet_names]
    except PerfxlError:
        raise
    except Exception as exc:  # calamine's own errors: a clear reason, as the reader gives
        raise UnreadableWorkbook(f"无法读取工作簿：{exc}", path=path,
                                 message_en=f"cannot read workbook: {exc}") from None
    return kind, sizes


def overlapping(path: Path, copies: int = 3) -> Path:
    """Extra central-directory entries that point at the last member's data (a Fifield bomb)."""
    data = path.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    entries, cd_size, cd_off = struct.unpack_from("<HLL", data, eocd + 10)
    cd = data[cd_off:cd_off + cd_size]
    rec = cd[cd.rfind(b"PK\x01\x02"):]
    n = struct.unpack_from("<H", rec, 28)[0]
    clones = b"".join(rec[:46] + rec[46:45 + n] + bytes([0x61 + k]) + rec[46 + n:]
                      for k in range(copies))
    total = entries + copies
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, total, total, cd_size + len(clones),
                       cd_off, 0)
    path.write_bytes(data[:cd_off] + cd + clones + tail)
    return path


def half_written(job):
    """A writer that dies in the middle: its temporary file beside the target, then abort (or,
    for a target named "hang…", never finish)."""
    from perfxl.ooxml.atomic import temporary_name

    folder, name = os.path.split(job.target or job.source)
    with open(os.path.join(folder, temporary_name(name)), "wb") as fh:
        fh.write(b"half a workbook")
    if name.startswith("hang"):
        time.sleep(60)
    os.abort()
