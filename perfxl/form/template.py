"""Write the fill-in workbook of a profile with xlsxwriter.

Inputs are unlocked and tinted; derived figures are live formulas whose computed value is
stored too (so a reader that trusts cached values still sees the right number); every field is
a workbook-level defined name; sheets are protected without a password so the formulas are not
typed over by accident.  The same inputs give the same bytes.

It prints on A4 as a unit files it: every row as tall as its text needs (an explanation of the
form's 100 characters included), each sheet at one scale that fits its width, and page breaks
placed so that no table is cut — a table taller than a page breaks only between its top-level
groups (or list rows), its headings repeated on the next page.

``write_workbook`` also fills values in, which is how the samples and the tests make filled
workbooks that look as if a unit had typed them and Excel had saved them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import xlsxwriter

from perfxl.ooxml.atomic import atomic_write

from .derive import derive_as_typed
from .layout import PROFILE_NAME, VERSION_NAME, Layout, Slot, layout_for, skeleton_rows
from .profile import Profile

FIXED_DATE = dt.datetime(2020, 1, 1)  # document dates are fixed so outputs are reproducible

NUM_FORMATS = {
    "money": "#,##0.00",
    "rate": "0.00%",
    "score": "0.##",
    "number": "#,##0.##",
    "date": 'yyyy"年"m"月"d"日"',
    "year": "0",
    "text": "@",
    "phone": "@",
    "postcode": "@",
    "grade": "General",
}
BASE = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "text_wrap": True}
STYLES = {
    "title": {"bold": True, "font_size": 18, "align": "center"},
    "section": {"bold": True, "font_size": 13, "align": "left"},
    "remark": {"font_size": 9, "align": "left"},
    "header": {"bold": True, "align": "center", "bg_color": "#D9D9D9", "border": 1},
    "label": {"align": "center", "border": 1},
    "code": {"align": "center", "border": 1},
    "number": {"align": "center", "border": 1},
    "input": {"locked": False, "bg_color": "#FFF2CC", "font_color": "#1F4E79", "border": 1},
    "derived": {"bg_color": "#EDEDED", "border": 1},
}


@dataclass
class Fill:
    """What to put into a workbook besides the blank form (samples and tests use it)."""

    values: dict[str, object] = field(default_factory=dict)  # input name → value as typed
    items: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # list rows
    typed_over: dict[str, object] = field(default_factory=dict)  # a constant over a formula
    stale: dict[str, object] = field(default_factory=dict)  # a cached value that disagrees
    props: dict[str, str] = field(default_factory=dict)  # custom properties to override
    merge: bool = True  # an indicator list's 一级/二级 labels merged down where the form prints so


def write_template(profile: Profile, path: str | Path, *, year: int | None = None,
                   county: str | None = None) -> Path:
    """The blank fill-in workbook."""
    return write_workbook(profile, path, year=year, county=county)


def write_workbook(profile: Profile, path: str | Path, *, year: int | None = None,
                   county: str | None = None, fill: Fill | None = None) -> Path:
    fill = fill or Fill()
    year = year or profile.default_year
    county = county or profile.default_county
    counts = {k: len(v) for k, v in fill.items.items()}
    layout = layout_for(profile, counts)
    path = Path(path)
    atomic_write(path, lambda tmp: _write(profile, layout, tmp, year, county, fill))
    return path


def _write(profile: Profile, layout: Layout, path: Path, year: int, county: str, fill: Fill):
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": profile.name, "author": "perfxl", "created": FIXED_DATE,
                       "comments": f"{PROFILE_NAME}={profile.id}"})
    wb.set_custom_property(PROFILE_NAME, fill.props.get(PROFILE_NAME, profile.id))
    wb.set_custom_property(VERSION_NAME, fill.props.get(VERSION_NAME, profile.version))
    wb.define_name(PROFILE_NAME, f'="{fill.props.get(PROFILE_NAME, profile.id)}"')
    wb.define_name(VERSION_NAME, f'="{fill.props.get(VERSION_NAME, profile.version)}"')
    formats = _Formats(wb)
    blocks = {b.key: b for b in profile.blocks("indicators")}
    values = _with_defaults(layout, fill.values, year, county)
    # The cached results are what Excel computes from the cells as typed: a number typed as
    # text is skipped by SUM and makes + give #VALUE!, as in the workbooks units send.
    derived = derive_as_typed(profile, _numbers(layout, values), _list_numbers(profile, fill))

    for sl in layout.sheets:
        ws = wb.add_worksheet(sl.sheet.name)
        for i, width in enumerate(sl.sheet.widths):
            ws.set_column(i, i, width)
        for st in sl.statics:
            fmt = formats.get(st.style if st.style != "merge" else "derived", "text")
            if st.height:
                ws.set_row(st.row, st.height)
            last_row = st.last_row if st.last_row is not None else st.row
            last_col = st.last_col if st.last_col is not None else st.col
            if (last_row, last_col) != (st.row, st.col):
                ws.merge_range(st.row, st.col, last_row, last_col, st.text, fmt)
            else:
                ws.write_string(st.row, st.col, st.text, fmt)
        for slot in sl.slots:
            _write_slot(ws, slot, formats, values, derived, fill, blocks)
        ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True,
                        "delete_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})
        _print_setup(ws, sl, fill)
    for slot in layout.slots:
        wb.define_name(slot.name, f"={slot.ref}")
    wb.close()


# ---- printing --------------------------------------------------------------------------------
PAGE = {"portrait": (595.3, 841.9), "landscape": (841.9, 595.3)}  # A4, points
MARGIN = {"side": 0.5, "top": 0.6, "bottom": 0.6}  # inches
ONE_PAGE_SCALE = 0.75  # a sheet that fits one page at 75 % of its width-fitted scale prints on one (the
                      # national table is a one-page form: better a little smaller than half a page empty)
LINE = {10: 14.0, 13: 18.0, 18: 25.0}  # points a line of 宋体 takes, by font size
DIGIT = 7  # pixels of a column-width unit (the workbook's default font: Calibri 11)
EM = 13.4  # pixels a Chinese character of 10-point 宋体 takes at 96 dpi
FONT_SIZES = {"title": 18, "section": 13, "remark": 9}


def _print_setup(ws, sl, fill: Fill) -> None:
    """A4, portrait or landscape by the sheet's width, fitted to the page's width, every row as
    tall as its text, and page breaks that never cut a table.

    The breaks are placed for the largest scale the sheet may print at: Excel's, whose default
    font (Calibri) is the narrowest; a program that draws the columns wider (LibreOffice with
    another font) prints smaller, so more rows fit on its pages and the breaks still hold."""
    widths = sl.sheet.widths
    landscape = sum(widths) > 110
    page_w, page_h = PAGE["landscape" if landscape else "portrait"]
    sheet_px = sum(_px(w) for w in widths)
    room_px = (page_w / 72 - 2 * MARGIN["side"]) * 96
    scale = max(10, min(100, math.floor(room_px / sheet_px * 100))) if sheet_px else 100
    heights = _row_heights(sl, fill)
    for row, height in heights.items():
        ws.set_row(row, height)
    usable = (page_h - (MARGIN["top"] + MARGIN["bottom"]) * 72) / (scale / 100) * 0.97
    rows = [heights.get(r, 15.0) for r in range(sl.rows)]
    one_page = usable < sum(rows) <= usable / ONE_PAGE_SCALE  # a little too tall: shrunk onto one page
    breaks, repeat = ([], None) if one_page else _page_breaks(sl, rows, usable)
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 1 if one_page else 0)  # the width (and height) fitted by the program that prints
    if breaks:
        ws.set_h_pagebreaks(breaks)
    if repeat is not None:
        ws.repeat_rows(*repeat)
    ws.set_margins(left=MARGIN["side"], right=MARGIN["side"], top=MARGIN["top"], bottom=MARGIN["bottom"])
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.center_horizontally()
    ws.print_area(0, 0, max(sl.rows - 1, 0), sl.sheet.width - 1)


def _px(width: float) -> int:
    return int(width * DIGIT + 5)


def _lines(text: str, px: float, size: int = 10) -> int:
    """Lines a text takes wrapped in a cell ``px`` wide (Chinese characters one em, others half)."""
    if not text:
        return 1
    em = EM * size / 10
    room = max(px - 8, em)
    return sum(max(1, math.ceil(sum(em if _wide(ch) else em / 2 for ch in line) / room))
               for line in str(text).split("\n"))


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in "WF"


def _row_heights(sl, fill: Fill) -> dict[int, float]:
    """Every row's height in points: the tallest of its cells' text wrapped in the cell's width
    — labels and headings as written, an input of at most N characters for N of them (the
    form's 100-character explanations), a list's text for two lines or what was typed — and
    never less than the height the layout asks for."""
    widths = sl.sheet.widths
    blocks = {block.key: block for block, _first, _after in sl.blocks}
    heights: dict[int, float] = {}

    def need(row: int, col: int, span: int, text: str, size: int = 10, at_least: float | None = None):
        px = sum(_px(widths[c]) for c in range(col, min(col + span, len(widths))))
        height = _lines(text, px, size) * LINE.get(size, size * 1.4) + 4
        heights[row] = max(heights.get(row, 15.0), height, at_least or 0)

    for st in sl.statics:
        if st.last_row is not None and st.last_row != st.row:
            continue  # a label merged down several rows: they are sized by their own cells
        span = (st.last_col if st.last_col is not None else st.col) - st.col + 1
        need(st.row, st.col, span, st.text, FONT_SIZES.get(st.style, 10), st.height)
    for slot in sl.slots:
        rows = range(slot.row, (slot.last_row if slot.last_row is not None else slot.row) + 1)
        for i, row in enumerate(rows):
            typed = _typed(slot, fill, i, blocks)
            if slot.type == "text" and slot.max_length:
                room = "中" * slot.max_length  # room for the longest text the form allows
            elif slot.type == "text" and slot.section == "list":
                room = "中" * 10 + "\n" + "中"  # two lines
            else:
                room = ""
            size = FONT_SIZES.get(slot.style, 10)
            need(row, slot.col, slot.span, max(room, typed, key=len) if slot.height is None else typed,
                 size, slot.height)
    return {r: round(h, 1) for r, h in heights.items() if h > 15.0 or r in heights}


@lru_cache(maxsize=16)
def _skeleton(block) -> list[dict[str, str]]:
    """The blank form's indicator rows, worked out once per block (not for every cell of them)."""
    return skeleton_rows(block)


def _typed(slot, fill: Fill, i: int, blocks: dict) -> str:
    if slot.section == "list":
        items = fill.items.get(slot.block, [])
        value = items[i].get(slot.column) if i < len(items) else None
    elif slot.section == "indicators" and slot.kind == "input":  # the unit's rows, or the skeleton
        block = blocks[slot.block]
        items = fill.items[block.key] if block.key in fill.items else _skeleton(block)
        value = items[i].get(slot.column) if i < len(items) else None
        role = next(c.role for c in block.columns if c.key == slot.column)
        near = [items[j].get(slot.column) for j in (i - 1, i + 1) if 0 <= j < len(items)]
        if role in ("level1", "level2") and block.merge_levels and fill.merge and value in near:
            value = None  # merged down its run (as written): the run's rows share its height
    else:
        value = fill.values.get(slot.name)
    return "" if value is None or isinstance(value, (int, float, dt.date)) else str(value)


def _page_breaks(sl, heights: list[float], usable: float) -> tuple[list[int], tuple[int, int] | None]:
    """Rows to start new pages at, and the rows to repeat on every page (a table's headings,
    when the sheet is one table longer than a page).  A heading stays with the table after it;
    a table that fits on a page is never cut; a longer one is cut only between its top-level
    groups (an indicator tree) or its rows (a list)."""
    units = []  # (first row, after row, the rows it may be cut before, kind)
    for block, first, after in sl.blocks:
        if block.kind == "tree":  # before each top-level group (its label merged down the group)
            cuts = sorted(st.row for st in sl.statics if st.col == 0 and first < st.row < after
                          and st.last_row is not None)
        elif block.kind == "list":
            cuts = list(range(first + 2, after))
        else:
            cuts = []
        if units and units[-1][3] == "heading" and units[-1][4] != "remark":  # a heading keeps
            top = units.pop()                                                  # with what follows
            units.append((top[0], after, cuts, block.kind, block.style))
        elif units and block.kind == "heading" and block.style == "remark":  # a remark keeps with
            top = units.pop()                                                  # what it is under
            units.append((top[0], after, top[2], top[3], top[4]))
        else:
            units.append((first, after, cuts, block.kind, block.style))
    breaks, used, repeat = [], 0.0, None
    for first, after, cuts, _kind, _style in units:
        height = sum(heights[first:after])
        if used + height <= usable:
            used += height
            continue
        if used > 0:  # it does not fit below what is on the page: it starts a page
            breaks.append(first)
            used = 0.0
        if height <= usable or not cuts:
            used = height
            continue
        # Longer than a page: cut between its groups; its headings (the rows before the first
        # group) open every page when it opens the sheet.
        head = sum(heights[first:cuts[0]])
        if first == 0:
            repeat = (0, cuts[0] - 1)
        bounds = [first, *cuts, after]
        for a, b in itertools.pairwise(bounds):
            part = sum(heights[a:b])
            if a > cuts[0] - 1 and used + part > usable and used > (head if repeat else 0):
                breaks.append(a)
                used = head if repeat else 0.0
            used += part
    return breaks, repeat


def _with_defaults(layout: Layout, values: dict, year: int, county: str) -> dict:
    out = dict(values)
    for slot in layout.slots:
        if slot.default and slot.name not in out:
            out[slot.name] = slot.default.format(year=year, county=county)
    return out


def _numbers(layout: Layout, values: dict) -> dict[str, object]:
    """The numeric inputs as their cells hold them: numbers, texts (a number typed as text), or
    None for a blank."""
    return {
        s.name: _as_cell(values[s.name])
        for s in layout.slots
        if s.kind == "input" and s.type in ("money", "rate", "score", "number") and s.name in values
    }


def _list_numbers(profile: Profile, fill: Fill) -> dict[str, dict[str, list]]:
    out = {}
    for block in profile.blocks("list") + profile.blocks("indicators"):
        rows = fill.items.get(block.key, [])
        out[block.key] = {c.key: [_as_cell(r.get(c.key)) for r in rows] for c in block.columns}
    return out


def _as_cell(value) -> object:
    """A value as :func:`_write_value` puts it into its cell, as a formula sees the cell."""
    if value is None or value == "":
        return None  # a blank cell
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return str(value)  # a text, a boolean or a date: SUM skips it


def _write_slot(ws, slot: Slot, formats: _Formats, values: dict, derived: dict, fill: Fill,
                blocks: dict | None = None):
    if slot.height:
        for r in range(slot.row, (slot.last_row if slot.last_row is not None else slot.row) + 1):
            ws.set_row(r, slot.height)
    style = "input" if slot.kind == "input" else "derived"
    fmt = formats.get(style, slot.type, slot.style)
    last_col = slot.col + slot.span - 1
    rows = range(slot.row, (slot.last_row if slot.last_row is not None else slot.row) + 1)
    for r in rows if slot.section != "indicators" else ():  # an indicator list merges its own
        if last_col > slot.col:
            ws.merge_range(r, slot.col, r, last_col, "", fmt)
    if slot.kind == "input":
        _validate(ws, slot)
        if slot.section == "indicators":
            _write_indicator_column(ws, slot, fmt, rows, blocks[slot.block], fill)
            return
        if slot.section == "list":
            items = fill.items.get(slot.block, [])
            for i, r in enumerate(rows):
                value = items[i].get(slot.column) if i < len(items) else None
                if value is not None and value != "":
                    _write_value(ws, r, slot.col, value, fmt)
                elif last_col == slot.col:
                    ws.write_blank(r, slot.col, None, fmt)
            return
        value = values.get(slot.name)
        if value is not None:
            _write_value(ws, slot.row, slot.col, value, fmt)
        elif last_col == slot.col:
            ws.write_blank(slot.row, slot.col, None, fmt)
        return
    if slot.name in fill.typed_over:
        _write_value(ws, slot.row, slot.col, fill.typed_over[slot.name], fmt)
        return
    cached = fill.stale.get(slot.name, derived.get(slot.name))  # in the form's own unit, as Excel computes
    if cached is None or (isinstance(cached, float) and math.isnan(cached)):
        cached = ""
    ws.write_formula(slot.row, slot.col, slot.formula, fmt, cached)


def _write_indicator_column(ws, slot: Slot, fmt, rows: range, block, fill: Fill) -> None:
    """One column of an indicator list: the unit's rows, or on the blank form the skeleton the
    form prints (产出指标 / 数量指标 …); the 一级 and 二级 labels merged down their runs as printed."""
    items = fill.items[block.key] if block.key in fill.items else skeleton_rows(block)
    texts = [items[i].get(slot.column) if i < len(items) else None for i in range(len(rows))]
    role = next(c.role for c in block.columns if c.key == slot.column)
    last_col = slot.col + slot.span - 1
    runs = []  # (first index, last index) of the cells written as one
    if role in ("level1", "level2") and block.merge_levels and fill.merge:
        above = [block.role("level1").key] if role == "level2" and block.role("level1") else []
        keys = [(tuple(items[i].get(k) for k in above) if i < len(items) else None, texts[i])
                for i in range(len(rows))]
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or keys[i] != keys[start] or texts[start] in (None, ""):
                runs.append((start, i - 1))
                start = i
    else:
        runs = [(i, i) for i in range(len(rows))]
    for first, last in runs:
        value = texts[first]
        top, bottom = rows[first], rows[last]
        if (top, slot.col) != (bottom, last_col):
            ws.merge_range(top, slot.col, bottom, last_col, "", fmt)
        if value is not None and value != "":
            _write_value(ws, top, slot.col, value, fmt)
        elif last_col == slot.col and top == bottom:
            ws.write_blank(top, slot.col, None, fmt)


def _write_value(ws, row: int, col: int, value, fmt):
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        value = value if isinstance(value, dt.datetime) else dt.datetime(*value.timetuple()[:3])
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _validate(ws, slot: Slot) -> None:
    last = slot.last_row if slot.last_row is not None else slot.row
    opts = _validation(slot)
    if opts:
        ws.data_validation(slot.row, slot.col, last, slot.col, opts)


def _validation(slot: Slot) -> dict | None:
    label = slot.label[:30]
    if slot.type == "score" and slot.max is not None:
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": slot.max,
                "input_title": label, "input_message": f"本项满分 {slot.max:g} 分，"
                f"请填写 0 至 {slot.max:g} 之间的得分。",
                "error_title": "得分超出范围", "error_message": f"得分应在 0 至 {slot.max:g} 之间。"}
    if slot.type == "score" and slot.max is None:  # an indicator list's 分值 and 得分
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": label,
                "input_message": (slot.hint or "请填写分数，只填数字。")[:250],
                "error_title": "分数有误", "error_message": "分数应为不小于 0 的数字。"}
    if slot.type in ("money", "number"):
        unit = slot.unit or "元"
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": label,
                "input_message": f"请填写金额（{unit}），不小于 0，只填数字。",
                "error_title": "金额有误", "error_message": f"金额应为不小于 0 的数字（单位：{unit}）。"}
    if slot.type == "date":
        return {"validate": "date", "criteria": "between",
                "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31),
                "input_title": label, "input_message": "请填写日期，如 2021-4-1。",
                "error_title": "日期有误", "error_message": "请填写有效日期，如 2021-4-1。"}
    if slot.type == "year":
        return {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
                "input_title": label, "input_message": "请填写四位年份，如 2020。",
                "error_title": "年份有误", "error_message": "请填写四位年份，如 2020。"}
    if slot.max_length:
        return {"validate": "length", "criteria": "<=", "value": slot.max_length,
                "input_title": label, "input_message": f"限 {slot.max_length} 字以内。",
                "error_title": "超出字数", "error_message": f"限 {slot.max_length} 字以内。",
                "error_type": "warning"}
    if slot.hint:
        return {"validate": "any", "input_title": label, "input_message": slot.hint[:250]}
    return None


class _Formats:
    def __init__(self, wb):
        self.wb = wb
        self.cache: dict[tuple[str, str, str], object] = {}

    def get(self, style: str, type_: str = "text", extra: str = ""):
        key = (style, type_, extra)
        if key not in self.cache:
            props = {**BASE, **STYLES.get(style, {}), **STYLES.get(extra, {})}
            if style in ("input", "derived"):
                props["num_format"] = NUM_FORMATS.get(type_, "General")
                if type_ in ("money", "rate", "score", "number", "year"):
                    props["align"] = "right"
                if type_ == "grade":
                    props["align"] = "center"
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]
