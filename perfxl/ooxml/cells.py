"""A1 cell references: ``B19`` ↔ (row 18, column 1), zero-based, as every room needs them.

Kept apart from the rest of :mod:`perfxl.ooxml` (and from xlsxwriter's utilities, whose import
pulls in the whole writer) so that reading a workbook or listing a profile's fields costs
nothing to import.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


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


@lru_cache(maxsize=1024)
def col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


@lru_cache(maxsize=65536)
def cell_name(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """(18, 1) → ``B19``; ``$B$19`` with both absolute."""
    return f"{'$' if col_abs else ''}{col_letter(col)}{'$' if row_abs else ''}{row + 1}"
