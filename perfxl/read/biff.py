"""What a legacy .xls (BIFF8, also WPS .et) says about its formulas, which calamine does not.

python-calamine reads an .xls's values, but not which cells hold a formula, and a formula whose
cached result is a text (a grade, or the blank a rate over a zero base shows) comes back as 0.
So a formula typed over went unnoticed and a blank rate read as 0.00%.  The workbook stream's
FORMULA records say both: the cell, and its cached result (a number, a text in the STRING
record that follows, a boolean, an error, or the empty text).  This walks the records, nothing
else: no formula is parsed, no cell style read.

Anything that is not plain BIFF8 (BIFF5 and older, an encrypted stream, a damaged one) gives
None: the reader then cannot tell, as before.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import olefile

from perfxl.ooxml.cells import cell_name

BOF, EOF, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
FORMULA, STRING, BOOLERR = 0x0006, 0x0207, 0x0205
BIFF8 = 0x0600
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
          0x24: "#NUM!", 0x2A: "#N/A"}


@dataclass
class Sheet:
    """One worksheet's formula cells, error cells and the cached results calamine misreads."""

    formulas: set[str] = field(default_factory=set)  # A1 references
    errors: set[str] = field(default_factory=set)
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → cached text


def scan(source) -> dict[str, Sheet] | None:
    """Each worksheet's :class:`Sheet` by name, from an .xls path or its bytes; None when the
    workbook is not plain BIFF8 or cannot be walked."""
    try:
        with olefile.OleFileIO(source) as ole:
            if not ole.exists("Workbook"):
                return None  # BIFF5 ("Book") or older
            data = ole.openstream("Workbook").read()
        return _walk(data)
    except Exception:  # a damaged stream: say nothing rather than something wrong
        return None


def _records(data: bytes, at: int):
    """(type, body) of each record from offset ``at``."""
    end = len(data)
    while at + 4 <= end:
        kind, size = struct.unpack_from("<HH", data, at)
        yield kind, data[at + 4:at + 4 + size]
        at += 4 + size


def _walk(data: bytes) -> dict[str, Sheet] | None:
    sheets: list[tuple[str, int]] = []
    for n, (kind, body) in enumerate(_records(data, 0)):
        if n == 0 and (kind != BOF or struct.unpack_from("<H", body)[0] != BIFF8):
            return None
        if kind == FILEPASS:
            return None  # encrypted
        if kind == BOUNDSHEET and body[5] == 0:  # a worksheet (not a chart or macro sheet)
            sheets.append((_short_string(body, 6), struct.unpack_from("<I", body)[0]))
        if kind == EOF:
            break
    return {name: _sheet(data, at) for name, at in sheets}


def _sheet(data: bytes, at: int) -> Sheet:
    sheet = Sheet()
    pending: tuple[int, int] | None = None  # a formula whose text result comes next
    for kind, body in _records(data, at):
        if kind == FORMULA and len(body) >= 14:
            row, col = struct.unpack_from("<HH", body)
            sheet.formulas.add(cell_name(row, col))
            pending = None
            if body[12:14] == b"\xff\xff":  # not a number: the kind is in the first byte
                result = body[6]
                if result == 0:
                    pending = (row, col)
                elif result == 2:
                    sheet.errors.add(cell_name(row, col))
                elif result == 3:
                    sheet.texts[(row, col)] = ""
        elif kind == STRING and pending is not None:
            sheet.texts[pending] = _string(body)
            pending = None
        elif kind == BOOLERR and len(body) >= 8 and body[7] == 1:  # a typed error value
            row, col = struct.unpack_from("<HH", body)
            sheet.errors.add(cell_name(row, col))
        elif kind == EOF:
            break
    return sheet


def _short_string(body: bytes, at: int) -> str:
    """A ShortXLUnicodeString: a byte of length, a byte of flags, the characters."""
    count, flags = body[at], body[at + 1]
    chars = body[at + 2:]
    return chars[:count * 2].decode("utf-16-le") if flags & 1 else chars[:count].decode("latin-1")


def _string(body: bytes) -> str:
    """An XLUnicodeString (a STRING record): two bytes of length, a byte of flags, the text
    (as much of it as this record holds)."""
    count, flags = struct.unpack_from("<HB", body)
    chars = body[3:]
    if flags & 1:
        return chars[:count * 2].decode("utf-16-le", errors="replace")
    return chars[:count].decode("latin-1")
