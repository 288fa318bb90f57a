"""Write the fill-in workbook of a profile with xlsxwriter.

Inputs are unlocked and tinted; derived figures are live formulas whose computed value is
stored too (so a reader that trusts cached values still sees the right number); every field is
a workbook-level defined name; sheets are protected without a password so the formulas are not
typed over by accident.  The same inputs give the same bytes.

``write_workbook`` also fills values in, which is how the samples and the tests make filled
workbooks that look as if a unit had typed them and Excel had saved them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from perfxl.numbers import MONEY_SCALES, money_parser, parse
from perfxl.ooxml.atomic import atomic_write

from .derive import derive
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
    derived = derive(profile, _numbers(layout, values), _list_numbers(profile, fill))

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
        ws.set_paper(9)  # A4
        if sum(sl.sheet.widths) > 110:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.print_area(0, 0, max(sl.rows - 1, 0), sl.sheet.width - 1)
    for slot in layout.slots:
        wb.define_name(slot.name, f"={slot.ref}")
    wb.close()


def _with_defaults(layout: Layout, values: dict, year: int, county: str) -> dict:
    out = dict(values)
    for slot in layout.slots:
        if slot.default and slot.name not in out:
            out[slot.name] = slot.default.format(year=year, county=county)
    return out


def _parsed(type_: str, unit: str, raw):
    return (money_parser(unit)(raw) if type_ == "money" else parse(type_, raw)).value


def _numbers(layout: Layout, values: dict) -> dict[str, object]:
    """The typed numbers, parsed as the reader parses them, so cached values match."""
    return {
        s.name: _parsed(s.type, s.unit, values[s.name])
        for s in layout.slots
        if s.kind == "input" and s.type in ("money", "rate", "score", "number") and s.name in values
    }


def _list_numbers(profile: Profile, fill: Fill) -> dict[str, dict[str, list]]:
    out = {}
    for block in profile.blocks("list") + profile.blocks("indicators"):
        rows = fill.items.get(block.key, [])
        unit = block.unit
        out[block.key] = {c.key: [_parsed(c.type, unit, r.get(c.key, "")) for r in rows]
                          for c in block.columns}
    return out


def _as_typed(slot: Slot, value):
    """A derived figure (元) as the form shows it: in 万元 on a form that prints 万元."""
    exp = MONEY_SCALES.get(slot.unit, 0) if slot.type == "money" else 0
    if exp and isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
        return round(value / 10 ** exp, 10)
    return value


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
    cached = fill.stale.get(slot.name, _as_typed(slot, derived.get(slot.name)))
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
